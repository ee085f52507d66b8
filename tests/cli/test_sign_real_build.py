"""The whole pipeline on a real project: chainproof build (build environment from the package
registry), sbom, sign against the local Sigstore instance, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.build.helpers import commit_all, git
from tests.sigstore_local import LocalSigstore

pytestmark = pytest.mark.registry

_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "cp-real"
version = "0.1.0"

[tool.hatch.build.targets.wheel]
packages = ["src/cp_real"]
"""


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_build_sbom_sign_verify(
    local_sigstore: LocalSigstore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITLAB_CI", "GITHUB_ACTIONS", "SIGSTORE_ID_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "project"
    (project / "src" / "cp_real").mkdir(parents=True)
    (project / "pyproject.toml").write_text(_PYPROJECT)
    (project / "src" / "cp_real" / "__init__.py").write_text('"""Real."""\n')
    git(project, "init", "-q", "-b", "main")
    commit_all(project)
    git(project, "remote", "add", "origin", "https://gitlab.com/group/real.git")
    commit = git(project, "rev-parse", "HEAD")
    dist = tmp_path / "dist"

    _ok("build", str(project), "-o", str(dist))
    _ok("sbom", "--dist", str(dist))
    token = local_sigstore.gitlab_token("group/real", claims={"sha": commit})
    config = str(local_sigstore.trust_config)
    _ok("sign", str(dist), "--trust-config", config, "--identity-token", token)

    record = json.loads((dist / "build-record.json").read_text())
    manifest = json.loads((dist / "release.json").read_text())
    assert {f["role"] for f in manifest["files"]} == {
        "artifact",
        "build-record",
        "sbom",
        "signature",
        "provenance",
        "sbom-attestation",
        "pep740-attestation",
    }
    assert len(record["build_environment"]) >= 1
    _ok(
        "verify",
        str(dist),
        "--trust-config",
        config,
        "--offline",
        "--gitlab",
        "group/real",
        "--ref",
        "refs/heads/main",
        "--require",
        "provenance,sbom",
    )
