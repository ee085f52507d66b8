"""Look-alike names: is a package name a typosquat of a popular one?

An index built once from a ranked list of popular names answers ``match(name)``. A name
resembles a popular one when, compared on a *key* (homoglyphs folded, separators dropped), it
is the same (a separator or homoglyph change), the same words in another order, the popular
name with a py/python-style prefix or suffix, or one edit away (a character added, dropped,
replaced, or two swapped). Each kind is trusted only against names popular enough that a
squatter would aim at them, and edits of short names only against the most popular: two
short names one letter apart are mostly two real projects (moto, motor). Edits are found
through a symmetric-delete index: every popular key with one character deleted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

__all__ = [
    "KINDS",
    "Lookalike",
    "LookalikeIndex",
    "normalize",
]

KINDS = (
    "separator",
    "homoglyph",
    "word-order",
    "prefix",
    "suffix",
    "transposition",
    "edit",
)

# What a reader takes for another character (after lower-casing: I is i).
_HOMOGLYPHS = (("rn", "m"), ("vv", "w"), ("1", "l"), ("i", "l"), ("0", "o"))
_PREFIXES = ("python-", "python", "py-", "py")
_SUFFIXES = ("-python", "python", "-py", "py", "3", "-lib", "lib")


def normalize(name: str) -> str:
    """PEP 503: lower case, each run of ``-_.`` one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _skeleton(name: str) -> str:
    for seen, meant in _HOMOGLYPHS:
        name = name.replace(seen, meant)
    return name


def _key(name: str) -> str:
    return _skeleton(name).replace("-", "")


def _plain(name: str) -> str:
    return name.replace("-", "")


def _deletes(key: str) -> Iterator[str]:
    for i in range(len(key)):
        yield key[:i] + key[i + 1 :]


def _one_edit(a: str, b: str) -> str | None:
    """ "transposition" or "edit" when ``a`` is one edit from ``b`` (which differ), else None."""
    if abs(len(a) - len(b)) > 1:
        return None
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        if a[start + 1 :] == b[start + 1 :]:
            return "edit"
        swapped = a[start + 1 : start + 2] + a[start] + a[start + 2 :]
        return "transposition" if swapped == b[start:] else None
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return "edit" if longer[start + 1 :] == shorter[start:] else None


@dataclass(frozen=True)
class Lookalike:
    """``name`` resembles ``popular`` (ranked ``rank``, 1 the most downloaded; 0 an extra
    name the user added) by ``kind``; ``detail`` says how, in a few words."""

    name: str
    popular: str
    kind: str
    rank: int
    detail: str


@dataclass(frozen=True)
class Thresholds:
    """How popular a target must be (its highest rank) for each kind of likeness, and how
    long its key must be for an edit to count."""

    affix_rank: int = 5_000
    word_order_rank: int = 15_000
    # (shortest key, highest rank): an edit of a key this long counts against names this popular
    edit_tiers: tuple[tuple[int, int], ...] = ((9, 15_000), (7, 5_000), (5, 1_000), (3, 150))


def _tier_rank(length: int, tiers: tuple[tuple[int, int], ...]) -> int:
    for shortest, rank in tiers:
        if length >= shortest:
            return rank
    return 0


