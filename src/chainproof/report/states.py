"""What the blobs of a history held: the packages of each lock, the exceptions of each policy.

Old locks are read by the audit's own readers (:func:`chainproof.audit.inputs.read_target`),
which read files: each distinct blob is written once, under its own name, into a temporary
directory that is removed afterwards. (A requirements file's ``-r`` includes are not in the
blob, so they are not followed.) A blob that does not read is skipped and named, never fatal.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from chainproof.audit.inputs import read_target
from chainproof.errors import ChainproofError
from chainproof.formats.audit_policy import AuditException, load_policy

__all__ = ["POLICY_FILES", "Skipped", "exception_key", "lock_kind", "read_exceptions", "read_locks"]

POLICY_FILES = ("chainproof.toml", "pyproject.toml")
Pins = frozenset[tuple[str, str]]  # (normalised name, version)


@dataclass(frozen=True)
class Skipped:
    path: str
    commit: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "commit": self.commit, "reason": self.reason}


def lock_kind(path: str) -> str | None:
    """The audit input kind of a lock file's name, or None when it is not a lock."""
    name = PurePosixPath(path).name
    if name == "uv.lock":
        return "uv-lock"
    if name.startswith("pylock.") and name.endswith(".toml"):
        return "pylock"
    if name.endswith(".txt"):
        return "requirements"
    return None


def _write(directory: Path, blob: str, path: str, data: bytes) -> Path:
    place = directory / blob
    place.mkdir(exist_ok=True)
    written = place / PurePosixPath(path).name
    written.write_bytes(data)
    return written


def read_locks(
    wanted: Iterable[tuple[str, str, str]], blobs: dict[str, bytes]
) -> tuple[dict[str, Pins], list[Skipped]]:
    """The pins of each ``(path, blob, commit)`` lock blob (by blob), and those that did not
    read (named by the first commit that held them)."""
    pins: dict[str, Pins] = {}
    skipped: list[Skipped] = []
    with tempfile.TemporaryDirectory(prefix="chainproof-report-") as tmp:
        for path, blob, commit in wanted:
            kind = lock_kind(path)
            if blob in pins or kind is None:
                continue
            try:
                target = read_target(kind, _write(Path(tmp), blob, path, blobs[blob]))
            except ChainproofError as exc:
                reason = exc.message.replace(f"{tmp}/{blob}/", "")
                skipped.append(Skipped(path, commit, reason))
                pins[blob] = frozenset()
                continue
            pins[blob] = frozenset(
                (c.key, c.version) for c in target.inventory.components if c.version
            )
    return pins, skipped


def read_exceptions(
    wanted: Iterable[tuple[str, str, str]], blobs: dict[str, bytes]
) -> tuple[dict[str, tuple[AuditException, ...]], list[Skipped]]:
    """The ``[audit]`` exceptions of each policy blob; a policy that does not read is named."""
    found: dict[str, tuple[AuditException, ...]] = {}
    skipped: list[Skipped] = []
    with tempfile.TemporaryDirectory(prefix="chainproof-report-") as tmp:
        for path, blob, commit in wanted:
            if blob in found:
                continue
            try:
                policy = load_policy(_write(Path(tmp), blob, path, blobs[blob]))
            except ChainproofError as exc:
                skipped.append(Skipped(path, commit, exc.message.replace(f"{tmp}/{blob}/", "")))
                found[blob] = ()
                continue
            found[blob] = policy.exceptions
    return found, skipped


def exception_key(exception: AuditException) -> tuple[str, str]:
    return (exception.id.upper(), canonicalize_name(exception.package))
