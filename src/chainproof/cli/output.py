"""Console output, error-to-exit-code mapping and the rich progress reporter."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from chainproof.errors import BuildFailed, ChainproofError
from chainproof.progress import NullReporter, Reporter

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["emit_json", "fail", "handle_errors", "reporter", "stderr_console", "stdout_console"]


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout (sorted keys, stable across runs)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def fail(error: ChainproofError) -> NoReturn:
    """Print the error as one sentence (plus its hint) on stderr and exit with its code."""
    console = stderr_console()
    if isinstance(error, BuildFailed) and error.output:
        console.print(error.output.rstrip(), markup=False)
    console.print(f"Error: {error.message}", markup=False, style="bold red")
    if error.hint:
        console.print(f"Hint: {error.hint}", markup=False)
    raise typer.Exit(error.exit_code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn ChainproofError (and Ctrl-C) into a message and the documented exit code."""
    try:
        yield
    except ChainproofError as error:
        fail(error)
    except KeyboardInterrupt:
        stderr_console().print("Interrupted.")
        raise typer.Exit(130) from None


class _RichReporter:
    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class CountColumn(ProgressColumn):
            """``done/total`` for steps with a known size, nothing for the others."""

            def render(self, task: Task) -> Text:
                if task.total is None:
                    return Text("")
                return Text(f"{task.completed:g}/{task.total:g}", style="dim")

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            CountColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> _RichReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def step(self, description: str, total: int | None = None) -> None:
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)

    def log(self, message: str) -> None:
        self._progress.console.print(message, markup=False)


@contextmanager
def reporter(json_mode: bool) -> Iterator[Reporter]:
    """A rich progress bar on a terminal; silence in --json mode or when not a TTY."""
    if json_mode or not sys.stderr.isatty():
        yield NullReporter()
        return
    with _RichReporter() as rich_reporter:
        yield rich_reporter


def not_yet(command: str, issue: int) -> Callable[..., NoReturn]:
    """Body of a contract command whose implementation has not landed."""
    from chainproof.errors import NotYetImplemented

    def body(*_: object, **__: object) -> NoReturn:
        fail(NotYetImplemented(f"`chainproof {command}` is not implemented yet (issue #{issue})."))

    return body
