"""Help pages laid out like Typer's rich help, drawn without rich.

Typer renders ``--help`` through ``typer.rich_utils``, whose imports pull in rich and, whatever
the page holds, rich's Markdown (markdown-it) and Traceback (pygments): about 0.2 s, longer
than everything else ``chainproof --help`` does. This module draws the same page in plain
Python: the usage line, the description, then the Arguments, Options (and any
``rich_help_panel``) and Commands panels, with Typer's own strings for each parameter (its type
names, ``[env var: ...]``, ``[default: ...]``, ``[required]``, the ``*`` of a required one) in
Typer's order. What differs: each column is as wide as its widest cell (rich stretches the
columns to the terminal's width), a command's summary in a Commands panel is its first
paragraph on one line (rich keeps the docstring's line breaks there), and in a terminal too
narrow for the columns a parameter's help goes under its names instead of rich truncating
them. Colours follow Typer's theme, in a terminal only (never with ``NO_COLOR`` or
``TERM=dumb``).

Usage errors still go through Typer's rich error panel: that path may be slow.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import textwrap
from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

if TYPE_CHECKING:
    from collections.abc import Iterable

    from typer import _click

__all__ = ["CommandSummary", "HelpContext", "HelpGroup", "render_help", "use_plain_help"]

_MIN_WIDTH = 40  # narrower terminals get lines this long
_MIN_HELP_WIDTH = 20  # a help column narrower than this goes under its row, indented:
_STACKED_INDENT = 4

# Typer's rich theme (typer.rich_utils.STYLE_*) as ANSI SGR parameters.
_OPTION, _SWITCH = "1;36", "1;32"
_NEGATIVE_OPTION, _NEGATIVE_SWITCH = "1;35", "1;31"
_TYPES, _USAGE, _BOLD, _DIM = "1;33", "33", "1", "2"
_REQUIRED_SHORT, _REQUIRED_LONG, _ENVVAR, _DEPRECATED = "31", "2;31", "2;33", "31"
_COMMAND = "1;36"

# What Typer's highlighter colours inside help text: --options, -s switches, <types>.
_HIGHLIGHTS = (
    (re.compile(r"(?<![\w-])--[\w-]+(?![a-zA-Z0-9])"), _OPTION),
    (re.compile(r"(?<![\w-])-\w+(?![a-zA-Z0-9])"), _SWITCH),
    (re.compile(r"<[^>]+>"), _TYPES),
)

# rich.markup.RE_TAGS: a [tag] of rich's console markup, after any backslashes escaping it.
_MARKUP_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")

Segment = tuple[str, str]  # text and its SGR style ("" for none)


class CommandSummary(NamedTuple):
    """One row of a Commands panel."""

    name: str
    summary: str
    panel: str | None = None
    deprecated: bool | str = False  # click allows a message; Typer shows "(deprecated)"


class HelpContext(typer.Context):
    """A context whose help page is :func:`render_help`'s, not Typer's rich one."""

    def get_help(self) -> str:
        # Typer's rich help ended with a blank line (the page, then click's echo of "")
        return render_help(self) + "\n"


class HelpGroup(TyperGroup):
    """A Typer group whose help (``--help`` and, when it has ``no_args_is_help``, no arguments)
    is :func:`render_help`'s."""

    context_class = HelpContext

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            # Typer's NoArgsIsHelpError printed the help on stdout and exited 2; its handler
            # would now show nothing, so print the page here, the same way.
            typer.echo(render_help(ctx), color=ctx.color)
            ctx.exit(2)
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            # A group parses its own options before it runs a subcommand, so without -h its
            # help option's value is the default. Typer coerces a None through a pydantic
            # TypeAdapter, importing pydantic (~0.1 s) before `chainproof sbom --help` even
            # starts; a bool it passes through. The value only decides whether to show help.
            option.default = False
        return option

    def command_summaries(self, ctx: _click.Context) -> list[CommandSummary]:
        """The rows of the Commands panels; a group that loads commands lazily answers
        without loading them."""
        return _summaries(self, ctx)


