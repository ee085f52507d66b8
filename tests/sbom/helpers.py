"""Tiny local projects, wheels, dist directories and environments for offline SBOM tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import parse_wheel_filename

from chainproof.fileio import sha256_file
from chainproof.formats import build_record
from chainproof.models import Artifact, BuildRecord, EnvironmentPackage, SourceInfo, ToolVersions
from tests.registry import constraint_pins, unconstrained_env

__all__ = [
    "UV",
    "LockRoot",
    "Pin",
    "build_wheel",
    "download_sdist",
    "lock_and_export",
    "make_dist",
    "make_env",
    "make_project",
    "sbom_fixture_doc",
    "write_pylock",
    "write_uv_lock",
]

UV = str(Path(sys.executable).with_name("uv"))


def make_project(
    root: Path,
    name: str,
    version: str = "1.0",
    dependencies: tuple[str, ...] = (),
    extras: dict[str, list[str]] | None = None,
    license_line: str = 'license = "MIT"',
    sbom: str | None = None,
) -> Path:
    project = root / name
    package = project / "src" / name.replace("-", "_")
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'"""{name}."""\nVALUE = "{name}"\n')
    optional = "".join(f"{k} = {json.dumps(v)}\n" for k, v in (extras or {}).items())
    hatch = ""
    if sbom is not None:
        (project / "bom.cdx.json").write_text(sbom)
        hatch = '[tool.hatch.build.targets.wheel]\nsbom-files = ["bom.cdx.json"]\n'
    (project / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{name}"
        version = "{version}"
        {license_line}
        dependencies = {json.dumps(list(dependencies))}

        [project.optional-dependencies]
        """)
        + optional
        + hatch
    )
    return project


def download_sdist(name: str, version: str, work: Path) -> Path:
    """Download NAME==VERSION's sdist into WORK with pip, unpack it there and return the
    unpacked source directory; needs the package registry."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"{name}=={version}",
            "-d",
            str(work),
        ],
        check=True,
        env=unconstrained_env(),
    )
    stem = f"{name.replace('-', '_')}-{version}"
    with tarfile.open(work / f"{stem}.tar.gz") as archive:
        archive.extractall(work, filter="data")
    return work / stem


def lock_and_export(project: Path) -> None:
    """Lock `project` with uv within the registry tests' constraints, then export the same
    pins as pylock.toml and as a hash-pinned requirements.txt (without the project itself);
    needs the package registry."""
    with (project / "pyproject.toml").open("a", encoding="utf-8") as stream:
        # the constraints were compiled for Python 3.11 on Linux: lock for that split only
        stream.write(
            "\n[tool.uv]\nenvironments = [\"python_full_version >= '3.11' and sys_platform == "
            f"'linux'\"]\nconstraint-dependencies = {json.dumps(constraint_pins())}\n"
        )
    subprocess.run([UV, "lock", "-q"], cwd=project, check=True)
    subprocess.run(
        [UV, "export", "-q", "--format", "pylock.toml", "--no-dev", "-o", "pylock.toml"],
        cwd=project,
        check=True,
    )
    subprocess.run(
        [
            UV,
            "export",
            "-q",
            "--format",
            "requirements-txt",
            "--no-dev",
            "--no-emit-project",
            "-o",
            "requirements.txt",
        ],
        cwd=project,
        check=True,
    )


def build_wheel(project: Path, out: Path) -> Path:
    """Build with the hatchling of this venv, in a subprocess, offline."""
    out.mkdir(parents=True, exist_ok=True)
    code = (
        "import os, sys; os.chdir(sys.argv[1]); from hatchling.build import build_wheel; "
        "print(build_wheel(sys.argv[2]))"
    )
    name = (
        subprocess.run(
            [sys.executable, "-c", code, str(project), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return out / name


def make_dist(
    dist: Path,
    wheel: Path,
    project: str,
    version: str,
    build_env: tuple[EnvironmentPackage, ...] = (),
) -> Path:
    """A dist directory with the wheel and a build-record.json written like `chainproof build`."""
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / wheel.name
    target.write_bytes(wheel.read_bytes())
    record = BuildRecord(
        project_name=project,
        project_version=version,
        source=SourceInfo(uri=None, commit="0" * 40, ref=None, dirty=False),
        source_date_epoch=1700000000,
        started="2023-11-14T22:13:20Z",
        finished="2023-11-14T22:13:21Z",
        tools=ToolVersions("0.1.0", "3.11", "linux", "pip", "24", "1.2"),
        build_backend="hatchling.build",
        build_requires=("hatchling",),
        artifacts=(Artifact(wheel.name, "wheel", sha256_file(target), target.stat().st_size),),
        build_environment=build_env,
    )
    (dist / "build-record.json").write_text(json.dumps(build_record.to_json(record), indent=2))
    return dist


def make_env(root: Path, wheelhouse: Path, *requirements: str) -> Path:
    """A venv (no pip) with ``requirements`` installed from ``wheelhouse`` by uv, offline."""
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(root)], check=True)
    python = root / "bin" / "python"
    # Copies, not hard links into uv's cache: tests modify installed files.
    subprocess.run(
        [
            UV,
            "pip",
            "install",
            "-q",
            "--link-mode",
            "copy",
            "--python",
            str(python),
            "--no-index",
            "--find-links",
            str(wheelhouse),
            *requirements,
        ],
        check=True,
    )
    return python


def sbom_fixture_doc() -> str:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1})


# Hand-written locks for offline tests: every package's file is a wheel on disk whose sha256
# the lock records, named by a URL on example.invalid (never fetched: the lock has the hash)
# or, for ``local`` pins, by its path.
INDEX = "https://example.invalid"


@dataclass(frozen=True)
class Pin:
    """One locked package: its wheel, the names it depends on, and its extras' (uv.lock)."""

    wheel: Path
    dependencies: tuple[str, ...] = ()
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    local: bool = False  # a path entry (relative to the lock) instead of a URL

    @property
    def name(self) -> str:
        return str(parse_wheel_filename(self.wheel.name)[0])

    @property
    def version(self) -> str:
        return str(parse_wheel_filename(self.wheel.name)[1])

    @property
    def sha256(self) -> str:
        return sha256_file(self.wheel)

    def url(self) -> str:
        return f"{INDEX}/packages/{self.wheel.name}"

    def path(self, lock: Path) -> str:
        return os.path.relpath(self.wheel, lock.parent).replace(os.sep, "/")


