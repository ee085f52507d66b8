"""A real, tiny release for signing tests: sdist and wheel from ``python -m build`` (no
isolation, so no network), a build-record.json written with BuildRecord, and the SBOM from
``chainproof sbom --dist``. The source commit is the one LocalSigstore's CI tokens carry, so
certificate and provenance agree as in a real pipeline."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from chainproof import __version__
from chainproof.fileio import canonical_json, sha256_file
from chainproof.formats import build_record
from chainproof.models import (
    Artifact,
    BuildRecord,
    EnvironmentPackage,
    SourceInfo,
    ToolVersions,
)
from tests.sigstore_local import DEFAULT_SHA

__all__ = ["COMMIT", "SOURCE_URI", "build_demo_release"]

SOURCE_URI = "https://gitlab.com/group/project"
COMMIT = DEFAULT_SHA
_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "cp-demo"
version = "1.2.0"
description = "chainproof signing test project"
requires-python = ">=3.9"

[tool.hatch.build.targets.wheel]
packages = ["src/cp_demo"]
"""


def _environment() -> tuple[EnvironmentPackage, ...]:
    packages = []
    for name in ("hatchling", "packaging", "pathspec", "pluggy", "trove-classifiers"):
        ver = version(name)
        filename = f"{name.replace('-', '_')}-{ver}-py3-none-any.whl"
        digest = hashlib.sha256(filename.encode()).hexdigest()  # stands in for the file's hash
        url = f"https://example.invalid/files/{filename}"
        packages.append(EnvironmentPackage(name, ver, filename, digest, url))
    return tuple(packages)


def build_demo_release(dest: Path) -> Path:
    """Build the demo project into ``dest`` (created) and return it."""
    project = dest.parent / f"{dest.name}-src"
    (project / "src" / "cp_demo").mkdir(parents=True)
    (project / "pyproject.toml").write_text(_PYPROJECT)
    (project / "src" / "cp_demo" / "__init__.py").write_text('"""Demo."""\n')
    env = {"SOURCE_DATE_EPOCH": "1700000000", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dest), str(project)],
        check=True,
        capture_output=True,
        env=env,
    )
    artifacts = tuple(
        Artifact(
            p.name, "wheel" if p.suffix == ".whl" else "sdist", sha256_file(p), p.stat().st_size
        )
        for p in sorted(dest.iterdir())
    )
    record = BuildRecord(
        project_name="cp-demo",
        project_version="1.2.0",
        source=SourceInfo(uri=SOURCE_URI, commit=COMMIT, ref="refs/heads/main", dirty=False),
        source_date_epoch=1700000000,
        started="2023-11-14T22:13:20Z",
        finished="2023-11-14T22:13:25Z",
        tools=ToolVersions(
            chainproof=__version__,
            python=platform.python_version(),
            platform=sys.platform,
            installer="pip",
            installer_version=version("pip"),
            build=version("build"),
        ),
        build_backend="hatchling.build",
        build_requires=("hatchling",),
        artifacts=artifacts,
        build_environment=_environment(),
    )
    (dest / "build-record.json").write_text(canonical_json(build_record.to_json(record)))
    # The real SBOM stage (offline: the demo has no runtime dependencies).
    subprocess.run(
        [sys.executable, "-m", "chainproof", "sbom", "--dist", str(dest)],
        check=True,
        capture_output=True,
    )
    return dest
