from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chainproof.index.credentials import CredentialLookup
from tests.index.local_index import LocalIndex


@pytest.fixture
def index() -> Iterator[LocalIndex]:
    server = LocalIndex().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty home directory: no pip, uv or netrc settings."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def clean_env(home: Path, tmp_path: Path) -> dict[str, str]:
    """An environment with no index settings, its home and system directories empty."""
    return {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "etc-xdg")}


MakeLookup = Callable[..., CredentialLookup]


@pytest.fixture
def make_lookup(tmp_path: Path) -> MakeLookup:
    """CredentialLookup.from_settings with /etc and sys.prefix replaced by directories under
    tmp_path, so the machine's own settings never count."""

    def make(env: dict[str, str], project_dir: Path | None = None) -> CredentialLookup:
        return CredentialLookup.from_settings(
            env, project_dir=project_dir, etc=tmp_path / "etc", site_prefix=tmp_path / "prefix"
        )

    return make
