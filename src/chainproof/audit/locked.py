"""What a lock says about where each package comes from: the evidence the dependency checks
(pins, hashes, sources) judge.

An inventory (``chainproof.sbom``) keeps the one file a target installs; these checks need
everything the lock names: every file with its URL and sha256, the index each package was
locked from, direct (URL, VCS, path) references, markers, and the lines that pin nothing.

- uv.lock: ``source`` (``registry``, ``url``, ``git``, ``path``, ``directory``, ``editable``,
  ``virtual``), ``sdist`` and ``wheels``, ``resolution-markers``; the project's
  ``dependencies`` are its direct requirements.
- pylock.toml (PEP 751, read by ``packaging.pylock``): ``index``, ``vcs``, ``directory``,
  ``archive``, ``sdist``, ``wheels``, ``marker``.
- a requirements file: its pins with their ``--hash`` options (no file names), the lines that
  pin nothing exactly, and ``--index-url`` / ``--extra-index-url`` / ``--find-links``.
- a CycloneDX SBOM: each component's distribution URL and hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.pylock import (
    PackageSdist,
    PackageWheel,
    Pylock,
    PylockUnsupportedVersionError,
    PylockValidationError,
)
from packaging.utils import canonicalize_name

from chainproof.errors import InputError, first_line
from chainproof.fileio import filename_of, load_toml
from chainproof.formats.requirements import IndexOption, LineProblem, read_requirements
from chainproof.formats.sbom_files import distribution_files, read_sbom_file
from chainproof.models import Component
from chainproof.redact import strip_credentials

__all__ = ["LockEvidence", "LockFileEntry", "LockedPackage", "read_evidence"]

# How a package is referenced: from an index, or directly (which no index vouches for).
INDEX, URL, VCS, PATH = "index", "url", "vcs", "path"


@dataclass(frozen=True)
class LockFileEntry:
    filename: str
    url: str | None  # None: a local path
    sha256: str | None
    upload_time: str | None = None


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str | None  # None: not pinned to one version
    kind: str = INDEX  # index, url, vcs or path
    index: str | None = None  # the index it was locked from, when the lock says
    reference: str | None = None  # the URL, VCS URL or path of a direct reference
    files: tuple[LockFileEntry, ...] = ()
    # A requirements file's --hash values: sha256 of files it does not name.
    hashes: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()  # where it applies (any of them); () everywhere
    where: str = ""  # the file (and line) that locks it
    specifier: str = ""  # an unpinned requirement's specifier

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)

    @property
    def sha256s(self) -> tuple[str, ...]:
        """Every sha256 the lock gives for this package."""
        return tuple(f.sha256 for f in self.files if f.sha256) + self.hashes

    def component(self) -> Component:
        return Component(self.name, self.version or "")


@dataclass(frozen=True)
class LockEvidence:
    kind: str  # uv-lock, pylock, requirements or sbom
    path: Path
    packages: tuple[LockedPackage, ...]
    # The lock's direct requirements (uv.lock: the project's dependencies), None: not recorded.
    direct: tuple[str, ...] | None = None
    options: tuple[IndexOption, ...] = ()  # a requirements file's index options
    problems: tuple[LineProblem, ...] = ()  # a requirements file's lines that pin nothing
    project: str | None = None  # the project the lock belongs to (not a dependency)

    @property
    def option_indexes(self) -> tuple[str, ...]:
        """A requirements file's --index-url and --extra-index-url values, in order."""
        return tuple(
            o.value
            for o in self.options
            if o.value and o.option in ("-i", "--index-url", "--extra-index-url")
        )

    @property
    def indexes(self) -> tuple[str, ...]:
        """Every index the lock names: its packages' and its index options."""
        named = (*(p.index for p in self.packages if p.index), *self.option_indexes)
        return tuple(dict.fromkeys(named))


def read_evidence(kind: str, path: Path) -> LockEvidence | None:
    """The evidence of a lock, requirements file or SBOM; None for an installed environment
    (it records neither files nor indexes)."""
    if kind == "uv-lock":
        return _uv_lock(path)
    if kind == "pylock":
        return _pylock(path)
    if kind == "requirements":
        return _requirements(path)
    if kind == "sbom":
        return _sbom(path)
    return None


def _sha256(value: Any) -> str | None:
    text = str(value or "")
    return text.split(":", 1)[1].lower() if text.startswith("sha256:") else None


def _uv_file(entry: dict[str, Any]) -> LockFileEntry:
    url, local = entry.get("url"), entry.get("path")
    return LockFileEntry(
        str(entry.get("filename") or filename_of(url, local) or ""),
        str(url) if url else None,
        _sha256(entry.get("hash")),
        str(entry["upload-time"]) if "upload-time" in entry else None,
    )


