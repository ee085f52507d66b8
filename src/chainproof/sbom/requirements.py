"""Hash-pinned requirements files as an inventory source (the format itself is read by
formats/requirements.py).

Lines with markers that do not hold for the target are dropped. A requirements file lists
hashes without file names, so offline every listed sha256 is kept as a candidate; with
``resolve`` pip picks the exact file for the target (its sha256, name and URL) and supplies
the metadata. The graph comes from ``# via`` annotations when present, else from the packages'
metadata (``resolve``), else it has no edges (with a warning).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name

from chainproof.errors import InputError
from chainproof.fileio import filename_of
from chainproof.formats.requirements import (
    PinnedRequirement,
    index_options,
    parse_requirements,
    read_requirements,
)
from chainproof.models import (
    Component,
    ComponentDetails,
    DependencyGraph,
    Digest,
    Inventory,
    SourceResult,
)
from chainproof.progress import Reporter
from chainproof.sbom._common import explicit_graph
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.index_pick import effective_options, index_urls, pick_from_index
from chainproof.sbom.metadata import resolve_license
from chainproof.sbom.resolve import ResolvedPackage, resolve
from chainproof.sbom.sources import SourceOptions
from chainproof.sbom.target import TargetPlatform

__all__ = ["RequirementsSource"]


@dataclass
class RequirementsSource:
    path: Path
    resolve: bool = False
    index_args: Sequence[str] = ()
    # The audit: every pin whatever its marker (it ships somewhere), and the lines that pin
    # nothing listed as unchecked rather than refused.
    every_package: bool = False
    fast: bool = True  # pick files from the index's pages where they settle it (not pip)

    @property
    def description(self) -> str:
        return f"requirements file {self.path}"

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        unchecked: tuple[tuple[str, str], ...] = ()
        if self.every_package:  # the audit: lines that pin nothing are for its pins check
            read = read_requirements(self.path)
            pins = read.pins
            unchecked = tuple(
                (p.name or p.reference or p.where, "it is not pinned to one version")
                for p in read.problems
            )
        else:
            pins = [
                p for p in parse_requirements(self.path) if target.evaluate(p.requirement.marker)
            ]
        by_key = {p.key: p for p in pins}
        components = []
        for pin in pins:
            try:
                hashes = tuple(
                    sorted({Digest.parse(h) for h in pin.hashes if h.startswith("sha256:")})
                )
            except InputError as exc:
                raise InputError(f"{self.path}: {pin.requirement.name} has a bad hash.") from exc
            url = pin.requirement.url
            components.append(
                Component(
                    pin.requirement.name,
                    pin.version,
                    hashes,
                    filename_of(url) if url else None,
                    url,
                )
            )
        warnings: list[str] = []
        has_via = any(p.via for p in pins)
        graph: DependencyGraph | None = None
        if has_via:
            edges: dict[str, list[str]] = {}
            roots = []
            for pin in pins:
                for name in pin.via:
                    key = canonicalize_name(name.split()[0])
                    if key in by_key and not name.startswith("-"):
                        edges.setdefault(key, []).append(pin.key)
                    else:
                        roots.append(pin.key)  # "-r file" or "project (pyproject.toml)"
            graph = explicit_graph(edges, by_key, roots or None)
        if self.resolve:
            components, graph = self._resolved(pins, components, graph, target, reporter)
        if graph is None:
            graph = explicit_graph({}, by_key, None)
            warnings.append(f"{self.path} has no '# via' annotations, so the SBOM has no graph.")
        elif graph.edges:
            components = [replace(c, direct=c.key in graph.roots) for c in components]
        # Unresolved, a pin keeps every listed hash (any of those files may be installed):
        # a property says so, so that nobody reads them as hashes of one file.
        details = {
            c: ComponentDetails(properties=(("chainproof:hash:candidates", str(len(c.hashes))),))
            for c in components
            if len(c.hashes) > 1
        }
        return SourceResult(
            Inventory(None, tuple(sorted(components, key=Component.sort_key)), graph),
            details,
            tuple(warnings),
            unchecked=unchecked,
        )

    def _from_pip(
        self,
        pins: Sequence[PinnedRequirement],
        target: TargetPlatform,
        file_options: list[str],
        reporter: Reporter,
    ) -> dict[str, ResolvedPackage]:
        """pip picks the exact file per pin (hash-checked) and reads the metadata."""
        with tempfile.TemporaryDirectory(prefix="chainproof-req-") as tmp:
            pinned = Path(tmp) / "requirements.txt"
            pinned.write_text(
                "".join(
                    (
                        f"{p.requirement.name} @ {p.requirement.url} "
                        if p.requirement.url
                        else f"{p.requirement.name}=={p.version} "
                    )
                    + " ".join(f"--hash={h}" for h in p.hashes)
                    + "\n"
                    for p in pins
                ),
                encoding="utf-8",
            )
            return {
                r.key: r
                for r in resolve(
                    ["-r", str(pinned)],
                    target,
                    [*file_options, *self.index_args],
                    reporter,
                    no_deps=True,
                )
            }

    def _resolved(
        self,
        pins: list[PinnedRequirement],
        components: list[Component],
        graph: DependencyGraph | None,
        target: TargetPlatform,
        reporter: Reporter,
    ) -> tuple[list[Component], DependencyGraph]:
        """The exact file per pin (hash-checked) and its metadata: from the index's pages
        where they settle it (sbom.index_pick), else from pip."""
        file_options = index_options(self.path)
        indexes = index_urls(effective_options(file_options, self.index_args))
        found: dict[str, ResolvedPackage] = {}
        left: Sequence[PinnedRequirement] = pins
        if indexes is not None and self.fast:
            from_index = pick_from_index(pins, target, indexes, reporter)
            found, left = dict(from_index.found), from_index.rest
        if left:
            found |= self._from_pip(left, target, file_options, reporter)
        out = []
        for component in components:
            picked = found.get(component.key)
            if picked is None:
                out.append(component)
                continue
            expression, names = resolve_license(picked.metadata)
            # The SBOM claims the picked file's hash only: never another listed file's hash
            # beside its name and URL. No hash reported means none is claimed (the run then
            # fails naming it, or marks it with --allow-missing-hashes).
            hashes = (Digest.sha256(picked.sha256),) if picked.sha256 else ()
            if hashes and component.hashes and hashes[0] not in component.hashes:
                raise InputError(
                    f"{self.path}: {picked.filename} was picked for {component.name}, whose "
                    "sha256 is none of the hashes the file lists."
                )
            out.append(
                replace(
                    component,
                    hashes=hashes,
                    filename=picked.filename,
                    url=picked.url,
                    license_expression=expression,
                    license_names=names,
                )
            )
        if graph is None:
            requires = {
                k: found[k].metadata.requires_dist if k in found else ()
                for k in (c.key for c in components)
            }
            graph = requirement_graph(requires, [(k, ()) for k in requires], target, roots=()).graph
        return out, graph


def open_requirements(value: str | Path, options: SourceOptions) -> RequirementsSource:
    """The registry's factory (``chainproof.sbom.inputs``): resolved through the index unless
    offline."""
    return RequirementsSource(
        Path(value), not options.offline, options.index_args, every_package=options.every_package
    )
