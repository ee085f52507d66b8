"""Is a PyPI version affected? OSV range semantics with PEP 440 ordering.

A version is affected when it is listed in ``versions`` or falls in an ``ECOSYSTEM`` range:
``introduced`` opens a window (``"0"`` means from the very first release), ``fixed`` closes
it at that version, ``last_affected`` closes it after that version, ``limit`` caps the range.
Overlapping windows are read both ways OSV data is written (see ``_in_range``).
Ordering is PEP 440's, so ``2.3.0rc1`` sorts before ``2.3.0`` and ``2.2.1.post1`` after
``2.2.1``. Version lists are compared on canonical PEP 440 forms
(``0.12.01`` == ``0.12.1``; a local version ``1.0+deb`` counts as ``1.0``).

The answer is three-valued: a range or version chainproof cannot read gives ``None``
(unknown), which callers report as "unchecked", never as "not affected". A version that is
not PEP 440 (a VCS commit id, a legacy version) is affected when listed, else unknown.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

from packaging.version import Version

from chainproof.models import parse_version, version_key

__all__ = ["affects", "fixed_versions", "parse_version", "version_key"]

Events = Sequence[tuple[str, str]]  # (kind, version) as written in the advisory


Parsed = tuple[tuple[str, Version | None], ...]
_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


def _walk(version: Version, ordered: Parsed) -> bool:
    # OSV's reference algorithm: events in version order; the last one at or below wins.
    affected = False
    for kind, bound in ordered:
        if kind == "introduced" and (bound is None or version >= bound):
            affected = True
        elif bound is not None and (
            (kind == "fixed" and version >= bound) or (kind == "last_affected" and version > bound)
        ):
            affected = False
    return affected


def _windows(version: Version, events: Parsed) -> bool:
    # Events as written, paired: each ``introduced`` with the closing event after it.
    start: Version | None = None
    opened = False
    for kind, bound in [*events, ("end", None)]:
        if kind == "introduced":
            if opened and (start is None or version >= start):
                return True  # a window left open by the next one
            start, opened = bound, True
        elif opened and kind in ("fixed", "last_affected", "end"):
            inside = start is None or version >= start
            if kind == "fixed" and bound is not None:
                inside = inside and version < bound
            elif kind == "last_affected" and bound is not None:
                inside = inside and version <= bound
            if inside:
                return True
            opened = False
    return False


@lru_cache(maxsize=1 << 14)
def _compile(events: Events) -> tuple[Parsed, Parsed, tuple[Version, ...]] | None:
    """(events as written, events in version order, limits); None if a version is unreadable."""
    parsed: list[tuple[str, Version | None]] = []
    for kind, text in events:
        bound = None if (kind == "introduced" and text == "0") else parse_version(text)
        if bound is None and not (kind == "introduced" and text == "0"):
            return None
        parsed.append((kind, bound))
    limits = tuple(b for k, b in parsed if k == "limit" and b is not None)
    if not any(kind == "introduced" for kind, _ in parsed):
        parsed.insert(0, ("introduced", None))
    ordered = sorted(parsed, key=lambda e: (e[1] is not None, e[1] or Version("0"), _ORDER[e[0]]))
    return tuple(parsed), tuple(ordered), limits


def _in_range(version: Version, events: Events) -> bool | None:
    # Ranges are read both as OSV's reference algorithm does (sorted events) and as written
    # (pairs of introduced/fixed). The two differ only on overlapping windows, where OSV's own
    # version enumeration follows the pairs; a version either reading affects is reported.
    compiled = _compile(events if isinstance(events, tuple) else tuple(events))
    if compiled is None:
        return None
    written, ordered, limits = compiled
    if any(version >= limit for limit in limits):
        return False
    return _walk(version, ordered) or _windows(version, written)


def affects(
    version: str,
    ranges: Iterable[Events],
    versions: Collection[str],
    unreadable: Sequence[str] = (),
) -> bool | None:
    """True if affected, False if not, None if the advisory cannot be evaluated for it.

    ``versions`` holds :func:`version_key` forms of the advisory's version list.
    """
    if version_key(version) in versions:
        return True
    ranges = list(ranges)
    parsed = parse_version(version)
    if parsed is None:  # a VCS commit or legacy version: no list or range can clear it
        return None if ranges or unreadable or versions else False
    unknown = bool(unreadable)
    for events in ranges:
        verdict = _in_range(parsed, events)
        if verdict:
            return True
        unknown = unknown or verdict is None
    return None if unknown else False


def fixed_versions(ranges: Iterable[Events]) -> list[str]:
    """The ``fixed`` versions of the ranges, in PEP 440 order (unparseable ones last)."""
    found = {text for events in ranges for kind, text in events if kind == "fixed"}
    return sorted(
        found, key=lambda t: (parse_version(t) is None, parse_version(t) or Version("0"), t)
    )
