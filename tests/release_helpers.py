"""Shared by the `chainproof release` tests: the CLI runner, an offline demo project and a
key pair."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.build.helpers import make_project

__all__ = ["key", "key_release", "project", "run"]


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def project(local_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo project (build requirement cptest-helper from the local index), with no
    outer setting that would steer the release."""
    for name in (
        "SOURCE_DATE_EPOCH",
        "CHAINPROOF_DB",
        "CHAINPROOF_FAIL_ON",
        "CHAINPROOF_VERIFY_POLICY",
        "CHAINPROOF_INSTALLER",
    ):
        monkeypatch.delenv(name, raising=False)
    return make_project(tmp_path / "project", requires=("cptest-helper",))


@pytest.fixture
def key(tmp_path: Path) -> Path:
    """The prefix of release.key and release.pub."""
    assert run("keygen", "-o", str(tmp_path / "release")).exit_code == 0
    return tmp_path / "release"


def key_release(project: Path, out: Path, key: Path, *extra: str) -> Result:
    """`chainproof release PROJECT -o OUT --signer key --key KEY.key ...`."""
    return run(
        "release", str(project), "-o", str(out), "--signer", "key", "--key", f"{key}.key", *extra
    )
