"""``typosquats``: each package's name against a list of popular names (the bundled one, a
user's file instead, plus the user's own names): a name that looks like a much more popular
one is a finding naming that one (audit.lookalike). Offline: it needs no index."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.locked import LockedPackage
from chainproof.audit.lookalike import LookalikeIndex, normalize
from chainproof.audit.popular import PopularNames, bundled_names, read_names_file
from chainproof.models import Component

__all__ = ["LOOKALIKE", "TyposquatsCheck", "popular_index"]

LOOKALIKE = Rule("typosquats.lookalike", "high", "A name that looks like a popular package's")


def popular_index(
    allow: Iterable[str] = (),
    popular_names: Path | None = None,
    extra_popular_names: Path | None = None,
) -> tuple[LookalikeIndex, PopularNames]:
    """The index to check names against: ``popular_names`` replaces the bundled list,
    ``extra_popular_names`` adds to it (guarded as the most popular); ``allow`` holds names or
    globs never flagged. Either file malformed is an InputError (exit 2)."""
    names = read_names_file(popular_names) if popular_names else bundled_names()
    extra = read_names_file(extra_popular_names).names if extra_popular_names else ()
    return LookalikeIndex(names.names, extra, allow), names


class TyposquatsCheck:
    id = "typosquats"
    rules: tuple[Rule, ...] = (LOOKALIKE,)

    def __init__(self, index: LookalikeIndex, names: PopularNames) -> None:
        self.index = index
        self.names = names

    def run(self, context: CheckContext) -> CheckOutcome:
        outcome = CheckOutcome()
        evidence = context.evidence
        seen = {normalize(evidence.project)} if evidence.project else set()
        # an environment records no lock: its inventory's names are what is judged
        packages: Sequence[LockedPackage | Component] = evidence.packages or context.components
        for package in packages:
            if package.key in seen:
                continue
            seen.add(package.key)
            where = package.where if isinstance(package, LockedPackage) else evidence.kind
            hit = self.index.match(package.name)
            if hit is None:
                continue
            ranked = "one of your own names" if hit.rank == 0 else f"ranked {hit.rank:,}"
            outcome.add(
                context,
                LOOKALIKE,
                package,
                f"{package.name} looks like {hit.popular} ({ranked}): {hit.kind}, {hit.detail}.",
                (
                    ("resembles", hit.popular),
                    ("kind", hit.kind),
                    ("how", hit.detail),
                    ("rank", str(hit.rank)),
                    ("popular names", self._list()),
                    ("where", where),
                ),
                f"If you meant {hit.popular}, depend on it instead; if {package.name} is the "
                "package you want, add it to [audit.typosquats] allow.",
            )
        return outcome

    def _list(self) -> str:
        if self.names.origin == "bundled":
            return f"bundled, {self.names.date}, {self.names.count:,} names"
        return f"{self.names.origin}, {self.names.count:,} names"
