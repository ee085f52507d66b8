"""Shared fixtures. Tests run with the network off, except those marked ``registry``."""

from __future__ import annotations

from pathlib import Path

import pytest

ASSETS = Path(__file__).parent / "assets"


@pytest.fixture
def assets() -> Path:
    return ASSETS
