"""What every SBOM format writes of one inventory, decided once: the components in order, each
with a reference unique in the document, the hash check, and the dependency edges.

CycloneDX and SPDX render the same ``SbomPlan``, so their documents carry the same components,
versions, hashes and edges (``tests/sbom/test_spdx.py`` compares them).

- references: the purl for the runtime closure, ``build:<purl>`` for the build environment; two
  files of one name and version (the sdist's and the wheel's build environment) both stay, told
  apart by ``#`` and the first 16 digits of the file's hash (and a counter if those agree too);
- ``edges``: reference → the references it depends on, for each runtime component (the last of
  a name wins, as in the graph, which is keyed by name) and the root; the root depends on the
  graph's roots unless the graph gives the root's own edges;
- components without a sha256 are an error naming them, unless ``allow_missing_hashes`` (then
  they are ``missing`` and a warning is returned).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chainproof.errors import InputError
from chainproof.models import Component, ComponentDetails, SourceResult

__all__ = ["PlannedComponent", "RenderOptions", "Rendered", "SbomPlan", "plan_sbom", "purl_for"]


@dataclass(frozen=True)
class RenderOptions:
    spec_version: str = "1.6"
    output_format: str = "json"  # json | xml (CycloneDX) | spdx-json
    allow_missing_hashes: bool = False
    timestamp: int | None = None  # seconds since the epoch; None = now


@dataclass(frozen=True)
class Rendered:
    text: str
    warnings: tuple[str, ...]
    components: int


def purl_for(component: Component) -> str:
    """``pkg:pypi/<name>@<version>`` with the PEP 503 name (``Component.purl``).

    The purl spec asks for lower case and ``_`` → ``-``; the PEP 503 form also folds ``.``, so
    a lock file (which stores normalised names) and package metadata (``boolean.py``) give the
    same purl."""
    return component.purl if component.version else f"pkg:pypi/{component.key}"


@dataclass(frozen=True)
class PlannedComponent:
    component: Component
    ref: str
    details: ComponentDetails | None
    missing: bool  # no sha256 (allowed by allow_missing_hashes)

    def sha256s(self) -> list[str]:
        return [d.value for d in self.component.hashes if d.algorithm == "sha256"]


@dataclass(frozen=True)
class SbomPlan:
    components: tuple[PlannedComponent, ...]  # in Component.sort_key order
    root: PlannedComponent | None  # the release, its ref its purl
    artifacts: tuple[tuple[str, str], ...]  # the release's files: (name, sha256)
    edges: tuple[tuple[str, tuple[str, ...]], ...]  # ref → refs; runtime and root only
    properties: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]

    @property
    def build_only(self) -> tuple[PlannedComponent, ...]:
        return tuple(p for p in self.components if p.component.build_only)


def _check_hashes(components: Iterable[Component], allow: bool) -> tuple[set[Component], list[str]]:
    missing = {c for c in components if not any(d.algorithm == "sha256" for d in c.hashes)}
    if not missing:
        return missing, []
    names = ", ".join(sorted(f"{c.name} {c.version}".strip() for c in missing))
    if not allow:
        raise InputError(
            f"{len(missing)} component(s) have no sha256: {names}.",
            "Pin them with hashes, or pass --allow-missing-hashes to mark them.",
        )
    return missing, [f"{len(missing)} component(s) have no sha256 and are marked: {names}."]


def plan_sbom(result: SourceResult, allow_missing_hashes: bool) -> SbomPlan:
    inventory = result.inventory
    missing, warnings = _check_hashes(inventory.components, allow_missing_hashes)
    planned: list[PlannedComponent] = []
    refs: set[str] = set()
    by_key: dict[str, str] = {}
    for component in sorted(set(inventory.components), key=Component.sort_key):
        ref = ("build:" if component.build_only else "") + purl_for(component)
        if ref in refs:
            digest = component.hashes[0].value[:16] if component.hashes else str(len(refs))
            base, ref, count = ref, f"{ref}#{digest}", 2
            while ref in refs:
                ref, count = f"{base}#{digest}.{count}", count + 1
        refs.add(ref)
        planned.append(
            PlannedComponent(component, ref, result.details.get(component), component in missing)
        )
        if not component.build_only:
            by_key[component.key] = ref
    root = None
    graph_edges = dict(inventory.graph.edges)
    if inventory.root is not None:
        root = PlannedComponent(
            inventory.root, purl_for(inventory.root), result.details.get(inventory.root), False
        )
        by_key[inventory.root.key] = root.ref
        if inventory.root.key not in graph_edges:
            graph_edges[inventory.root.key] = tuple(
                k for k in inventory.graph.roots if k != inventory.root.key
            )
    edges = tuple(
        (ref, tuple(by_key[d] for d in graph_edges.get(key, ()) if d in by_key))
        for key, ref in by_key.items()
    )
    return SbomPlan(
        tuple(planned),
        root,
        result.artifacts if root is not None else (),
        edges,
        result.properties,
        tuple(warnings),
    )
