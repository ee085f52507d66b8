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
import urllib.parse
from pathlib import Path

__all__ = [
    "CONSTRAINTS",
    "CONSTRAINT_VARIABLES",
    "FILES_PLACEHOLDER",
    "INDEX_PLACEHOLDER",
    "constraint_pins",
    "pins_file",
    "real_locks",
    "registry_locations",
    "unconstrained_env",
]

CONSTRAINTS = Path(__file__).parent / "assets" / "constraints" / "registry.txt"
CONSTRAINT_VARIABLES = ("PIP_CONSTRAINT", "UV_CONSTRAINT")
# Committed locks name the registry by these (no registry host is ever committed);
# real_locks() puts the real ones back.
INDEX_PLACEHOLDER = "https://pypi.example.invalid/simple"
FILES_PLACEHOLDER = "https://files.example.invalid"


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


@functools.cache
def registry_locations() -> tuple[str, str]:
    """The registry's simple index and the origin its files are served from (asked of it)."""
    import pypi_simple

    from chainproof.index.client import IndexClient

    index = pypi_simple.PYPI_SIMPLE_ENDPOINT.rstrip("/")
    with IndexClient() as client:
        listing = client.listing(index, "idna")
    assert listing is not None
    assert listing.files
    url = urllib.parse.urlsplit(listing.files[0].url)
    return index, f"{url.scheme}://{url.netloc}"


def real_locks(directory: Path, names: tuple[str, ...] = ("uv.lock", "pylock.toml")) -> None:
    """The locks ``names`` in ``directory`` (a copy of committed ones) with the placeholders
    replaced by the registry's real locations."""
    index, files = registry_locations()
    for name in names:
        path = directory / name
        if path.is_file():
            text = path.read_text(encoding="utf-8").replace(INDEX_PLACEHOLDER, index)
            path.write_text(text.replace(FILES_PLACEHOLDER, files), encoding="utf-8")
