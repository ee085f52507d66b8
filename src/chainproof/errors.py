"""The one error tree of chainproof.

Every error carries a plain one-sentence ``message``, an optional ``hint`` saying what to
do, and the process ``exit_code`` the CLI turns it into (docs/architecture.md, Conventions):

0 success; 1 a verification failed or findings are over the threshold;
2 bad usage or bad input; 3 infrastructure (network, registry, signing service, tool).
"""

from __future__ import annotations

__all__ = [
    "BuildFailed",
    "ChainproofError",
    "FindingsOverThreshold",
    "InfrastructureError",
    "InputError",
    "UsageError",
    "VerificationFailed",
    "first_line",
]


class ChainproofError(Exception):
    """Base class: library code raises these, only the CLI prints them."""

    exit_code: int = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(ChainproofError):
    """Bad flags or a contradictory combination of options (exit 2)."""

    exit_code = 2


class InputError(ChainproofError):
    """Missing, unreadable or malformed input file or directory (exit 2)."""

    exit_code = 2


class BuildFailed(InputError):
    """The build backend failed on the project (exit 2); ``output`` holds what it printed."""

    def __init__(self, message: str, hint: str | None = None, output: str = "") -> None:
        super().__init__(message, hint)
        self.output = output


class VerificationFailed(ChainproofError):
    """A signature, digest, identity or policy check did not pass (exit 1)."""

    exit_code = 1


class FindingsOverThreshold(ChainproofError):
    """An audit found vulnerabilities at or above the policy's threshold (exit 1)."""

    exit_code = 1


class InfrastructureError(ChainproofError):
    """Network, package registry, signing service or a missing external tool (exit 3)."""

    exit_code = 3


def first_line(exc: BaseException) -> str:
    """An exception's message without the lines packaging's parser adds (the text again with
    a caret under the error), so an error stays one sentence."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
