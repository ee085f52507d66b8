"""release.json against its directory, beyond each file's sha256: nothing in the manifest is
signed, so every field it has must agree with what is there, or the release fails.

Each listed file's ``size`` (chainproof always writes it, and the ``project``); every file
of the directory is listed (the schema's contract); a ``signature`` or ``pep740-attestation``
names a listed file as its subject; the artifacts' file names carry the ``project``'s name
and version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainproof.formats.release_manifest import MANIFEST_NAME
from chainproof.verify.rollback import name_and_version

__all__ = ["manifest_problems"]

_SUBJECT_ROLES = ("signature", "pep740-attestation")


def manifest_problems(directory: Path, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(file, check, detail) for every disagreement; the sha256s are checked by the caller."""
    entries: list[dict[str, Any]] = data["files"]
    listed = {e["name"] for e in entries}
    problems = []
    for entry in entries:
        path = directory / entry["name"]
        size = entry.get("size")
        if size is None:
            problems.append((entry["name"], "manifest", "release.json gives no size"))
        elif path.is_file() and path.stat().st_size != size:
            detail = f"size is {path.stat().st_size}, release.json says {size}"
            problems.append((entry["name"], "manifest-digest", detail))
        if entry["role"] in _SUBJECT_ROLES and entry.get("subject") not in listed:
            detail = f"a {entry['role']} whose subject {entry.get('subject')!r} is not listed"
            problems.append((entry["name"], "manifest", detail))
    problems += [
        (p.name, "manifest", "in the release directory but not in release.json")
        for p in sorted(directory.iterdir())
        if p.name not in listed and p.name != MANIFEST_NAME and not p.is_symlink()
    ]
    project = data.get("project")
    if not isinstance(project, dict):
        problems.append((MANIFEST_NAME, "manifest", "release.json names no project"))
    else:
        want = (canonicalize_name(str(project.get("name"))), str(project.get("version")))
        for entry in entries:
            if entry["role"] != "artifact":
                continue
            got = name_and_version(entry["name"])
            if got is None or (canonicalize_name(got[0]), got[1]) != want:
                detail = f"is not a distribution of {project.get('name')} {project.get('version')}"
                problems.append((entry["name"], "manifest", detail))
    return problems
