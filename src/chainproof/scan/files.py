"""Files that must not ship, judged by their names: credential files, and stray files (an
sdist member git does not track and the backend did not generate; a wheel file that comes from
no tracked source)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import PurePosixPath

__all__ = [
    "CREDENTIAL_FILES",
    "CredentialFile",
    "TrackedFiles",
    "credential_file",
    "fixture_path",
    "sdist_path",
    "stray_rule",
]


@dataclass(frozen=True)
class CredentialFile:
    id: str  # the finding id is "credentials.<id>"
    title: str
    names: tuple[str, ...]  # globs matched against the member's last path components


CREDENTIAL_FILES = (
    CredentialFile("pypirc", "A .pypirc (index upload credentials)", (".pypirc",)),
    CredentialFile("netrc", "A .netrc (login credentials)", (".netrc", "_netrc")),
    CredentialFile("dotenv", "A .env file", (".env", ".env.*")),
    CredentialFile("ssh-key", "An SSH private key", ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")),
    CredentialFile("aws", "An AWS credentials file", (".aws/credentials", ".aws/config")),
    CredentialFile("git", "A .git directory", (".git/*",)),
)
# .env.example and the like document the variables and hold no values
_DOTENV_DOCS = (".env.example", ".env.sample", ".env.template", ".env.dist")


def credential_file(member: str) -> CredentialFile | None:
    parts = PurePosixPath(member).parts
    if ".git" in parts[:-1]:
        return CREDENTIAL_FILES[-1]
    tail2 = "/".join(parts[-2:])
    for kind in CREDENTIAL_FILES[:-1]:
        if any(fnmatch.fnmatchcase(parts[-1], n) or n == tail2 for n in kind.names):
            if kind.id == "dotenv" and parts[-1] in _DOTENV_DOCS:
                return None
            return kind
    return None


# Members every sdist backend writes, tracked by no one.
_SDIST_GENERATED = ("PKG-INFO", "setup.cfg", "*.egg-info/*")


def sdist_path(member: str) -> str:
    """The member's path in the source tree: without the sdist's top directory."""
    return member.split("/", 1)[1] if "/" in member else member


@dataclass(frozen=True)
class TrackedFiles:
    """The files git tracks at the build's commit, and every path suffix of them (a wheel's
    ``pkg/mod.py`` comes from ``src/pkg/mod.py``)."""

    paths: frozenset[str]
    suffixes: frozenset[str]

    @classmethod
    def of(cls, paths: list[str]) -> TrackedFiles:
        suffixes = {p.split("/", i)[-1] for p in paths for i in range(p.count("/") + 1)}
        return cls(frozenset(paths), frozenset(suffixes))


def stray_rule(kind: str, member: str, tracked: TrackedFiles) -> str | None:
    """``untracked`` (sdist) or ``unsourced`` (wheel) when the member comes from no tracked
    file; None when it does, or the backend generated it."""
    if kind == "sdist":
        path = sdist_path(member)
        if path in tracked.paths or any(fnmatch.fnmatchcase(path, g) for g in _SDIST_GENERATED):
            return None
        return "untracked"
    parts = member.split("/")
    if parts[0].endswith(".dist-info"):
        return None  # metadata the backend writes
    if parts[0].endswith(".data") and len(parts) > 2:
        parts = parts[2:]  # <name>.data/<scheme>/<path>
    path = "/".join(parts)
    if path in tracked.suffixes:
        return None
    return "unsourced"


_FIXTURE_DIRS = {"tests", "test", "testing", "testdata", "test_data", "fixtures", "docs", "doc",
                 "examples", "example"}  # fmt: skip


def fixture_path(path: str) -> bool:
    """Whether a member is a test or documentation file, where a secret is most likely a
    fixture (the test keys of a TLS test suite) and is rated low."""
    parts = path.split("/")
    name = parts[-1]
    return (
        bool(_FIXTURE_DIRS & set(parts[:-1]))
        or name.startswith("test_")
        or name in ("conftest.py",)
        or name.endswith("_test.py")
    )