def _uv_source(source: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(kind, index, reference) of a uv.lock ``source`` table."""
    if "registry" in source:
        return INDEX, str(source["registry"]), None
    if "git" in source:
        return VCS, None, strip_credentials(str(source["git"]))
    if "url" in source:
        return URL, None, strip_credentials(str(source["url"]))
    for key in ("path", "directory", "editable", "virtual"):
        if key in source:
            return PATH, None, str(source[key])
    return INDEX, None, None


def _uv_lock(path: Path) -> LockEvidence:
    data = load_toml(path, "uv lock file")
    packages = data.get("package")
    if data.get("version") != 1 or not isinstance(packages, list):
        raise InputError(f"{path} is not a uv lock file of version 1 with [[package]] tables.")
    found: list[LockedPackage] = []
    project: dict[str, Any] | None = None
    for entry in packages:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError(f"{path} has a [[package]] entry without a name.")
        source: dict[str, Any] = entry["source"] if isinstance(entry.get("source"), dict) else {}
        if source.get("editable") == "." or source.get("virtual") == ".":
            project = entry
            continue
        kind, index, reference = _uv_source(source)
        files = [entry["sdist"]] if isinstance(entry.get("sdist"), dict) else []
        files += [w for w in entry.get("wheels", []) if isinstance(w, dict)]
        found.append(
            LockedPackage(
                entry["name"],
                str(entry["version"]) if "version" in entry else None,
                kind,
                index,
                reference,
                tuple(_uv_file(f) for f in files),
                markers=tuple(str(m) for m in entry.get("resolution-markers", ())),
                where=str(path),
            )
        )
    direct = None
    if project is not None:
        deps = [*project.get("dependencies", [])]
        for extra in (project.get("optional-dependencies") or {}).values():
            deps += extra
        direct = tuple(sorted({canonicalize_name(d["name"]) for d in deps if "name" in d}))
    return LockEvidence(
        "uv-lock",
        path,
        tuple(found),
        direct,
        project=str(project["name"]) if project else None,
    )


def _pylock(path: Path) -> LockEvidence:
    data = load_toml(path, "pylock file")
    try:
        lock = Pylock.from_dict(data)
    except (PylockValidationError, PylockUnsupportedVersionError) as exc:
        raise InputError(f"{path} is not a valid pylock.toml: {first_line(exc)}.") from exc
    found: list[LockedPackage] = []
    project = None
    for package in lock.packages:
        files: list[PackageSdist | PackageWheel] = [*([package.sdist] if package.sdist else [])]
        files += package.wheels or []
        locked = tuple(
            LockFileEntry(
                str(f.name or filename_of(f.url, f.path) or ""),
                f.url,
                (f.hashes or {}).get("sha256"),
                f.upload_time.isoformat() if f.upload_time else None,
            )
            for f in files
        )
        kind, reference = INDEX, None
        if package.vcs is not None:
            kind, reference = VCS, strip_credentials(package.vcs.url or package.vcs.path or "")
        elif package.directory is not None:
            if package.directory.path == ".":
                project = str(package.name)
                continue
            kind, reference = PATH, package.directory.path
        elif package.archive is not None:
            kind = URL if package.archive.url else PATH
            reference = strip_credentials(package.archive.url or package.archive.path or "")
            sha = (package.archive.hashes or {}).get("sha256")
            locked += (LockFileEntry(filename_of(reference) or "", package.archive.url, sha),)
        found.append(
            LockedPackage(
                str(package.name),
                str(package.version) if package.version is not None else None,
                kind,
                package.index,
                reference,
                locked,
                markers=(str(package.marker),) if package.marker else (),
                where=str(path),
            )
        )
    return LockEvidence("pylock", path, tuple(found), project=project)


def _requirements(path: Path) -> LockEvidence:
    read = read_requirements(path)
    found = [
        LockedPackage(
            pin.requirement.name,
            pin.version,
            URL if pin.requirement.url else INDEX,
            reference=strip_credentials(pin.requirement.url) if pin.requirement.url else None,
            hashes=tuple(h.split(":", 1)[1].lower() for h in pin.hashes if h.startswith("sha256:")),
            markers=(str(pin.requirement.marker),) if pin.requirement.marker else (),
            where=pin.where,
        )
        for pin in read.pins
    ]
    for problem in read.problems:
        if problem.name is None:
            continue
        kind = VCS if problem.reference and "+" in problem.reference.split("://")[0] else URL
        found.append(
            LockedPackage(
                problem.name,
                None,
                INDEX if problem.rule == "unpinned" else kind,
                reference=strip_credentials(problem.reference) if problem.reference else None,
                where=problem.where,
                specifier=problem.specifier,
            )
        )
    return LockEvidence(
        "requirements",
        path,
        tuple(found),
        options=tuple(read.options),
        problems=tuple(p for p in read.problems if p.name is None),
    )


def _sbom(path: Path) -> LockEvidence:
    document = read_sbom_file(path).sbom
    found = []
    for item in distribution_files(document, path) if document is not None else ():
        url = strip_credentials(item.url) if item.url else None
        filename = item.filename or filename_of(url)
        # a hash without a file name is judged as a requirements file's: some file of the
        # release must have it
        files = (LockFileEntry(filename, url, item.sha256),) if filename else ()
        hashes = (item.sha256,) if item.sha256 and not filename else ()
        found.append(
            LockedPackage(item.name, item.version, files=files, hashes=hashes, where=str(path))
        )
    return LockEvidence("sbom", path, tuple(found))
