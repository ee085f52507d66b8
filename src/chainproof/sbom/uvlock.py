"""``uv.lock`` (version 1): the project's runtime closure for the target, from the lock's graph.

The root is the project (source ``editable``/``virtual`` at ``.``, or the only such package).
From it, ``dependencies`` and, for requested extras, ``optional-dependencies`` are followed
with each edge's ``marker`` evaluated for the target; dev dependencies are not runtime and are
left out unless ``groups`` names them. uv.lock carries no licences: with a MetadataProvider
the packages' metadata supplies them. Each package's file is the best wheel for the target's
tags, else its sdist; the component carries that file's sha256, name and URL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from chainproof.errors import InputError, UsageError, first_line
from chainproof.fileio import filename_of, load_toml
from chainproof.models import Component, Inventory, SourceResult
from chainproof.progress import Reporter
from chainproof.sbom._common import (
    UvLockFile,
    digests,
    explicit_graph,
    pick_file,
)
from chainproof.sbom.index_metadata import IndexMetadata
from chainproof.sbom.resolve import MetadataProvider, with_licenses
from chainproof.sbom.sources import SourceOptions
from chainproof.sbom.target import TargetPlatform

__all__ = ["UvLockSource"]

_LOCAL = ("editable", "virtual", "directory")


def _check_names(kind: str, asked: Collection[str], known: Any, project: dict[str, Any]) -> None:
    unknown = sorted({canonicalize_name(a) for a in asked} - {canonicalize_name(k) for k in known})
    if unknown:
        raise UsageError(f"{project['name']} has no {kind} {', '.join(unknown)} in the lock.")


def _file(entry: Any, origin: str) -> UvLockFile:
    if not isinstance(entry, dict):
        raise InputError(f"{origin} has a file entry that is not a table.")
    url, path = entry.get("url"), entry.get("path")
    name = entry.get("filename") or filename_of(url, path)
    hash_value = str(entry.get("hash", ""))
    sha256 = hash_value.split(":", 1)[1] if hash_value.startswith("sha256:") else None
    return UvLockFile(str(name or ""), url, sha256)


@dataclass
class UvLockSource:
    path: Path
    extras: Collection[str] = ()
    groups: Collection[str] = ()
    metadata: MetadataProvider | None = None
    # Every package the lock pins, for any target, extra or group (the audit: each ships
    # somewhere); edges are then every dependency the lock records, markers not evaluated.
    every_package: bool = False

    @property
    def description(self) -> str:
        return f"uv lock file {self.path}"

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        data = load_toml(self.path, "uv lock file")
        version = data.get("version")
        if version != 1:
            raise InputError(
                f"{self.path} has lock version {version!r}; chainproof reads uv.lock version 1."
            )
        packages = data.get("package")
        if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
            raise InputError(f"{self.path} is not a valid uv lock file (no [[package]] tables).")
        try:
            return self._walk(packages, target, reporter)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"{self.path} is not a valid uv lock file (bad or missing {exc})."
            ) from exc

    def _marker(self, text: str | None) -> Marker | None:
        try:
            return Marker(text) if text else None
        except InvalidMarker as exc:
            raise InputError(
                f"{self.path} has an invalid marker {text!r}: {first_line(exc)}."
            ) from exc

    def _find(
        self, by_name: dict[str, list[dict[str, Any]]], dep: dict[str, Any], target: TargetPlatform
    ) -> dict[str, Any]:
        candidates = by_name.get(canonicalize_name(dep["name"]), [])
        if "version" in dep:
            candidates = [p for p in candidates if str(p.get("version")) == str(dep["version"])]
        if len(candidates) > 1:
            fitting = [
                p
                for p in candidates
                if any(
                    target.evaluate(self._marker(m))
                    for m in p.get("resolution-markers", ["python_version > '0'"])
                )
            ]
            candidates = fitting or candidates
        if not candidates:
            raise InputError(f"{self.path} refers to {dep['name']!r}, which it does not lock.")
        return candidates[0]

    def _walk(
        self, packages: list[dict[str, Any]], target: TargetPlatform, reporter: Reporter
    ) -> SourceResult:
        by_name: dict[str, list[dict[str, Any]]] = {}
        for package in packages:
            by_name.setdefault(canonicalize_name(package["name"]), []).append(package)
        local = [p for p in packages if any(k in p.get("source", {}) for k in _LOCAL)]
        project = next(
            (p for p in local if any(p["source"].get(k) == "." for k in _LOCAL)),
            local[0] if len(local) == 1 else None,
        )
        if project is None:
            raise InputError(f'{self.path} has no project package (source editable = ".").')
        root_key = canonicalize_name(project["name"])
        _check_names("extra", self.extras, project.get("optional-dependencies", {}), project)
        _check_names("dependency group", self.groups, project.get("dev-dependencies", {}), project)
        if self.every_package:
            return self._every(packages, project, target)
        wanted: dict[str, set[str]] = {root_key: {canonicalize_name(e) for e in self.extras}}
        chosen: dict[str, dict[str, Any]] = {root_key: project}
        edges: dict[str, set[str]] = {}
        todo = [root_key]
        while todo:
            key = todo.pop()
            package = chosen[key]
            deps = list(package.get("dependencies", []))
            optional = package.get("optional-dependencies", {})
            for extra in sorted(wanted[key]):
                deps += optional.get(extra, [])
            if key == root_key:
                groups = package.get("dev-dependencies", {})
                for group in self.groups:
                    deps += groups.get(group, [])
            for dep in deps:
                if not target.evaluate(self._marker(dep.get("marker"))):
                    continue
                found = self._find(by_name, dep, target)
                dep_key = canonicalize_name(found["name"])
                edges.setdefault(key, set()).add(dep_key)
                extras = {canonicalize_name(e) for e in dep.get("extra", [])}
                if dep_key not in chosen or not extras <= wanted[dep_key]:
                    chosen[dep_key] = found
                    wanted.setdefault(dep_key, set()).update(extras)
                    todo.append(dep_key)
        components = [self._component(p, target) for k, p in chosen.items() if k != root_key]
        graph = explicit_graph(edges, chosen, [root_key])
        direct = set(graph.dependencies_of(root_key))
        components = [replace(c, direct=c.key in direct) for c in components]
        if self.metadata is not None:
            reporter.step("Reading the packages' metadata for licences")
            components = with_licenses(
                components, self.metadata.fetch(components, target, reporter)
            )
        root = Component(project["name"], str(project.get("version", "")))
        # The root's own edges are kept: consumers find the direct dependencies there.
        return SourceResult(
            Inventory(root, tuple(sorted(components, key=Component.sort_key)), graph)
        )

    def _every(
        self, packages: list[dict[str, Any]], project: dict[str, Any], target: TargetPlatform
    ) -> SourceResult:
        root_key = canonicalize_name(project["name"])
        edges: dict[str, set[str]] = {}
        for package in packages:
            deps = [
                *package.get("dependencies", []),
                *(d for ds in package.get("optional-dependencies", {}).values() for d in ds),
                *(d for ds in package.get("dev-dependencies", {}).values() for d in ds),
            ]
            key = canonicalize_name(package["name"])
            edges.setdefault(key, set()).update(canonicalize_name(d["name"]) for d in deps)
        keys = {canonicalize_name(p["name"]) for p in packages}
        components = [
            self._component(p, target) for p in packages if canonicalize_name(p["name"]) != root_key
        ]
        graph = explicit_graph(edges, keys, [root_key])
        direct = set(graph.dependencies_of(root_key))
        components = [replace(c, direct=c.key in direct) for c in components]
        root = Component(project["name"], str(project.get("version", "")))
        return SourceResult(
            Inventory(root, tuple(sorted(components, key=Component.sort_key)), graph)
        )

    def _component(self, package: dict[str, Any], target: TargetPlatform) -> Component:
        origin = f"{self.path} ({package['name']})"
        wheels = [_file(w, origin) for w in package.get("wheels", [])]
        sdist = _file(package["sdist"], origin) if "sdist" in package else None
        picked = pick_file(wheels, sdist, target)
        source = package.get("source", {})
        url = picked.url if picked else source.get("url") or source.get("git")
        return Component(
            name=package["name"],
            version=str(package.get("version", "")),
            hashes=digests(picked.sha256 if picked else None, origin),
            filename=picked.filename if picked else None,
            url=url,
        )


def open_uv_lock(value: str | Path, options: SourceOptions) -> UvLockSource:
    """The registry's factory (``chainproof.sbom.inputs``)."""
    metadata = IndexMetadata(options.index_args) if options.with_metadata else None
    return UvLockSource(
        Path(value), options.extras, options.groups, metadata, every_package=options.every_package
    )
