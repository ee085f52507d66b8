"""``chainproof release``: build, SBOM and signing in one go, into one release directory.

Every stage runs in a staging directory beside the output; the output directory appears
(by one rename) only when all stages succeeded, so a failed release leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from chainproof.errors import InputError, UsageError, VerificationFailed
from chainproof.fileio import atomic_write_text, default_mode, os_error
from chainproof.models import SBOM_NAME
from chainproof.progress import NullReporter, Reporter

if TYPE_CHECKING:
    from chainproof.signing import Signer, SignResult

__all__ = ["ReleaseOptions", "make_release"]


@dataclass(frozen=True)
class ReleaseOptions:
    project_dir: Path
    output_dir: Path
    installer: str = "auto"
    allow_dirty: bool = False
    check_reproducible: bool = False
    spec_version: str = "1.6"
    # the SBOM's target, as --python-version and --platform of `chainproof sbom`
    python_version: str | None = None
    platforms: tuple[str, ...] = ()


def _check_output(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise InputError(f"The release directory {output} exists and is not a directory.")
    try:
        not_empty = output.is_dir() and any(output.iterdir())
    except OSError as exc:
        raise InputError(f"Cannot read the release directory {output}: {exc.strerror}.") from exc
    if not_empty:
        raise InputError(
            f"The release directory {output} already exists and is not empty.",
            hint="Choose a new directory with -o; a release is never mixed with older files.",
        )


def make_release(
    options: ReleaseOptions,
    signer: Callable[[Reporter], Signer],
    reporter: Reporter | None = None,
) -> SignResult:
    """Build, write the SBOM, sign; ``signer`` is called once the artifacts exist."""
    from chainproof.build.project import BuildOptions, build_project
    from chainproof.sbom.build import SbomRequest, make_sbom
    from chainproof.sbom.cyclonedx import SPEC_VERSIONS, RenderOptions
    from chainproof.sbom.target import Target
    from chainproof.signing import read_release, run_details, sign_release

    reporter = reporter or NullReporter()
    # Settings are checked before a minute of building, not after.
    if options.spec_version not in SPEC_VERSIONS:
        raise UsageError(
            f"CycloneDX {options.spec_version!r} is not supported; use {', '.join(SPEC_VERSIONS)}."
        )
    target = Target.for_python(options.python_version, options.platforms)
    output = options.output_dir.expanduser().absolute()
    _check_output(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
        staging.chmod(default_mode(directory=True))
    except OSError as exc:
        raise os_error(output, exc, "create") from exc
    try:
        outcome = build_project(
            BuildOptions(
                project_dir=options.project_dir,
                output_dir=staging,
                installer=options.installer,
                check_reproducible=options.check_reproducible,
                allow_dirty=options.allow_dirty,
            ),
            reporter,
        )
        if outcome.differences:
            raise VerificationFailed(
                f"The build is not reproducible: {outcome.differences[0].sentence()}."
            )
        _, rendered = make_sbom(
            SbomRequest(dist=staging, target=target),
            RenderOptions(options.spec_version, "json", False, outcome.record.source_date_epoch),
            reporter,
        )
        atomic_write_text(staging / SBOM_NAME, rendered.text)
        inputs = read_release(staging, None, reporter)
        result = sign_release(inputs, signer(reporter), run_details(os.environ), reporter)
        _check_output(output)
        with contextlib.suppress(FileNotFoundError):
            output.rmdir()
        staging.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return replace(result, directory=output, written=tuple(output / p.name for p in result.written))
