"""--dist with a lock: the release's runtime closure is the lock's, checked against the wheel.

The locks are written by hand for the wheelhouse's app (liba[fast] → libc, libb on Windows
only); their files are wheels on disk whose sha256 the lock records, named by URLs on
example.invalid or by path. Nothing is fetched: pip and the network are switched off.
"""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest

from chainproof.errors import InputError, UsageError
from chainproof.fileio import sha256_file
from chainproof.models import Component, EnvironmentPackage, SourceResult
from chainproof.progress import NullReporter
from chainproof.sbom.closure import CLOSURE_PROPERTY, CLOSURE_SHA256_PROPERTY, unmet_requirements
from chainproof.sbom.dist import DistSource
from chainproof.sbom.make import lock_setting
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.sources import ClosureLock
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource
from tests.sbom.helpers import LockRoot, Pin, make_dist, write_pylock, write_uv_lock

LINUX = TargetPlatform.for_python("3.12", ["manylinux_2_28_x86_64"])
WINDOWS = TargetPlatform.for_python("3.12", ["win_amd64"])
BUILD_ENV = (
    EnvironmentPackage(
        "hatchling",
        "1.27.0",
        "hatchling-1.27.0-py3-none-any.whl",
        "1" * 64,
        "https://example.invalid/hatchling-1.27.0-py3-none-any.whl",
    ),
)
APP = LockRoot("app", "0.1", (("liba", None, ("fast",)), ("libb", "sys_platform == 'win32'", ())))


@pytest.fixture(autouse=True)
def no_pip_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A closure from a lock needs neither pip nor the network: both fail the test."""

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a closure from a lock must not resolve or connect")

    monkeypatch.setattr("chainproof.sbom.dist.resolve", refused)
    monkeypatch.setattr("chainproof.sbom.resolve._run_pip", refused)
    monkeypatch.setattr(socket.socket, "connect", refused)


def pins(wheelhouse: Path) -> list[Pin]:
    """liba (its extra fast needs libc), libb (a local path entry) and libc."""
    wheel = {n: next(wheelhouse.glob(f"{n}-*.whl")) for n in ("liba", "libb", "libc")}
    return [
        Pin(wheel["liba"], optional={"fast": ("libc",), "slow": ("libd",)}),
        Pin(wheel["libb"], local=True),
        Pin(wheel["libc"]),
    ]


@pytest.fixture
def project(tmp_path: Path, app_wheel: Path) -> Path:
    """The project directory: pyproject.toml, and dist/ with the built app."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1"\n')
    make_dist(root / "dist", app_wheel, "app", "0.1", BUILD_ENV)
    return root


def lock_of(path: Path | None, project: Path) -> ClosureLock:
    found = lock_setting(path, project)
    assert found is not None
    return found


def read(project: Path, lock: ClosureLock | None, target: TargetPlatform) -> SourceResult:
    return DistSource(project / "dist", lock=lock).read(target, NullReporter())


def runtime(result: SourceResult) -> dict[str, tuple[str, str]]:
    """name → (version, sha256) of the runtime components."""
    return {
        c.name: (c.version, c.hashes[0].value)
        for c in result.inventory.components
        if not c.build_only
    }


def lock_entries(lock: Path) -> dict[str, tuple[str, str]]:
    """name → (version, sha256) of every package of a uv.lock or pylock.toml but the project,
    read from the file itself."""
    data = tomllib.loads(lock.read_text())
    if "package" in data:  # uv.lock
        return {
            p["name"]: (p["version"], p["wheels"][0]["hash"].removeprefix("sha256:"))
            for p in data["package"]
            if "editable" not in p["source"]
        }
    return {
        p["name"]: (p["version"], p["wheels"][0]["hashes"]["sha256"])
        for p in data["packages"]
        if "directory" not in p
    }


