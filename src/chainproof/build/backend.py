"""Invoke the PEP 517 backend (through pypa/build's ProjectBuilder) in fresh environments,
the way ``python -m build`` does: sdist from the tree, then the wheel from that sdist."""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from chainproof.build.installers import Installer, PinnedFile
from chainproof.build.isolated_env import IsolatedEnvironment
from chainproof.errors import BuildFailed, InputError
from chainproof.progress import Reporter

__all__ = ["BuiltDistribution", "build_environment_closure", "build_sdist_and_wheel"]

_PHASES = 3  # progress units per distribution: requirements, backend's extras, the build
_Kind = Literal["sdist", "wheel"]


@dataclass(frozen=True)
class BuiltDistribution:
    path: Path
    kind: _Kind
    environment: tuple[PinnedFile, ...]
    requires: tuple[str, ...]  # what get_requires_for_build_<kind> added


class _CapturingRunner:
    """A pyproject-hooks runner that keeps the backend's output for error messages."""

    def __init__(self, epoch: int) -> None:
        self._epoch = epoch
        self.output: list[str] = []

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        env = {**os.environ, **(extra_environ or {}), "SOURCE_DATE_EPOCH": str(self._epoch)}
        # An in-tree backend (backend-path) is imported from the source tree: its bytecode
        # would land there, leaving the checkout dirty for the next build or lock-build.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        result = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        text = result.stdout.decode("utf-8", "replace")
        self.output.append(text)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, list(cmd), result.stdout)


def _build_one(
    kind: _Kind,
    source_dir: Path,
    out_dir: Path,
    installer: Installer,
    workdir: Path,
    epoch: int,
    reporter: Reporter,
) -> BuiltDistribution:
    runner = _CapturingRunner(epoch)
    # pyproject-hooks re-raises the backend's warnings here; show them as progress detail
    # instead of letting Python print them.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return _run_backend(kind, source_dir, out_dir, installer, workdir, runner, reporter)
        finally:
            shown = set()
            for warning in caught:
                lines = [ln.strip() for ln in str(warning.message).splitlines() if ln.strip()]
                first = lines[0] if lines else warning.category.__name__
                if first not in shown:
                    shown.add(first)
                    reporter.log(f"{kind}: backend warning: {first}")


def _builder(env: IsolatedEnvironment, source_dir: Path, runner: _CapturingRunner) -> Any:
    from build import BuildException, ProjectBuilder

    try:
        return ProjectBuilder.from_isolated_env(env, source_dir, runner=runner)
    except (BuildException, ValueError) as exc:  # ValueError: a backend-path outside
        raise InputError(
            f"{source_dir} cannot be built: {str(exc).rstrip('.')}.",
            hint="Check [build-system] in pyproject.toml.",
        ) from exc


def _backend_failed(
    kind: str, source_dir: Path, runner: _CapturingRunner, exc: Exception
) -> BuildFailed:
    output = "".join(runner.output)
    return BuildFailed(
        f"The build backend failed to build the {kind} of {source_dir} ({str(exc).rstrip('.')}).",
        hint="Its output is shown above; the project itself needs fixing."
        if output.strip()
        else "Check [build-system] in pyproject.toml.",
        output=output,
    )


def _run_backend(
    kind: _Kind,
    source_dir: Path,
    out_dir: Path,
    installer: Installer,
    workdir: Path,
    runner: _CapturingRunner,
    reporter: Reporter,
) -> BuiltDistribution:
    from build import BuildBackendException, BuildException

    with IsolatedEnvironment(installer, workdir) as env:
        builder = _builder(env, source_dir, runner)
        reporter.log(f"{kind}: installing the build requirements with {installer.name}")
        env.install(builder.build_system_requires)
        reporter.advance()
        try:
            extra = builder.get_requires_for_build(kind)
            if extra:
                reporter.log(f"{kind}: installing {', '.join(sorted(extra))}")
                env.install(extra)
            reporter.advance()
            reporter.log(f"{kind}: running the build backend")
            built = builder.build(kind, out_dir)
            reporter.advance()
        except (BuildBackendException, BuildException) as exc:
            raise _backend_failed(kind, source_dir, runner, exc) from exc
        return BuiltDistribution(Path(built), kind, env.installed, tuple(sorted(extra)))


def build_environment_closure(
    project_dir: Path, installer: Installer, workdir: Path, epoch: int, reporter: Reporter
) -> tuple[PinnedFile, ...]:
    """The files of one environment that builds both the sdist and the wheel: the
    build-system requirements and what the backend's get_requires_for_build_sdist and
    _wheel add, resolved together (what ``chainproof lock-build`` writes)."""
    from build import BuildBackendException, BuildException

    runner = _CapturingRunner(epoch)
    reporter.step("Resolving the build environment", total=2)
    with IsolatedEnvironment(installer, workdir) as env:
        builder = _builder(env, project_dir, runner)
        requirements = set(builder.build_system_requires)
        env.install(requirements)
        reporter.advance()
        for kind in ("sdist", "wheel"):
            try:
                requirements |= builder.get_requires_for_build(kind)
            except (BuildBackendException, BuildException) as exc:
                raise _backend_failed(kind, project_dir, runner, exc) from exc
            env.install(requirements)
        reporter.advance()
        return installer.resolve(requirements, env.python_executable)


def _unpack_sdist(sdist: Path, workdir: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="sdist-", dir=workdir))
    try:
        with tarfile.open(sdist) as archive:
            archive.extractall(target, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise BuildFailed(f"The backend wrote an unreadable sdist {sdist.name}: {exc}.") from exc
    root = target / sdist.name.removesuffix(".tar.gz")
    if not root.is_dir():
        raise BuildFailed(f"The sdist {sdist.name} does not unpack into {root.name}/.")
    return root


def build_sdist_and_wheel(
    project_dir: Path,
    out_dir: Path,
    installer: Installer,
    workdir: Path,
    epoch: int,
    reporter: Reporter,
) -> tuple[BuiltDistribution, ...]:
    """Build the sdist from ``project_dir`` and the wheel from that sdist, each in its own
    fresh environment, into ``out_dir``."""
    reporter.step("Building the sdist", total=_PHASES)
    sdist = _build_one("sdist", project_dir, out_dir, installer, workdir, epoch, reporter)
    if not sdist.path.name.endswith(".tar.gz"):
        raise BuildFailed(f"The backend wrote {sdist.path.name}, not a .tar.gz sdist.")
    reporter.step("Building the wheel from the sdist", total=_PHASES)
    source = _unpack_sdist(sdist.path, workdir)
    wheel = _build_one("wheel", source, out_dir, installer, workdir, epoch, reporter)
    return sdist, wheel
