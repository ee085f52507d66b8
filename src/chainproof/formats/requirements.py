"""Hash-pinned requirements files (pip-compile, ``uv export``, hand-written with --hash): the
pins, their hashes and ``# via`` annotations, and the file's own index options.

Every requirement must be pinned with ``==`` (or ``===``), or be ``name @ URL`` with a hash;
``-r`` includes are followed, ``-c`` constraints add nothing. ``-e .`` (or ``.``) is the
project itself and is skipped; any other editable or local-path line, a URL without a name,
and a URL without a hash cannot be pinned, and are an error rather than a pin left out.
Markers are kept on each pin for the reader to evaluate.

Each requirement is parsed by packaging's ``Requirement``; only the line reader (comments,
continuations, options, ``--hash``, ``-r``) is ours. pip's own parser is internal
(``pip._internal``, no stable API), and pip-requirements-parser is a vendored copy of it that
keeps every line but checks none of what a hash-pinned file must hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from chainproof.errors import InputError, first_line
from chainproof.fileio import filename_of
from chainproof.redact import strip_credentials

__all__ = [
    "IndexOption",
    "LineProblem",
    "PinnedRequirement",
    "RequirementsFile",
    "index_options",
    "parse_requirements",
    "read_requirements",
]

_HASH = re.compile(r"\s--hash[=\s]+(\S+)")
_VIA = re.compile(r"^\s+#\s+(?:via\s+)?(.*)$")
_VCS = ("git+", "hg+", "svn+", "bzr+")


@dataclass
class PinnedRequirement:
    requirement: Requirement
    version: str
    hashes: list[str]
    line: str
    via: list[str] = field(default_factory=list)
    where: str = ""  # "<file>, line N"

    @property
    def key(self) -> str:
        return canonicalize_name(self.requirement.name)


def _logical_lines(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line number, logical line, following comment lines) with continuations joined."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"The requirements file {path} does not exist.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the requirements file {path}: {exc}.") from exc
    out: list[tuple[int, str, list[str]]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not buffer and stripped.startswith("#"):
            if out:
                out[-1][2].append(raw)
            continue
        if not buffer:
            start = number
        content = re.split(r"(^|\s)#", raw, maxsplit=1)[0].rstrip()
        if content.endswith("\\"):
            buffer += content[:-1] + " "
            continue
        buffer += content
        if buffer.strip():
            out.append((start, buffer.strip(), []))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip(), []))
    return out


_INDEX_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-index",
    "--trusted-host",
)


def index_options(path: Path) -> list[str]:
    """The file's own index options (``--index-url`` ...), as pip arguments; relative
    ``--find-links`` paths are taken relative to the file."""
    args: list[str] = []
    for option in read_requirements(path, follow=False).options:
        value = option.value
        if option.option in ("-f", "--find-links") and value and "://" not in value:
            local = path.parent / value
            value = str(local.resolve()) if local.exists() else value
        args += [option.option, *([value] if value is not None else [])]
    return args


@dataclass(frozen=True)
class LineProblem:
    """A line that pins nothing exactly: ``rule`` is ``unpinned`` (no ``==``), ``direct``
    (a URL, VCS or path requirement that cannot be pinned by hash) or ``editable``."""

    where: str  # "<file>, line N"
    name: str | None  # the package, when the line names one
    rule: str
    message: str
    hint: str
    reference: str | None = None  # the URL or path of a direct or editable requirement
    specifier: str = ""  # what an unpinned line asks for (">=2")


@dataclass(frozen=True)
class IndexOption:
    option: str  # --index-url, --extra-index-url, --find-links, --no-index, --trusted-host
    value: str | None
    where: str


@dataclass
class RequirementsFile:
    """Everything a requirements file (and its -r includes) says: the exact pins, the lines
    that pin nothing exactly, and the index options, each with where it was written."""

    pins: list[PinnedRequirement] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    options: list[IndexOption] = field(default_factory=list)


def read_requirements(
    path: Path, seen: set[Path] | None = None, *, follow: bool = True
) -> RequirementsFile:
    """Read a requirements file without judging it: unpinned and direct lines are kept as
    problems (for the audit's checks) instead of raised. ``follow``: -r includes too."""
    seen = seen if seen is not None else set()
    found = RequirementsFile()
    if path.resolve() in seen:
        return found
    seen.add(path.resolve())
    for number, line, comments in _logical_lines(path):
        where = f"{path}, line {number}"
        words = line.replace("=", " ", 1).split() if line.startswith("--") else line.split()
        if words[0] in ("-r", "--requirement"):
            if len(words) < 2:
                raise InputError(f"{where}: {words[0]} names no file.")
            if not follow:
                continue
            included = read_requirements(path.parent / words[1], seen)
            found.pins += included.pins
            found.problems += included.problems
            found.options += included.options
            continue
        if words[0] in ("-e", "--editable"):
            if len(words) > 1 and _is_project(words[1], path):
                continue  # ``-e .``: the project itself
            found.problems.append(
                LineProblem(
                    where,
                    None,
                    "editable",
                    f"{where}: the editable requirement {' '.join(words[1:2])} cannot be "
                    "pinned by hash, so chainproof cannot say what it installs.",
                    "Export without editable installs (e.g. `uv export --no-editable`), or "
                    "pin it by name, version and --hash.",
                    reference=words[1] if len(words) > 1 else None,
                )
            )
            continue
        if words[0] in _INDEX_OPTIONS:
            found.options.append(IndexOption(words[0], words[1] if len(words) > 1 else None, where))
            continue
        if words[0].startswith("-"):
            continue  # -c constraints add nothing
        read = _requirement(where, line, comments, path)
        if isinstance(read, LineProblem):
            found.problems.append(read)
        elif read is not None:
            found.pins.append(read)
    return found


def _requirement(
    where: str, line: str, comments: list[str], path: Path
) -> PinnedRequirement | LineProblem | None:
    """A pin, a problem, or None for the project's own line (``.``)."""
    hashes = _HASH.findall(line)
    spec = _HASH.sub("", line).strip()
    if spec.startswith((".", "/")):
        local = spec.split(";")[0].strip()
        if _is_project(local, path):
            return None
        return LineProblem(
            where,
            None,
            "direct",
            f"{where}: the local path {spec.split()[0]} is not a pinned distribution.",
            "Pin it by name, version and --hash (`name @ file:///... --hash=sha256:...`).",
            reference=local,
        )
    if "://" in spec.split(";")[0] and " @ " not in spec:
        return LineProblem(
            where,
            None,
            "direct",
            f"{where}: the URL requirement names no package.",
            "Write it as `name @ URL --hash=sha256:...`.",
            reference=strip_credentials(spec.split(";")[0].strip()),
        )
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        raise InputError(f"{where} is not a valid requirement: {first_line(exc)}.") from exc
    if req.url and (not hashes or req.url.startswith(_VCS)):
        shown = strip_credentials(req.url)
        return LineProblem(
            where,
            req.name,
            "direct",
            f"{where}: {req.name} @ {shown} has no --hash, so chainproof cannot say "
            "which file it installs."
            if not hashes
            else f"{where}: {req.name} is a VCS requirement ({shown}), which no hash pins.",
            "Add --hash=sha256:... for the file at that URL."
            if not hashes
            else "Depend on a released version from an index instead.",
            reference=req.url,
        )
    pinned = [s.version for s in req.specifier if s.operator in ("==", "===")]
    if req.url and hashes:  # a direct reference pinned by its hash
        pinned = [_url_version(req.url)]
    if not pinned or "*" in pinned[0]:
        return LineProblem(
            where,
            req.name,
            "unpinned",
            f"{where}: {req.name} is not pinned to one version with ==.",
            "Generate the file with hashes, e.g. `uv pip compile "
            "--generate-hashes` or `pip-compile --generate-hashes`.",
            specifier=str(req.specifier),
        )
    via = []
    for comment in comments:
        match = _VIA.match(comment)
        if match and (name := match[1].strip()) and name != "via":
            via.append(name)
    return PinnedRequirement(req, pinned[0], hashes, line, via, where)


def parse_requirements(path: Path) -> list[PinnedRequirement]:
    """Parse a hash-pinned requirements file (and its -r includes); a line that pins nothing
    exactly is an InputError."""
    found = read_requirements(path)
    if found.problems:
        first = found.problems[0]
        raise InputError(first.message, first.hint)
    return found.pins


def _is_project(target: str, path: Path) -> bool:
    """Does a path line (``.``, ``-e .``) name the project the file belongs to?"""
    local = Path(target.removeprefix("file://"))
    where = local if local.is_absolute() else path.parent / local
    return local == Path(".") or where.resolve() in (path.parent.resolve(), Path.cwd())


def _url_version(url: str) -> str:
    """The version in a direct reference's file name ("" when it has none)."""
    name = filename_of(url) or ""
    try:
        if name.endswith(".whl"):
            return str(parse_wheel_filename(name)[1])
        return str(parse_sdist_filename(name)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return ""
