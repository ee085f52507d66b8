"""The help pages of cli/help.py: the text Typer's rich help shows, laid out without rich."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from chainproof.cli import help as help_module
from chainproof.cli.app import COMMANDS, app, load_command
from chainproof.cli.help import render_help

runner = CliRunner()


def _subcommands(name: str) -> list[str]:
    group = load_command(name)
    assert isinstance(group, TyperGroup)
    return list(group.commands)


_GROUPS = [name for name, r in COMMANDS.items() if r.attribute == "app"]
PAGES = ["", *COMMANDS, *(f"{group} {sub}" for group in _GROUPS for sub in _subcommands(group))]
_BOX = set("│╭╮╰╯─")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _context(page: str) -> typer.Context:
    """The context ``chainproof PAGE --help`` renders its page in (parsed resiliently, so
    required parameters may be missing)."""
    command = typer.main.get_command(app)
    ctx = command.make_context("chainproof", [], resilient_parsing=True)
    for name in page.split():
        assert isinstance(command, TyperGroup)
        sub = command.get_command(ctx, name)
        assert sub is not None
        command, ctx = sub, sub.make_context(name, [], parent=ctx, resilient_parsing=True)
    assert isinstance(ctx, typer.Context)
    return ctx


def _words(text: str) -> Counter[str]:
    return Counter(word for word in text.split() if not set(word) <= _BOX)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page or "chainproof")
def test_same_text_as_typers_rich_help(
    page: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Word for word what typer.rich_utils prints (only the spacing differs): every type,
    default, required marker and panel, and rich's markup escapes (``\\[``) resolved."""
    from typer import rich_utils

    monkeypatch.setattr(rich_utils, "MAX_WIDTH", 100)
    monkeypatch.setattr(rich_utils, "FORCE_TERMINAL", False)
    monkeypatch.setenv("TERMINAL_WIDTH", "100")
    ctx = _context(page)
    rich_utils.rich_format_help(obj=ctx.command, ctx=ctx, markup_mode="rich")
    typers = capsys.readouterr().out
    ours = render_help(ctx)
    assert _words(ours) == _words(typers)
    assert "Usage:" in ours


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
def test_every_line_fits_the_width(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMINAL_WIDTH", str(width))
    for page in PAGES:
        lines = render_help(_context(page)).splitlines()
        too_long = [line for line in lines if len(line) > width]
        assert too_long == [], page
        boxed = [line for line in lines if line[:1] in _BOX]
        assert {len(line) for line in boxed} == {width}, page


def test_colour_is_only_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMINAL_WIDTH", "100")
    for page in ("", "sbom", "step"):
        plain = render_help(_context(page))
        monkeypatch.setattr(help_module, "_colour", lambda: True)
        coloured = render_help(_context(page))
        monkeypatch.undo()
        monkeypatch.setenv("TERMINAL_WIDTH", "100")
        assert coloured != plain
        assert _ANSI.sub("", coloured) == plain


@pytest.mark.parametrize(
    "markup",
    [
        "then \\[tool.chainproof.build], then auto",
        "[bold]loud[/bold] and [red]red[/]",
        "a literal \\\\[bold]backslash",
        "no tags: [1] [A] x[]",
    ],
)
def test_markup_shows_what_rich_shows(markup: str) -> None:
    from rich.markup import render

    assert help_module._plain(markup) == render(markup).plain


def test_commands_listed_in_registry_order() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    panel = result.output.split("Commands")[1]
    rows = [row.split()[1] for row in panel.splitlines() if row.startswith("│ ") and row[2] != " "]
    assert rows == list(COMMANDS)


@pytest.mark.parametrize("args", [[], ["db"], ["layout"]])
def test_no_arguments_print_the_help_and_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout.startswith("\n Usage: ")
    assert result.stderr == ""


_TABLE = re.compile(r"(?<!\\)\[(audit|verify|scan|sbom|build|tool)[.\]]")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page or "chainproof")
def test_a_policy_table_named_in_help_is_escaped_from_markup(page: str) -> None:
    """A help text naming a policy table (``[audit.fix]``) escapes its bracket, or the help
    renders it as markup and the name vanishes from the page."""
    ctx = _context(page)
    texts = [getattr(p, "help", None) or "" for p in ctx.command.params]
    assert [t for t in texts if _TABLE.search(t)] == []
