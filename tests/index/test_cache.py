"""The index client's cache against a real index on 127.0.0.1: metadata of a known file is
fetched once, pages are revalidated (304), an entry that no longer matches its hash is
discarded and fetched again, and offline the cache answers what it holds and nothing more."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainproof.errors import InfrastructureError
from chainproof.index.cache import IndexCache
from chainproof.index.client import IndexClient
from chainproof.index.listing import ProjectListing
from tests.indexes import IndexServer, write_wheel


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    with IndexServer([write_wheel(tmp_path / "dists", "demo-pkg", "1.0")]) as index:
        yield index


def _client(cache: IndexCache, offline: bool = False) -> IndexClient:
    return IndexClient(offline=offline, cache=cache, env={"PIP_CONFIG_FILE": os.devnull})


def _listing(cache: IndexCache, server: IndexServer, offline: bool = False) -> ProjectListing:
    with _client(cache, offline) as client:
        found = client.listing(server.url, "demo-pkg")
    assert found is not None
    return found


def _metadata_gets(server: IndexServer) -> int:
    return sum(1 for _, path, _ in server.requests if path.endswith(".metadata"))


def test_metadata_of_a_known_file_is_fetched_once(server: IndexServer, tmp_path: Path) -> None:
    cache = IndexCache(tmp_path / "cache")
    (wheel,) = _listing(cache, server).files
    for _ in range(2):
        with _client(cache) as client:
            data = client.core_metadata(wheel.metadata_file)
        assert data is not None
        assert b"Name: demo-pkg" in data
    assert _metadata_gets(server) == 1
    with _client(cache, offline=True) as client:
        assert client.core_metadata(wheel.metadata_file) == data


def test_an_entry_that_no_longer_matches_its_hash_is_fetched_again(
    server: IndexServer, tmp_path: Path
) -> None:
    cache = IndexCache(tmp_path / "cache")
    (wheel,) = _listing(cache, server).files
    with _client(cache) as client:
        good = client.core_metadata(wheel.metadata_file)
    (entry,) = (p for p in (tmp_path / "cache" / "metadata").rglob("*") if p.is_file())
    entry.write_bytes(entry.read_bytes().replace(b"demo-pkg", b"evil-pkg"))
    with _client(cache) as client:
        assert client.core_metadata(wheel.metadata_file) == good
    assert _metadata_gets(server) == 2
    assert b"evil" not in entry.read_bytes()  # replaced by the file fetched again


def test_pages_are_revalidated_and_served_offline_from_the_cache(
    server: IndexServer, tmp_path: Path
) -> None:
    cache = IndexCache(tmp_path / "cache")
    first = _listing(cache, server)
    assert _listing(cache, server) == first
    statuses = [status for path, status, _ in server.responses if path.startswith("/simple/")]
    assert statuses == [200, 304]
    assert _listing(cache, server, offline=True) == first
    assert len(server.responses) == 2  # offline: no request


def test_a_changed_page_is_read_again(server: IndexServer, tmp_path: Path) -> None:
    cache = IndexCache(tmp_path / "cache")
    assert _listing(cache, server).versions == ("1.0",)
    server.add(write_wheel(tmp_path / "dists", "demo-pkg", "2.0"))
    assert _listing(cache, server).versions == ("1.0", "2.0")


def test_offline_what_the_cache_does_not_hold_is_refused(
    server: IndexServer, tmp_path: Path
) -> None:
    cache = IndexCache(tmp_path / "cache")
    with _client(cache, offline=True) as client, pytest.raises(InfrastructureError) as caught:
        client.listing(server.url, "demo-pkg")
    assert "chainproof runs offline" in str(caught.value)
    assert server.requests == []


def test_metadata_unlike_the_hash_the_index_publishes_is_refused(
    server: IndexServer, tmp_path: Path
) -> None:
    cache = IndexCache(tmp_path / "cache")
    (wheel,) = _listing(cache, server).files
    assert wheel.metadata_sha256 is not None  # the index publishes it (PEP 714)
    forged = wheel.metadata_file.__class__(wheel.url, wheel.sha256, "0" * 64)
    with _client(cache) as client, pytest.raises(InfrastructureError) as caught:
        client.core_metadata(forged)
    assert "does not match the sha256 its index publishes" in str(caught.value)
    assert not [p for p in (tmp_path / "cache" / "metadata").rglob("*") if p.is_file()]


def test_the_cache_is_where_chainproof_index_cache_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINPROOF_INDEX_CACHE", str(tmp_path / "here"))
    assert IndexCache.default().root == tmp_path / "here"
