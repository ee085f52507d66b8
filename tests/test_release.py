"""``chainproof release`` end to end, offline: a demo project, a local index, a key signer."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainproof.errors import InfrastructureError
from tests import release_helpers
from tests.build.helpers import configure, make_project, registry_checkout
from tests.release_helpers import key_release, run

project = release_helpers.project  # the fixtures
key = release_helpers.key


def test_release_then_verify(project: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "rel"
    result = run(
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
    verified = run(
        "verify", str(out), "--key", f"{key}.pub", "--require", "provenance,sbom", "--json"
    )
    assert verified.exit_code == 0, verified.output
    # a key names no source: the report shows the ref the key-signed provenance records
    signers = [a["signer"] for a in json.loads(verified.stdout)["artifacts"]]
    assert {s["source_repository_ref"] for s in signers} == {"refs/heads/main"}


def test_missing_key_is_refused_before_anything_is_created(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "rel"
    result = run(
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
    assert not out.parent.exists(), "the key is checked before anything is created"


def test_refuses_a_non_empty_release_directory(project: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "rel"
    out.mkdir()
    (out / "old.whl").write_bytes(b"old")
    result = run("release", str(project), "-o", str(out), "--signer", "key", "--key", f"{key}.key")
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert [p.name for p in out.iterdir()] == ["old.whl"]


def test_signer_flags_are_checked_before_building(tmp_path: Path) -> None:
    result = run("release", str(tmp_path / "nowhere"), "--signer", "key")
    assert result.exit_code == 2
    assert "--signer key needs --key" in result.output


@pytest.mark.parametrize("token", ["", "eyJ.x.y"])
def test_an_identity_token_is_never_ignored(tmp_path: Path, token: str) -> None:
    result = run(
        "release",
        str(tmp_path / "nowhere"),
        "--signer",
        "key",
        "--key",
        "k.key",
        "--identity-token",
        token,
    )
    assert result.exit_code == 2
    assert "--identity-token applies only to --signer sigstore" in result.output


def test_output_path_is_a_file(project: Path, key: Path, tmp_path: Path) -> None:
    (tmp_path / "rel").write_text("", "utf-8")
    result = key_release(project, tmp_path / "rel", key)
    assert result.exit_code == 2
    assert "exists and is not a directory" in result.output


def test_check_reproducible(project: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "rel"
    result = key_release(project, out, key, "--check-reproducible", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "build-record.json").read_text("utf-8"))
    assert record["options"]["check_reproducible"] is True


def test_not_reproducible_exits_1_and_leaves_nothing(key: Path, tmp_path: Path) -> None:
    project = make_project(tmp_path / "noisy", markers={"RANDOM": "1"})
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key, "--check-reproducible")
    assert result.exit_code == 1, result.output
    assert "not reproducible" in result.output
    assert "demo_noise.bin" in result.output
    assert list(out.parent.iterdir()) == []


def test_build_and_sbom_settings_from_the_project(
    project: Path, key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHAINPROOF_INSTALLER", raising=False)
    monkeypatch.delenv("CHAINPROOF_SBOM_SPEC_VERSION", raising=False)
    configure(
        project,
        '\n[tool.chainproof.build]\ninstaller = "pip"\n'
        '[tool.chainproof.sbom]\nspec-version = "1.5"\n',
    )
    out = tmp_path / "rel"
    assert key_release(project, out, key).exit_code == 0
    record = json.loads((out / "build-record.json").read_text("utf-8"))
    assert record["tools"]["installer"]["name"] == "pip"
    assert json.loads((out / "sbom.cdx.json").read_text("utf-8"))["specVersion"] == "1.5"
    # The environment beats the file, as for `chainproof build` and `chainproof sbom`.
    monkeypatch.setenv("CHAINPROOF_INSTALLER", "uv")
    monkeypatch.setenv("CHAINPROOF_SBOM_SPEC_VERSION", "1.6")
    assert key_release(project, tmp_path / "rel2", key).exit_code == 0
    record = json.loads((tmp_path / "rel2" / "build-record.json").read_text("utf-8"))
    assert record["tools"]["installer"]["name"] == "uv"
    sbom = json.loads((tmp_path / "rel2" / "sbom.cdx.json").read_text("utf-8"))
    assert sbom["specVersion"] == "1.6"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('[tool.chainproof.build]\ninstaller = "conda"\n', "Unknown installer 'conda'"),
        ('[tool.chainproof.sbom]\nspec-version = "9"\n', "CycloneDX '9' is not supported"),
    ],
    ids=["installer", "spec-version"],
)
def test_bad_settings_are_refused_before_building(
    project: Path,
    key: Path,
    tmp_path: Path,
    setting: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHAINPROOF_INSTALLER", raising=False)
    monkeypatch.delenv("CHAINPROOF_SBOM_SPEC_VERSION", raising=False)
    configure(project, "\n" + setting)
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.parent.exists(), "nothing created, not even the parent"


def test_release_is_readable_by_others_under_the_usual_umask(
    project: Path, key: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rel"
    old = os.umask(0o022)
    try:
        assert key_release(project, out, key).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert set(modes.values()) == {0o644}, modes


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (KeyboardInterrupt(), 130, "Interrupted"),
        (InfrastructureError("The transparency log is down."), 3, "transparency log is down"),
    ],
    ids=["ctrl-c", "service-down"],
)
def test_signing_stopped_after_the_build_leaves_nothing(
    project: Path,
    key: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    message: str,
) -> None:
    def stopped(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr("chainproof.pipeline.sign_release", stopped)
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == code
    assert message in result.output
    assert list(out.parent.iterdir()) == []


@pytest.mark.registry
def test_real_project_release_then_verify(
    key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small public package from the registry: released with a key, checked reproducible,
    then verified with the provenance and SBOM attestations required."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = registry_checkout("iniconfig", "2.0.0", tmp_path / "src")
    out = tmp_path / "rel"
    result = key_release(project, out, key, "--check-reproducible", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {e["name"] for e in summary["files"] if e["role"] == "artifact"} == {
        "iniconfig-2.0.0-py3-none-any.whl",
        "iniconfig-2.0.0.tar.gz",
    }
    record = json.loads((out / "build-record.json").read_text("utf-8"))
    assert record["options"]["check_reproducible"] is True
    assert {p["name"] for p in record["build_environment"]} >= {"hatchling", "hatch-vcs"}
    verified = run(
        "verify", str(out), "--key", f"{key}.pub", "--require", "provenance,sbom", "--json"
    )
    assert verified.exit_code == 0, verified.output
    # One flipped byte in the wheel and the same verification fails.
    wheel = out / "iniconfig-2.0.0-py3-none-any.whl"
    data = bytearray(wheel.read_bytes())
    data[100] ^= 1
    wheel.write_bytes(bytes(data))
    tampered = run("verify", str(out), "--key", f"{key}.pub", "--require", "provenance,sbom")
    assert tampered.exit_code == 1, tampered.output


def test_sigterm_leaves_nothing(key: Path, tmp_path: Path) -> None:
    """A cancelled CI job (SIGTERM) mid-build: the staging directory and the build's
    temporary files are removed, and the exit code says it was terminated."""
    started = tmp_path / "backend-started"
    project = make_project(tmp_path / "slow", markers={"SLEEP": str(started)})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out" / "rel"
    command = [sys.executable, "-m", "chainproof", "release", str(project), "-o", str(out)]
    process = subprocess.Popen(
        [*command, "--signer", "key", "--key", f"{key}.key"],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        while not started.exists() and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()[0]
        (staging,) = out.parent.iterdir()
        assert staging.name.startswith(".rel."), "the release is being staged"
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM, output
    assert "Traceback" not in output
    assert list(out.parent.iterdir()) == []
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--signer", "key", "--key", "{tmp}/missing.key"], "missing.key does not exist"),
        (["--signer", "key", "--key", "{tmp}/garbage"], "Cannot load the private key"),
        (["--trust-config", "{tmp}/garbage", "--identity-token", "x"], "trust config"),
    ],
    ids=["missing-key", "not-a-key", "bad-trust-config"],
)
def test_signer_inputs_are_checked_before_building(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    (tmp_path / "garbage").write_bytes(b"\xf9\x00" * 50)
    # The project does not even exist: the signer's files are what gets reported.
    args = [f.format(tmp=tmp_path) for f in flags]
    result = run("release", str(tmp_path / "nowhere"), "-o", str(tmp_path / "rel"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "rel").exists()