@dataclass(frozen=True)
class LockRoot:
    """The project a lock is for, with its direct dependencies: (name, marker, extras)."""

    name: str
    version: str
    dependencies: tuple[tuple[str, str | None, tuple[str, ...]], ...]


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _uv_dep(name: str, marker: str | None = None, extras: tuple[str, ...] = ()) -> str:
    parts = [f"name = {json.dumps(name)}"]
    if extras:
        parts.append(f"extra = {json.dumps(list(extras))}")
    if marker:
        parts.append(f"marker = {json.dumps(marker)}")
    return "{ " + ", ".join(parts) + " }"


def write_uv_lock(path: Path, root: LockRoot, pins: Sequence[Pin]) -> Path:
    """A uv.lock (version 1) as uv writes one, for ``root`` (editable at ``.``) and ``pins``."""
    deps = [_uv_dep(n, m, e) for n, m, e in root.dependencies]
    text = 'version = 1\nrevision = 2\nrequires-python = ">=3.9"\n\n'
    text += (
        f"[[package]]\nname = {json.dumps(root.name)}\nversion = {json.dumps(root.version)}\n"
        f'source = {{ editable = "." }}\ndependencies = {_toml_list(deps)}\n'
    )
    for pin in sorted(pins, key=lambda p: p.name):
        text += f"\n[[package]]\nname = {json.dumps(pin.name)}\n"
        text += f"version = {json.dumps(pin.version)}\n"
        if pin.local:
            text += f"source = {{ path = {json.dumps(pin.path(path))} }}\n"
            wheel = f"filename = {json.dumps(pin.wheel.name)}"
        else:
            text += f'source = {{ registry = "{INDEX}/simple" }}\n'
            wheel = f"url = {json.dumps(pin.url())}"
        if pin.dependencies:
            text += f"dependencies = {_toml_list([_uv_dep(d) for d in pin.dependencies])}\n"
        size = pin.wheel.stat().st_size
        text += f'wheels = [{{ {wheel}, hash = "sha256:{pin.sha256}", size = {size} }}]\n'
        if pin.optional:
            text += "\n[package.optional-dependencies]\n"
            for extra, names in sorted(pin.optional.items()):
                text += f"{extra} = {_toml_list([_uv_dep(d) for d in names])}\n"
    path.write_text(text, encoding="utf-8")
    return path


def write_pylock(path: Path, root: LockRoot, pins: Sequence[Pin]) -> Path:
    """A PEP 751 pylock.toml for ``root`` (a directory package at ``.``) and ``pins``; a pin
    the root depends on under a marker carries that marker, and every package lists its
    dependencies (so the lock records the graph). Extras of dependencies are resolved into
    the pins' dependencies by the caller, as a locker does."""
    markers = {n: m for n, m, _ in root.dependencies if m}
    text = 'lock-version = "1.0"\ncreated-by = "chainproof-tests"\nrequires-python = ">=3.9"\n'
    text += "extras = []\ndependency-groups = []\ndefault-groups = []\n\n"
    deps = [f"{{ name = {json.dumps(n)} }}" for n, _, _ in root.dependencies]
    text += (
        f"[[packages]]\nname = {json.dumps(root.name)}\n"  # no version: PEP 751, a directory
        f'directory = {{ path = ".", editable = true }}\ndependencies = {_toml_list(deps)}\n'
    )
    for pin in sorted(pins, key=lambda p: p.name):
        names = [*pin.dependencies, *(n for ns in pin.optional.values() for n in ns)]
        text += f"\n[[packages]]\nname = {json.dumps(pin.name)}\n"
        text += f"version = {json.dumps(pin.version)}\n"
        if pin.name in markers:
            text += f"marker = {json.dumps(markers[pin.name])}\n"
        text += f"dependencies = {_toml_list([f'{{ name = {json.dumps(n)} }}' for n in names])}\n"
        where = f"url = {json.dumps(pin.url())}"
        if pin.local:
            where = f"path = {json.dumps(pin.path(path))}"
        text += f'wheels = [{{ {where}, hashes = {{ sha256 = "{pin.sha256}" }} }}]\n'
    path.write_text(text, encoding="utf-8")
    return path
