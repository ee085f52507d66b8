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

__all__ = ["PinnedRequirement", "index_options", "parse_requirements"]

_HASH = re.compile(r"\s--hash[=\s]+(\S+)")
_VIA = re.compile(r"^\s+#\s+(?:via\s+)?(.*)$")


@dataclass
class PinnedRequirement:
    requirement: Requirement
    version: str
    hashes: list[str]
    line: str
    via: list[str] = field(default_factory=list)

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
    for _, line, _ in _logical_lines(path):
        words = line.replace("=", " ", 1).split() if line.startswith("--") else line.split()
        if words[0] not in _INDEX_OPTIONS:
            continue
        if words[0] in ("-f", "--find-links") and len(words) > 1 and "://" not in words[1]:
            local = path.parent / words[1]
            words[1] = str(local.resolve()) if local.exists() else words[1]
        args += words[:2]
    return args


def parse_requirements(path: Path, seen: set[Path] | None = None) -> list[PinnedRequirement]:
    """Parse a hash-pinned requirements file (and its -r includes)."""
    seen = seen if seen is not None else set()
    if path.resolve() in seen:
        return []
    seen.add(path.resolve())
    pins: list[PinnedRequirement] = []
    for number, line, comments in _logical_lines(path):
        where = f"{path}, line {number}"
        words = line.replace("=", " ", 1).split() if line.startswith("--") else line.split()
        if words[0] in ("-r", "--requirement"):
            if len(words) < 2:
                raise InputError(f"{where}: {words[0]} names no file.")
            pins += parse_requirements(path.parent / words[1], seen)
            continue
        if words[0] in ("-e", "--editable"):
            if len(words) > 1 and _is_project(words[1], path):
                continue  # ``-e .``: the project itself
            raise InputError(
                f"{where}: the editable requirement {' '.join(words[1:2])} cannot be pinned "
                "by hash, so chainproof cannot say what it installs.",
                "Export without editable installs (e.g. `uv export --no-editable`), or pin it "
                "by name, version and --hash.",
            )
        if words[0].startswith("-"):
            continue  # -c constraints add nothing; index options matter only to pip
        hashes = _HASH.findall(line)
        spec = _HASH.sub("", line).strip()
        if spec.startswith((".", "/")):
            if _is_project(spec.split(";")[0].strip(), path):
                continue
            raise InputError(
                f"{where}: the local path {spec.split()[0]} is not a pinned distribution.",
                "Pin it by name, version and --hash (`name @ file:///... --hash=sha256:...`).",
            )
        if "://" in spec.split(";")[0] and " @ " not in spec:
            raise InputError(
                f"{where}: the URL requirement names no package.",
                "Write it as `name @ URL --hash=sha256:...`.",
            )
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            raise InputError(f"{where} is not a valid requirement: {first_line(exc)}.") from exc
        if req.url and not hashes:
            raise InputError(
                f"{where}: {req.name} @ {req.url} has no --hash, so chainproof cannot say "
                "which file it installs.",
                "Add --hash=sha256:... for the file at that URL.",
            )
        pinned = [s.version for s in req.specifier if s.operator in ("==", "===")]
        if req.url and hashes:  # a direct reference pinned by its hash
            pinned = [_url_version(req.url)]
        if not pinned or "*" in pinned[0]:
            raise InputError(
                f"{where}: {req.name} is not pinned to one version with ==.",
                "Generate the file with hashes, e.g. `uv pip compile "
                "--generate-hashes` or `pip-compile --generate-hashes`.",
            )
        via = []
        for comment in comments:
            match = _VIA.match(comment)
            if match and (name := match[1].strip()) and name != "via":
                via.append(name)
        pins.append(PinnedRequirement(req, pinned[0], hashes, line, via))
    return pins


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
