"""A release's runtime closure from the project's lock (``[sbom] lock``, ``--lock FILE``).

An application deploys its lock, so its release SBOM describes that lock rather than what a
resolution finds on the day. The lock is read by the lock-file sources themselves
(:class:`~chainproof.sbom.uvlock.UvLockSource`, :class:`~chainproof.sbom.pylock.PylockSource`):
the packages the target installs (markers evaluated for it, the release's extras, no
dependency groups), each with the sha256 of the file the target would install, and the lock's
graph. The lock's own project entry is the release (``metadata.component``), not a dependency.

Before its closure is used, the lock must satisfy the built wheel's Requires-Dist for the
target: every requirement whose marker holds (with the release's extras active) names a
package of the closure, at a version its specifier allows. What a requirement's own extras
pull in (``liba[fast]``) is the locker's business: the lock records it, chainproof follows it.

Nothing here contacts an index: the lock has every pin and hash. Licences come from the index
only when the caller passes a MetadataProvider (``--with-metadata``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from chainproof.errors import InputError, first_line
from chainproof.fileio import sha256_file
from chainproof.models import Component, DependencyGraph, SourceResult, parse_version, version_key
from chainproof.progress import Reporter
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.resolve import MetadataProvider
from chainproof.sbom.sources import ClosureLock, InventorySource
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource

__all__ = [
    "CLOSURE_PROPERTY",
    "CLOSURE_SHA256_PROPERTY",
    "DEFAULT_LOCKS",
    "RESOLVED",
    "RuntimeClosure",
    "default_lock",
    "describe_closure",
    "lock_at",
    "lock_closure",
    "read_lock",
    "unmet_requirements",
]

# Properties of the SBOM's metadata: where the runtime closure came from, and the lock's hash.
CLOSURE_PROPERTY = "chainproof:closure"
CLOSURE_SHA256_PROPERTY = "chainproof:closure:sha256"
RESOLVED = "resolved"  # the value of CLOSURE_PROPERTY when pip resolved the closure
# The default locks beside the project's pyproject.toml, in the order they are preferred.
DEFAULT_LOCKS = ("uv.lock", "pylock.toml")
_NO_LOCK_HINT = 'Set [sbom] lock = "none" (or pass --no-lock) to resolve the closure with pip.'


def _kind(path: Path) -> str | None:
    """uv.lock for ``*.lock``, PEP 751 for ``*.toml`` (``pylock.toml``, ``pylock.NAME.toml``)."""
    return {".lock": "uv-lock", ".toml": "pylock"}.get(path.suffix)


def _label(path: Path, project_dir: Path) -> str:
    """The lock as the SBOM names it: relative to the project when inside it, else its file
    name (no path of the machine that made the release)."""
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return path.name


def lock_at(path: Path, project_dir: Path, origin: str, note: str | None = None) -> ClosureLock:
    """The lock at ``path`` (named by ``origin``: a flag, a variable or a file's setting)."""
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise InputError(f"The lock file {path} (from {origin}) {what}.", _NO_LOCK_HINT)
    kind = _kind(path)
    if kind is None:
        raise InputError(
            f"The lock file {path} (from {origin}) is neither a uv.lock (*.lock) "
            "nor a pylock.toml (*.toml).",
            _NO_LOCK_HINT,
        )
    return ClosureLock(path, kind, _label(path, project_dir), note)


def default_lock(project_dir: Path) -> ClosureLock | None:
    """uv.lock, else pylock.toml, beside the project's pyproject.toml; None without either
    (or without a pyproject.toml: no project here)."""
    if not (project_dir / "pyproject.toml").is_file():
        return None
    found = [project_dir / name for name in DEFAULT_LOCKS if (project_dir / name).is_file()]
    if not found:
        return None
    note = None
    if len(found) > 1:
        note = (
            f"Both {' and '.join(DEFAULT_LOCKS)} are beside the project's pyproject.toml; "
            f"the runtime closure comes from {found[0].name} (set [sbom] lock to choose)."
        )
    return lock_at(found[0], project_dir, "the default", note)


def describe_closure(closure: str) -> str:
    """A summary's words for a ``chainproof:closure`` value."""
    if closure == RESOLVED:
        return "runtime closure resolved by pip"
    return f"runtime closure from the lock {closure.removeprefix('lock:')}"


def read_lock(
    lock: ClosureLock,
    extras: Collection[str],
    target: TargetPlatform,
    reporter: Reporter,
    metadata: MetadataProvider | None = None,
) -> SourceResult:
    """What the lock installs on ``target`` with ``extras`` and no dependency group (the
    runtime), read by its own source; ``metadata`` supplies licences (and a pylock's graph
    when it records none)."""
    source: InventorySource
    if lock.kind == "uv-lock":
        source = UvLockSource(lock.path, extras, (), metadata)
    else:
        source = PylockSource(lock.path, extras, (), metadata, licenses=metadata is not None)
    return source.read(target, reporter)


def unmet_requirements(
    requires_dist: Sequence[str],
    extras: Collection[str],
    components: Sequence[Component],
    target: TargetPlatform,
    origin: str,
) -> list[str]:
    """Each requirement of ``requires_dist`` that holds for ``target`` (with ``extras``
    active) and that ``components`` do not satisfy, with the reason."""
    locked = {c.key: c for c in components}
    active = ("", *extras)
    unmet = []
    for text in requires_dist:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise InputError(
                f"{origin} has an invalid requirement {text!r}: {first_line(exc)}."
            ) from exc
        if not target.evaluate(requirement.marker, active):
            continue
        shown = str(requirement).split(";", 1)[0].strip()
        found = locked.get(canonicalize_name(requirement.name))
        if found is None:
            unmet.append(f"{shown} (not in the lock)")
            continue
        version = parse_version(found.version)
        if requirement.specifier and (
            version is None or not requirement.specifier.contains(version, prereleases=True)
        ):
            unmet.append(f"{shown} (the lock has {found.version or 'no version'})")
    return unmet


@dataclass(frozen=True)
class RuntimeClosure:
    """A release's runtime closure (from its lock, or resolved by pip): components, graph,
    warnings and the SBOM metadata's properties (``chainproof:closure``)."""

    components: tuple[Component, ...]
    graph: DependencyGraph
    warnings: tuple[str, ...]
    properties: tuple[tuple[str, str], ...]


def lock_closure(
    lock: ClosureLock,
    release: Component,
    requires_dist: Sequence[str],
    extras: Collection[str],
    target: TargetPlatform,
    reporter: Reporter,
    metadata: MetadataProvider | None = None,
) -> RuntimeClosure:
    """The runtime closure of ``release`` (its wheel's ``requires_dist``) from ``lock``."""
    reporter.step(f"Reading the runtime closure from {lock.label}")
    read = read_lock(lock, extras, target, reporter, metadata)
    locked = read.inventory
    warnings = [*([lock.note] if lock.note else []), *read.warnings]
    if locked.root is not None:
        if locked.root.key != release.key:
            raise InputError(
                f"The lock {lock.label} is for {locked.root.name}, not for the release "
                f"{release.name}.",
                f"Give the release's own lock with --lock FILE or [sbom] lock. {_NO_LOCK_HINT}",
            )
        if locked.root.version and version_key(locked.root.version) != version_key(release.version):
            warnings.append(
                f"{lock.label} locks {locked.root.name} {locked.root.version}, but the release "
                f"is {release.version}: the lock may be out of date."
            )
    components = tuple(c for c in locked.components if c.key != release.key)
    unmet = unmet_requirements(
        requires_dist, extras, components, target, f"The wheel of {release.name}"
    )
    if unmet:
        # InputError (exit 2), not VerificationFailed (exit 1): nothing signed or published
        # failed a check; the release's input, its lock, does not describe what was built.
        # Like a malformed lock, the user fixes it (re-lock) and runs again.
        raise InputError(
            f"The lock {lock.label} does not satisfy the requirements of {release.name} "
            f"{release.version} for {target.description}: {'; '.join(unmet)}.",
            f"Update the lock (uv lock, pip lock) to cover the wheel's Requires-Dist. "
            f"{_NO_LOCK_HINT}",
        )
    properties = (
        (CLOSURE_PROPERTY, f"lock:{lock.label}"),
        (CLOSURE_SHA256_PROPERTY, sha256_file(lock.path)),
    )
    return RuntimeClosure(components, locked.graph, tuple(warnings), properties)
