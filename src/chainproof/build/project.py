"""``chainproof build`` as a library call: check the source, build (twice with a
reproducibility check), then publish the artifacts and build-record.json all at once."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from packaging.metadata import parse_email

from chainproof import __version__
from chainproof.build.backend import (
    BuiltDistribution,
    build_environment_closure,
    build_sdist_and_wheel,
)
from chainproof.build.compare import Difference, compare_builds
from chainproof.build.installers import Installer, LockedInstaller, choose_installer
from chainproof.build.lock import BuildLock, build_lock_for, format_build_lock, read_build_lock
from chainproof.build.source import inspect_project, source_date_epoch
from chainproof.errors import BuildFailed, InputError
from chainproof.fileio import (
    atomic_write_text,
    canonical_json,
    load_toml,
    os_error,
    sha256_file,
)
from chainproof.formats import build_record
from chainproof.models import (
    BUILD_RECORD_NAME,
    Artifact,
    BuildRecord,
    EnvironmentPackage,
    ToolVersions,
)
from chainproof.progress import NullReporter, Reporter

__all__ = ["BuildOptions", "BuildOutcome", "build_project", "lock_build_environment"]


@dataclass(frozen=True)
class BuildOptions:
    project_dir: Path
    output_dir: Path
    installer: str = "auto"  # auto | uv | pip
    check_reproducible: bool = False
    allow_dirty: bool = False
    build_lock: Path | None = None  # install the build environment from this lock


@dataclass(frozen=True)
class BuildOutcome:
    """The record, where things were written, and the reproducibility verdict.

    With differences nothing was written: ``record_path`` and ``artifact_paths`` say where
    the files would have gone.
    """

    record: BuildRecord
    record_path: Path
    artifact_paths: tuple[Path, ...]
    reproducible: bool | None  # None: not checked
    differences: tuple[Difference, ...] = field(default=())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _wheel_metadata(wheel: Path) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = [
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(names) != 1:
                raise BuildFailed(f"The wheel {wheel.name} has no single .dist-info/METADATA.")
            text = archive.read(names[0]).decode("utf-8")
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BuildFailed(f"The backend wrote an unreadable wheel {wheel.name}: {exc}.") from exc
    raw, unparsed = parse_email(text)
    # A Name or Version given twice is set aside in `unparsed`: the first one counts.
    name = raw["name"] if "name" in raw else next(iter(unparsed.get("name", [])), None)
    version = raw["version"] if "version" in raw else next(iter(unparsed.get("version", [])), None)
    missing = [field for field, value in (("Name", name), ("Version", version)) if not value]
    if missing:  # a record naming the project "None" would sign a release of nothing
        raise BuildFailed(f"The wheel {wheel.name} has no {' or '.join(missing)} in its METADATA.")
    return str(name), str(version)


def _publish(files: dict[str, Path], output: Path, record: str, reporter: Reporter) -> None:
    """Copy every artifact beside its destination under a temporary name, then rename them
    all and write the record last; on failure remove the temporaries and whatever was
    already renamed, so no artifact is left without its record. (Not fileio.StagedFiles,
    which holds every file in memory: artifacts are copied file to file.)"""
    staged: list[tuple[Path, Path]] = []
    renamed: list[Path] = []
    current = output
    created = not output.exists()
    try:
        output.mkdir(parents=True, exist_ok=True)
        for name, source in sorted(files.items()):
            current = output / name
            temporary = output / f".{name}.chainproof-tmp"
            staged.append((temporary, current))
            shutil.copyfile(source, temporary)
        for temporary, current in staged:
            os.replace(temporary, current)
            renamed.append(current)
            reporter.advance()
        current = output / BUILD_RECORD_NAME
        atomic_write_text(current, record)
        reporter.advance()
    except BaseException as exc:
        for path in [*renamed, *(temporary for temporary, _ in staged)]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        if created:
            with contextlib.suppress(OSError):
                output.rmdir()
        if isinstance(exc, OSError):
            raise os_error(current, exc) from exc
        raise


def _build_environment(builds: tuple[BuiltDistribution, ...]) -> tuple[EnvironmentPackage, ...]:
    packages = {
        EnvironmentPackage(p.name, p.version, p.filename, p.sha256, p.url)
        for built in builds
        for p in built.environment
    }
    return tuple(sorted(packages, key=EnvironmentPackage.sort_key))


def build_project(options: BuildOptions, reporter: Reporter | None = None) -> BuildOutcome:
    """Build sdist and wheel of a git checkout in fresh isolated environments."""
    import build as pypa_build

    reporter = reporter or NullReporter()
    started = _now()
    output = options.output_dir.expanduser().absolute()
    if output.exists() and not output.is_dir():
        raise InputError(f"The output path {options.output_dir} exists and is not a directory.")
    project = inspect_project(options.project_dir, options.allow_dirty, output)
    lock = None
    if options.build_lock is not None:
        lock = build_lock_for(options.build_lock, project.build_requires)
    epoch = source_date_epoch(project)
    with tempfile.TemporaryDirectory(prefix="chainproof-build-") as tmp:
        work = Path(tmp)
        installer: Installer = choose_installer(options.installer, work)
        if lock is not None:
            installer = LockedInstaller(installer, lock)
        runs = []
        for run in range(2 if options.check_reproducible else 1):
            if run:
                reporter.log("Building again in fresh environments to check reproducibility")
            runs.append(
                build_sdist_and_wheel(
                    project.directory, work / f"dist-{run}", installer, work, epoch, reporter
                )
            )
        first = {b.path.name: b.path for b in runs[0]}
        differences = compare_builds(first, {b.path.name: b.path for b in runs[-1]})
        sdist, wheel = runs[0]
        name, version = _wheel_metadata(wheel.path)
        record = BuildRecord(
            project_name=name,
            project_version=version,
            source=project.source,
            source_date_epoch=epoch,
            started=started,
            finished=_now(),
            tools=ToolVersions(
                chainproof=__version__,
                python=platform.python_version(),
                platform=platform.platform(),
                installer=installer.name,
                installer_version=installer.version(),
                build=pypa_build.__version__,
            ),
            build_backend=project.build_backend,
            build_requires=project.build_requires,
            artifacts=tuple(
                sorted(
                    (
                        Artifact(b.path.name, b.kind, sha256_file(b.path), b.path.stat().st_size)
                        for b in runs[0]
                    ),
                    key=Artifact.sort_key,
                )
            ),
            build_environment=_build_environment(runs[0]),
            build_lock=None if lock is None else lock.reference(project.directory),
            options={
                "allow_dirty": options.allow_dirty,
                "check_reproducible": options.check_reproducible,
                "installer": options.installer,
                "requires_for_build": {
                    "sdist": list(sdist.requires),
                    "wheel": list(wheel.requires),
                },
            },
        )
        if not differences:
            reporter.step("Writing the artifacts", total=len(first) + 1)
            _publish(first, output, canonical_json(build_record.to_json(record)), reporter)
    return BuildOutcome(
        record=record,
        record_path=output / BUILD_RECORD_NAME,
        artifact_paths=tuple(output / n for n in sorted(first)),
        reproducible=(not differences) if options.check_reproducible else None,
        differences=differences,
    )


def lock_build_environment(
    project_dir: Path, output: Path, installer: str = "auto", reporter: Reporter | None = None
) -> BuildLock:
    """Resolve the project's build environment once and write it to ``output`` as a build
    lock, checked by reading it back; the lock is what ``build_project`` installs with
    ``build_lock``."""
    reporter = reporter or NullReporter()
    project = inspect_project(project_dir, allow_dirty=True)
    with tempfile.TemporaryDirectory(prefix="chainproof-lock-build-") as tmp:
        work = Path(tmp)
        files = build_environment_closure(
            project.directory, choose_installer(installer, work), work, 0, reporter
        )
    declared = load_toml(project.directory / "pyproject.toml", "pyproject.toml").get("project")
    name = str(declared.get("name")) if isinstance(declared, dict) else project.directory.name
    text = format_build_lock(
        ((f.name, f.version, f.sha256) for f in files), name, platform.python_version()
    )
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise os_error(output, exc) from exc
    return read_build_lock(output)
