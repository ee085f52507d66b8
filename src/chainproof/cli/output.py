"""Console output, error-to-exit-code mapping and the rich progress reporter."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from chainproof.errors import BuildFailed, ChainproofError, InputError
from chainproof.fileio import os_error
from chainproof.progress import NullReporter, Reporter
from chainproof.rendering import OutputFormat, json_text

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "INTERNAL_ERROR_EXIT",
    "emit",
    "emit_json",
    "fail",
    "handle_errors",
    "reporter",
    "stderr_console",
    "stdout_console",
    "stdout_width",
    "unexpected",
]


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


R = TypeVar("R")


def emit(output_format: OutputFormat[R], report: R) -> None:
    """Print a report on stdout in ``output_format``."""
    sys.stdout.write(output_format.render(report))


def stdout_width() -> int | None:
    """The terminal's width when stdout is one; None for a pipe or a file (a log reads best
    with one line per row, never folded)."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout (sorted keys, stable across runs)."""
    sys.stdout.write(json_text(data))


def fail(error: ChainproofError) -> NoReturn:
    """Print the error as one sentence (plus its hint) on stderr and exit with its code."""
    console = stderr_console()
    if isinstance(error, BuildFailed) and error.output:
        console.print(error.output.rstrip(), markup=False)
    console.print(f"Error: {error.message}", markup=False, style="bold red")
    if error.hint:
        console.print(f"Hint: {error.hint}", markup=False)
    raise typer.Exit(error.exit_code)


INTERRUPTED_EXIT = 130  # what a shell reports for a process stopped by SIGINT
INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE of sysexits.h: a bug, never a verdict
BROKEN_PIPE_EXIT = 141  # what a shell reports for a process stopped by SIGPIPE
DEBUG_ENV = "CHAINPROOF_DEBUG"


def unexpected(exc: Exception) -> NoReturn:
    """Last resort for an exception no code turned into a ChainproofError: one sentence.

    An OSError that escaped (a permission, a full disk) is about the machine or the input,
    so it keeps the documented codes; anything else is a bug (exit 70), which is never 0,
    so a verification that crashes can never pass. CHAINPROOF_DEBUG=1 re-raises it.
    """
    if os.environ.get(DEBUG_ENV):
        raise exc
    if isinstance(exc, OSError):
        if exc.filename:
            fail(os_error(Path(str(exc.filename)), exc, "use"))
        fail(InputError(f"{exc.strerror or exc}."))
    detail = str(exc).strip().splitlines()
    console = stderr_console()
    console.print(
        f"Error: internal error ({type(exc).__name__}"
        f"{': ' + detail[0] if detail else ''}); this is a bug in chainproof.",
        markup=False,
        style="bold red",
    )
    console.print(
        f"Hint: Please report it with the command line; set {DEBUG_ENV}=1 to see the traceback.",
        markup=False,
    )
    raise typer.Exit(INTERNAL_ERROR_EXIT)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn ChainproofError, Ctrl-C and, as a last resort, any other exception into one
    sentence and the documented exit code; never a traceback."""
    try:
        yield
    except ChainproofError as error:
        fail(error)
    except KeyboardInterrupt:
        stderr_console().print("Interrupted; nothing more was written.", markup=False)
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as a process killed by SIGPIPE would,
        # and keep Python from complaining when it flushes stdout on the way out.

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(BROKEN_PIPE_EXIT) from None
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise  # typer.Exit and usage errors are already the intended outcome
    except Exception as exc:  # the last resort
        unexpected(exc)


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
