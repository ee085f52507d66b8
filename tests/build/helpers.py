"""Tiny git projects with an in-tree PEP 517 backend, and hand-made wheels, for offline tests.

Marker files steer the backend: FAIL (build_wheel fails after printing), RANDOM (a wheel
member with random bytes), EXTRA (its lines are returned by get_requires_for_build_*),
REQUIRES (its lines are the wheel's Requires-Dist), SLEEP (build_sdist creates the file named
inside, then hangs for two minutes).
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.registry import unconstrained_env

__all__ = [
    "BACKEND",
    "COMMIT_EPOCH",
    "commit_all",
    "configure",
    "git",
    "git_env",
    "make_project",
    "make_wheel",
    "registry_checkout",
    "use_local_index",
]

COMMIT_EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z

BACKEND = """
import gzip, importlib.metadata, io, os, sys, tarfile, time, zipfile

NAME, VERSION = "demo", "1.0"


def _epoch():
    return int(os.environ["SOURCE_DATE_EPOCH"])


def _lines(name):
    if not os.path.exists(name):
        return []
    with open(name) as stream:
        return [line.strip() for line in stream if line.strip()]


def _extra():
    return _lines("EXTRA")


def get_requires_for_build_sdist(config_settings=None):
    return _extra()


def get_requires_for_build_wheel(config_settings=None):
    return _extra()


def build_sdist(sdist_directory, config_settings=None):
    if os.path.exists("SLEEP"):  # tell the test (the file named inside) we are here, then hang
        with open("SLEEP") as stream:
            open(stream.read().strip(), "w").close()
        time.sleep(120)
    base = f"{NAME}-{VERSION}"
    names = sorted(n for n in os.listdir(".") if os.path.isfile(n))
    path = os.path.join(sdist_directory, base + ".tar.gz")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            with open(name, "rb") as stream:
                data = stream.read()
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime, info.mode = len(data), _epoch(), 0o644
            tar.addfile(info, io.BytesIO(data))
    with open(path, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=_epoch()) as gz:
        gz.write(raw.getvalue())
    return base + ".tar.gz"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if os.path.exists("FAIL"):
        print("demo-backend: the widget configuration is missing")
        sys.exit(1)
    stamp = time.gmtime(_epoch())[:6]
    info = f"{NAME}-{VERSION}.dist-info"
    env = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    )
    members = {
        "demo.py": b"VALUE = 1\\n",
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"
            + "".join(f"Requires-Dist: {r}\\n" for r in _lines("REQUIRES"))
        ).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: demo\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
        f"{info}/build-env.txt": "\\n".join(env).encode(),
    }
    if os.path.exists("RANDOM"):
        members["demo_noise.bin"] = os.urandom(16)
    members[f"{info}/RECORD"] = "".join(f"{n},,\\n" for n in [*members, f"{info}/RECORD"]).encode()
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as whl:
        for member, data in members.items():
            whl.writestr(zipfile.ZipInfo(member, stamp), data)
    return name
"""


def git_env(epoch: int = COMMIT_EPOCH) -> dict[str, str]:
    """The environment with a fixed git author, committer and commit time."""
    stamp = f"@{epoch} +0000"
    return {
        **os.environ,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def git(path: Path, *args: str, epoch: int = COMMIT_EPOCH) -> str:
    env = git_env(epoch)
    out = subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.strip()


def commit_all(path: Path, epoch: int = COMMIT_EPOCH) -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "--allow-empty", "-m", "commit", epoch=epoch)
    return git(path, "rev-parse", "HEAD")


def configure(project: Path, text: str) -> None:
    """Append ``text`` to the project's pyproject.toml and commit it."""
    with (project / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write("\n" + text)
    commit_all(project)


def make_project(
    path: Path,
    requires: tuple[str, ...] = (),
    markers: dict[str, str] | None = None,
    remote: str | None = None,
) -> Path:
    """A committed git checkout of the demo project at ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    listed = ", ".join(f'"{r}"' for r in requires)
    (path / "pyproject.toml").write_text(
        f'[build-system]\nrequires = [{listed}]\nbuild-backend = "demo_backend"\n'
        'backend-path = ["."]\n',
        encoding="utf-8",
    )
    (path / "demo_backend.py").write_text(BACKEND, encoding="utf-8")
    (path / ".gitignore").write_text("dist/\n", encoding="utf-8")
    for name, text in (markers or {}).items():
        (path / name).write_text(text, encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    if remote is not None:
        git(path, "remote", "add", "origin", remote)
    commit_all(path)
    return path


def make_wheel(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal, valid pure-Python wheel ``name`` that depends on ``requires``."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{module}/__init__.py": b"VALUE = 42\n",
        f"{info}/METADATA": meta.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = ""
    for member, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{member},sha256={digest},{len(data)}\n"
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as whl:
        for member, data in files.items():
            whl.writestr(member, data)
    return path


def use_local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Wheels cptest-helper 1.0 (needs cptest-dep), cptest-dep 2.0 and cptest-extra 3.0 in a
    find-links directory; pip and uv see only that directory (no network)."""
    links = tmp_path / "links"
    make_wheel(links, "cptest-helper", "1.0", requires=("cptest-dep>=2",))
    make_wheel(links, "cptest-dep", "2.0")
    make_wheel(links, "cptest-extra", "3.0")
    for name, value in {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(links),
        "PIP_CONFIG_FILE": os.devnull,
        "UV_OFFLINE": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(links),
        "UV_NO_CONFIG": "1",
    }.items():
        monkeypatch.setenv(name, value)
    return links


def registry_checkout(name: str, version: str, base: Path) -> Path:
    """The sdist of ``name==version`` from the package registry, unpacked under ``base`` and
    committed as a git checkout with a fixed date (for tests marked ``registry``)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "download",
            "--no-binary",
            ":all:",
            "--no-deps",
            "-d",
            str(base / "sdists"),
            f"{name}=={version}",
        ],
        capture_output=True,
        check=True,
        env=unconstrained_env(),
    )
    (sdist,) = (base / "sdists").glob(f"{name}-{version}.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(base, filter="data")
    checkout = base / f"{name}-{version}"
    git(checkout, "init", "-q", "-b", "main")
    commit_all(checkout)
    return checkout
