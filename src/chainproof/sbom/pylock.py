"""PEP 751 ``pylock.toml``: selection for the target via ``packaging.pylock``.

Packages are selected as an installer would (markers with the lock's extras and dependency
groups, ``requires-python``, best wheel for the target's tags, else the sdist). Edges come
from ``packages.dependencies`` when the lock records them; otherwise a MetadataProvider (if
given) supplies Requires-Dist, and without one the graph has no edges and a warning says so.
Licences come from that metadata too; ``licenses`` fetches it even when the lock has edges.
A directory package at ``.`` is the project itself and becomes the inventory root.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.pylock import (
    PackageDirectory,
    PackageSdist,
    PackageVcs,
    PackageWheel,
    Pylock,
    PylockSelectError,
    PylockUnsupportedVersionError,
    PylockValidationError,
)
from packaging.utils import canonicalize_name

from chainproof.errors import InputError, UsageError, first_line
from chainproof.fileio import load_toml
from chainproof.models import Component, Inventory, SourceResult
from chainproof.progress import Reporter
from chainproof.sbom._common import digests, explicit_graph, pick_file
from chainproof.sbom.index_metadata import IndexMetadata
from chainproof.sbom.resolve import MetadataProvider, graph_from_metadata, with_licenses
from chainproof.sbom.sources import SourceOptions
from chainproof.sbom.target import TargetPlatform

__all__ = ["PylockSource"]


@dataclass
class PylockSource:
    path: Path
    extras: Collection[str] = ()
    groups: Collection[str] | None = None
    metadata: MetadataProvider | None = None
    licenses: bool = False
    # Every package the lock names, whatever its marker (the audit: each ships somewhere);
    # the file of each is picked for ``target`` when one fits, else none is recorded.
    every_package: bool = False

    @property
    def description(self) -> str:
        return f"pylock file {self.path}"

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        data = load_toml(self.path, "pylock file")
        try:
            lock = Pylock.from_dict(data)
        except PylockUnsupportedVersionError as exc:
            raise InputError(
                f"{self.path} has lock-version {data.get('lock-version')!r}; "
                "chainproof reads PEP 751 lock-version 1.x."
            ) from exc
        except PylockValidationError as exc:
            raise InputError(f"{self.path} is not a valid pylock file: {first_line(exc)}.") from exc
        unknown = sorted({canonicalize_name(e) for e in self.extras} - set(lock.extras or ()))
        groups = set(self.groups or ()) - set(lock.dependency_groups or ())
        if unknown or groups:
            raise UsageError(
                f"{self.path} has no extra or dependency group {', '.join([*unknown, *groups])}."
            )
        try:
            selected = (
                [(package, _any_dist(package, target)) for package in lock.packages]
                if self.every_package
                else list(
                    lock.select(
                        environment=dict(target.environment),  # type: ignore[arg-type]
                        tags=target.tag_list,
                        extras=self.extras,
                        dependency_groups=self.groups,
                    )
                )
            )
        except PylockSelectError as exc:
            raise InputError(
                f"{self.path} cannot be installed on {target.description}: {first_line(exc)}."
            ) from exc
        root: Component | None = None
        components: list[Component] = []
        edges: dict[str, list[str]] = {}
        for package, dist in selected:
            if isinstance(dist, PackageDirectory) and Path(dist.path) in (Path("."), Path("")):
                root = Component(package.name, str(package.version or ""))
                continue
            version = str(package.version) if package.version is not None else ""
            filename = url = None
            sha256 = None
            if isinstance(dist, (PackageWheel, PackageSdist)):
                filename, url = dist.filename, dist.url
                sha256 = dist.hashes.get("sha256")
            elif dist is not None and not isinstance(dist, (PackageVcs, PackageDirectory)):
                url = dist.url
                sha256 = dist.hashes.get("sha256")
            if isinstance(dist, PackageVcs) and not version:
                version = dist.commit_id
            components.append(
                Component(
                    name=package.name,
                    version=version,
                    hashes=digests(sha256, f"{self.path} ({package.name})"),
                    filename=filename,
                    url=url,
                )
            )
            if package.dependencies is not None:
                edges[package.name] = [
                    canonicalize_name(str(d["name"])) for d in package.dependencies if "name" in d
                ]
        keys = [c.key for c in components]
        warnings: list[str] = []
        locked_graph = len(edges) == len(components) and bool(components)
        if self.metadata is not None and (self.licenses or not locked_graph):
            metadata = self.metadata.fetch(components, target, reporter)
            components = with_licenses(components, metadata)
        if locked_graph:
            graph = explicit_graph(edges, keys, None)
        elif self.metadata is not None:
            graph = graph_from_metadata(metadata, components, None, target)
        else:
            graph = explicit_graph({}, keys, None)
            warnings.append(f"{self.path} records no dependencies, so the SBOM has no graph.")
        if graph.edges:  # without edges nothing tells direct from transitive dependencies
            roots = set(graph.roots)
            components = [replace(c, direct=c.key in roots) for c in components]
        inventory = Inventory(root, tuple(sorted(components, key=Component.sort_key)), graph)
        return SourceResult(inventory, warnings=tuple(warnings))


def _any_dist(package: Any, target: TargetPlatform) -> Any:
    """The source of a package read without selecting for a target: its directory, VCS or
    archive, else its best wheel for ``target``, else its sdist, else None (a wheel-only
    package with no wheel for ``target``: its name and version are still listed)."""
    return (
        package.directory
        or package.vcs
        or package.archive
        or pick_file(package.wheels or (), package.sdist, target)
    )


def open_pylock(value: str | Path, options: SourceOptions) -> PylockSource:
    """The registry's factory (``chainproof.sbom.inputs``). Locks name each file: its metadata
    comes from the index in parallel (PEP 658), pip only reads what that cannot serve."""
    return PylockSource(
        Path(value),
        options.extras,
        options.groups or None,
        None if options.offline else IndexMetadata(options.index_args),
        licenses=options.with_metadata,
        every_package=options.every_package,
    )