@pytest.mark.parametrize("kind", ["uv.lock", "pylock.toml"])
@pytest.mark.parametrize("target", [LINUX, WINDOWS], ids=["linux", "windows"])
def test_closure_is_the_locks_packages_and_hashes(
    project: Path, wheelhouse: Path, kind: str, target: TargetPlatform
) -> None:
    write = write_uv_lock if kind == "uv.lock" else write_pylock
    path = write(project / kind, APP, pins(wheelhouse))
    result = read(project, lock_of(path, project), target)
    source = UvLockSource(path) if kind == "uv.lock" else PylockSource(path, groups=())
    locked = source.read(target, NullReporter())
    expected = {
        c.name: (c.version, c.hashes[0].value)
        for c in locked.inventory.components
        if c.key != "app"
    }
    assert runtime(result) == expected
    entries = lock_entries(path)
    windows_only = () if target is WINDOWS else ("libb",)
    assert expected == {k: v for k, v in entries.items() if k not in windows_only}
    # ... and those are the wheels' own hashes (the files are never read to make the SBOM)
    for name, (_, sha256) in expected.items():
        assert sha256 == sha256_file(next(wheelhouse.glob(f"{name}-*.whl")))
    assert result.inventory.graph == locked.inventory.graph
    assert dict(result.inventory.graph.edges)["liba"] == ("libc",)


def test_the_release_stays_the_root_with_its_build_environment(
    project: Path, wheelhouse: Path, app_wheel: Path
) -> None:
    path = write_uv_lock(project / "uv.lock", APP, pins(wheelhouse))
    result = read(project, lock_of(path, project), LINUX)
    root = result.inventory.root
    assert root is not None
    assert (root.name, root.version, root.license_expression) == ("app", "0.1", "MIT")
    assert result.artifacts == ((app_wheel.name, sha256_file(app_wheel)),)
    assert result.details[root].embedded_sboms  # the wheel's PEP 770 SBOM, as before
    assert "app" not in {c.key for c in result.inventory.components}
    (hatchling,) = [c for c in result.inventory.components if c.build_only]
    assert (hatchling.name, hatchling.hashes[0].value) == ("hatchling", "1" * 64)
    assert dict(result.properties) == {
        CLOSURE_PROPERTY: "lock:uv.lock",
        CLOSURE_SHA256_PROPERTY: sha256_file(path),
    }
    direct = {c.key for c in result.inventory.components if c.direct}
    assert direct == {"liba"}


@pytest.mark.parametrize(
    ("versions", "drop", "message"),
    [
        ({}, "liba", "liba[fast]>=1 (not in the lock)"),
        ({"liba": "0.9"}, None, "liba[fast]>=1 (the lock has 0.9)"),
    ],
    ids=["missing", "too-old"],
)
def test_a_lock_that_does_not_satisfy_the_wheel_fails(
    project: Path,
    wheelhouse: Path,
    tmp_path: Path,
    versions: dict[str, str],
    drop: str | None,
    message: str,
) -> None:
    locked = [p for p in pins(wheelhouse) if p.name != drop]
    if versions:  # a liba 0.9 wheel: the same file under an older version
        old = tmp_path / "old" / "liba-0.9-py3-none-any.whl"
        old.parent.mkdir()
        old.write_bytes(next(wheelhouse.glob("liba-*.whl")).read_bytes())
        locked = [Pin(old, optional={"fast": ("libc",)}) if p.name == "liba" else p for p in locked]
    # a lock made before the wheel required it: the project's entry does not list it either
    root = LockRoot("app", "0.1", tuple(d for d in APP.dependencies if d[0] != drop))
    path = write_uv_lock(project / "uv.lock", root, locked)
    with pytest.raises(InputError) as caught:
        read(project, lock_of(path, project), LINUX)
    assert caught.value.message == (
        "The lock uv.lock does not satisfy the requirements of app 0.1 for Python 3.12 on "
        f"manylinux_2_28_x86_64: {message}."
    )
    assert caught.value.exit_code == 2


def test_markers_are_evaluated_for_the_target(project: Path, wheelhouse: Path) -> None:
    """libb is required on Windows only: a lock without it serves Linux, not Windows."""
    locked = [p for p in pins(wheelhouse) if p.name != "libb"]
    root = LockRoot("app", "0.1", APP.dependencies[:1])
    path = write_uv_lock(project / "uv.lock", root, locked)
    assert set(runtime(read(project, lock_of(path, project), LINUX))) == {"liba", "libc"}
    with pytest.raises(InputError, match=r"libb \(not in the lock\)"):
        read(project, lock_of(path, project), WINDOWS)


def test_a_lock_for_another_project_is_refused(project: Path, wheelhouse: Path) -> None:
    other = LockRoot("other", "1.0", APP.dependencies)
    path = write_uv_lock(project / "uv.lock", other, pins(wheelhouse))
    with pytest.raises(
        InputError, match=r"^The lock uv\.lock is for other, not for the release app\.$"
    ):
        read(project, lock_of(path, project), LINUX)


