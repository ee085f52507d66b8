"""What the blobs of a history held: the packages of each lock, the exceptions of each policy.

A requirements file is read by its format's reader (the pins the audit takes), any lock the
fast path below does not take by the audit's own (:func:`chainproof.audit.inputs.read_target`).
Both read files: each version is written under the lock's own name into a temporary directory
removed afterwards (a requirements file's ``-r`` includes are not in the blob, so they are not
followed). A blob that does not read is skipped and named, never fatal.

The fast path: successive versions of a uv.lock or pylock.toml differ in a few tables, and a
thousand full parses would take most of a minute. So a TOML lock is cut at its table headers
(``[[package]]``, ``[package.metadata]``...), each table's text is parsed once whatever the
number of versions that hold it, and the tables are put back together as TOML would. Its pins
are every ``[[package]]``'s name and version but the project's own (as the audit reads every
package of a lock). Anything unexpected (a quoted header, a table that does not parse alone,
no ``version`` or ``package``) falls back to the full reader, whose message names the problem.
The current locks are always read by the full readers too (the report's current checks).
"""

from __future__ import annotations

import re
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import canonicalize_name

from chainproof.audit.inputs import read_target
from chainproof.errors import ChainproofError
from chainproof.formats.audit_policy import AuditException, load_policy
from chainproof.formats.requirements import read_requirements

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


# a table or array-of-tables header of bare keys (anything else takes the full reader)
_HEADER = re.compile(r"\[\[ *([\w.-]+) *\]\] *(?:#.*)?|\[ *([\w.-]+) *\] *(?:#.*)?")


class _Tables:
    """TOML documents cut at their table headers, each table's text parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str, dict[str, Any]] = {}

    def _body(self, text: str) -> dict[str, Any]:
        found = self._parsed.get(text)
        if found is None:
            found = self._parsed[text] = tomllib.loads(text)
        return found

    def load(self, text: str) -> dict[str, Any] | None:
        """The document, or None when it must be parsed whole."""
        chunks = ("\n" + text).split("\n[")
        try:
            root = dict(self._body(chunks[0]))
            for chunk in chunks[1:]:
                header, _, body = chunk.partition("\n")
                match = _HEADER.fullmatch("[" + header)
                if match is None:
                    return None
                array = match.group(1) is not None
                *parents, last = (match.group(1) or match.group(2)).split(".")
                node = root
                for key in parents:
                    node = node.setdefault(key, {})
                    node = node[-1] if isinstance(node, list) else node
                if array:
                    node.setdefault(last, []).append(dict(self._body(body)))
                else:
                    node[last] = {**node.get(last, {}), **self._body(body)}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError, TypeError):
            return None
        return root


def _toml_pins(kind: str, data: dict[str, Any]) -> Pins | None:
    """The pins of a parsed uv.lock or pylock.toml, or None when it is not one."""
    if kind == "uv-lock":
        packages, local = data.get("package"), ("editable", "virtual", "directory")
        if data.get("version") != 1 or not isinstance(packages, list):
            return None
        own = [p for p in packages if any(k in p.get("source", {}) for k in local)]
        project = next((p for p in own if "." in p["source"].values()), None)
        project = project or (own[0] if len(own) == 1 else None)
        keep = [p for p in packages if p is not project]
    else:
        packages = data.get("packages")
        if not str(data.get("lock-version", "")).startswith("1") or not isinstance(packages, list):
            return None
        keep = [p for p in packages if p.get("directory", {}).get("path") not in (".", "")]
    try:
        return frozenset(
            (canonicalize_name(p["name"]), str(p["version"])) for p in keep if p.get("version")
        )
    except (KeyError, TypeError, AttributeError):
        return None


def _write(directory: Path, path: str, data: bytes) -> Path:
    """The blob as a file of the lock's own name (each version overwrites the last)."""
    written = directory / PurePosixPath(path).name
    written.write_bytes(data)
    return written


def read_locks(
    wanted: Iterable[tuple[str, str, str]], blobs: dict[str, bytes]
) -> tuple[dict[str, Pins], list[Skipped]]:
    """The pins of each ``(path, blob, commit)`` lock blob that reads (by blob), and those
    that did not (named by the first commit that held them)."""
    pins: dict[str, Pins] = {}
    skipped: list[Skipped] = []
    tables = _Tables()
    with tempfile.TemporaryDirectory(prefix="chainproof-report-") as tmp:
        for path, blob, commit in wanted:
            kind = lock_kind(path)
            if blob in pins or kind is None:
                continue
            if kind != "requirements":
                data = tables.load(blobs[blob].decode("utf-8", "replace"))
                fast = _toml_pins(kind, data) if data is not None else None
                if fast is not None:
                    pins[blob] = fast
                    continue
            try:
                pins[blob] = _read_pins(kind, _write(Path(tmp), path, blobs[blob]))
            except ChainproofError as exc:
                reason = exc.message.replace(f"{tmp}/", "")
                skipped.append(Skipped(path, commit, reason))
    return pins, skipped


def _read_pins(kind: str, path: Path) -> Pins:
    """The pins of a lock file, as the audit reads them: a requirements file's exact pins
    (its format's reader, as the audit's requirements source takes them), else every
    component of the audit's input."""
    if kind == "requirements":
        return frozenset((p.key, p.version) for p in read_requirements(path, follow=False).pins)
    components = read_target(kind, path).inventory.components
    return frozenset((c.key, c.version) for c in components if c.version)


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
                policy = load_policy(_write(Path(tmp), path, blobs[blob]))
            except ChainproofError as exc:
                skipped.append(Skipped(path, commit, exc.message.replace(f"{tmp}/", "")))
                found[blob] = ()
                continue
            found[blob] = policy.exceptions
    return found, skipped


def exception_key(exception: AuditException) -> tuple[str, str]:
    return (exception.id.upper(), canonicalize_name(exception.package))
