"""Look-alike names: is a package name a typosquat of a popular one?

An index built once from a ranked list of popular names answers ``match(name)``. A name
resembles a popular one when, compared on a *key* (homoglyphs folded, separators dropped), it
is the same (a separator or homoglyph change), the same words in another order, the popular
name with a py/python-style prefix or suffix, or one edit away (a character added, dropped,
replaced, or two swapped). Each kind is trusted only against names popular enough that a
squatter would aim at them (the weaker the likeness, the wider the popularity gap it needs),
and an edit of a short word only against the most popular: two short names one letter apart
are mostly two real projects (moto, motor; mypy-boto3-sqs, mypy-boto3-sts). A changed version
number (pyqt5, pyqt6) is no typo. Edits are found through a symmetric-delete index: every
popular name, separators dropped, with each of its characters deleted in turn.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

__all__ = ["KINDS", "Lookalike", "LookalikeIndex", "Thresholds", "normalize"]

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


@dataclass(frozen=True)
class _Edit:
    kind: str  # "transposition" or "edit"
    at: int  # where the two keys first differ
    detail: str
    numeric: bool  # a digit changed, added or dropped: a version (boto3, pyqt6, cu12)


def _digit_run(text: str, at: int) -> bool:
    """Whether the digit at ``at`` ends ``text`` or touches another digit."""
    return at == len(text) - 1 or any(
        0 <= j < len(text) and text[j].isdigit() for j in (at - 1, at + 1)
    )


def _one_edit(name: str, popular: str) -> _Edit | None:
    """How ``name`` is one edit (or one swap of neighbours) from ``popular``, else None."""
    if name == popular or abs(len(name) - len(popular)) > 1:
        return None
    at = 0
    while at < min(len(name), len(popular)) and name[at] == popular[at]:
        at += 1
    if len(name) == len(popular):
        if name[at + 1 :] == popular[at + 1 :]:
            numeric = name[at].isdigit() and popular[at].isdigit()
            return _Edit("edit", at, f"{popular[at]!r} replaced by {name[at]!r}", numeric)
        swapped = name[at + 1 : at + 2] + name[at] + name[at + 2 :]
        if swapped != popular[at:]:
            return None
        return _Edit("transposition", at, f"{popular[at : at + 2]!r} swapped", False)
    if len(name) > len(popular):
        if name[at + 1 :] != popular[at:]:
            return None
        numeric = name[at].isdigit() and _digit_run(name, at)
        return _Edit("edit", at, f"{name[at]!r} added", numeric)
    if name[at:] != popular[at + 1 :]:
        return None
    numeric = popular[at].isdigit() and _digit_run(popular, at)
    return _Edit("edit", at, f"{popular[at]!r} dropped", numeric)


def _word_length(name: str, at: int) -> int:
    """The length of the word of ``name`` (split at ``-``) that holds character ``at`` of
    ``name`` without its separators; the last word past the end."""
    words = name.split("-")
    for word in words:
        if at < len(word):
            return len(word)
        at -= len(word)
    return len(words[-1])


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
    """The highest rank a popular name may have for each kind of likeness to count (the
    larger the popularity gap, the likelier a squat); extra names count as rank 0."""

    separator_rank: int = 5_000
    word_order_rank: int = 5_000
    affix_rank: int = 1_000
    # (shortest word, highest rank): an edit counts against names this popular when the word
    # it falls in (or the whole name, for one word) is this long
    edit_tiers: tuple[tuple[int, int], ...] = ((9, 5_000), (7, 2_000), (5, 1_000), (3, 100))

    def edit_rank(self, length: int) -> int:
        for shortest, rank in self.edit_tiers:
            if length >= shortest:
                return rank
        return -1


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
        self.thresholds = limits = thresholds or Thresholds()
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
            if "-" in name and rank <= limits.word_order_rank:
                self._by_words[tuple(sorted(name.split("-")))].append(name)
            plain = _plain(name)
            if rank <= limits.edit_rank(len(plain)):  # each word is as long at most
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
            if _plain(name) == _plain(popular):
                if self._rank[popular] <= self.thresholds.separator_rank:
                    yield self._hit(name, popular, "separator", "the same but for - _ .")
            else:
                yield self._hit(name, popular, "homoglyph", _glyphs(name, popular))

    def _words(self, name: str) -> Iterator[Lookalike]:
        if "-" in name:
            for popular in self._by_words.get(tuple(sorted(name.split("-"))), ()):
                yield self._hit(name, popular, "word-order", "the same words reordered")

    def _affixed(self, name: str) -> Iterator[Lookalike]:
        limit = self.thresholds.affix_rank
        for kind, how, rest in _affix_variants(name):
            for popular in self._by_key.get(_key(rest), ()):
                if self._rank[popular] <= limit:
                    yield self._hit(name, popular, kind, how)

    def _edits(self, name: str) -> Iterator[Lookalike]:
        plain = _plain(name)
        seen: set[str] = set()
        for probe in (plain, *_deletes(plain)):
            for popular in self._by_delete.get(probe, ()):
                if popular in seen:
                    continue
                seen.add(popular)
                edit = _one_edit(plain, _plain(popular))
                if edit is None or edit.numeric:
                    continue
                limit = self.thresholds.edit_rank(_word_length(popular, edit.at))
                if self._rank[popular] <= limit:
                    yield self._hit(name, popular, edit.kind, edit.detail)


def _glyphs(name: str, popular: str) -> str:
    pairs = [
        f"{seen!r} and {meant!r}"
        for seen, meant in _HOMOGLYPHS
        if name.count(seen) != popular.count(seen)
    ]
    return f"{', '.join(pairs)} look alike"


def _affix_variants(name: str) -> Iterator[tuple[str, str, str]]:
    """(kind, how, what is left) for each prefix or suffix ``name`` carries, and for py and
    python swapped for each other."""
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            yield "prefix", f"{prefix!r} added in front", name[len(prefix) :].lstrip("-")
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            yield "suffix", f"{suffix!r} added at the end", name[: -len(suffix)].rstrip("-")
    if "python" in name:
        yield "prefix", "'python' for 'py'", name.replace("python", "py")
    elif "py" in name:
        yield "prefix", "'py' for 'python'", name.replace("py", "python")
