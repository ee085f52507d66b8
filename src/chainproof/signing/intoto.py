"""in-toto links and layouts through the in-toto library, with ``chainproof keygen`` keys.

``record_step`` runs a command and writes its signed link ``NAME.KEYID8.link``;
``starter_layout``/``write_layout`` make a layout for the build → sbom → sign pipeline;
``sign_layout`` adds the owner's signature; ``verify_layout`` runs in-toto's verification
(layout signature and expiry, link signatures and thresholds, artifact rules).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainproof.errors import InputError, UsageError, VerificationFailed
from chainproof.fileio import atomic_write_text, canonical_json, os_error
from chainproof.signing.key_signer import load_public_key, load_signer

__all__ = [
    "MAX_EXPIRY_DAYS",
    "STEP_TIMEOUT",
    "record_step",
    "sign_layout",
    "starter_layout",
    "verify_layout",
    "write_layout",
]

STEP_TIMEOUT = 3600  # seconds; in-toto's default (10 s) is far too short for a build
MAX_EXPIRY_DAYS = 36500  # a layout's expiry must stay a date (year 9999 at most)
# a step's name becomes the file name NAME.KEYID8.link: no path, nothing hidden
_STEP_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")

# Each step consumes what the one before produced, unchanged (MATCH ... FROM), and may add
# only its own outputs (CREATE); anything else in dist/ is refused.
_STEPS: tuple[tuple[str, list[str], list[list[str]], list[list[str]]], ...] = (
    (
        "build",
        ["chainproof", "build", ".", "-o", "dist"],
        [["ALLOW", "*"]],
        [["CREATE", "dist/*"], ["DISALLOW", "*"]],
    ),
    (
        "sbom",
        ["chainproof", "sbom", "--dist", "dist"],
        [
            ["MATCH", "dist/*", "WITH", "PRODUCTS", "FROM", "build"],
            ["DISALLOW", "dist/*"],
            ["ALLOW", "*"],
        ],
        [
            ["CREATE", "dist/sbom.cdx.json"],
            ["MATCH", "dist/*", "WITH", "PRODUCTS", "FROM", "build"],
            ["DISALLOW", "*"],
        ],
    ),
    (
        "sign",
        ["chainproof", "sign", "dist"],
        [
            ["MATCH", "dist/sbom.cdx.json", "WITH", "PRODUCTS", "FROM", "sbom"],
            ["MATCH", "dist/*", "WITH", "PRODUCTS", "FROM", "build"],
            ["DISALLOW", "dist/*"],
            ["ALLOW", "*"],
        ],
        [
            ["CREATE", "dist/*.sigstore.json"],
            ["CREATE", "dist/*.dsse.json"],
            ["CREATE", "dist/*.publish.attestation"],
            ["CREATE", "dist/release.json"],
            ["MATCH", "dist/sbom.cdx.json", "WITH", "PRODUCTS", "FROM", "sbom"],
            ["MATCH", "dist/*", "WITH", "PRODUCTS", "FROM", "build"],
            ["DISALLOW", "*"],
        ],
    ),
)


def _key_dict(path: Path) -> dict[str, Any]:
    """in-toto's key form: securesystemslib's dict plus the keyid."""
    key = load_public_key(path)
    data: dict[str, Any] = key.to_dict()
    data["keyid"] = key.keyid
    return data


def record_step(
    name: str,
    key: Path,
    password: bytes | None,
    materials: Sequence[Path],
    products: Sequence[Path],
    command: Sequence[str],
    link_dir: Path,
) -> Path:
    """Run ``command`` recording materials before and products after; write the signed link.

    Paths are recorded relative to the working directory, as in-toto does. Nothing is
    written if the command cannot run or exits non-zero.
    """
    from in_toto.runlib import in_toto_run

    if not _STEP_NAME.fullmatch(name):
        raise UsageError(
            f"The step name {name!r} cannot name a link file: use letters, digits and . _ + -, "
            "starting with a letter, digit or _."
        )
    if not command:
        raise UsageError(
            "Give the step's command after --, e.g. chainproof step build ... -- chainproof build."
        )
    for path in materials:
        if not path.exists():
            raise InputError(f"The material {path} does not exist.")
    signer = load_signer(key, password)
    if link_dir.exists() and not link_dir.is_dir():
        raise InputError(f"--links {link_dir} is a file, not a directory.")
    try:  # before the command runs: a step whose link cannot be written must not run
        link_dir.mkdir(parents=True, exist_ok=True)
        scratch_dir = tempfile.TemporaryDirectory(dir=link_dir, prefix=".step-")
    except OSError as exc:
        raise os_error(link_dir, exc, "write the link into") from exc
    with scratch_dir as scratch:
        try:
            metadata = in_toto_run(
                name,
                [str(p) for p in materials],
                [str(p) for p in products],
                list(command),
                signer=signer,
                metadata_directory=scratch,
                timeout=STEP_TIMEOUT,
            )
        except FileNotFoundError as exc:
            if exc.filename not in (None, command[0]):
                raise  # not the command: the last-resort handler names the file
            raise InputError(f"Cannot run {command[0]!r}: command not found.") from exc
        except subprocess.TimeoutExpired as exc:
            raise InputError(f"The step's command ran longer than {STEP_TIMEOUT} s.") from exc
        status = metadata.get_payload().byproducts.get("return-value")
        if status != 0:
            raise InputError(f"The step's command exited with {status}; no link was written.")
        (written,) = Path(scratch).iterdir()
        final = link_dir / written.name
        os.replace(written, final)
    return final


def starter_layout(functionaries: Sequence[Path], expires_days: int = 365) -> dict[str, Any]:
    """An unsigned layout (in-toto Metablock) for the build, sbom and sign steps."""
    from in_toto.models.layout import Layout, Step
    from in_toto.models.metadata import Metablock

    layout = Layout()
    layout.set_relative_expiration(days=expires_days)
    keyids = [layout.add_functionary_key(_key_dict(path))["keyid"] for path in functionaries]
    for name, expected, materials, products in _STEPS:
        layout.steps.append(
            Step(
                name=name,
                expected_command=expected,
                expected_materials=materials,
                expected_products=products,
                pubkeys=keyids,
                threshold=1,
            )
        )
    layout.readme = "chainproof starter layout: build, then sbom, then sign, in dist/."
    layout.validate()
    data: dict[str, Any] = Metablock(signed=layout).to_dict()
    return data


def write_layout(path: Path, layout: dict[str, Any]) -> None:
    atomic_write_text(path, canonical_json(layout))


def _load(path: Path) -> Any:
    from in_toto.models.metadata import Metadata
    from securesystemslib.exceptions import FormatError

    try:
        return Metadata.load(str(path))
    except FileNotFoundError as exc:
        raise InputError(f"The layout {path} does not exist.") from exc
    except (OSError, ValueError, KeyError, TypeError, FormatError) as exc:
        raise InputError(f"{path} is not an in-toto layout ({exc}).") from exc
    except Exception as exc:  # in-toto's InvalidMetadata and format errors
        raise InputError(f"{path} is not an in-toto layout ({type(exc).__name__}).") from exc


def _load_layout(path: Path) -> Any:
    """The layout's Metadata (Metablock or DSSE envelope); anything else is bad input."""
    metadata = _load(path)
    try:
        kind = metadata.get_payload().type_
    except Exception as exc:  # an envelope's payload is parsed only here, by in-toto
        raise InputError(f"{path} is not an in-toto layout ({type(exc).__name__}).") from exc
    if kind != "layout":
        raise InputError(f"{path} holds an in-toto {kind}, not a layout.")
    return metadata


