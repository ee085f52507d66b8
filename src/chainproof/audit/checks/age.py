"""``age``: every locked file was on its index at least ``min-release-age`` before the lock was
made: the cooling-off period of Renovate's ``minimumReleaseAge`` and uv's ``exclude-newer``,
judged on the lock instead of trusted to the tool that wrote it.

Most malicious releases are found and removed within days, so a file only hours old when it
was locked is the risky one. The upload times come from the lock (uv.lock's ``upload-time``,
pylock's ``upload-time``), else, online, from the index (PEP 700 ``upload-time``). The lock's
date is the time of the last git commit that changed it, else its modification time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.checks.served import index_packages, locked_files, package_listings
from chainproof.audit.locked import LockedPackage
from chainproof.models import parse_timestamp
from chainproof.sbom.make import lock_file_epoch

__all__ = ["AgeCheck", "lock_date"]

TOO_NEW = Rule("age.too-new", "high", "A locked file was younger than min-release-age")


def lock_date(path: Path) -> tuple[datetime, str]:
    """When the lock was made, and how that is known."""
    epoch = lock_file_epoch(path)
    if epoch is not None:
        return datetime.fromtimestamp(epoch, UTC), "its last git commit"
    return datetime.fromtimestamp(path.stat().st_mtime, UTC), "its modification time"


def _duration(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class AgeCheck:
    id = "age"
    rules: tuple[Rule, ...] = (TOO_NEW,)

    def run(self, context: CheckContext) -> CheckOutcome:
        minimum = context.policy.min_release_age
        assert minimum is not None  # the runner does not run it without min-release-age
        outcome = CheckOutcome()
        made, known_by = lock_date(context.evidence.path)
        uploads: dict[LockedPackage, list[tuple[str, datetime]]] = {}
        ask: list[LockedPackage] = []
        for package in index_packages(context):
            parsed = [(f.filename, parse_timestamp(f.upload_time)) for f in package.files]
            times = [(name, t) for name, t in parsed if t is not None]
            if times and len(times) == len(parsed):
                uploads[package] = times
            else:
                ask.append(package)
        if context.index is None:
            for package in ask:
                outcome.skip(self.id, package, "the lock records no upload time (offline)")
        elif ask:
            for package, listings in package_listings(context, ask).items():
                served = [(f.filename, f.upload_time) for f in locked_files(package, listings)]
                if not served or any(t is None for _, t in served):
                    outcome.skip(self.id, package, "the index gives no upload time")
                    continue
                uploads[package] = [(name, t) for name, t in served if t is not None]
        for package, known in uploads.items():
            filename, newest = max(known, key=lambda item: item[1])
            age = made - newest
            if age >= minimum:
                continue
            when = f"{_duration(age)} {'before' if age >= timedelta(0) else 'after'}"
            outcome.add(
                context,
                TOO_NEW,
                package,
                f"{package.name} {package.version}: {filename} was uploaded {when} the lock "
                f"was made, less than the min-release-age of {_duration(minimum)}.",
                (
                    ("file", filename),
                    ("uploaded", newest.isoformat()),
                    ("locked", f"{made.isoformat()} ({known_by})"),
                    ("min-release-age", _duration(minimum)),
                ),
                "Re-lock once the release is older than min-release-age (uv lock "
                "--exclude-newer), or add an exception once it has been reviewed.",
            )
        return outcome