def _summaries(group: TyperGroup, ctx: _click.Context) -> list[CommandSummary]:
    rows = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        text = command.short_help or command.help or ""
        rows.append(
            CommandSummary(
                name,
                _first_paragraph(text),
                getattr(command, "rich_help_panel", None),
                command.deprecated,
            )
        )
    return rows


def use_plain_help(command: _click.Command) -> None:
    """Make ``command`` and the commands under it render their help with :func:`render_help`."""
    command.context_class = HelpContext
    for sub in getattr(command, "commands", {}).values():
        use_plain_help(sub)


def _first_paragraph(text: str) -> str:
    first = inspect.cleandoc(text).split("\n\n")[0]
    return " ".join(first.replace("\b", "").split())


def _plain(markup: str) -> str:
    """Rich console markup as the text rich shows (as rich.markup.render parses it): tags
    dropped, ``\\[`` the literal bracket."""

    def shown(match: re.Match[str]) -> str:
        tag, escapes = match.group(1), match.group(2)
        backslashes, escaped = divmod(len(escapes), 2)
        return "\\" * backslashes + (tag[len(escapes) :] if escaped else "")

    return _MARKUP_TAG.sub(shown, markup)


# --- the page ------------------------------------------------------------------------------


def render_help(ctx: _click.Context) -> str:
    """The help page of ``ctx.command``, as Typer's rich help lays it out."""
    page = _Page(_width(), _colour())
    command = ctx.command
    page.usage(f"{ctx.command_path} {' '.join(command.collect_usage_pieces(ctx))}")
    if command.help:
        page.description(command.help, command.deprecated)
    arguments: defaultdict[str, list[Any]] = defaultdict(list)
    options: defaultdict[str, list[Any]] = defaultdict(list)
    arguments["Arguments"], options["Options"] = [], []  # the default panels come first
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        panel = getattr(param, "rich_help_panel", None)
        if isinstance(param, TyperArgument):
            arguments[panel or "Arguments"].append(param)
        elif isinstance(param, TyperOption):
            options[panel or "Options"].append(param)
    for title, params in [*arguments.items(), *options.items()]:
        if params:
            page.panel(title, _parameter_rows(params, ctx))
    if isinstance(command, TyperGroup):
        page.commands(
            command.command_summaries(ctx)
            if isinstance(command, HelpGroup)
            else _summaries(command, ctx)
        )
    if command.epilog:
        page.epilog(command.epilog)
    return "\n".join(page.lines)


class _Row(NamedTuple):
    cells: list[Segment]  # single-line columns
    text: str  # the wrapped last column
    notes: list[Segment]  # after the text: [env var: ...], [default: ...], [required]


def _parameter_rows(params: list[Any], ctx: _click.Context) -> list[_Row]:
    """Typer's columns for each parameter (typer.rich_utils._print_options_panel): a ``*`` when
    any is required, long names, short names (an argument's name), secondary long and short
    names (``--no-x``), the type, then the help."""
    rows = []
    for param in params:
        argument = isinstance(param, TyperArgument)
        name = param._rich_display_name() if argument else ""
        names: list[list[str]] = [[], [], [], []]
        for index, opts in ((0, param.opts), (2, param.secondary_opts)):
            for opt in opts:
                names[index if "--" in opt else index + 1].append(name or opt)
        kind = param.display_type_rich(ctx=ctx) or ""
        number_range = param._get_number_range_help_str()
        if number_range:
            kind += f" [{number_range}]"
        cells = [
            ("*" if param.required else "", _REQUIRED_SHORT),
            (",".join(names[0]), _OPTION),
            (",".join(names[1]), _SWITCH),
            (",".join(names[2]), _NEGATIVE_OPTION),
            (",".join(names[3]), _NEGATIVE_SWITCH),
            (kind, _TYPES),
        ]
        rows.append(_Row(cells, _parameter_help(param), _parameter_notes(param, ctx)))
    return rows


def _parameter_help(param: Any) -> str:
    paragraphs = (param.help or "").split("\n\n")
    return _plain(
        "\n".join(
            p.strip("\b\n") + "\n" if p.startswith("\b") else p.replace("\n", " ").strip()
            for p in paragraphs
        ).strip()
    )