def sign_layout(path: Path, key: Path, password: bytes | None) -> str:
    """Add the owner's signature to the layout file (atomically); return the key id."""
    signer = load_signer(key, password)
    metadata = _load_layout(path)
    metadata.create_signature(signer)
    write_layout(path, metadata.to_dict())
    return str(signer.public_key.keyid)


def verify_layout(layout: Path, layout_keys: Sequence[Path], link_dir: Path) -> None:
    """in-toto verification of the links in ``link_dir`` against the signed layout.

    Raises VerificationFailed with in-toto's reason when anything does not hold.
    """
    from in_toto.exceptions import Error as InTotoError
    from in_toto.verifylib import in_toto_verify
    from securesystemslib.exceptions import Error as SslibError

    if not layout_keys:
        raise UsageError("Give at least one layout key (the layout owner's public key).")
    keys = {k["keyid"]: k for k in (_key_dict(path) for path in layout_keys)}
    metadata = _load_layout(layout)
    try:
        in_toto_verify(metadata, keys, link_dir_path=str(link_dir), persist_inspection_links=False)
    except (InTotoError, SslibError) as exc:
        reason = (str(exc).strip().splitlines() or ["no reason given"])[0].rstrip(".")
        raise VerificationFailed(
            f"in-toto verification failed: {type(exc).__name__}: {reason}."
        ) from exc
