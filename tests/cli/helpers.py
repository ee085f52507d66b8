"""Checks shared by the CLI tests: what an error exit printed on stderr."""

from __future__ import annotations

__all__ = ["one_sentence_error", "single_error_line"]


def one_sentence_error(stderr: str) -> str:
    """The error line, which must be the first non-blank line of stderr; no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in stderr
    return lines[0]


def single_error_line(stderr: str) -> str:
    """The one line of stderr starting "Error: " (other lines, e.g. warnings, may come before
    it); no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1
    assert "Traceback" not in stderr
    return errors[0]
