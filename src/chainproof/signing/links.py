"""in-toto links (DSSE mode) signed with ``chainproof keygen`` keys.

``record_step`` runs a command and writes its link ``NAME.KEYID8.link`` (``chainproof step``).
``source_materials`` and ``write_build_link`` record the build step of ``chainproof build
--link`` (and ``release``): materials are the git-tracked files, recorded before the build;
products are the artifacts by file name, recorded after it.

in-toto's ``in_toto_run`` is not used: the build runs in this process, not as a command, and
``in_toto_run`` discards a command's output unless it records it into the link. Its runlib
(``record_artifacts_as_dict``) and its Link and Envelope models are, so the links are what
``in-toto-run --use-dsse`` writes.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainproof.build.source import tracked_files
from chainproof.errors import InputError, UsageError
from chainproof.fileio import atomic_write_text, canonical_json, os_error
from chainproof.formats.intoto_layout import BUILD_STEP, STEP_TIMEOUT, Artifacts
from chainproof.formats.keys import load_signer

if TYPE_CHECKING:
    from securesystemslib.signer import Signer  # type: ignore[attr-defined]

__all__ = [
    "BUILD_STEP",
    "STEP_TIMEOUT",
    "Artifacts",
    "prepare_link_dir",
    "record_step",
    "source_materials",
    "start_build_link",
    "write_build_link",
]


# a step's name becomes the file name NAME.KEYID8.link: no path, nothing hidden
_STEP_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")


def _check_step_name(name: str) -> None:
    if not _STEP_NAME.fullmatch(name):
        raise UsageError(
            f"The step name {name!r} cannot name a link file: use letters, digits and . _ + -, "
            "starting with a letter, digit or _."
        )


def prepare_link_dir(link_dir: Path) -> None:
    """Create the links directory, or say in one sentence why it cannot hold links; called
    before a step or build runs, so one whose link cannot be written does not run."""
    if link_dir.exists() and not link_dir.is_dir():
        raise InputError(f"--links {link_dir} is a file, not a directory.")
    try:
        link_dir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryDirectory(dir=link_dir, prefix=".link-").cleanup()
    except OSError as exc:
        raise os_error(link_dir, exc, "write the link into") from exc


def source_materials(project_dir: Path) -> Artifacts:
    """The git-tracked files of ``project_dir`` and their sha256, as in-toto records
    materials (paths relative to the project directory); call it before the build starts."""
    from in_toto.runlib import record_artifacts_as_dict

    if not project_dir.is_dir():
        raise InputError(f"The project directory {project_dir} does not exist.")
    files = tracked_files(project_dir)
    try:
        recorded: Artifacts = record_artifacts_as_dict(files, base_path=str(project_dir))
    except OSError as exc:
        raise os_error(Path(exc.filename or project_dir), exc, "read") from exc
    return recorded


def _product_artifacts(artifacts: Sequence[Path]) -> Artifacts:
    """Each artifact recorded by file name alone: products are matched where a release
    directory holds them, at its top level."""
    from in_toto.runlib import record_artifacts_as_dict

    products: Artifacts = {}
    for path in artifacts:
        if path.name in products:
            raise InputError(f"Two artifacts are named {path.name}; a link names each once.")
        if not path.is_file():
            raise InputError(f"The artifact {path} does not exist.")
        products.update(record_artifacts_as_dict([path.name], base_path=str(path.parent)))
    return products


def _write_link(
    name: str,
    materials: Artifacts,
    products: Artifacts,
    command: Sequence[str],
    byproducts: dict[str, Any],
    signer: Signer,
    link_dir: Path,
) -> Path:
    """``NAME.KEYID8.link``: in-toto's Link in its DSSE Envelope, signed, written atomically."""
    from in_toto.models.link import FILENAME_FORMAT, Link
    from in_toto.models.metadata import Envelope

    link = Link(
        name=name,
        materials=dict(materials),
        products=dict(products),
        command=list(command),
        byproducts=byproducts,
        environment={},
    )
    envelope = Envelope.from_signable(link)
    keyid = envelope.create_signature(signer).keyid
    path: Path = link_dir / FILENAME_FORMAT.format(step_name=name, keyid=keyid)
    atomic_write_text(path, canonical_json(envelope.to_dict()))
    return path


def start_build_link(
    project_dir: Path, key: Path, password: bytes | None
) -> Callable[[Sequence[Path], Path, Sequence[str]], Path]:
    """Load the key and record the source as materials now, before the build; the returned
    ``finish(artifacts, link_dir, command)`` writes the signed build link once they exist."""
    signer = load_signer(key, password)
    materials = source_materials(project_dir)
    return lambda artifacts, link_dir, command: write_build_link(
        materials, artifacts, signer, link_dir, command
    )


def write_build_link(
    materials: Artifacts,
    artifacts: Sequence[Path],
    signer: Signer,
    link_dir: Path,
    command: Sequence[str],
) -> Path:
    """Write ``build.KEYID8.link`` (DSSE, signed by ``signer``) into ``link_dir``, atomically.

    ``materials`` come from :func:`source_materials` taken before the build; the products
    are ``artifacts``, by file name. Returns the link's path.
    """
    products = _product_artifacts(artifacts)
    return _write_link(BUILD_STEP, materials, products, command, {}, signer, link_dir)


def _record(paths: Sequence[str]) -> Artifacts:
    """in-toto's recording of materials or products, relative to the working directory."""
    from in_toto.runlib import record_artifacts_as_dict

    recorded: Artifacts = record_artifacts_as_dict(list(paths), follow_symlink_dirs=True)
    return recorded


def record_step(
    name: str,
    key: Path,
    password: bytes | None,
    materials: Sequence[Path],
    products: Sequence[Path],
    command: Sequence[str],
    link_dir: Path,
    git_materials: bool = False,
    output_to_stderr: bool = False,
) -> Path:
    """Run ``command`` recording materials before and products after; write the signed link
    (DSSE, what ``in-toto-run --use-dsse`` writes).

    Paths are recorded relative to the working directory, as in-toto does; ``git_materials``
    adds every git-tracked file under it (what ``build --link`` records for the same tree).
    The command's output is shown (on stderr with ``output_to_stderr``), not recorded:
    in-toto's ``in_toto_run`` would discard it, and a failing test run must say why.
    Nothing is written if the command cannot run or exits non-zero.
    """
    _check_step_name(name)
    if not command:
        raise UsageError(
            "Give the step's command after --, e.g. chainproof step test ... -- pytest."
        )
    for path in materials:
        if not path.exists():
            raise InputError(f"The material {path} does not exist.")
    signer = load_signer(key, password)
    recorded = _record([str(p) for p in materials])
    if git_materials:  # the very function build --link records with
        recorded.update(source_materials(Path.cwd()))
    prepare_link_dir(link_dir)
    try:
        done = subprocess.run(
            list(command),
            check=False,
            timeout=STEP_TIMEOUT,
            stdin=subprocess.DEVNULL,
            stdout=2 if output_to_stderr else None,  # fd 2: the process's own stderr
        )
    except FileNotFoundError as exc:
        raise InputError(f"Cannot run {command[0]!r}: command not found.") from exc
    except OSError as exc:
        raise InputError(f"Cannot run {command[0]!r}: {exc.strerror}.") from exc
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"The step's command ran longer than {STEP_TIMEOUT} s.") from exc
    if done.returncode != 0:
        raise InputError(f"The step's command exited with {done.returncode}; no link was written.")
    byproducts = {"stdout": "", "stderr": "", "return-value": done.returncode}
    made = _record([str(p) for p in products])
    return _write_link(name, recorded, made, command, byproducts, signer, link_dir)
