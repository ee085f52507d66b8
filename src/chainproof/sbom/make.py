"""Turn command-line choices into an InventorySource and render the SBOM (no printing)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainproof import config
from chainproof.config import source_date_epoch
from chainproof.errors import InputError, UsageError
from chainproof.fileio import atomic_write_text
from chainproof.formats.build_record import read_build_record
from chainproof.formats.cyclonedx import writer as cyclonedx
from chainproof.formats.sbom_plan import Rendered, RenderOptions
from chainproof.formats.spdx import writer as spdx
from chainproof.models import BUILD_RECORD_NAME, SBOM_NAME, SPDX_SBOM_NAME, SourceResult
from chainproof.progress import Reporter
from chainproof.sbom.closure import CLOSURE_PROPERTY, default_lock, describe_closure, lock_at
from chainproof.sbom.inputs import SourceOptions, open_source
from chainproof.sbom.sources import ClosureLock, InventorySource
from chainproof.sbom.target import TargetPlatform

__all__ = [
    "SbomRequest",
    "SbomWritten",
    "default_output",
    "default_spec_version",
    "index_arguments",
    "lock_file_epoch",
    "lock_setting",
    "make_sbom",
    "sbom_epoch",
    "setting",
    "write_sbom",
]

_DEFAULTS: dict[str, str | list[str] | None] = {
    "spec-version": None,  # default_spec_version(format)
    "format": "json",
    "python-version": None,
    "platform": [],
    # chainproof release: the SBOM formats beside CycloneDX (["cyclonedx", "spdx"]), SPDX's version
    "formats": ["cyclonedx"],
    "spdx-version": "2.3",
}
_LISTS = ("platform", "formats")


@dataclass(frozen=True)
class SbomRequest:
    dist: Path | None = None
    pylock: Path | None = None
    uv_lock: Path | None = None
    requirements: Path | None = None
    env: str | None = None
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    offline: bool = False
    allow_modified: bool = False
    with_metadata: bool = False
    index_args: tuple[str, ...] = ()
    target: TargetPlatform = field(default_factory=TargetPlatform.current)
    # --dist: the lock of the runtime closure (--lock), or none (--no-lock); else [sbom] lock,
    # else the default lock of ``project_dir`` (None: the working directory; see lock_setting)
    lock: Path | None = None
    no_lock: bool = False
    project_dir: Path | None = None

    @property
    def from_dist(self) -> bool:
        """Is the input a release directory (``--dist``, the default)?"""
        return not any((self.pylock, self.uv_lock, self.requirements, self.env))

    @property
    def dist_dir(self) -> Path:
        return self.dist or Path("dist")

    def closure_lock(self) -> ClosureLock | None:
        """The lock a release's runtime closure comes from (None: pip resolves it, or the
        input is not a release)."""
        if not self.from_dist:
            return None
        if self.lock is not None and self.no_lock:
            raise UsageError("--lock and --no-lock contradict each other; give one.")
        return lock_setting("none" if self.no_lock else self.lock, self.project_dir)

    def source(self) -> InventorySource:
        given = {
            "--dist": self.dist,
            "--pylock": self.pylock,
            "--uv-lock": self.uv_lock,
            "--requirements": self.requirements,
            "--env": self.env,
        }
        chosen = [flag for flag, value in given.items() if value is not None]
        if len(chosen) > 1:
            raise UsageError(f"Give one input, not {' and '.join(chosen)}.")
        flag = chosen[0] if chosen else "--dist"
        lock = self.closure_lock()
        self._check_flags(flag, lock)
        options = SourceOptions(
            extras=self.extras,
            groups=self.groups,
            offline=self.offline,
            allow_modified=self.allow_modified,
            with_metadata=self.with_metadata,
            index_args=self.index_args,
            lock=lock,
        )
        return open_source(flag.removeprefix("--"), given[flag] or Path("dist"), options)

    def _check_flags(self, source: str, lock: ClosureLock | None) -> None:
        """Refuse options that the chosen source would silently ignore."""
        if lock is not None and self.index_args and not self.with_metadata:
            raise UsageError(
                f"index options cannot be used with a runtime closure from the lock {lock.label}.",
                "The lock gives every file and hash: add --with-metadata for licences from "
                "the index, or --no-lock to resolve the closure with pip.",
            )
        unused = [
            flag
            for flag, given, used_by in (
                (
                    "--python-version/--platform",
                    bool(self.target.pip_args),
                    ("--dist", "--pylock", "--uv-lock", "--requirements"),
                ),
                ("--extra", bool(self.extras), ("--dist", "--pylock", "--uv-lock")),
                ("--group", bool(self.groups), ("--pylock", "--uv-lock")),
                ("--allow-modified", self.allow_modified, ("--env",)),
                (
                    "index options",
                    bool(self.index_args),
                    ("--dist", "--pylock", "--requirements")
                    + (("--uv-lock",) if self.with_metadata else ()),
                ),
                ("--offline", self.offline, ("--dist", "--pylock", "--requirements")),
                ("--lock/--no-lock", self.lock is not None or self.no_lock, ("--dist",)),
            )
            if given and source not in used_by
        ]
        if self.with_metadata and source not in ("--pylock", "--uv-lock") and lock is None:
            unused.append("--with-metadata")
        if self.with_metadata and self.offline:
            raise UsageError("--with-metadata needs the package index; drop --offline.")
        if unused:
            hint = None
            if source == "--env" and "--python-version/--platform" in unused:
                hint = "An environment is described for its own interpreter."
            elif source == "--dist" and "--with-metadata" in unused:
                hint = "pip's resolution reads every package's metadata; --with-metadata is "
                hint += "for a runtime closure from a lock (--lock)."
            raise UsageError(f"{', '.join(unused)} cannot be used with {source}.", hint)


def setting(
    key: str, flag: str | list[str] | None, search_dir: Path | None = None
) -> str | list[str] | None:
    """``key`` (spec-version, format, python-version, platform; formats and spdx-version for
    a release) from the flag, then ``CHAINPROOF_SBOM_<KEY>`` (lists comma-separated), then
    ``[sbom]`` in chainproof.toml / ``[tool.chainproof.sbom]`` in pyproject.toml, then the
    default."""
    found = config.setting(key, flag, section="sbom", search_dir=search_dir)
    if found is None:
        return _DEFAULTS[key]
    value = found.value
    if found.path is None:  # a flag, or a variable
        if key in _LISTS and isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value  # type: ignore[no-any-return]
    if key in _LISTS:
        value = [value] if isinstance(value, str) else value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    elif isinstance(value, str):
        return value
    raise InputError(
        f"{key} in {found.origin} must be a string"
        + (" or a list of strings." if key in _LISTS else ".")
    )


def lock_setting(flag: Path | str | None, project_dir: Path | None = None) -> ClosureLock | None:
    """The lock a release's runtime closure comes from: the flag (``--lock FILE``; ``"none"``
    for ``--no-lock``), then ``CHAINPROOF_SBOM_LOCK``, then ``lock`` in ``[sbom]`` of the
    configuration in ``project_dir`` (a path relative to that file), then ``uv.lock``, else
    ``pylock.toml``, beside ``project_dir``'s pyproject.toml. ``"none"`` or no lock found:
    None, and pip resolves the closure. ``project_dir`` defaults to the working directory,
    where ``chainproof sbom`` reads its settings."""
    base = project_dir if project_dir is not None else Path.cwd()
    found = config.setting(
        "lock", None if flag is None else str(flag), section="sbom", search_dir=project_dir
    )
    if found is None:
        return default_lock(base)
    value = found.value
    if not isinstance(value, str) or not value:
        raise InputError(f'lock in {found.origin} must be a file name or "none".')
    if value == "none":
        return None
    path = found.path.parent / value if found.path is not None else Path(value)
    return lock_at(path, base, found.origin)


def lock_file_epoch(path: Path) -> int | None:
    """The commit time of the last commit that changed ``path``, when git tracks it unmodified.

    A lock file's SBOM describes the pins, which change only when the file does: dating it by
    that commit (as a build dates a release by its commit) gives the same bytes on every run
    and checkout. None (the caller uses the current time) outside git, for an untracked or
    modified file, or without a git executable.
    """

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args, "--", path.name],
                cwd=path.parent,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    if not path.is_file() or git("status", "--porcelain") != "":
        return None
    stamp = git("log", "-1", "--format=%ct")
    return int(stamp) if stamp and stamp.isdigit() else None


def make_sbom(
    request: SbomRequest,
    options: RenderOptions,
    reporter: Reporter,
    source: InventorySource | None = None,
) -> tuple[SourceResult, Rendered]:
    """Read the inventory (from ``source`` when the caller opened it already) and render it
    (validated); the caller writes the text."""
    result = (source or request.source()).read(request.target, reporter)
    if options.output_format == spdx.FORMAT:
        reporter.step("Writing SPDX")
        return result, spdx.render(result, options)
    reporter.step("Writing CycloneDX")
    return result, cyclonedx.render(result, options)


@dataclass(frozen=True)
class SbomWritten:
    """What ``write_sbom`` did: the source read, the rendered document, where it went
    (None: the caller prints ``rendered.text`` to stdout) and the options used."""

    source: str
    result: SourceResult
    rendered: Rendered
    options: RenderOptions
    output: Path | None

    @property
    def build_only(self) -> int:
        return sum(1 for c in self.result.inventory.components if c.build_only)

    @property
    def warnings(self) -> tuple[str, ...]:
        return (*self.result.warnings, *self.rendered.warnings)

    @property
    def closure(self) -> str | None:
        """Where a release's runtime closure came from (``lock:uv.lock``, ``resolved``);
        None for other inputs."""
        return dict(self.result.properties).get(CLOSURE_PROPERTY)

    def to_json(self) -> dict[str, object]:
        """The ``--json`` summary."""
        return {
            "output": str(self.output or "-"),
            "source": self.source,
            "closure": self.closure,
            "components": self.rendered.components,
            "build_only": self.build_only,
            "format": self.options.output_format,
            "spec_version": self.options.spec_version,
            "warnings": list(self.warnings),
            "files_verified": self.result.files_verified,
        }

    def summary(self) -> str:
        """One sentence: what was written, from what."""
        verified = ""
        if self.result.files_verified is not None:
            verified = f", {self.result.files_verified} installed files verified against RECORD"
        runtime = self.rendered.components - self.build_only
        closure = f", {describe_closure(self.closure)}" if self.closure else ""
        kind = (
            "SPDX" if self.options.output_format == spdx.FORMAT else "CycloneDX",
            "JSON" if self.options.output_format == spdx.FORMAT else self.options.output_format,
        )
        return (
            f"Wrote {self.output}: {runtime} runtime and {self.build_only} "
            f"build-only components from {self.source}{closure} ({kind[0]} "
            f"{self.options.spec_version} {kind[1].upper()}{verified})."
        )


def sbom_epoch(request: SbomRequest) -> int | None:
    """The SBOM's timestamp: SOURCE_DATE_EPOCH, else a lock file's last commit
    (``lock_file_epoch``), else the build record's for a release; None means now."""
    epoch = source_date_epoch()
    lock = request.pylock or request.uv_lock or request.requirements
    if epoch is None and lock is not None:
        epoch = lock_file_epoch(lock)
    if epoch is None and request.from_dist:
        record = request.dist_dir / BUILD_RECORD_NAME
        if record.is_file():
            epoch = read_build_record(record).source_date_epoch
    return epoch


