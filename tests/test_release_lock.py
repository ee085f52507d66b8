"""`chainproof release` with the project's lock: the release SBOM's runtime closure is the
lock's, offline. The demo project's wheel requires cptest-helper (and cptest-extra on Windows);
its uv.lock / pylock.toml are written by hand over the local index's wheels, whose sha256 they
record (named by URLs on example.invalid or by path, never fetched)."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from chainproof.models import Component
from chainproof.progress import NullReporter
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource
from tests import release_helpers
from tests.build.helpers import commit_all, configure, make_project
from tests.cli.helpers import single_error_line
from tests.release_helpers import key_release
from tests.sbom.helpers import LockRoot, Pin, write_pylock, write_uv_lock

key = release_helpers.key  # the fixture

REQUIRES = "cptest-helper>=1\ncptest-extra; sys_platform == 'win32'\n"
DEMO = LockRoot(
    "demo",
    "1.0",
    (("cptest-helper", None, ()), ("cptest-extra", "sys_platform == 'win32'", ())),
)


@pytest.fixture
def project(local_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo project, its wheel requiring cptest-helper>=1 (and cptest-extra on Windows);
    no outer setting steers the release."""
    for name in ("SOURCE_DATE_EPOCH", "CHAINPROOF_DB", "CHAINPROOF_FAIL_ON"):
        monkeypatch.delenv(name, raising=False)
    for name in ("CHAINPROOF_VERIFY_POLICY", "CHAINPROOF_INSTALLER", "CHAINPROOF_SBOM_LOCK"):
        monkeypatch.delenv(name, raising=False)
    return make_project(
        tmp_path / "project", requires=("cptest-helper",), markers={"REQUIRES": REQUIRES}
    )


def pins(links: Path) -> list[Pin]:
    wheel = {p.name.split("-")[0]: p for p in links.glob("*.whl")}
    return [
        Pin(wheel["cptest_helper"], dependencies=("cptest-dep",)),
        Pin(wheel["cptest_dep"], local=True),
        Pin(wheel["cptest_extra"]),
    ]


def no_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sbom stage must not resolve: the lock has every pin and hash."""

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a release SBOM from a lock must not run pip")

    monkeypatch.setattr("chainproof.sbom.dist.resolve", refused)
    monkeypatch.setattr("chainproof.sbom.resolve._run_pip", refused)


def runtime(sbom: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        c["name"]: (c["version"], c["hashes"][0]["content"])
        for c in sbom["components"]
        if c.get("scope") != "excluded"
    }


def of(components: tuple[Component, ...]) -> dict[str, tuple[str, str]]:
    return {c.name: (c.version, c.hashes[0].value) for c in components if c.key != "demo"}


@pytest.mark.parametrize("kind", ["uv.lock", "pylock.toml"])
def test_release_sbom_is_the_locks_closure(
    project: Path,
    local_index: Path,
    key: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    write = write_uv_lock if kind == "uv.lock" else write_pylock
    lock = write(project / kind, DEMO, pins(local_index))
    commit_all(project)
    no_pip(monkeypatch)
    out = tmp_path / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 0, result.output
    assert f"SBOM: Runtime closure from the lock {kind}." in result.stdout
    sbom = json.loads((out / "sbom.cdx.json").read_text("utf-8"))
    # what the lock's own source reads for the same target ...
    target = TargetPlatform.current()
    source = UvLockSource(lock) if kind == "uv.lock" else PylockSource(lock, groups=())
    expected = of(source.read(target, NullReporter()).inventory.components)
    assert runtime(sbom) == expected
    # ... which is the lock file's own entries for this platform
    data = tomllib.loads(lock.read_text("utf-8"))
    if kind == "uv.lock":
        entries = {
            p["name"]: (p["version"], p["wheels"][0]["hash"].removeprefix("sha256:"))
            for p in data["package"]
            if p["name"] != "demo"
        }
    else:
        entries = {
            p["name"]: (p["version"], p["wheels"][0]["hashes"]["sha256"])
            for p in data["packages"]
            if p["name"] != "demo"
        }
    if sys.platform != "win32":
        del entries["cptest-extra"]
    assert expected == entries
    assert set(entries) >= {"cptest-helper", "cptest-dep"}
    # the release is metadata.component, not a dependency; the graph is the lock's
    assert sbom["metadata"]["component"]["name"] == "demo"
    depends = {d["ref"]: d.get("dependsOn", []) for d in sbom["dependencies"]}
    assert depends["pkg:pypi/cptest-helper@1.0"] == ["pkg:pypi/cptest-dep@2.0"]
    properties = {p["name"]: p["value"] for p in sbom["metadata"]["properties"]}
    assert properties["chainproof:closure"] == f"lock:{kind}"
    # the build environment is there as build-only components, as without a lock
    record = json.loads((out / "build-record.json").read_text("utf-8"))
    build_only = {
        (c["name"], c["version"], c["hashes"][0]["content"])
        for c in sbom["components"]
        if c.get("scope") == "excluded"
    }
    assert build_only == {
        (p["name"], p["version"], p["sha256"]) for p in record["build_environment"]
    }
    assert build_only  # cptest-helper and cptest-dep, from the local index


def test_a_lock_without_a_requirement_fails_the_sbom_stage(
    project: Path, local_index: Path, key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock made before the wheel required cptest-helper does not describe the release."""
    stale = LockRoot("demo", "1.0", DEMO.dependencies[1:])
    write_uv_lock(
        project / "uv.lock", stale, [p for p in pins(local_index) if p.name == "cptest-extra"]
    )
    commit_all(project)
    no_pip(monkeypatch)
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 2, result.output
    assert single_error_line(result.output) == (
        "Error: The sbom stage failed: the lock uv.lock does not satisfy the requirements of "
        "demo 1.0 for the running interpreter: cptest-helper>=1 (not in the lock)."
    )
    assert list(out.parent.iterdir()) == []  # nothing half-written: no staging, no release


