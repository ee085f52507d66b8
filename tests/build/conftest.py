"""Build tests run offline: a local find-links directory stands in for the package index."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build.helpers import use_local_index


@pytest.fixture(autouse=True)
def _no_outer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SOURCE_DATE_EPOCH or CHAINPROOF_INSTALLER of the shell running the tests must not
    leak into builds whose record the tests check."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("CHAINPROOF_INSTALLER", raising=False)


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_local_index(tmp_path, monkeypatch)
