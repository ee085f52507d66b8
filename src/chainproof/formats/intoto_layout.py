"""in-toto layouts: the starter layout of a Python release, writing and loading it.

The starter layout has two steps and one inspection:

- ``test`` (any materials, any products): the tester records the source tree it tested
  (``chainproof step test --git-materials ...``);
- ``build``: its materials must be exactly the tested source (MATCH ... FROM test, then
  DISALLOW), its products only wheels and sdists (``chainproof build --link``);
- ``unpack-wheel``, run by the verifier over the artifacts being deployed: every one must be
  a product of ``build``, and every file in the wheel but its ``.dist-info`` metadata must be
  a tested source file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chainproof.errors import InputError, UsageError
from chainproof.fileio import atomic_write_text, canonical_json
from chainproof.formats.keys import key_dict

__all__ = [
    "BUILD_STEP",
    "INSPECTION",
    "MAX_EXPIRY_DAYS",
    "STARTER_STEPS",
    "STEP_TIMEOUT",
    "TEST_STEP",
    "Artifacts",
    "functionary_keys",
    "load_layout",
    "starter_layout",
    "write_layout",
]

Artifacts = dict[str, dict[str, str]]  # in-toto's form: path -> {algorithm: hex digest}

BUILD_STEP = "build"

STEP_TIMEOUT = 3600  # seconds; in-toto's default (10 s) is far too short for a build

TEST_STEP = "test"
STARTER_STEPS = (TEST_STEP, BUILD_STEP)
INSPECTION = "unpack-wheel"
MAX_EXPIRY_DAYS = 36500  # a layout's expiry must stay a date (year 9999 at most)
UNPACKED = "unpacked"
# Portable (no shell, no unzip): extract every wheel in the working directory into unpacked/.
_UNPACK = (
    "import glob, zipfile; "
    f"[zipfile.ZipFile(w).extractall({UNPACKED!r}) for w in sorted(glob.glob('*.whl'))]"
)


def functionary_keys(specs: Sequence[str]) -> dict[str, list[Path]]:
    """``STEP=KEY`` authorises KEY for one step, a bare ``KEY`` for every step."""
    keys: dict[str, list[Path]] = {step: [] for step in STARTER_STEPS}
    for spec in specs:
        step, sep, path = spec.partition("=")
        if sep and step in keys:
            keys[step].append(Path(path))
        elif sep and not Path(spec).exists():
            raise UsageError(
                f"Unknown step {step!r} in --functionary {spec}: "
                f"the starter layout's steps are {', '.join(STARTER_STEPS)}."
            )
        else:
            for paths in keys.values():
                paths.append(Path(spec))
    return keys


def _rules(*rules: str) -> list[list[str]]:
    return [rule.split() for rule in rules]


def starter_layout(
    functionaries: Mapping[str, Sequence[Path]], expires_days: int = 365, source_dir: str = ""
) -> dict[str, Any]:
    """An unsigned layout (in-toto Metablock) for test → build, with the wheel inspection.

    ``functionaries`` maps a step name to the public keys allowed to perform it;
    ``source_dir`` is where the wheel's modules live in the tested tree (e.g. ``src``).
    """
    from in_toto.models.layout import Inspection, Layout, Step
    from in_toto.models.metadata import Metablock

    unknown = sorted(set(functionaries) - set(STARTER_STEPS))
    if unknown:
        raise UsageError(f"The starter layout has no step {unknown[0]!r}.")
    source = source_dir.strip("/")
    if source.startswith(".") or " " in source:  # no parent paths; a rule splits on spaces
        raise UsageError(f"--source-dir {source_dir!r} must be a plain relative path.")
    layout = Layout()
    layout.set_relative_expiration(days=expires_days)
    keyids: dict[str, list[str]] = {step: [] for step in STARTER_STEPS}
    for step, paths in functionaries.items():
        keyids[step] = [layout.add_functionary_key(key_dict(p))["keyid"] for p in paths]
    layout.steps = [
        Step(
            name=TEST_STEP,
            expected_materials=_rules("ALLOW *"),
            expected_products=_rules("ALLOW *"),
            pubkeys=keyids[TEST_STEP],
            threshold=1,
        ),
        Step(
            name=BUILD_STEP,
            expected_command=["chainproof", "build"],
            expected_materials=_rules(f"MATCH * WITH MATERIALS FROM {TEST_STEP}", "DISALLOW *"),
            expected_products=_rules("CREATE *.whl", "CREATE *.tar.gz", "DISALLOW *"),
            pubkeys=keyids[BUILD_STEP],
            threshold=1,
        ),
    ]
    in_source = f" IN {source}" if source else ""
    layout.inspect = [
        Inspection(
            name=INSPECTION,
            run=["python", "-c", _UNPACK],
            expected_materials=_rules(f"MATCH * WITH PRODUCTS FROM {BUILD_STEP}", "DISALLOW *"),
            # Every file of the wheel is a tested file, byte for byte, except the metadata
            # the backend writes: an extra module, a *.pth start-up hook or a binary that
            # the tests never saw is refused, even when the builder's key signed it.
            expected_products=_rules(
                f"MATCH * IN {UNPACKED} WITH MATERIALS{in_source} FROM {TEST_STEP}",
                f"ALLOW {UNPACKED}/*.dist-info/*",
                f"DISALLOW {UNPACKED}/*",
                "ALLOW *",
            ),
        )
    ]
    layout.readme = (
        "chainproof starter layout: the tested source is the built source; "
        "the deployed wheel is the built wheel and holds the tested modules."
    )
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


def load_layout(path: Path) -> Any:
    """The layout's Metadata (Metablock or DSSE envelope); anything else is bad input."""
    metadata = _load(path)
    try:
        kind = metadata.get_payload().type_
    except Exception as exc:  # an envelope's payload is parsed only here, by in-toto
        raise InputError(f"{path} is not an in-toto layout ({type(exc).__name__}).") from exc
    if kind != "layout":
        raise InputError(f"{path} holds an in-toto {kind}, not a layout.")
    return metadata