def _parameter_notes(param: Any, ctx: _click.Context) -> list[Segment]:
    """The bracketed notes typer.rich_utils._get_parameter_help puts after the help."""
    notes: list[Segment] = []
    envvar = getattr(param, "envvar", None)
    if (
        envvar is None
        and getattr(param, "allow_from_autoenv", None)
        and getattr(ctx, "auto_envvar_prefix", None) is not None
        and param.name
    ):
        envvar = f"{ctx.auto_envvar_prefix}_{param.name.upper()}"
    if envvar and getattr(param, "show_envvar", None):
        shown = envvar if isinstance(envvar, str) else ", ".join(str(v) for v in envvar)
        notes.append((f"[env var: {shown}]", _ENVVAR))
    default = param._extract_default_help_str(ctx=ctx)
    show_default_is_str = isinstance(param.show_default, str)
    if show_default_is_str or (default is not None and (param.show_default or ctx.show_default)):
        shown = param._get_default_string(
            ctx=ctx, show_default_is_str=show_default_is_str, default_value=default
        )
        if shown:
            notes.append((f"[default: {shown}]", _DIM))
    if param.required:
        notes.append(("[required]", _REQUIRED_LONG))
    return notes


class _Page:
    def __init__(self, width: int, colour: bool) -> None:
        self.width = max(width, _MIN_WIDTH)
        self.colour = colour
        self.lines: list[str] = []

    def paint(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.colour and style and text else text

    def highlight(self, text: str, style: str = "") -> str:
        """``text`` in ``style``, its --options, -switches and <types> as Typer colours them."""
        if not self.colour:
            return text
        out, end = [], 0
        spans = sorted(
            (match.start(), match.end(), colour)
            for pattern, colour in _HIGHLIGHTS
            for match in pattern.finditer(text)
        )
        for start, stop, colour in spans:
            if start >= end:
                out += [self.paint(text[end:start], style), self.paint(text[start:stop], colour)]
                end = stop
        out.append(self.paint(text[end:], style))
        return "".join(out)

    def usage(self, usage: str) -> None:
        lines = _wrap(f"Usage: {usage}", self.width - 2, indent=len("Usage: "))
        first = self.paint("Usage:", _USAGE) + self.paint(lines[0][len("Usage:") :], _BOLD)
        self.lines += ["", f" {first}", *(f" {self.paint(line, _BOLD)}" for line in lines[1:])]
        self.lines.append("")

    def description(self, help_text: str, deprecated: bool | str) -> None:
        """As typer.rich_utils._get_help_text: the first paragraph on one line (wrapped), the
        rest dim, with its line breaks kept."""
        text = inspect.cleandoc(help_text).partition("\f")[0]
        first, *rest = text.split("\n\n")
        if not first.startswith("\b"):
            first = first.replace("\n", " ")
        lines = [self.highlight(x) for x in _wrap(_plain(first.strip()), self.width - 2)]
        if deprecated:
            lines[0] = self.paint("(deprecated) ", _DEPRECATED) + lines[0]
        if rest:
            lines.append("")
            rest_lines = _wrap(_plain("\n\n".join(rest)), self.width - 2)
            lines += [self.highlight(x, _DIM) for x in rest_lines]
        self.lines += [f" {line}" if line else "" for line in lines]
        self.lines.append("")

    def panel(self, title: str, rows: list[_Row]) -> None:
        """A box of columns, each as wide as its widest cell; empty columns are left out and
        the last one wraps in the width left."""
        inner = self.width - 4
        used = [i for i in range(len(rows[0].cells)) if any(row.cells[i][0] for row in rows)]
        widths = {i: max(len(row.cells[i][0]) for row in rows) for i in used}
        indent = sum(widths[i] + 2 for i in used)
        # In a narrow terminal the help goes under its row, indented, instead of beside it.
        stacked = inner - indent < _MIN_HELP_WIDTH
        if stacked:
            indent = _STACKED_INDENT
        body = []
        for row in rows:
            if stacked:  # the row's own cells on a line of their own, unaligned
                cells = [(text, style) for text, style in row.cells if text]
                lead = "  ".join(self.paint(text, style) for text, style in cells)
                body.append((lead, "", sum(len(text) + 2 for text, _ in cells) - 2))
            else:
                lead = "".join(
                    self.paint(row.cells[i][0], row.cells[i][1])
                    + " " * (widths[i] - len(row.cells[i][0]) + 2)
                    for i in used
                )
            for number, line in enumerate(_flow(row.text, row.notes, inner - indent)):
                length = sum(len(text) for text, _ in line) + len(line) - 1 if line else 0
                shown = " ".join(
                    self.highlight(text) if not style else self.paint(text, style)
                    for text, style in line
                )
                prefix = lead if number == 0 and not stacked else " " * indent
                body.append((prefix, shown, indent + length))
        self.box(title, body)

    def commands(self, summaries: list[CommandSummary]) -> None:
        if not summaries:
            return
        name_width = max(len(row.name) for row in summaries)
        panels: dict[str, list[CommandSummary]] = {"Commands": []}
        for row in summaries:
            panels.setdefault(row.panel or "Commands", []).append(row)
        text_width = max(self.width - 4 - name_width - 2, _MIN_HELP_WIDTH)
        for title, rows in panels.items():
            body = []
            for row in rows:
                summary = ("(deprecated) " if row.deprecated else "") + _plain(row.summary)
                for number, line in enumerate(_wrap(summary, text_width)):
                    name = row.name if number == 0 else ""
                    prefix = self.paint(name, _COMMAND) + " " * (name_width - len(name) + 2)
                    body.append((prefix, line, name_width + 2 + len(line)))
            if body:
                self.box(title, body)

    def box(self, title: str, body: Iterable[tuple[str, str, int]]) -> None:
        """A rounded box the page's width: ``body`` holds (prefix, text, visible length)."""
        fill = self.width - 5 - len(title)
        self.lines.append(
            self.paint("╭─", _DIM) + f" {title} " + self.paint("─" * fill + "╮", _DIM)
        )
        side = self.paint("│", _DIM)
        for prefix, text, length in body:
            padding = " " * max(self.width - 4 - length, 0)
            self.lines.append(f"{side} {prefix}{text}{padding} {side}")
        self.lines.append(self.paint("╰" + "─" * (self.width - 2) + "╯", _DIM))

    def epilog(self, epilog: str) -> None:
        lines = _wrap(_plain(epilog), self.width - 2)
        self.lines += ["", *(f" {self.highlight(line)}" for line in lines), ""]


def _flow(text: str, notes: list[Segment], width: int) -> list[list[Segment]]:
    """A parameter's help as rich's Columns lays it out: the text and its notes on one line
    when they fit, else the text wrapped, then the notes (on one line if they fit)."""
    items = [(text, ""), *notes] if text else list(notes)
    if "\n" not in text and sum(len(t) for t, _ in items) + len(items) - 1 <= width:
        return [items]
    lines: list[list[Segment]] = [[(line, "")] for line in _wrap(text, width)] if text else []
    if notes and sum(len(t) for t, _ in notes) + len(notes) - 1 <= width:
        lines.append(notes)
    else:
        lines += [[(line, style)] for note, style in notes for line in _wrap(note, width)]
    return lines or [[]]


def _wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Each line of ``text`` word-wrapped to ``width`` (words longer than that are split;
    continuation lines indented by ``indent``); empty lines kept."""
    lines = []
    for line in text.split("\n"):
        lines += textwrap.wrap(
            line,
            max(width, 1),
            subsequent_indent=" " * indent,
            break_on_hyphens=False,
        ) or [""]
    return lines


def _width() -> int:
    """The page width rich would use: $TERMINAL_WIDTH (Typer's cap), else $COLUMNS, else the
    terminal's (of stdin, stdout or stderr), else 80."""
    for variable in ("TERMINAL_WIDTH", "COLUMNS"):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    for descriptor in (0, 1, 2):
        try:
            return os.get_terminal_size(descriptor).columns or 80
        except (OSError, ValueError):
            continue
    return 80


def _colour() -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
