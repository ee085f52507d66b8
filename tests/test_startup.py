"""Start-up: the commands of ``chainproof`` come from ``cli.app.COMMANDS`` and their modules
load only when a command runs."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import typer
from typer.testing import CliRunner

import chainproof.cli
from chainproof.cli.app import COMMANDS, app, load_command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_registered_summary_is_the_commands_own(name: str) -> None:
    """The row of `chainproof --help` (written in cli.app so listing imports nothing) is the
    first paragraph of the command's help: its docstring, or the sub-app's help."""
    command = load_command(name)
    assert command.name == name
    assert command.help is not None
    assert COMMANDS[name].summary == " ".join(command.help.split("\n\n")[0].split())


def test_every_command_module_is_registered() -> None:
    registered = {r.module for r in COMMANDS.values()}
    commands = set()
    for found in pkgutil.iter_modules(chainproof.cli.__path__):
        if found.name == "app":
            continue
        module = importlib.import_module(f"chainproof.cli.{found.name}")
        if callable(getattr(module, "command", None)) or isinstance(
            getattr(module, "app", None), typer.Typer
        ):
            commands.add(found.name)
    assert commands == registered


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "No such command 'frobnicate'."),
        (["sbon"], "No such command 'sbon'. Did you mean 'sbom'?"),
        (["db", "frob"], "No such command 'frob'."),
    ],
)
def test_unknown_command_is_a_usage_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
