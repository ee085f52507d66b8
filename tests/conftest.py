"""Shared fixtures. Tests run with the network off, except those marked ``registry``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.sigstore_local import LocalSigstore

ASSETS = Path(__file__).parent / "assets"


@pytest.fixture
def assets() -> Path:
    return ASSETS


@pytest.fixture(scope="session")
def local_sigstore() -> Iterator[LocalSigstore]:
    """A Fulcio + Rekor stand-in on 127.0.0.1 for the whole session (tests/sigstore_local)."""
    from tests.sigstore_local import LocalSigstore

    with LocalSigstore() as instance:
        yield instance
