"""Is a PyPI version affected? OSV range semantics with PEP 440 ordering.

A version is affected when it is listed in ``versions`` or falls in an ``ECOSYSTEM`` range:
events are walked in version order; ``introduced`` opens the range (``"0"`` means from the
very first release), ``fixed`` closes it at that version, ``last_affected`` closes it after
that version, ``limit`` caps it. Ordering is PEP 440's, so ``2.3.0rc1`` sorts before ``2.3.0``
and ``2.2.1.post1`` after ``2.2.1``. Version lists are compared on canonical PEP 440 forms
(``0.12.01`` == ``0.12.1``; a local version ``1.0+deb`` counts as ``1.0``).

The answer is three-valued: a range or version chainproof cannot read gives ``None``
(unknown), which callers report as "unchecked", never as "not affected".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

__all__ = ["affects", "fixed_versions", "parse_version", "version_key"]

Events = Sequence[tuple[str, str]]  # (kind, version) as written in the advisory
_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


@lru_cache(maxsize=1 << 16)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when ``text`` is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@lru_cache(maxsize=1 << 16)
def version_key(text: str) -> str:
    """The canonical public form used to compare against ``versions`` lists."""
    parsed = parse_version(text)
    if parsed is None:
        return text.strip().lower()
    return canonicalize_version(parsed.public)


def _in_range(version: Version, events: Events) -> bool | None:
    keyed: list[tuple[tuple[int, Version | None, int], str]] = []
    for kind, text in events:
        if kind == "introduced" and text == "0":
            keyed.append(((0, None, 0), kind))
            continue
        parsed = parse_version(text)
        if parsed is None:
            return None
        keyed.append(((1, parsed, _ORDER[kind]), kind))
    keyed.sort(key=lambda item: (item[0][0], item[0][1] or Version("0"), item[0][2]))
    affected = False
    for (_, bound, _), kind in keyed:
        if kind == "introduced" and (bound is None or version >= bound):
            affected = True
        elif (kind == "fixed" and bound is not None and version >= bound) or (
            kind == "last_affected" and bound is not None and version > bound
        ):
            affected = False
        elif kind == "limit" and bound is not None and version >= bound:
            return False
    return affected


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
    if parsed is None:
        return None if ranges or unreadable else False
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
