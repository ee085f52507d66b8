"""Tests marked ``registry`` resolve against committed, hash-pinned constraints
(tests/assets/constraints/registry.txt, compiled from registry.in), so that a new release on
the package registry cannot change their result. tests/conftest.py sets them for every such
test; pip and uv read them from the environment, ``uv lock`` from the project."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["CONSTRAINTS", "CONSTRAINT_VARIABLES", "constraint_pins", "unconstrained_env"]

CONSTRAINTS = Path(__file__).parent / "assets" / "constraints" / "registry.txt"
CONSTRAINT_VARIABLES = ("PIP_CONSTRAINT", "UV_CONSTRAINT")


def constraint_pins() -> list[str]:
    """``name==version`` of every constraint (what ``[tool.uv] constraint-dependencies`` takes)."""
    text = CONSTRAINTS.read_text(encoding="utf-8")
    return re.findall(r"^([A-Za-z0-9._-]+==[^\s\\]+)", text, re.MULTILINE)


def unconstrained_env() -> dict[str, str]:
    """The environment without the constraints: for downloading a project under test by its
    exact version, which the constraints may pin otherwise."""
    return {k: v for k, v in os.environ.items() if k not in CONSTRAINT_VARIABLES}
