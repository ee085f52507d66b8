"""Helpers shared by the lock-file sources (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from chainproof.errors import InputError
from chainproof.models import DependencyGraph, Digest, root_cover
from chainproof.sbom.target import TargetPlatform


@dataclass(frozen=True)
class UvLockFile:
    filename: str
    url: str | None
    sha256: str | None


def digests(sha256: str | None, origin: str) -> tuple[Digest, ...]:
    if not sha256:
        return ()
    try:
        return (Digest.sha256(sha256),)
    except InputError as exc:
        raise InputError(f"{origin} has an invalid sha256 {sha256!r}.") from exc


class _File(Protocol):
    @property
    def filename(self) -> str: ...


_F = TypeVar("_F", bound=_File)


def pick_file(wheels: Iterable[_F], sdist: _F | None, target: TargetPlatform) -> _F | None:
    """The file an installer picks for ``target``: the best-ranked wheel, else the sdist
    (``UvLockFile`` of uv.lock, or packaging.pylock's wheel and sdist entries)."""
    ranked = [
        (rank, w.filename, w) for w in wheels if (rank := target.wheel_rank(w.filename)) is not None
    ]
    if ranked:
        return min(ranked, key=lambda item: (item[0], item[1]))[2]
    return sdist


def explicit_graph(
    edges: Mapping[str, Iterable[str]], nodes: Iterable[str], roots: Iterable[str] | None
) -> DependencyGraph:
    """A graph from edges a lock records, restricted to ``nodes``; roots default to the
    nodes nothing depends on (and one node of each cycle nothing else depends on)."""
    keep = set(nodes)
    pruned = {k: tuple(sorted({d for d in v if d in keep})) for k, v in edges.items() if k in keep}
    pruned = {k: v for k, v in pruned.items() if v}
    if roots is None:
        roots = root_cover(pruned, keep)
    return DependencyGraph(
        roots=tuple(sorted(set(roots) & keep)), edges=tuple(sorted(pruned.items()))
    )
