"""Installed environments: inventory, graph for that interpreter, RECORD verification."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from chainproof.errors import InputError, VerificationFailed
from chainproof.progress import NullReporter
from chainproof.sbom.env_source import EnvironmentSource
from chainproof.sbom.inputs import read_environment
from chainproof.sbom.installed import inspect_environment, verify_environment
from chainproof.sbom.target import TargetPlatform
from tests.sbom.helpers import make_env


@pytest.fixture(scope="module")
def app_env(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_env(tmp_path_factory.mktemp("env") / "venv", wheelhouse, "app")


def test_every_distribution_with_graph_and_record_hash(app_env: Path) -> None:
    inventory = read_environment(app_env)
    assert {c.key: c.version for c in inventory.components} == {
        "app": "0.1",
        "liba": "1.2",
        "libc": "3.0",
    }
    assert dict(inventory.graph.edges) == {"app": ("liba",), "liba": ("libc",)}
    assert inventory.graph.roots == ("app",)
    env = inspect_environment(app_env)
    for dist in env.distributions:
        assert dist.dist_info is not None
        record = (dist.dist_info / "RECORD").read_bytes()
        component = next(c for c in inventory.components if c.name == dist.name)
        assert component.hashes[0].value == hashlib.sha256(record).hexdigest()
    licences = {c.key: (c.license_expression, c.license_names) for c in inventory.components}
    assert licences["liba"] == ("Apache-2.0 OR MIT", ())
    assert licences["libc"] == (None, ("Custom",))


def test_every_record_entry_is_verified(app_env: Path) -> None:
    env = inspect_environment(app_env)
    checks = verify_environment(env)
    assert all(check.ok for check in checks)
    for check, dist in zip(checks, env.distributions, strict=True):
        assert dist.record is not None
        hashed = [row for row in csv.reader(io.StringIO(dist.record)) if len(row) > 1 and row[1]]
        assert check.files_checked == len(hashed) > 0


def test_pep770_sbom_in_environment_is_referenced(app_env: Path) -> None:
    result = EnvironmentSource(str(app_env)).read(TargetPlatform.current(), NullReporter())
    assert result.files_verified == sum(c.files_checked for c in verify_environment(app_env))
    app = next(c for c in result.inventory.components if c.key == "app")
    sboms = result.details[app].embedded_sboms
    assert len(sboms) == 1
    assert sboms[0].location.endswith("sboms/bom.cdx.json")


def _record_digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_modified_and_missing_files_are_flagged(wheelhouse: Path, tmp_path: Path) -> None:
    python = make_env(tmp_path / "venv", wheelhouse, "app")
    env = inspect_environment(python)
    liba = next(d for d in env.distributions if d.name == "liba")
    libc = next(d for d in env.distributions if d.name == "libc")
    module = liba.base / "liba" / "__init__.py"
    original = module.read_bytes()
    module.write_bytes(original + b"\nimport os  # injected\n")
    (libc.base / "libc" / "__init__.py").unlink()
    checks = {c.name: c for c in verify_environment(python)}
    assert checks["app"].ok
    (problem,) = checks["liba"].problems
    assert problem.path == "liba/__init__.py"
    assert problem.kind == "modified"
    assert problem.expected == f"sha256={_record_digest(original)}"
    assert checks["libc"].problems[0].kind == "missing"
    with pytest.raises(VerificationFailed, match="2 installed file"):
        EnvironmentSource(str(python)).read(TargetPlatform.current(), NullReporter())
    allowed = EnvironmentSource(str(python), allow_modified=True).read(
        TargetPlatform.current(), NullReporter()
    )
    assert allowed.warnings
    liba_component = next(c for c in allowed.inventory.components if c.key == "liba")
    assert ("chainproof:record:problem", str(problem)) in allowed.details[liba_component].properties


def test_missing_record_is_a_problem(wheelhouse: Path, tmp_path: Path) -> None:
    python = make_env(tmp_path / "venv", wheelhouse, "libb")
    dist = next(d for d in inspect_environment(python).distributions if d.name == "libb")
    assert dist.dist_info is not None
    (dist.dist_info / "RECORD").unlink()
    (check,) = [c for c in verify_environment(python) if c.name == "libb"]
    assert check.problems[0].kind == "no-record"


def test_missing_interpreter(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        inspect_environment(tmp_path / "nope" / "python")


def test_not_an_interpreter(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    with pytest.raises(InputError, match="not a working Python interpreter"):
        inspect_environment(fake)


def test_running_interpreter_lists_chainproof() -> None:
    inventory = read_environment(sys.executable)
    assert "chainproof" in {c.key for c in inventory.components}


def test_unreadable_metadata_is_reported(wheelhouse: Path, tmp_path: Path) -> None:
    python = make_env(tmp_path / "venv", wheelhouse, "libb")
    dist = next(d for d in inspect_environment(python).distributions if d.name == "libb")
    assert dist.dist_info is not None
    (dist.dist_info / "METADATA").write_text("Metadata-Version: 2.1\n")
    env = inspect_environment(python)
    assert "libb" not in {d.name for d in env.distributions}
    assert env.broken == (str(dist.dist_info),)
    (check,) = [c for c in verify_environment(env) if not c.ok]
    assert check.name == dist.dist_info.name
    assert check.problems[0].kind == "unreadable"
    with pytest.raises(VerificationFailed, match="do not match RECORD"):
        EnvironmentSource(str(python)).read(TargetPlatform.current(), NullReporter())


def test_shadowed_copies_are_named(
    wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    python = make_env(tmp_path / "venv", wheelhouse, "libb")
    dist = next(d for d in inspect_environment(python).distributions if d.name == "libb")
    assert dist.dist_info is not None
    earlier = tmp_path / "earlier"
    shutil.copytree(dist.dist_info, earlier / dist.dist_info.name)
    shutil.copytree(dist.base / "libb", earlier / "libb")
    monkeypatch.setenv("PYTHONPATH", str(earlier))
    env = inspect_environment(python)
    (libb,) = [d for d in env.distributions if d.name == "libb"]
    assert libb.base == earlier
    assert env.shadowed == (str(dist.dist_info),)
    result = EnvironmentSource(str(python)).read(TargetPlatform.current(), NullReporter())
    assert any("shadowed" in w for w in result.warnings)


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def test_egg_info_distributions_are_listed(wheelhouse: Path, tmp_path: Path) -> None:
    """PKG-INFO in an .egg-info directory, and an .egg-info file: listed, nothing to verify."""
    python = make_env(tmp_path / "venv", wheelhouse, "libb")
    site = _site_packages(python)
    (site / "olddir-1.0-py3.11.egg-info").mkdir()
    (site / "olddir-1.0-py3.11.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: olddir\nVersion: 1.0\nLicense: BSD\n"
        "Classifier: License :: OSI Approved :: BSD License\n\nA description.\n"
    )
    (site / "oldfile-2.0-py3.11.egg-info").write_text(
        "Metadata-Version: 1.0\nName: oldfile\nVersion: 2.0\nLicense: Copyright © ACME\n"
        "        All rights reserved\n",
        encoding="utf-8",
    )
    env = inspect_environment(python)
    found = {d.name: d for d in env.distributions}
    assert set(found) == {"libb", "olddir", "oldfile"}
    assert found["olddir"].metadata.classifiers == ("License :: OSI Approved :: BSD License",)
    assert found["oldfile"].metadata.version == "2.0"
    assert found["olddir"].record is None
    checks = {c.name: c for c in verify_environment(env)}
    assert [p.kind for p in checks["olddir"].problems] == ["no-record"]
    inventory = read_environment(python)
    licences = {c.key: (c.license_expression, c.license_names) for c in inventory.components}
    assert licences["olddir"] == ("BSD-3-Clause", ())
    assert licences["oldfile"] == (None, ("Copyright © ACME",))


def test_metadata_that_is_not_utf8_is_reported(wheelhouse: Path, tmp_path: Path) -> None:
    python = make_env(tmp_path / "venv", wheelhouse, "libb")
    dist = next(d for d in inspect_environment(python).distributions if d.name == "libb")
    assert dist.dist_info is not None
    metadata = dist.dist_info / "METADATA"
    metadata.write_bytes(metadata.read_bytes() + b"License: \xa9 ACME\n")
    env = inspect_environment(python)
    assert env.distributions == ()
    assert env.broken == (str(dist.dist_info),)
