from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chainproof import __version__
from chainproof.cli.app import app
from chainproof.cli.output import INTERNAL_ERROR_EXIT, handle_errors
from chainproof.config import load_section
from chainproof.errors import InputError

runner = CliRunner()


def test_help_lists_every_contract_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    # The first word of each row of the Commands panel ("│ build  Build sdist..."): the
    # root's own description names several commands too, so a plain `in` would prove nothing.
    panel = result.output.split("Commands")[1]
    listed = {
        row.split()[1] for row in panel.splitlines() if row.startswith("│ ") and row[2] != " "
    }
    assert listed == {
        "build",
        "lock-build",
        "sbom",
        "sign",
        "scan",
        "verify",
        "verify-env",
        "audit",
        "report",
        "db",
        "keygen",
        "step",
        "layout",
        "release",
    }


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"chainproof {__version__}"


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from chainproof.cli.app import app; "
        "heavy = {'sigstore', 'cyclonedx', 'in_toto', 'build', 'securesystemslib', "
        "'pypi_attestations', 'cryptography', 'rich.progress', 'jsonschema'}; "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "chainproof", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"chainproof {__version__}"


# The last-resort handler of cli/output.handle_errors, on a throw-away app.


def _app_raising(exc: BaseException) -> typer.Typer:
    demo = typer.Typer()

    @demo.command()
    def boom() -> None:
        with handle_errors():
            raise exc

    return demo


def test_unexpected_exception_is_one_sentence_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINPROOF_DEBUG", raising=False)
    result = runner.invoke(_app_raising(ValueError("no such thing\nsecond line")))
    assert result.exit_code == INTERNAL_ERROR_EXIT == 70
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: internal error (ValueError: no such thing); this is a bug in chainproof."
    ]
    assert "CHAINPROOF_DEBUG=1" in result.output
    assert "Traceback" not in result.output


def test_debug_variable_shows_the_real_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINPROOF_DEBUG", "1")
    result = runner.invoke(_app_raising(ValueError("boom")))
    assert isinstance(result.exception, ValueError)


@pytest.mark.parametrize(
    ("error", "code", "sentence"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "/x/y"), 2, "Cannot use /x/y: "),
        (OSError(errno.ENOSPC, "No space left on device", "/x/y"), 3, "Cannot use /x/y: No space"),
        (OSError(errno.EBADF, "Bad file descriptor"), 2, "Error: Bad file descriptor."),
    ],
    ids=["permission", "disk-full", "no-file-name"],
)
def test_escaped_os_error_keeps_the_documented_codes(
    error: OSError, code: int, sentence: str
) -> None:
    result = runner.invoke(_app_raising(error))
    assert result.exit_code == code
    assert sentence in result.output
    assert "Traceback" not in result.output


def test_ctrl_c_exits_130() -> None:
    result = runner.invoke(_app_raising(KeyboardInterrupt()))
    assert result.exit_code == 130
    assert "Interrupted" in result.output


def test_main_turns_an_error_outside_commands_into_an_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chainproof.cli import app as app_module

    def broken() -> None:
        raise RuntimeError("while parsing")

    monkeypatch.setattr(app_module, "app", broken)
    monkeypatch.delenv("CHAINPROOF_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        app_module.main()
    assert exited.value.code == 70
    assert "internal error (RuntimeError: while parsing)" in capsys.readouterr().err


# config, which every command relies on (fileio's own tests: tests/test_fileio.py).


def test_configuration_that_is_not_text_is_input_error(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="is not valid TOML"):
        load_section("verify", policy)


def test_pyproject_whose_tool_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n', "utf-8")
    assert load_section("build", search_dir=tmp_path) == ({}, None)


# The same fixes seen through real commands.


def test_sbom_into_a_directory_is_one_sentence(demo_release: Path) -> None:
    target = demo_release / "sub"
    target.mkdir()
    result = runner.invoke(app, ["sbom", "--dist", str(demo_release), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert f"Error: Cannot write {target}: Is a directory." in result.output
    assert list(target.iterdir()) == []
    assert not list(demo_release.glob(".sub.*")), "no temporary file left"


def test_binary_policy_file_is_one_sentence(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_bytes(b"\xf9\x00\xff" * 100)
    result = runner.invoke(
        app, ["verify", str(tmp_path), "--key", str(tmp_path / "k.pub"), "--policy", str(policy)]
    )
    assert result.exit_code == 2, result.output
    assert "is not valid TOML" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command",
    [
        "build",
        "sbom",
        "sign",
        "verify",
        "verify-env",
        "audit",
        "db import",
        "db update",
        "db status",
        "keygen",
        "step",
        "layout init",
        "layout sign",
        "release",
    ],
)
def test_every_help_renders(command: str) -> None:
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_reader_gone_is_a_quiet_exit_141(tmp_path: Path) -> None:
    """`chainproof ... --json | head`: the pipe closes, chainproof stops without a traceback
    and with the code of a process stopped by SIGPIPE."""
    script = tmp_path / "writer.py"
    script.write_text(
        "import sys, typer\n"
        "from chainproof.cli.output import emit_json, handle_errors\n"
        "app = typer.Typer()\n"
        "@app.command()\n"
        "def write() -> None:\n"
        "    sys.stdin.readline()  # wait until the reader is gone\n"
        "    with handle_errors():\n"
        "        emit_json(['x' * 100] * 1000)\n"
        "app()\n",
        "utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, err = process.communicate("go\n", timeout=60)
    assert process.returncode == 141, err
    assert err == ""