def test_a_stale_project_version_is_a_warning(project: Path, wheelhouse: Path) -> None:
    path = write_uv_lock(
        project / "uv.lock", LockRoot("app", "0.0.9", APP.dependencies), pins(wheelhouse)
    )
    result = read(project, lock_of(path, project), LINUX)
    assert result.warnings == (
        "uv.lock locks app 0.0.9, but the release is 0.1: the lock may be out of date.",
    )


def test_requirements_under_an_extra_count_only_with_that_extra() -> None:
    locked = [Component("liba", "1.2")]
    requires = ["liba>=1", "libz>=2; extra == 'cli'", "libw; python_version < '3'"]
    assert unmet_requirements(requires, (), locked, LINUX, "app") == []
    assert unmet_requirements(requires, ("cli",), locked, LINUX, "app") == [
        "libz>=2 (not in the lock)"
    ]
    with pytest.raises(InputError, match="app has an invalid requirement 'liba >>> 1'"):
        unmet_requirements(["liba >>> 1"], (), locked, LINUX, "app")


def test_the_default_lock_and_the_setting(
    project: Path, wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHAINPROOF_SBOM_LOCK", raising=False)
    assert lock_setting(None, project) is None  # no lock: pip resolves, as before
    write_pylock(project / "pylock.toml", APP, pins(wheelhouse))
    assert lock_of(None, project) == ClosureLock(project / "pylock.toml", "pylock", "pylock.toml")
    write_uv_lock(project / "uv.lock", APP, pins(wheelhouse))
    both = lock_of(None, project)
    assert (both.path, both.kind) == (project / "uv.lock", "uv-lock")
    assert both.note is not None
    assert "the runtime closure comes from uv.lock" in both.note
    assert lock_setting("none", project) is None
    # [sbom] lock: relative to the configuration file; the variable beats the file
    (project / "locks").mkdir()
    write_uv_lock(project / "locks" / "prod.lock", APP, pins(wheelhouse))
    with (project / "pyproject.toml").open("a") as stream:
        stream.write('\n[tool.chainproof.sbom]\nlock = "locks/prod.lock"\n')
    assert lock_of(None, project).label == "locks/prod.lock"
    monkeypatch.setenv("CHAINPROOF_SBOM_LOCK", "none")
    assert lock_setting(None, project) is None
    monkeypatch.setenv("CHAINPROOF_SBOM_LOCK", str(project / "pylock.toml"))
    assert lock_of(None, project).kind == "pylock"
    # outside the project the SBOM names the file only, never this machine's path
    outside = write_uv_lock(tmp_path / "elsewhere.lock", APP, pins(wheelhouse))
    assert lock_of(outside, project).label == "elsewhere.lock"
    # a directory without pyproject.toml is no project: no default lock there
    monkeypatch.delenv("CHAINPROOF_SBOM_LOCK")
    bare = tmp_path / "bare"
    bare.mkdir()
    write_uv_lock(bare / "uv.lock", APP, pins(wheelhouse))
    assert lock_setting(None, bare) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.lock", r"^The lock file .*missing\.lock \(from --lock\) does not exist\.$"),
        ("lock.json", r"is neither a uv\.lock \(\*\.lock\) nor a pylock\.toml \(\*\.toml\)\.$"),
    ],
)
def test_a_wrong_lock_is_one_sentence(project: Path, name: str, message: str) -> None:
    if name != "missing.lock":
        (project / name).write_text("{}")
    with pytest.raises(InputError, match=message):
        lock_setting(project / name, project)


def test_a_lock_setting_that_is_not_a_string(project: Path) -> None:
    with (project / "pyproject.toml").open("a") as stream:
        stream.write("\n[tool.chainproof.sbom]\nlock = 3\n")
    with pytest.raises(
        InputError, match=r'^lock in \[sbom\] of .* must be a file name or "none"\.$'
    ):
        lock_setting(None, project)


def test_an_unknown_extra_of_the_lock_is_refused(project: Path, wheelhouse: Path) -> None:
    path = write_uv_lock(project / "uv.lock", APP, pins(wheelhouse))
    source = DistSource(project / "dist", extras=("nope",), lock=lock_of(path, project))
    with pytest.raises(UsageError, match="has no extra nope"):
        source.read(LINUX, NullReporter())
