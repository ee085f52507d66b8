"""Dependency graph from Requires-Dist, with markers and extras evaluated for a target.

An edge A → B exists only when one of A's ``Requires-Dist`` entries names B and its marker
holds for the target with A's active extras. An extra of A is active when a requirement that
reaches A asks for it (``B[extra]``) or a root asks for it; extras are propagated to a fixpoint,
including an extra that asks for another extra of its own package (no self-loop is drawn).
With ``roots=()`` the roots are the nodes nothing requires, plus one node of each cycle that
nothing outside the cycle requires, so that every node is reached from a root.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from chainproof.errors import InputError, first_line
from chainproof.models import DependencyGraph, root_cover
from chainproof.sbom.target import TargetPlatform

__all__ = ["GraphResult", "requirement_graph", "root_cover"]


@dataclass(frozen=True)
class GraphResult:
    """The graph, the nodes reached from the starts, and requirements nobody provides."""

    graph: DependencyGraph
    reached: frozenset[str]
    extras: Mapping[str, frozenset[str]]
    unsatisfied: tuple[tuple[str, str], ...]  # (package key, requirement text)


def _parse_requirement(text: str, origin: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise InputError(
            f"{origin} has an invalid requirement {text!r}: {first_line(exc)}."
        ) from exc


def requirement_graph(
    requires: Mapping[str, Iterable[str]],
    starts: Iterable[tuple[str, Iterable[str]]],
    target: TargetPlatform,
    roots: Iterable[str] | None = None,
) -> GraphResult:
    """Walk ``requires`` (package key → Requires-Dist strings) from ``starts`` (key, extras).

    ``roots`` defaults to the start keys; pass ``()`` to use the nodes no edge points at.
    """
    parsed = {
        key: [_parse_requirement(r, f"The metadata of {key}") for r in reqs]
        for key, reqs in requires.items()
    }
    active: dict[str, set[str]] = {}
    edges: dict[str, set[str]] = {}
    unsatisfied: set[tuple[str, str]] = set()
    todo: list[str] = []
    start_keys: list[str] = []
    for key, extras in starts:
        key = canonicalize_name(key)
        start_keys.append(key)
        if key in parsed:
            active.setdefault(key, set()).update(canonicalize_name(e) for e in extras)
            todo.append(key)
    while todo:
        key = todo.pop()
        extras = ("", *sorted(active[key]))
        for req in parsed[key]:
            if not target.evaluate(req.marker, extras):
                continue
            dep = canonicalize_name(req.name)
            if dep not in parsed:
                unsatisfied.add((key, str(req)))
                continue
            if dep != key:  # ``pkg[all]`` asking for ``pkg[fast]`` activates, never loops
                edges.setdefault(key, set()).add(dep)
            wanted = {canonicalize_name(e) for e in req.extras}
            have = active.get(dep)
            if have is None or not wanted <= have:
                active.setdefault(dep, set()).update(wanted)
                todo.append(dep)
    if roots is None:
        root_keys = sorted(set(start_keys) & set(active))
    else:
        root_keys = sorted(canonicalize_name(r) for r in roots)
        if not root_keys:
            root_keys = root_cover(edges, active)
    graph = DependencyGraph(
        roots=tuple(root_keys),
        edges=tuple(sorted((k, tuple(sorted(v))) for k, v in edges.items())),
    )
    return GraphResult(
        graph,
        frozenset(active),
        {k: frozenset(v) for k, v in active.items()},
        tuple(sorted(unsatisfied)),
    )
