"""The Typer application; every command lives in its own module and imports heavy
libraries only when it runs, so ``chainproof --help`` starts fast."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

import typer

from chainproof import __version__
from chainproof.cli import (
    audit,
    build,
    db,
    keygen,
    layout,
    lock_build,
    release,
    sbom,
    sign,
    step,
    verify,
    verify_env,
)
from chainproof.cli.output import handle_errors

__all__ = ["app", "main"]

app = typer.Typer(
    name="chainproof",
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


def _help(command: Callable[..., None]) -> str:
    """The command's docstring with each paragraph on one line: Typer's rich help keeps the
    docstring's line breaks, which wrap badly at any terminal width but the source's."""
    paragraphs = inspect.cleandoc(command.__doc__ or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _add(name: str, command: Callable[..., None], **settings: Any) -> None:
    app.command(name, help=_help(command), **settings)(command)


_add("build", build.command)
_add("lock-build", lock_build.command)
_add("sbom", sbom.command)
_add("sign", sign.command)
_add("verify", verify.command)
_add("verify-env", verify_env.command)
_add("audit", audit.command)
app.add_typer(db.app, name="db")
_add("keygen", keygen.command)
_add(
    "step",
    step.command,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
app.add_typer(layout.app, name="layout")
_add("release", release.command)


def _terminated(signum: int, _frame: object) -> None:
    # SystemExit unwinds like Ctrl-C: staging directories and temporary files are removed.
    raise SystemExit(128 + signum)


def main() -> None:
    """The console script: an exception raised outside a command's own handler (while
    Typer converts a parameter, say) also ends as one sentence, never a traceback. SIGTERM
    (a cancelled CI job) unwinds the command, so it leaves nothing half-written behind."""
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    try:
        with handle_errors():
            app()
    except typer.Exit as done:  # raised by handle_errors itself, outside Typer's own handling
        sys.exit(done.exit_code)
