"""Build tests run offline: a local find-links directory stands in for the package index."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build.helpers import use_local_index


@pytest.fixture(autouse=True)
def _no_outer_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name in ("CHAINPROOF_INSTALLER",):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_local_index(tmp_path, monkeypatch)