def default_spec_version(output_format: str) -> str:
    """CycloneDX 1.6, SPDX 2.3."""
    return "2.3" if output_format.lower() == spdx.FORMAT else "1.6"


def default_output(request: SbomRequest, output_format: str) -> Path:
    """``sbom.cdx.json`` (or ``.xml``, or ``sbom.spdx.json``) in the release directory for a
    release, else here."""
    name = {"xml": "sbom.cdx.xml", spdx.FORMAT: SPDX_SBOM_NAME}.get(output_format, SBOM_NAME)
    return (request.dist_dir if request.from_dist else Path(".")) / name


def write_sbom(
    request: SbomRequest,
    spec_version: str,
    output_format: str,
    allow_missing_hashes: bool,
    output: Path | None,
    reporter: Reporter,
    source: InventorySource | None = None,
) -> SbomWritten:
    """Read the inventory (from ``source`` when the caller opened it already), render it
    (validated) and write it atomically to ``output`` (default: ``default_output``; ``-``:
    not written, the caller prints it)."""
    source = source or request.source()
    options = RenderOptions(
        spec_version, output_format.lower(), allow_missing_hashes, sbom_epoch(request)
    )
    result, rendered = make_sbom(request, options, reporter, source)
    target = output or default_output(request, options.output_format)
    if str(target) == "-":
        return SbomWritten(source.description, result, rendered, options, None)
    atomic_write_text(target, rendered.text)
    return SbomWritten(source.description, result, rendered, options, target)


def index_arguments(
    index_url: str | None,
    extra_index_urls: Sequence[str],
    find_links: Sequence[str],
    no_index: bool,
) -> tuple[str, ...]:
    """The index options of the command line as pip arguments."""
    args: list[str] = []
    if index_url:
        args += ["--index-url", index_url]
    for url in extra_index_urls:
        args += ["--extra-index-url", url]
    for link in find_links:
        args += ["--find-links", link]
    if no_index:
        args.append("--no-index")
    return tuple(args)
