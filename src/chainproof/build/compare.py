"""Compare two builds of the same artifacts and say where they first differ."""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from chainproof.fileio import CHUNK_SIZE, sha256_file

__all__ = ["Difference", "compare_archives", "compare_builds"]


@dataclass(frozen=True)
class Difference:
    """How one artifact differs between two builds; ``member`` is the first differing file
    inside an archive, when there is one."""

    artifact: str
    detail: str
    member: str | None = None

    def sentence(self) -> str:
        where = f", first at member {self.member}" if self.member else ""
        return f"{self.artifact} differs between the two builds{where} ({self.detail})"

    def to_json(self) -> dict[str, str | None]:
        return {"artifact": self.artifact, "member": self.member, "detail": self.detail}


_Member = tuple[str, tuple[object, ...], str]  # name, metadata, sha256 of the content


def _digest(stream: IO[bytes] | None) -> str:
    digest = hashlib.sha256()
    if stream is not None:
        with stream:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
    return digest.hexdigest()


def _zip_members(path: Path) -> Iterator[_Member]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            meta = (info.date_time, info.external_attr, info.compress_type, info.file_size)
            yield info.filename, meta, _digest(archive.open(info))


def _tar_members(path: Path) -> Iterator[_Member]:
    with tarfile.open(path, "r:*") as archive:
        for info in archive:
            meta = (
                info.type,
                info.mode,
                info.uid,
                info.gid,
                info.uname,
                info.gname,
                info.mtime,
                info.size,
                info.linkname,
            )
            yield info.name, meta, _digest(archive.extractfile(info) if info.isfile() else None)


def compare_archives(name: str, first: Path, second: Path) -> Difference:
    """Name the first member (in the first build's order) whose content, metadata or
    position differs; fall back to the archive's own framing."""
    if name.endswith(".whl") or name.endswith(".zip"):
        reader = _zip_members
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        reader = _tar_members
    else:
        return Difference(name, "sha256 differs")
    try:
        a, b = list(reader(first)), list(reader(second))
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        return Difference(name, f"sha256 differs; the archive cannot be read: {exc}")
    b_by_name = {member: (meta, data) for member, meta, data in b}
    for index, (member, meta, data) in enumerate(a):
        if member not in b_by_name:
            return Difference(name, "missing from the second build", member)
        other_meta, other_data = b_by_name[member]
        if data != other_data:
            return Difference(name, "content differs", member)
        if meta != other_meta:
            return Difference(name, "file metadata (time, mode or owner) differs", member)
        if index >= len(b) or b[index][0] != member:
            return Difference(name, "member order differs", member)
    a_names = {member for member, _, _ in a}
    for member, _, _ in b:
        if member not in a_names:
            return Difference(name, "only in the second build", member)
    return Difference(name, "same members; the archive framing (headers, compression) differs")


def compare_builds(first: dict[str, Path], second: dict[str, Path]) -> tuple[Difference, ...]:
    """Compare artifacts by file name and sha256; archives are opened to find the member."""
    differences = []
    for name in sorted(set(first) | set(second)):
        if name not in second:
            differences.append(Difference(name, "only the first build produced it"))
        elif name not in first:
            differences.append(Difference(name, "only the second build produced it"))
        elif sha256_file(first[name]) != sha256_file(second[name]):
            differences.append(compare_archives(name, first[name], second[name]))
    return tuple(differences)
