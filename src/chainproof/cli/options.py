"""Options that several commands share, spelled and explained once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["DbOption", "PolicyOption"]

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The database file (default: CHAINPROOF_DB, else the user cache)."),
]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="A policy file (chainproof.toml).")
]
