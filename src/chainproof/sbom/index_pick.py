"""Hash-pinned requirements resolved without pip: each pin's file picked from the index's
project page by its hashes, for the target's tags, and its core metadata read from the index
(PEP 658), all through :class:`chainproof.index.client.IndexClient` (concurrent, cached).

Why: a ``pip install --dry-run --report`` of 28 pins takes as long as cyclonedx-py (6.5 s),
nearly all of it pip's resolver fetching pages and files one at a time. A requirements file
with hashes already says everything but which of the listed files the target installs, and
that pip decides by rules simple enough to apply here (as pip does):

- only files whose sha256 the file lists (pip refuses any other under ``--require-hashes``),
  and whose Requires-Python admits the target's Python;
- a wheel over an sdist; among wheels the best-ranked tag for the target; not yanked before
  yanked.

A pick is kept in the index cache under everything it depends on (the indexes, the release,
the hashes, the target), so a second run reads no project page; the metadata is the
index's PEP 658 file, else the wheel's own METADATA (the wheel downloaded
and hash-checked, as pip would); both are kept in the index cache. Whatever those rules do not
settle goes back to pip, one call for all such pins: settings pip reads that this path does not
follow (``--find-links``, ``--no-index``, a ``file:`` index, any other option), a file without
a published sha256, no compatible wheel (pip would build an sdist's metadata), two equally good
wheels. The outcome is pip's, faster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from chainproof.formats.requirements import IndexOption, PinnedRequirement
from chainproof.index.cache import IndexCache
from chainproof.index.client import IndexClient, default_index_url
from chainproof.index.credentials import pip_index_settings
from chainproof.index.listing import IndexFile, ProjectListing
from chainproof.models import Component
from chainproof.progress import Reporter
from chainproof.sbom.index_metadata import metadata_of
from chainproof.sbom.resolve import ResolvedPackage
from chainproof.sbom.target import TargetPlatform

__all__ = ["IndexPick", "index_urls", "pick_from_index"]


def index_urls(options: Sequence[IndexOption]) -> tuple[str, ...] | None:
    """The indexes pip reads with these options (pip's settings first, then the file's and
    the command line's): the last ``--index-url`` (else the public index), then every
    ``--extra-index-url``; None when an option takes pip somewhere this path does not follow."""
    main: str | None = None
    extra: list[str] = []
    for option in options:
        if option.option in ("-i", "--index-url") and option.value:
            main = option.value
        elif option.option == "--extra-index-url" and option.value:
            extra.append(option.value)
        else:
            return None  # --find-links, --no-index, --trusted-host ...: pip decides
    urls = (main or default_index_url(), *extra)
    if any(urlsplit(u).scheme not in ("http", "https") for u in urls):
        return None
    return tuple(dict.fromkeys(urls))


def effective_options(file_options: Sequence[str], cli_args: Sequence[str]) -> list[IndexOption]:
    """pip's own settings, then the requirements file's options, then the command line's
    (both given as pip arguments)."""
    found = list(pip_index_settings())
    args = [*file_options, *cli_args]
    position = 0
    while position < len(args):
        option = args[position]
        flag, _, inline = option.partition("=")
        if flag == "--no-index":
            found.append(IndexOption(flag, None, "the command line"))
            position += 1
            continue
        value = inline or (args[position + 1] if position + 1 < len(args) else None)
        found.append(IndexOption(flag, value, "the command line"))
        position += 1 if inline else 2
    return found


@dataclass(frozen=True)
class IndexPick:
    """What the index settled (keyed by normalised name) and the pins left to pip."""

    found: dict[str, ResolvedPackage]
    rest: tuple[PinnedRequirement, ...]


def pick_from_index(
    pins: Sequence[PinnedRequirement],
    target: TargetPlatform,
    indexes: tuple[str, ...],
    reporter: Reporter,
) -> IndexPick:
    hashed = [p for p in pins if p.hashes and not p.requirement.url]
    rest = [p for p in pins if p not in hashed]
    cache = IndexCache.default()
    picked: dict[str, tuple[PinnedRequirement, IndexFile]] = {}
    for pin in hashed:
        remembered = _remembered(cache, _pick_key(pin, target, indexes))
        if remembered is not None:
            picked[pin.key] = (pin, remembered)
    ask = [p for p in hashed if p.key not in picked]
    # 4 page reads at a time, not 16: parsing large JSON pages holds the GIL, and on the bench's
    # 30 pins 16 took 3.0-3.4 s and 135 MiB at peak, 4 took 2.6-2.8 s and 112 MiB
    with IndexClient(cache=cache, workers=4) as client:
        reporter.step(f"Reading {len(ask)} project pages from the index")
        listings = client.listings((i, p.key) for p in ask for i in indexes) if ask else {}
        for pin in ask:
            pages = [page for i in indexes if (page := listings[(i, pin.key)]) is not None]
            chosen = _choose(pin, pages, target)
            if chosen is None:
                rest.append(pin)
                continue
            picked[pin.key] = (pin, chosen)
            cache.store_record("picks", _pick_key(pin, target, indexes), _as_record(chosen))
        reporter.step(f"Reading the metadata of {len(picked)} wheels from the index")
        metadata = client.wheel_metadatas(f.metadata_file for _, f in picked.values())
    found: dict[str, ResolvedPackage] = {}
    for key, (pin, chosen) in picked.items():
        data = metadata.get(chosen.url)
        # the wheel's core metadata when it describes the pin; else the pin is pip's
        meta = metadata_of(data, Component(pin.requirement.name, pin.version)) if data else None
        if meta is None:
            rest.append(pin)
            continue
        found[key] = ResolvedPackage(
            metadata=meta,
            filename=chosen.filename,
            url=chosen.url,
            sha256=chosen.sha256,
            is_direct=False,
            requested=True,
            requested_extras=(),
        )
    return IndexPick(found, tuple(rest))


def _pick_key(pin: PinnedRequirement, target: TargetPlatform, indexes: tuple[str, ...]) -> str:
    """What a pick depends on: the indexes, the release, the hashes the file allows, and the
    target's tags and Python. A release's files never change (an index may add files, whose
    hashes the requirements file then does not list), so neither does the pick."""
    hashes = sorted(h.lower() for h in pin.hashes)
    tags = [str(t) for t in target.tag_list]
    python = target.environment.get("python_full_version", "")
    return json.dumps([list(indexes), pin.key, pin.version, hashes, tags, python])


def _as_record(chosen: IndexFile) -> dict[str, object]:
    return {
        "filename": chosen.filename,
        "url": chosen.url,
        "sha256": chosen.sha256,
        "has_metadata": chosen.has_metadata,
        "metadata_sha256": chosen.metadata_sha256,
    }


def _remembered(cache: IndexCache, key: str) -> IndexFile | None:
    """The file picked for the same pin and target before, when the cache holds it."""
    found = cache.record("picks", key)
    if not isinstance(found, dict) or not isinstance(found.get("sha256"), str):
        return None
    try:
        return IndexFile(
            filename=str(found["filename"]),
            url=str(found["url"]),
            version=None,
            sha256=found["sha256"],
            yanked=None,
            upload_time=None,
            requires_python=None,
            has_metadata=bool(found["has_metadata"]),
            metadata_sha256=found.get("metadata_sha256"),
        )
    except KeyError:
        return None


def _choose(
    pin: PinnedRequirement, pages: list[ProjectListing], target: TargetPlatform
) -> IndexFile | None:
    """The file pip installs for the pin on the target, None when pip must decide."""
    files = [f for page in pages for f in page.files_of(pin.version)]
    if not files or any(f.sha256 is None for f in files):
        return None
    wanted = {h.split(":", 1)[1].lower() for h in pin.hashes if h.startswith("sha256:")}
    python = target.environment.get("python_full_version", "")
    candidates = [f for f in files if f.sha256 in wanted and _admits(f.requires_python, python)]
    ranked = sorted(
        (f.yanked is not None, rank, f.filename, f)
        for f in candidates
        if f.filename.endswith(".whl") and (rank := target.wheel_rank(f.filename)) is not None
    )
    if not ranked:
        return None  # an sdist only: pip would build its metadata
    if len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]:
        return None  # two equally good wheels (build tags): pip's order decides
    return ranked[0][3]


def _admits(requires_python: str | None, python: str) -> bool:
    if not requires_python or not python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores a Requires-Python it cannot parse
