"""``chainproof release`` end to end, offline: a demo project, a local index, a key signer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.build.helpers import make_project, use_local_index

runner = CliRunner()


def _run(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    use_local_index(tmp_path, monkeypatch)
    return make_project(tmp_path / "project", requires=("cptest-helper",))


@pytest.fixture
def key(tmp_path: Path) -> Path:
    assert _run("keygen", "-o", str(tmp_path / "release")).exit_code == 0
    return tmp_path / "release"


def test_release_then_verify(project: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "rel"
    result = _run(
        "release", str(project), "-o", str(out), "--signer", "key", "--key", f"{key}.key", "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["directory"] == str(out)
    manifest = json.loads((out / "release.json").read_text())
    roles = {entry["name"]: entry["role"] for entry in manifest["files"]}
    assert roles["build-record.json"] == "build-record"
    assert roles["sbom.cdx.json"] == "sbom"
    assert roles["provenance.dsse.json"] == "provenance"
    assert roles["sbom.intoto.dsse.json"] == "sbom-attestation"
    assert sorted(n for n, r in roles.items() if r == "artifact") == sorted(
        p.name for p in out.iterdir() if p.suffix in (".whl", ".gz")
    )
    # Nothing but the release itself: no staging directory left beside it.
    assert [p.name for p in out.parent.iterdir()] == ["rel"]
    verified = _run(
        "verify", str(out), "--key", f"{key}.pub", "--require", "provenance,sbom", "--json"
    )
    assert verified.exit_code == 0, verified.output


def test_failed_signing_leaves_nothing(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "rel"
    result = _run(
        "release",
        str(project),
        "-o",
        str(out),
        "--signer",
        "key",
        "--key",
        str(tmp_path / "missing.key"),
    )
    assert result.exit_code == 2
    assert "missing.key" in result.output
    assert list(out.parent.iterdir()) == []


def test_refuses_a_non_empty_release_directory(project: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "rel"
    out.mkdir()
    (out / "old.whl").write_bytes(b"old")
    result = _run("release", str(project), "-o", str(out), "--signer", "key", "--key", f"{key}.key")
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert [p.name for p in out.iterdir()] == ["old.whl"]


def test_signer_flags_are_checked_before_building(tmp_path: Path) -> None:
    result = _run("release", str(tmp_path / "nowhere"), "--signer", "key")
    assert result.exit_code == 2
    assert "--signer key needs --key" in result.output