class LookalikeIndex:
    """Built once from ``popular`` (ranked, the most downloaded first) and ``extra`` names
    (the user's own, guarded like the most popular), then asked about each name."""

    def __init__(
        self,
        popular: Iterable[str],
        extra: Iterable[str] = (),
        allow: Iterable[str] = (),
        thresholds: Thresholds | None = None,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self._allow = tuple(normalize(a) for a in allow)
        self._rank: dict[str, int] = {}
        for name in extra:
            self._rank.setdefault(normalize(name), 0)
        for rank, name in enumerate(popular, 1):
            self._rank.setdefault(normalize(name), rank)
        self._by_key: dict[str, list[str]] = defaultdict(list)
        self._by_words: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._by_delete: dict[str, list[str]] = defaultdict(list)
        for name, rank in self._rank.items():
            key = _key(name)
            self._by_key[key].append(name)
            if "-" in name and rank <= self.thresholds.word_order_rank:
                self._by_words[tuple(sorted(name.split("-")))].append(name)
            plain = _plain(name)
            if rank <= _tier_rank(len(plain), self.thresholds.edit_tiers):
                for probe in (plain, *_deletes(plain)):
                    self._by_delete[probe].append(name)

    def __contains__(self, name: str) -> bool:
        return normalize(name) in self._rank

    def __len__(self) -> int:
        return len(self._rank)

    def allowed(self, name: str) -> bool:
        normal = normalize(name)
        return any(fnmatchcase(normal, pattern) for pattern in self._allow)

    def match(self, name: str) -> Lookalike | None:
        """The popular name ``name`` resembles most, or None: for a popular or allowed name,
        and for a name like none."""
        normal = normalize(name)
        if normal in self._rank or self.allowed(normal):
            return None
        return self.closest(normal)

    def closest(self, name: str) -> Lookalike | None:
        """The popular name other than ``name`` itself that ``name`` resembles most, as if
        ``name`` were not on the list (how a name looked before it became popular)."""
        normal = normalize(name)
        found = [
            hit
            for hit in (
                *self._same_key(normal),
                *self._words(normal),
                *self._affixed(normal),
                *self._edits(normal),
            )
            if hit.popular != normal
        ]
        if not found:
            return None
        # the least doubtful kind first, then the most popular target
        return min(found, key=lambda m: (KINDS.index(m.kind), m.rank, m.popular))

    def _hit(self, name: str, popular: str, kind: str, detail: str) -> Lookalike:
        return Lookalike(name, popular, kind, self._rank[popular], detail)

    def _same_key(self, name: str) -> Iterator[Lookalike]:
        for popular in self._by_key.get(_key(name), ()):
            if name.replace("-", "") == popular.replace("-", ""):
                yield self._hit(name, popular, "separator", "the same but for - _ .")
            else:
                yield self._hit(name, popular, "homoglyph", "characters that look alike")

    def _words(self, name: str) -> Iterator[Lookalike]:
        if "-" in name:
            for popular in self._by_words.get(tuple(sorted(name.split("-"))), ()):
                yield self._hit(name, popular, "word-order", "the same words reordered")

    def _affixed(self, name: str) -> Iterator[Lookalike]:
        limit = self.thresholds.affix_rank
        for kind, affix, rest in _affix_variants(name):
            for popular in self._by_key.get(_key(rest), ()):
                if self._rank[popular] <= limit:
                    yield self._hit(name, popular, kind, f"{affix!r} added")

    def _edits(self, name: str) -> Iterator[Lookalike]:
        key = _plain(name)
        seen: set[str] = set()
        for probe in (key, *_deletes(key)):
            for popular in self._by_delete.get(probe, ()):
                if popular in seen:
                    continue
                seen.add(popular)
                kind = _one_edit(key, _plain(popular))
                if kind is not None:
                    yield self._hit(name, popular, kind, _edit_detail(kind, key, _plain(popular)))


def _affix_variants(name: str) -> Iterator[tuple[str, str, str]]:
    """(kind, affix, what is left) for each prefix or suffix ``name`` carries, and for
    py and python swapped for each other."""
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            yield "prefix", prefix, name[len(prefix) :].lstrip("-")
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            yield "suffix", suffix, name[: -len(suffix)].rstrip("-")
    if "python" in name:
        yield "prefix", "python for py", name.replace("python", "py")
    elif "py" in name:
        yield "prefix", "py for python", name.replace("py", "python")


def _edit_detail(kind: str, key: str, popular: str) -> str:
    if kind == "transposition":
        return "two characters swapped"
    if len(key) > len(popular):
        return "a character added"
    if len(key) < len(popular):
        return "a character dropped"
    return "a character replaced"
