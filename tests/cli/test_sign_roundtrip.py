"""Sign, then `chainproof verify` the release directory: keyless and with a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.sigstore_local import LocalSigstore


@pytest.fixture(autouse=True)
def _ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GITHUB_ACTIONS",
        "SIGSTORE_ID_TOKEN",
        "CHAINPROOF_IDENTITY_TOKEN",
        "CHAINPROOF_KEY_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.com")
    monkeypatch.setenv("CI_PROJECT_PATH", "group/project")
    monkeypatch.setenv("CI_RUNNER_ID", "42")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_keyless_release_verifies(local_sigstore: LocalSigstore, demo_release: Path) -> None:
    config = str(local_sigstore.trust_config)
    code, output = _run(
        "sign",
        str(demo_release),
        "--trust-config",
        config,
        "--identity-token",
        local_sigstore.gitlab_token(),
    )
    assert code == 0, output
    verify = (
        "verify",
        str(demo_release),
        "--trust-config",
        config,
        "--offline",
        "--gitlab",
        "group/project",
        "--require",
        "provenance,sbom",
    )
    vsa = demo_release.parent / "vsa.json"
    code, output = _run(
        *verify,
        "--ref",
        "refs/heads/main",
        "--builder-id",
        "https://gitlab.com/group/project/-/runners/42",
        "--vsa",
        str(vsa),
    )
    assert code == 0, output
    # a gitlab-hosted runner signed, but the provenance was made inside the job: L1, not L2
    levels = json.loads(vsa.read_text())["predicate"]["verifiedLevels"]
    assert levels == ["SLSA_BUILD_LEVEL_1"]
    code, output = _run(*verify, "--ref", "refs/tags/v1.2.0")
    assert code == 1, output
    code, output = _run(*verify, "--ref", "refs/heads/main", "--builder-id", "https://x.invalid")
    assert code == 1, output


def test_key_signed_release_verifies(tmp_path: Path, demo_release: Path) -> None:
    code, output = _run("keygen", "-o", str(tmp_path / "k"))
    assert code == 0, output
    code, output = _run(
        "sign", str(demo_release), "--signer", "key", "--key", str(tmp_path / "k.key")
    )
    assert code == 0, output
    verify = ("verify", str(demo_release), "--require", "provenance,sbom", "--key")
    code, output = _run(*verify, str(tmp_path / "k.pub"))
    assert code == 0, output
    code, output = _run("keygen", "-o", str(tmp_path / "other"))
    code, output = _run(*verify, str(tmp_path / "other.pub"))
    assert code == 1, output
