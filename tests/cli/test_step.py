"""`chainproof step` on a links directory it cannot write: one sentence, exit 2, no command run."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["keygen", "-o", "dev"]).exit_code == 0
    return tmp_path


def step(links: str) -> Result:
    code = "import pathlib; pathlib.Path('ran').write_text('yes')"
    args = ["step", "build", "--key", "dev.key", "--links", links, "--", sys.executable, "-c"]
    return CliRunner().invoke(app, [*args, code])


def test_read_only_links_directory(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    links = workdir / "links"
    links.mkdir()
    links.chmod(0o555)
    if os.geteuid() == 0:  # root writes anyway: make the directory refuse as it would a user
        real = tempfile.mkdtemp

        def refuse(
            suffix: str | None = None, prefix: str | None = None, dir: str | None = None
        ) -> str:
            if dir is not None and Path(dir).resolve() == links.resolve():
                raise PermissionError(13, "Permission denied", dir)
            return real(suffix, prefix, dir)

        monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = step("links")
    assert result.exit_code == 2, result.output
    assert "Cannot write the link into links: Permission denied." in result.output
    assert "internal error" not in result.output
    assert not (workdir / "ran").exists()


def test_links_that_is_a_file(workdir: Path) -> None:
    Path("links").write_text("")
    result = step("links")
    assert result.exit_code == 2, result.output
    assert "links is a file, not a directory" in result.output
    assert not (workdir / "ran").exists()


@pytest.mark.parametrize("name", ["", " ", ".", "..", "../x", "a/b", "a\\b", ".hidden"])
def test_step_name_that_cannot_name_a_link_file(workdir: Path, name: str) -> None:
    """The name becomes NAME.KEYID8.link: a path or an empty name is refused before running."""
    result = CliRunner().invoke(app, ["step", name, "--key", "dev.key", "--", "true"])
    assert result.exit_code == 2, result.output
    assert "step name" in result.output
    assert sorted(p.name for p in workdir.iterdir()) == ["dev.key", "dev.pub"]


def test_command_output_is_shown(workdir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """in-toto-run would discard it; a failing test run must show why. With --json it goes to
    stderr, so stdout stays the JSON summary."""
    code = "print('from the step')"
    args = ["step", "test", "--key", "dev.key", "--links", "links"]
    result = CliRunner().invoke(app, [*args, "--", sys.executable, "-c", code])
    assert result.exit_code == 0, result.output
    assert "from the step" in capfd.readouterr().out
    result = CliRunner().invoke(app, [*args, "--json", "--", sys.executable, "-c", code])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["step"] == "test"
    captured = capfd.readouterr()
    assert "from the step" in captured.err
    assert "from the step" not in captured.out
