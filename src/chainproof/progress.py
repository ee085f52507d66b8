"""How core code reports progress without printing: the CLI supplies a Reporter."""

from __future__ import annotations

from typing import Protocol

__all__ = ["NullReporter", "Reporter"]


class Reporter(Protocol):
    """Progress of a long step (build, resolve, hash, sign, import)."""

    def step(self, description: str, total: int | None = None) -> None:
        """Start a new step; ``total`` units when known."""

    def advance(self, amount: int = 1) -> None:
        """Mark ``amount`` units of the current step done."""

    def log(self, message: str) -> None:
        """A line of detail worth showing on a terminal."""


class NullReporter:
    """Reports nothing: for --json, non-TTY output and library use."""

    def step(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def log(self, message: str) -> None:
        pass
