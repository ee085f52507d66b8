"""Build tests run offline: the ``local_index`` fixture (tests/conftest.py) stands in for the
package index."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_outer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SOURCE_DATE_EPOCH or CHAINPROOF_INSTALLER of the shell running the tests must not
    leak into builds whose record the tests check."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("CHAINPROOF_INSTALLER", raising=False)
