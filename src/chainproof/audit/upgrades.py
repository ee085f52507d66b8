"""Online upgrade proposals: the releases the package index offers each vulnerable package
(the candidates of :func:`chainproof.audit.remediation.propose`), and the real resolver's
check of an installed environment's proposal set before it is offered.

The index is the one pip's settings name (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf; the
public index by default), read through the audit's :class:`IndexClient`. The check runs
``uv pip compile --no-header`` over the environment's installed pins with the proposals
substituted, for the environment's interpreter, against those indexes; credentials reach uv
in its environment (UV_DEFAULT_INDEX, UV_INDEX), never on its command line or in a message.
A set the resolver refuses is narrowed down: when the environment's own pins do not resolve,
nothing is blamed ("not checked"); else each proposal is checked alone, and those refused
alone (or, when none is, all of them) are withdrawn with the resolver's first error line.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from chainproof.audit.inputs import InstalledPins
from chainproof.audit.locked import LockEvidence
from chainproof.audit.relock import ResolverRefused, Upgrade, copy_project, relock
from chainproof.audit.remediation import Proposal
from chainproof.build.installers import find_uv
from chainproof.errors import InfrastructureError, InputError, UsageError
from chainproof.index.client import IndexClient, default_index_url
from chainproof.index.credentials import CredentialLookup, pip_index_settings
from chainproof.index.listing import ProjectListing
from chainproof.sbom.index_pick import index_urls

__all__ = ["IndexUpgrades", "audit_indexes"]

_TIMEOUT = 300  # seconds for one resolution
_MAX_SINGLE_CHECKS = 10  # a refused set of more proposals is not narrowed down one by one
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_DECORATION = re.compile("^[\\s\u00d7\u2570\u2500\u25b6\u2502]+")  # uv's tree drawing
# uv's settings that would send it to other indexes than the audit's
_UV_INDEX_SETTINGS = (
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
)


def audit_indexes(env: Mapping[str, str] | None = None) -> tuple[str, ...] | None:
    """The indexes pip's settings name, the main one first; None when they take pip
    somewhere an index client does not follow (find-links, no-index)."""
    return index_urls(pip_index_settings(env))


def _installable(listing: ProjectListing, python_version: str | None) -> set[str]:
    """The versions with a file that is not yanked and whose Requires-Python admits
    ``python_version`` (when known)."""
    found: set[str] = set()
    for file in listing.files:
        if file.version is None or file.yanked is not None:
            continue
        if python_version and file.requires_python:
            try:
                if python_version not in SpecifierSet(file.requires_python):
                    continue
            except InvalidSpecifier:
                pass  # as pip: an unreadable Requires-Python does not exclude the file
        found.add(file.version)
    return found


@dataclass
class IndexUpgrades:
    """The releases and the resolver check of one online audit, over ``client``."""

    client: IndexClient
    indexes: tuple[str, ...]
    project_dir: Path | None = None
    lock: LockEvidence | None = None  # a lock's proposals are tried by locking them (uv)

    @classmethod
    def for_settings(cls, client: IndexClient, project_dir: Path | None = None) -> IndexUpgrades:
        indexes = audit_indexes() or (default_index_url(),)
        return cls(client, indexes, project_dir)

    def releases(
        self, packages: Sequence[str], installed: InstalledPins | None
    ) -> tuple[dict[str, tuple[str, ...]], str | None]:
        """The installable versions of each package on the indexes (all pages at once), and
        why there are none when the indexes could not be read."""
        if not packages:
            return {}, None
        try:
            pages = self.client.listings((i, p) for p in packages for i in self.indexes)
        except (InfrastructureError, UsageError) as exc:
            return {}, exc.message
        python = installed.python_version if installed is not None else None
        found: dict[str, tuple[str, ...]] = {}
        for package in packages:
            versions: set[str] = set()
            for index in self.indexes:
                page = pages[(index, package)]
                if page is not None:
                    versions |= _installable(page, python)
            found[package] = tuple(sorted(versions))
        return found, None

    def check(
        self, proposals: Mapping[str, Proposal], installed: InstalledPins
    ) -> dict[str, Proposal]:
        """The proposals with the resolver's verdict (see the module docstring)."""
        uv = find_uv()
        if uv is None:
            return _narrowed(proposals, None, "no uv binary was found")
        resolver = _Resolver(uv, installed, self._uv_env())

        def unresolvable() -> str | None:
            own = resolver.failure({})
            return (
                f"the environment's own pins do not resolve on the index ({own})" if own else None
            )

        return _narrowed(proposals, resolver.failure, unresolvable)

    def check_lock(self, proposals: Mapping[str, Proposal]) -> dict[str, Proposal]:
        """A lock's proposals, each verdict from locking them the way ``audit --fix`` would
        (:mod:`chainproof.audit.relock`, in a scratch copy of the project: the lock is not
        touched). A lock that uv cannot write at all is "not checked"."""
        assert self.lock is not None
        lock = self.lock

        def failure(asked: Mapping[str, Proposal]) -> str | None:
            upgrades = [
                Upgrade(key, p.current, p.specifier or "") for key, p in sorted(asked.items())
            ]
            with tempfile.TemporaryDirectory(prefix="chainproof-proposals-") as scratch:
                project = copy_project(lock.path, Path(scratch))
                try:
                    relock(lock, project, upgrades, lock.path)
                except ResolverRefused as exc:
                    return exc.reason
            return None

        try:
            return _narrowed(proposals, failure, tool="uv, locking the proposals")
        except (InfrastructureError, InputError, UsageError) as exc:
            return _narrowed(proposals, None, exc.message.rstrip("."))

    def _uv_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _UV_INDEX_SETTINGS}
        lookup = CredentialLookup.from_settings(project_dir=self.project_dir)
        urls = [_with_credentials(url, lookup) for url in self.indexes]
        env["UV_DEFAULT_INDEX"] = urls[0]
        if urls[1:]:
            env["UV_INDEX"] = " ".join(urls[1:])
            env["UV_INDEX_STRATEGY"] = "unsafe-best-match"  # pip's: every index, best version
        return env