@pytest.mark.parametrize("how", ["--no-lock", "setting"])
def test_without_a_lock_pip_resolves_as_before(
    project: Path, local_index: Path, key: Path, tmp_path: Path, how: str
) -> None:
    write_uv_lock(project / "uv.lock", DEMO, pins(local_index))
    commit_all(project)
    flags = ["--no-lock"] if how == "--no-lock" else []
    if how == "setting":
        configure(project, '[tool.chainproof.sbom]\nlock = "none"\n')
    out = tmp_path / "rel"
    result = key_release(project, out, key, *flags, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sbom"]["closure"] == "resolved"
    sbom = json.loads((out / "sbom.cdx.json").read_text("utf-8"))
    assert set(runtime(sbom)) == {"cptest-helper", "cptest-dep"}
    urls = {
        r["url"]
        for c in sbom["components"]
        if c.get("scope") != "excluded"
        for r in c["externalReferences"]
    }
    assert all(url.startswith("file:") for url in urls), urls  # pip's picks, not the lock's
    properties = {p["name"]: p["value"] for p in sbom["metadata"]["properties"]}
    assert properties == {"chainproof:closure": "resolved"}


def test_a_wrong_lock_path_is_refused_before_building(
    project: Path, key: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key, "--lock", str(tmp_path / "nope.lock"))
    assert result.exit_code == 2
    assert single_error_line(result.output) == (
        f"Error: The sbom stage failed: the lock file {tmp_path / 'nope.lock'} (from --lock) "
        "does not exist."
    )
    assert not out.parent.exists()


def test_dry_run_names_the_closure(
    project: Path, local_index: Path, key: Path, tmp_path: Path
) -> None:
    write_pylock(project / "pylock.toml", DEMO, pins(local_index))
    commit_all(project)
    result = key_release(project, tmp_path / "rel", key, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    (sbom,) = [s for s in json.loads(result.stdout)["stages"] if s["name"] == "sbom"]
    assert sbom["closure"] == "lock:pylock.toml"
    text = key_release(project, tmp_path / "rel", key, "--dry-run").stdout
    assert "closure=lock:pylock.toml" in text
    assert not (tmp_path / "rel").exists()
