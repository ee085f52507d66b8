"""The index client's cache on disk: project pages and core-metadata files.

- A wheel's core metadata (PEP 658) is immutable for a given file: it is kept under the
  file's URL and sha256 and never expires (the URL too, so that a lock naming another URL
  with that hash never reads metadata fetched from elsewhere).
- A project page changes with every upload: it is kept with its ETag and Last-Modified and
  revalidated (a 304 answer reuses it); offline it is used as it is.
- Records: what a caller derived from immutable inputs (``sbom.index_pick``: which of a
  release's hash-pinned files a target installs), under the caller's key.

Every entry records the sha256 of its content, checked on every read: an entry that no longer
matches (a truncated write, a disk error, an edit) is deleted and reported as a miss, so it is
fetched again and never used. Entries are written atomically (fileio.atomic_write_bytes), so
concurrent runs see an old entry or a new one. Location: ``CHAINPROOF_INDEX_CACHE``, else
``index/`` in chainproof's user cache directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from chainproof.config import env_setting
from chainproof.errors import ChainproofError
from chainproof.fileio import atomic_write_bytes

__all__ = ["CachedPage", "IndexCache"]

_FORMAT = "chainproof-index-cache 1"


@dataclass(frozen=True)
class CachedPage:
    url: str  # where the page was served from (after redirects), without credentials
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class IndexCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def default(cls) -> IndexCache:
        configured = env_setting("index-cache")
        if configured:
            return cls(Path(configured).expanduser())
        return cls(Path(platformdirs.user_cache_dir("chainproof")) / "index")

    # project pages, by URL

    def page(self, key: str) -> CachedPage | None:
        """The page last served for a request of ``key`` (its URL, without credentials)."""
        found = self._read(self._page_path(key))
        if found is None:
            return None
        header, body = found
        if header.get("key") != key:
            return None
        return CachedPage(
            str(header.get("url") or key), body, str(header.get("content_type") or ""),
            header.get("etag"), header.get("last_modified"),
        )  # fmt: skip

    def store_page(self, key: str, page: CachedPage) -> None:
        header = {
            "key": key,
            "url": page.url,
            "content_type": page.content_type,
            "etag": page.etag,
            "last_modified": page.last_modified,
        }
        self._write(self._page_path(key), header, page.body)

    # core metadata, by the URL and sha256 of the file it describes

    def metadata(self, url: str, file_sha256: str, expected: str | None = None) -> bytes | None:
        """The metadata of the file at ``url`` whose sha256 is ``file_sha256``; None when not
        cached, or when it is not ``expected`` (the metadata's sha256 the index publishes)."""
        path = self._metadata_path(url, file_sha256)
        found = self._read(path)
        if found is None:
            return None
        body = found[1]
        if expected is not None and _sha256(body) != expected.lower():
            self._discard(path)
            return None
        return body

    def store_metadata(self, url: str, file_sha256: str, data: bytes) -> None:
        header = {"url": url, "file_sha256": file_sha256}
        self._write(self._metadata_path(url, file_sha256), header, data)

    # records: small JSON documents a caller derives from immutable inputs, by its own key

    def record(self, kind: str, key: str) -> Any:
        found = self._read(self._record_path(kind, key))
        if found is None or found[0].get("key") != key:
            return None
        try:
            return json.loads(found[1])
        except ValueError:
            return None

    def store_record(self, kind: str, key: str, value: Any) -> None:
        body = json.dumps(value, sort_keys=True).encode()
        self._write(self._record_path(kind, key), {"key": key}, body)

    def _record_path(self, kind: str, key: str) -> Path:
        digest = _sha256(key.encode())
        return self.root / kind / digest[:2] / digest

    # entries: a JSON header line (with the content's sha256), then the content

    def _page_path(self, url: str) -> Path:
        key = _sha256(url.encode())
        return self.root / "pages" / key[:2] / key

    def _metadata_path(self, url: str, file_sha256: str) -> Path:
        key = _sha256(f"{url}\n{file_sha256.lower()}".encode())
        return self.root / "metadata" / key[:2] / key

    def _write(self, path: Path, header: dict[str, Any], body: bytes) -> None:
        line = json.dumps({**header, "format": _FORMAT, "sha256": _sha256(body)}, sort_keys=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, line.encode() + b"\n" + body)
        except (OSError, ChainproofError):
            return  # a cache that cannot be written is no cache: the run goes on

    def _read(self, path: Path) -> tuple[dict[str, Any], bytes] | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        line, _, body = data.partition(b"\n")
        try:
            header = json.loads(line)
        except ValueError:
            header = None
        if (
            not isinstance(header, dict)
            or header.get("format") != _FORMAT
            or header.get("sha256") != _sha256(body)
        ):
            self._discard(path)
            return None
        return header, body

    @staticmethod
    def _discard(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink()
