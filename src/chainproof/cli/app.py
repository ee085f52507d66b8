"""The Typer application. Every command lives in its own module, imported only when that
command runs (or shows its help): ``chainproof --help`` lists the commands from
:data:`COMMANDS` and imports none of them, and help pages are drawn by ``cli.help``, not by
rich."""

from __future__ import annotations

import importlib
import inspect
import signal
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from chainproof import __version__
from chainproof.cli.help import CommandSummary, HelpGroup, use_plain_help
from chainproof.cli.output import handle_errors

if TYPE_CHECKING:
    from typer import _click

__all__ = ["COMMANDS", "app", "main"]


class Registered(NamedTuple):
    """A command of ``chainproof``: ``chainproof.cli.<module>.<attribute>`` is its function
    (``command``) or its Typer sub-app (``app``); ``summary`` is its row in
    ``chainproof --help``, the first paragraph of its docstring (or the sub-app's help)."""

    module: str
    attribute: str
    summary: str
    context_settings: dict[str, Any] | None = None


# In the order `chainproof --help` lists them. tests/test_startup.py checks each summary
# against the command's own help.
COMMANDS: dict[str, Registered] = {
    "build": Registered(
        "build", "command", "Build sdist and wheel reproducibly and write build-record.json."
    ),
    "lock-build": Registered(
        "lock_build",
        "command",
        "Write a hash-pinned lock of the build environment for --build-lock.",
    ),
    "sbom": Registered(
        "sbom",
        "command",
        "Write a CycloneDX or SPDX SBOM from a build, a lock file or an environment.",
    ),
    "sign": Registered("sign", "command", "Sign the artifacts, the SBOM and SLSA provenance."),
    "scan": Registered(
        "scan", "command", "Scan wheels and sdists for secrets, credential files and stray files."
    ),
    "verify": Registered(
        "verify", "command", "Verify artifacts, provenance and SBOM against a policy."
    ),
    "verify-env": Registered(
        "verify_env", "command", "Check that an installed environment matches an SBOM."
    ),
    "audit": Registered(
        "audit",
        "command",
        "Audit dependencies: vulnerabilities, malicious packages, pins, hashes, sources and more.",
    ),
    "report": Registered(
        "report",
        "command",
        "Report open advisories, mean time to fix and exceptions from the lock files' history.",
    ),
    "keygen": Registered("keygen", "command", "Create a key pair for --signer key."),
    "step": Registered(
        "step",
        "command",
        "Run a command and record a signed in-toto link (after --).",
        # everything after the step's own options is the command it runs
        {"allow_extra_args": True, "ignore_unknown_options": True},
    ),
    "release": Registered(
        "release",
        "command",
        "Build, scan, write the SBOM, audit, sign and verify into one new directory.",
    ),
    "db": Registered("db", "app", "Manage the offline advisory database."),
    "layout": Registered("layout", "app", "Create and sign in-toto layouts."),
}


def _help(command: Callable[..., None]) -> str:
    """The command's docstring with each paragraph on one line: Typer's rich help keeps the
    docstring's line breaks, which wrap badly at any terminal width but the source's."""
    paragraphs = inspect.cleandoc(command.__doc__ or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def load_command(name: str) -> _click.Command:
    """Import ``chainproof.cli.<module>`` of the registered command ``name`` and build its
    click command, as ``app.command(name, help=_help(function))`` or
    ``app.add_typer(sub_app, name=name)`` would have."""
    registered = COMMANDS[name]
    module = importlib.import_module(f"chainproof.cli.{registered.module}")
    target = getattr(module, registered.attribute)
    command: _click.Command
    if isinstance(target, typer.Typer):
        command = get_group_from_info(
            TyperInfo(target, name=name, cls=HelpGroup),
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
            suggest_commands=app.suggest_commands,
        )
    else:
        info = CommandInfo(
            name=name,
            callback=target,
            help=_help(target),
            context_settings=registered.context_settings,
        )
        command = get_command_from_info(
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
        )
    use_plain_help(command)
    return command


class _LazyCommands(MutableMapping[str, "_click.Command"]):
    """The group's commands by name: the registered names, each command built on first use.
    (Code that reads ``group.commands`` directly, such as Typer's "did you mean" and the
    docs tests, sees every name without importing anything.)"""

    def __init__(self) -> None:
        self._built: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = load_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands cannot be removed")

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(name not in COMMANDS for name in self._built)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._built


class LazyGroup(HelpGroup):
    """The top-level group: lists the registered commands without importing them and imports
    a command's module only when it is invoked."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.commands = _LazyCommands()

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        return self.commands.get(cmd_name)

    def command_summaries(self, ctx: _click.Context) -> list[CommandSummary]:
        return [CommandSummary(name, entry.summary) for name, entry in COMMANDS.items()]


app = typer.Typer(
    name="chainproof",
    cls=LazyGroup,
    help="Build, SBOM, sign, verify and audit Python releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chainproof {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, metavar="", help="Show the version."
    ),
) -> None:
    """Build, SBOM, sign, verify and audit Python releases."""


def _terminated(signum: int, _frame: object) -> None:
    # SystemExit unwinds like Ctrl-C: staging directories and temporary files are removed.
    raise SystemExit(128 + signum)


def main() -> None:
    """The console script: an exception raised outside a command's own handler (while
    Typer converts a parameter, say) also ends as one sentence, never a traceback. SIGTERM
    (a cancelled CI job) unwinds the command, so it leaves nothing half-written behind."""
    signal.signal(signal.SIGTERM, _terminated)
    try:
        with handle_errors():
            app()
    except typer.Exit as done:  # raised by handle_errors itself, outside Typer's own handling
        sys.exit(done.exit_code)
