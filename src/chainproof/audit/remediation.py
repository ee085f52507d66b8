"""Upgrade proposals: the smallest version that no advisory of a package affects and that
every other package's requirement on it allows, or a plain statement of why there is none.

Candidates, all newer than the installed version (pre-releases only for a pre-release):

- online, every release the package index lists (not yanked, for the environment's Python):
  ``releases``;
- offline, the ``fixed`` versions the advisories name and the lower bounds the other
  packages' requirements name (ipython's ``setuptools>=80.0`` names 80.0). The other versions
  an advisory names (``introduced``, ``last_affected``, its ``versions`` list) are affected by
  that advisory by definition. A bound is not known to be a release, so a proposal from one is
  a range (``>=80.0``), capped below the first version a later advisory window starts at.

A candidate must be unaffected by every (non-withdrawn) advisory of the package, not only by
those that matched, and allowed by every other package's requirement on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from chainproof.audit.inputs import Requirement
from chainproof.audit.matching import affects, parse_version
from chainproof.formats.osv import Advisory, AffectedPackage

__all__ = ["Proposal", "propose"]

Entries = Sequence[tuple[Advisory, AffectedPackage]]


@dataclass(frozen=True)
class Proposal:
    """``version`` is the exact version to upgrade to, None when there is none (no fix, or
    only a range is known). ``specifier`` is what to ask the resolver for: ``==V`` with an
    exact version, a range such as ``>=80.0`` (or ``>=80.0,<81.2``) when offline only a bound
    is known, None when nothing can be proposed. ``resolver`` is the real resolver's verdict
    on the environment's proposal set: "passed", "failed", "not checked", or None when the
    input is not an environment."""

    package: str
    current: str
    version: str | None
    explanation: str
    constraints_checked: bool
    specifier: str | None = None
    resolver: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package,
            "current": self.current,
            "version": self.version,
            "specifier": self.specifier,
            "explanation": self.explanation,
            "constraints_checked": self.constraints_checked,
            "resolver": self.resolver,
        }

    @property
    def upgrade_to(self) -> str | None:
        """What a report shows: the exact version, else the range, else None (no fix)."""
        return self.version or self.specifier

    def rejected(self, reason: str) -> Proposal:
        """This proposal, withdrawn because the resolver refused it."""
        return replace(
            self,
            version=None,
            specifier=None,
            resolver="failed",
            explanation=f"{self.explanation} The resolver rejects it: {reason}",
        )

    def noted(self, verdict: str, note: str) -> Proposal:
        return replace(self, resolver=verdict, explanation=f"{self.explanation} {note}")


@dataclass(frozen=True)
class _Candidate:
    version: Version
    release: bool  # a known release (exact); else a requirement's lower bound (a range)


def _fixes(entries: Entries) -> set[Version]:
    named = {e.version for _, a in entries for r in a.ranges for e in r if e.kind == "fixed"}
    return {v for v in (parse_version(t) for t in named) if v is not None}


def _bounds(requirements: Sequence[Requirement]) -> set[Version]:
    """The lowest versions the requirements name: ``>=``, ``~=`` and ``==`` without a
    wildcard."""
    found: set[Version] = set()
    for requirement in requirements:
        try:
            specifiers = SpecifierSet(requirement.specifier)
        except InvalidSpecifier:
            continue
        for spec in specifiers:
            wildcard = spec.version.endswith("*")
            if spec.operator in (">=", "~=", "==") and not wildcard:
                found.update(v for v in (parse_version(spec.version),) if v is not None)
    return found


def _candidates(
    entries: Entries,
    current: Version,
    own: Sequence[Requirement],
    releases: Sequence[str] | None,
) -> list[_Candidate]:
    if releases is not None:
        known = {v for v in (parse_version(t) for t in releases) if v is not None}
        found = [_Candidate(v, True) for v in known]
    else:
        fixes = _fixes(entries)
        found = [_Candidate(v, True) for v in fixes]
        found += [_Candidate(v, False) for v in _bounds(own) - fixes]
    found = [c for c in found if c.version > current]
    if not current.is_prerelease:
        found = [c for c in found if not c.version.is_prerelease]
    return sorted(found, key=lambda c: c.version)


def _floor(entries: Entries, current: str, parsed_current: Version) -> Version:
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


def _unaffected(version: Version, entries: Entries) -> bool:
    text = str(version)
    return all(affects(text, a.ranges, a.versions, a.unreadable) is False for _, a in entries)


def _allows(requirement: Requirement, version: Version) -> bool:
    try:
        return SpecifierSet(requirement.specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


def _cap(bound: Version, entries: Entries) -> tuple[Version, str] | None:
    """The lowest version above ``bound`` that an advisory names as affected (a window's
    ``introduced``, a listed version), with that advisory's id: a range from an unaffected
    bound is safe up to there."""
    found: list[tuple[Version, str]] = []
    for advisory, a in entries:
        named = [e.version for r in a.ranges for e in r if e.kind == "introduced"]
        for text in (*named, *a.versions):
            if (v := parse_version(text)) is not None and v > bound:
                found.append((v, advisory.id))
    return min(found) if found else None


def propose(
    package: str,
    current: str,
    entries: Entries,
    requirements: Sequence[Requirement] | None,
    unchecked_reason: str = "the input records no version specifiers",
    releases: Sequence[str] | None = None,
) -> Proposal:
    """A proposal for ``package`` at ``current`` given all its advisories' ``entries``.

    ``requirements`` are the other packages' requirements on ``package``; None when the
    input does not record them (the proposal then says they were not checked). ``releases``
    are the versions the package index offers; None offline.
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
    safe: list[_Candidate] = []
    # Newest advisories first: an old fix is most often undone by a newer advisory, so the
    # check of a candidate that is still affected stops early.
    ordered = sorted(entries, key=lambda e: e[0].published or e[0].modified, reverse=True)
    floor = _floor(entries, current, parsed_current)
    smallest = "release on the index" if releases is not None else "version"
    for candidate in _candidates(entries, parsed_current, own, releases):  # the first fit wins
        version = candidate.version
        if version < floor or not _unaffected(version, ordered):
            continue
        safe.append(candidate)
        if requirements is None:
            return Proposal(
                package,
                current,
                str(version),
                f"Upgrade {package} to {version}, the smallest {smallest} that fixes every "
                f"known advisory; other packages' requirements on {package} were not "
                f"checked: {unchecked_reason}.",
                False,
                f"=={version}",
            )
        if all(_allows(r, version) for r in own):
            allowed = "; ".join(f"{r.required_by} requires {package}{r.specifier}" for r in own)
            tail = (
                f" and is allowed by every requirement on it ({allowed})"
                if own
                else f"; no other package constrains {package}"
            )
            if not candidate.release:
                return _range(package, current, version, ordered, allowed)
            return Proposal(
                package,
                current,
                str(version),
                f"Upgrade {package} to {version}: the smallest {smallest} that fixes every "
                f"known advisory{tail}.",
                True,
                f"=={version}",
            )
    if not safe:
        if releases is not None:
            why = f"no release on the index newer than {current} is unaffected by all of them"
        elif any(e.kind == "fixed" for _, a in entries for r in a.ranges for e in r):
            why = "every version the advisories name as fixed is still affected by another of them"
        else:
            why = "the advisories name no fixed version"
        return Proposal(
            package,
            current,
            None,
            f"No fix exists for {package} {current}: {why} ({ids}).",
            requirements is not None,
        )
    # Every requirement that refuses the smallest fix (which includes any refusing them all).
    first = safe[0].version
    blockers = sorted(
        (r for r in own if not _allows(r, first)), key=lambda r: (r.required_by, r.specifier)
    )
    conflicts = "; ".join(f"{r.required_by} requires {package}{r.specifier}" for r in blockers)
    shown = ", ".join(str(c.version) for c in safe[:5])
    return Proposal(
        package,
        current,
        None,
        f"No fix can be proposed for {package} {current}: every version that fixes all its "
        f"advisories ({shown}{' …' if len(safe) > 5 else ''}) "
        f"conflicts with other requirements ({conflicts}); upgrade or replace those first.",
        True,
    )


def _range(package: str, current: str, bound: Version, entries: Entries, allowed: str) -> Proposal:
    """A proposal from a requirement's lower bound: offline, which releases exist from there
    on is not known, so it is a range the resolver picks the version in."""
    cap = _cap(bound, entries)
    specifier = f">={bound}" if cap is None else f">={bound},<{cap[0]}"
    upto = (
        ""
        if cap is None
        else f", and only below {cap[0]}, where {cap[1]} starts affecting {package} again"
    )
    return Proposal(
        package,
        current,
        None,
        f"Upgrade {package} to a version {specifier}: {bound} is the lowest version every "
        f"requirement on it allows ({allowed}) and no known advisory affects it{upto}; "
        f"offline, which releases exist is not known, so the exact version is left to the "
        f"resolver.",
        True,
        specifier,
    )
