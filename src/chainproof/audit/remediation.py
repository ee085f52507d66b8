"""Upgrade proposals: the smallest version that fixes every advisory of a package and that
every other package's requirement on it allows, or a plain statement of why there is none.

Candidates are the ``fixed`` versions the advisories name that are newer than the installed
one. The other versions an advisory names (``introduced``, ``last_affected``, its ``versions``
list) are affected by that advisory by definition, so they can never be a fix, and without a
package index chainproof knows no other releases. A candidate must be unaffected by every
(non-withdrawn) advisory of the package, not only by those that matched, and allowed by every
other package's requirement on it. Pre-releases are proposed only to a pre-release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from chainproof.audit.inputs import Requirement
from chainproof.audit.matching import affects, parse_version
from chainproof.formats.osv import Advisory, AffectedPackage

__all__ = ["Proposal", "propose"]


@dataclass(frozen=True)
class Proposal:
    package: str
    current: str
    version: str | None  # None: no fix can be proposed
    explanation: str
    constraints_checked: bool

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package,
            "current": self.current,
            "version": self.version,
            "explanation": self.explanation,
            "constraints_checked": self.constraints_checked,
        }


def _candidates(
    entries: Sequence[tuple[Advisory, AffectedPackage]], current: Version
) -> list[Version]:
    named = {e.version for _, a in entries for r in a.ranges for e in r if e.kind == "fixed"}
    parsed = {v for v in (parse_version(t) for t in named) if v is not None and v > current}
    if not current.is_prerelease:
        parsed = {v for v in parsed if not v.is_prerelease}
    return sorted(parsed)


def _floor(
    entries: Sequence[tuple[Advisory, AffectedPackage]], current: str, parsed_current: Version
) -> Version:
    """No fix can be older than this: every version between ``current`` and the first fix
    above it of an advisory affecting ``current`` lies in that advisory's window."""
    floor = parsed_current
    for _, a in entries:
        if not affects(current, a.ranges, a.versions, a.unreadable):
            continue
        fixes = [
            v
            for r in a.ranges
            for e in r
            if e.kind == "fixed"
            and (v := parse_version(e.version)) is not None
            and v > parsed_current
        ]
        if fixes:
            floor = max(floor, min(fixes))
    return floor


def _unaffected(version: Version, entries: Sequence[tuple[Advisory, AffectedPackage]]) -> bool:
    text = str(version)
    return all(affects(text, a.ranges, a.versions, a.unreadable) is False for _, a in entries)


def _allows(requirement: Requirement, version: Version) -> bool:
    try:
        return SpecifierSet(requirement.specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


def propose(
    package: str,
    current: str,
    entries: Sequence[tuple[Advisory, AffectedPackage]],
    requirements: Sequence[Requirement] | None,
    unchecked_reason: str = "the input records no version specifiers",
) -> Proposal:
    """A proposal for ``package`` at ``current`` given all its advisories' ``entries``.

    ``requirements`` are the other packages' requirements on ``package``; None when the
    input does not record them (the proposal then says they were not checked).
    """
    ids = ", ".join(sorted({a.id for a, _ in entries}))
    parsed_current = parse_version(current)
    if parsed_current is None:
        return Proposal(
            package,
            current,
            None,
            f"{current} is not a PEP 440 version, so no upgrade can be computed.",
            False,
        )
    own = [r for r in requirements or () if r.package == package]
    safe: list[Version] = []
    # Newest advisories first: an old fix is most often undone by a newer advisory, so the
    # check of a candidate that is still affected stops early.
    ordered = sorted(entries, key=lambda e: e[0].published or e[0].modified, reverse=True)
    floor = _floor(entries, current, parsed_current)
    for version in _candidates(entries, parsed_current):  # ascending: the first fit wins
        if version < floor or not _unaffected(version, ordered):
            continue
        safe.append(version)
        if requirements is None:
            return Proposal(
                package,
                current,
                str(version),
                f"Upgrade {package} to {version}, the smallest version that fixes every "
                f"known advisory; other packages' requirements on {package} were not "
                f"checked: {unchecked_reason}.",
                False,
            )
        if all(_allows(r, version) for r in own):
            allowed = "; ".join(f"{r.required_by} requires {package}{r.specifier}" for r in own)
            tail = (
                f" and is allowed by every requirement on it ({allowed})"
                if own
                else f"; no other package constrains {package}"
            )
            return Proposal(
                package,
                current,
                str(version),
                f"Upgrade {package} to {version}: the smallest version that fixes every "
                f"known advisory{tail}.",
                True,
            )
    if not safe:
        named_fix = any(e.kind == "fixed" for _, a in entries for r in a.ranges for e in r)
        why = (
            "every version the advisories name as fixed is still affected by another of them"
            if named_fix
            else "the advisories name no fixed version"
        )
        return Proposal(
            package,
            current,
            None,
            f"No fix exists for {package} {current}: {why} ({ids}).",
            requirements is not None,
        )
    # Every requirement that refuses the smallest fix (which includes any refusing them all).
    blockers = sorted(
        (r for r in own if not _allows(r, safe[0])), key=lambda r: (r.required_by, r.specifier)
    )
    conflicts = "; ".join(f"{r.required_by} requires {package}{r.specifier}" for r in blockers)
    return Proposal(
        package,
        current,
        None,
        f"No fix can be proposed for {package} {current}: every version that fixes all its "
        f"advisories ({', '.join(str(v) for v in safe[:5])}{' …' if len(safe) > 5 else ''}) "
        f"conflicts with other requirements ({conflicts}); upgrade or replace those first.",
        True,
    )
