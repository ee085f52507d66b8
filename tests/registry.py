"""Tests marked ``registry`` resolve against committed, hash-pinned constraints
(tests/assets/constraints/registry.txt, compiled from registry.in), so that a new release on
the package registry cannot change their result. tests/conftest.py sets them for every such
test; pip and uv read them from the environment, ``uv lock`` from the project."""

from __future__ import annotations

import atexit
import functools
import os
import re
import tempfile
from pathlib import Path

__all__ = [
    "CONSTRAINTS",
    "CONSTRAINT_VARIABLES",
    "constraint_pins",
    "pins_file",
    "unconstrained_env",
]

CONSTRAINTS = Path(__file__).parent / "assets" / "constraints" / "registry.txt"
CONSTRAINT_VARIABLES = ("PIP_CONSTRAINT", "UV_CONSTRAINT")


def constraint_pins() -> list[str]:
    """``name==version`` of every constraint (what ``[tool.uv] constraint-dependencies`` takes)."""
    text = CONSTRAINTS.read_text(encoding="utf-8")
    return re.findall(r"^([A-Za-z0-9._-]+==[^\s\\]+)", text, re.MULTILINE)


@functools.cache
def pins_file() -> Path:
    """The constraints as ``name==version`` lines, for PIP_CONSTRAINT and UV_CONSTRAINT: a
    hash in a constraint puts pip in hash-checking mode for everything, which a local wheel
    under test (no hash) cannot pass. The versions are what fixes the resolution; the
    hashes are checked where files are compared (pip's report against the SBOM)."""
    handle, name = tempfile.mkstemp(prefix="chainproof-registry-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write("".join(f"{pin}\n" for pin in constraint_pins()))
    atexit.register(os.unlink, name)
    return Path(name)


def unconstrained_env() -> dict[str, str]:
    """The environment without the constraints: for downloading a project under test by its
    exact version, which the constraints may pin otherwise."""
    return {k: v for k, v in os.environ.items() if k not in CONSTRAINT_VARIABLES}