def _narrowed(
    proposals: Mapping[str, Proposal],
    failure: Callable[[Mapping[str, Proposal]], str | None] | None,
    unresolvable: str | Callable[[], str | None] | None = None,
    tool: str = "uv pip compile",
) -> dict[str, Proposal]:
    """The proposals with the resolver's verdict: ``failure(subset)`` says why a set of them
    does not resolve (None: it does). Without ``failure`` (no resolver to ask) they are "not
    checked" for the reason ``unresolvable`` gives; a refused set is "not checked" too when
    ``unresolvable()`` says the starting point itself does not resolve, else narrowed down to
    the proposals refused alone (and the rest checked again without them), else all of them
    are withdrawn together."""
    asked = {k: p for k, p in proposals.items() if p.specifier is not None}
    out = dict(proposals)
    if not asked:
        return out
    if failure is None:
        return {**out, **_unchecked(asked, str(unresolvable))}
    refused = failure(asked)
    if refused is None:
        passed = f"The resolver ({tool}) accepts every proposal together."
        return {**out, **{k: p.noted("passed", passed) for k, p in asked.items()}}
    baseline = unresolvable() if callable(unresolvable) else unresolvable
    if baseline is not None:
        return {**out, **_unchecked(asked, baseline)}
    alone: dict[str, str] = {}
    if len(asked) <= _MAX_SINGLE_CHECKS:
        for key, proposal in asked.items():
            single = failure({key: proposal})
            if single is not None:
                alone[key] = single
    if alone:
        out |= {k: asked[k].rejected(alone[k]) for k in alone}
        rest = {k: p for k, p in asked.items() if k not in alone}
        return _narrowed(out, failure, unresolvable, tool) if rest else out
    together = f"{refused} (the proposals together; check them one by one)"
    return {**out, **{k: p.rejected(together) for k, p in asked.items()}}


def _unchecked(asked: Mapping[str, Proposal], reason: str) -> dict[str, Proposal]:
    note = f"The resolver did not check it: {reason}."
    return {k: p.noted("not checked", note) for k, p in asked.items()}


def _with_credentials(url: str, lookup: CredentialLookup) -> str:
    credentials = lookup.for_url(url)
    parts = urlsplit(url)
    if credentials is None or "@" in parts.netloc:
        return url
    userinfo = f"{quote(credentials.username, safe='')}:{quote(credentials.password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


@dataclass(frozen=True)
class _Resolver:
    uv: str
    installed: InstalledPins
    env: dict[str, str]

    def failure(self, proposals: Mapping[str, Proposal]) -> str | None:
        """None when the installed pins with ``proposals`` substituted resolve; else the
        resolver's first error line (credentials masked)."""
        lines = [
            f"{name}{proposals[name].specifier}" if name in proposals else f"{name}=={version}"
            for name, version in self.installed.pins
        ]
        lines += self.installed.local
        with tempfile.TemporaryDirectory(prefix="chainproof-resolve-") as directory:
            requirements = Path(directory) / "requirements.in"
            requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
            command = [
                self.uv, "pip", "compile", str(requirements), "--no-header", "--no-config",
                "--python", self.installed.python, "--color", "never",
            ]  # fmt: skip
            try:
                done = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    timeout=_TIMEOUT,
                    env=self.env,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                return f"uv could not be run ({type(exc).__name__})"
        if done.returncode == 0:
            return None
        return _first_error(done.stderr) or f"uv exited with status {done.returncode}"


def _first_error(stderr: str) -> str:
    """The first line of uv's error, with its cause when uv gives one on the next line ("No
    solution found when resolving dependencies: Because ..."), decorations and credentials
    dropped."""
    lines = [_DECORATION.sub("", line).strip() for line in stderr.splitlines()]
    lines = [line.removeprefix("error: ") for line in lines if line]
    if not lines:
        return ""
    first = lines[0].rstrip(":")
    if len(lines) > 1 and (lines[0].endswith(":") or lines[1].startswith("cause: ")):
        first = f"{first}: {lines[1].removeprefix('cause: ')}"
    return _USERINFO.sub("", first)
