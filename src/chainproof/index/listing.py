"""What a package index serves for one project, in chainproof's own frozen dataclasses: callers
never see pypi-simple's types, so the reader behind :mod:`chainproof.index.client` can change
without touching them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from packaging.version import InvalidVersion, Version

__all__ = ["IndexFile", "MetadataFile", "ProjectListing", "same_version", "sorted_versions"]


@dataclass(frozen=True)
class MetadataFile:
    """The core metadata (PEP 658) of a distribution file, served at ``<url>.metadata``:
    ``file_sha256`` is the file's (the cache's key), ``metadata_sha256`` the metadata's own,
    as the index publishes it (checked when given)."""

    url: str
    file_sha256: str | None = None
    metadata_sha256: str | None = None


@dataclass(frozen=True)
class IndexFile:
    """One file of a project page (PEP 503 / PEP 691).

    ``version`` is parsed from the file name (None when the name cannot be parsed);
    ``sha256`` is lower-case hex, None when the index publishes no sha256; ``yanked`` is the
    PEP 592 reason, "" when yanked without one, None when not yanked; ``has_metadata`` tells
    whether the index serves the PEP 658 ``<url>.metadata`` file.
    """

    filename: str
    url: str
    version: str | None
    sha256: str | None
    yanked: str | None
    upload_time: datetime | None
    requires_python: str | None
    has_metadata: bool
    metadata_sha256: str | None = None  # the PEP 658 file's sha256, when the index says

    @property
    def metadata_file(self) -> MetadataFile:
        return MetadataFile(self.url, self.sha256, self.metadata_sha256)

    def sort_key(self) -> tuple[str, str]:
        return (self.filename, self.url)


@dataclass(frozen=True)
class ProjectListing:
    """A project's page on one index: ``index_url`` without credentials, ``name`` normalised
    (PEP 503), the files in the order the index lists them, and the versions (PEP 700's
    ``versions`` when the index serves them, else those of the file names), oldest first.
    ``status`` and ``status_reason`` are PEP 792's (``"active"``, ``"archived"``,
    ``"quarantined"``, ``"deprecated"``; None when the index does not say)."""

    index_url: str
    name: str
    files: tuple[IndexFile, ...]
    versions: tuple[str, ...]
    status: str | None = None
    status_reason: str | None = None

    def files_of(self, version: str) -> tuple[IndexFile, ...]:
        """The files of ``version``, compared PEP 440-normalised (``1.0`` is ``1.0.0``)."""
        wanted = _key(version)
        return tuple(f for f in self.files if f.version and _key(f.version) == wanted)

    def serves(self, version: str) -> bool:
        """Whether the index lists ``version`` (PEP 440-normalised comparison)."""
        return any(same_version(v, version) for v in self.versions)


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (local parts included); plain text equality when either is not a
    PEP 440 version."""
    key_a, key_b = _key(a), _key(b)
    if isinstance(key_a, Version) and isinstance(key_b, Version):
        return key_a == key_b
    return a.strip().lower() == b.strip().lower()


def sorted_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """The distinct versions, oldest first; each as first given (``1.0`` and ``1.0.0`` are
    one); those that are not PEP 440 versions first, by their text."""
    seen: dict[Version | str, str] = {}
    for text in versions:
        seen.setdefault(_key(text), text)
    return tuple(sorted(seen.values(), key=_order))


@functools.lru_cache(maxsize=1 << 16)  # a large page: 15,000 files of a few hundred versions
def _key(text: str) -> Version | str:
    try:
        return Version(text)
    except InvalidVersion:
        return text.strip().lower()


def _order(text: str) -> tuple[bool, str, Version]:
    key = _key(text)
    if isinstance(key, Version):
        return (True, "", key)
    return (False, key, _ZERO)


_ZERO = Version("0")
