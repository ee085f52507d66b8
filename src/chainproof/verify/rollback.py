"""Rollback protection: an older release, validly signed, must not deploy.

``version_failures``: the artifact's version (from its file name, and from every name a
verified statement gives its digest) against ``min-version``; a version that cannot be read
fails, it is never assumed new enough. ``age_failures``: the provenance's
``runDetails.metadata.finishedOn`` against ``max-age``; an absent or unreadable time fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from chainproof.formats.deploy_policy import Policy
from chainproof.verify.statements import ProvenanceFacts

__all__ = ["age_failures", "name_and_version", "version_failures", "version_of"]


def name_and_version(filename: str) -> tuple[str, str] | None:
    """The project name and version of a wheel's or sdist's file name, or None."""
    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
            return str(name), str(version)
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return str(name), str(version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


def version_of(name: str) -> str | None:
    """The version in a distribution's file name (or a ``pkg@version`` subject), or None."""
    base = name.rsplit("/", 1)[-1]
    found = name_and_version(base)
    if found is not None:
        return found[1]
    if "@" in base:  # a package URL subject: pkg:pypi/name@1.2.0
        try:
            return str(Version(base.rpartition("@")[2]))
        except InvalidVersion:
            return None
    return None


def version_failures(policy: Policy, names: Iterable[str]) -> list[tuple[str, str]]:
    """``names``: the artifact's file name, then the names signed statements give it."""
    if policy.min_version is None:
        return []
    minimum = Version(policy.min_version)
    names = list(names)
    versions = {n: version_of(n) for n in names if n and not n.startswith("sha256:")}
    failures = [
        ("min-version", f"{name!r} has version {v}, older than {minimum}")
        for name, v in versions.items()
        if v is not None and Version(v) < minimum
    ]
    if not any(v is not None for v in versions.values()):
        failures.append(
            ("min-version", f"no version to compare with {minimum}: {names[0]!r} names none")
        )
    elif len({Version(v) for v in versions.values() if v is not None}) > 1:
        failures.append(("min-version", f"the names {sorted(versions)} give different versions"))
    return failures


def age_failures(policy: Policy, facts: ProvenanceFacts) -> list[tuple[str, str]]:
    limit = policy.max_age_delta
    if limit is None:
        return []
    finished = facts.finished_on
    try:
        when = datetime.fromisoformat(finished.replace("Z", "+00:00")) if finished else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        return [("max-age", f"the provenance has no build end time (finishedOn {finished!r})")]
    age = datetime.now(UTC) - when  # the clock, never SOURCE_DATE_EPOCH: a deadline
    if age > limit:
        return [
            (
                "max-age",
                f"the build finished {finished}, {age.days} days ago: older than {policy.max_age}",
            )
        ]
    return []
