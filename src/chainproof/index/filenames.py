"""The version in a distribution file's name, for the simple-API pages' file lists.

Ours rather than pypi-simple's ``parse_filename`` because of what it costs to load: a JSON page
is read with json alone (:mod:`chainproof.index.client`), and importing pypi-simple for its
filename parser took ~0.2 s (bs4, soupsieve, arrow) of a command that otherwise needs none of
it. Wheels and sdists, nearly every file of a modern page, follow their specifications'
grammar here; anything older (eggs, wininst, msi, dumb) still goes to pypi-simple, imported
only then. tests/index/test_filenames.py checks both give the same answers.
"""

from __future__ import annotations

import functools
import re

from packaging.version import VERSION_PATTERN

__all__ = ["file_version"]

# pypi-simple's ARCHIVE_EXT, longest first
_SDIST_SUFFIXES = (
    ".tar.lzma", ".tar.bz2", ".tar.gz", ".tar.lz", ".tar.xz", ".tar.Z",
    ".tar", ".tbz", ".tgz", ".tlz", ".txz", ".zip",
)  # fmt: skip


_PEP440 = re.compile(VERSION_PATTERN, re.VERBOSE | re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _project_prefix(project: str) -> re.Pattern[str]:
    """The project's name as a file name may spell it (any case, any run of - _ . between its
    words), then the dash before the version."""
    words = [re.escape(w) for w in re.split(r"[-_.]+", project) if w]
    return re.compile("[-_.]+".join(words) + "-", re.IGNORECASE)


def file_version(filename: str, project: str) -> str | None:
    """The version as the file name spells it, or None when it cannot be read."""
    if filename.endswith(".whl"):  # name-version(-build)?-python-abi-platform.whl
        parts = filename[:-4].split("-")
        return parts[1] if len(parts) in (5, 6) and parts[1] else None
    for suffix in _SDIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            match = _project_prefix(project).match(stem)
            rest = stem[match.end() :] if match is not None else ""
            if _PEP440.fullmatch(rest):  # else an old bdist's "1.0.linux-x86_64": the old grammar
                return rest
            break
    import pypi_simple
    from pypi_simple.filenames import parse_filename

    try:
        return parse_filename(filename, project)[1]
    except pypi_simple.UnparsableFilenameError:
        return None
