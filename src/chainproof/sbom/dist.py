"""``--dist DIR``: the release (metadata.component), its runtime closure and its build env.

Reads DIR/build-record.json (``chainproof build``), checks each recorded artifact's sha256
against the file and opens the wheel (METADATA: licence and Requires-Dist; PEP 770 SBOMs under
``.dist-info/sboms/``). The runtime closure for the target comes from the project's lock when
there is one (:mod:`chainproof.sbom.closure`: the lock's packages, hashes and graph, checked
against the wheel's Requires-Dist), else pip resolves the wheel (:mod:`chainproof.sbom.resolve`):
each component gets the sha256, file name and URL of the exact file pip picked, and edges
follow Requires-Dist with markers and extras for the target. The SBOM's metadata says which
(``chainproof:closure``). The build environment of the record is added as build-only
components.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from chainproof.errors import InputError, UsageError, VerificationFailed
from chainproof.fileio import sha256_file
from chainproof.formats.build_record import read_build_record
from chainproof.models import (
    BUILD_RECORD_NAME,
    BuildRecord,
    Component,
    ComponentDetails,
    Digest,
    Inventory,
    SourceResult,
)
from chainproof.progress import Reporter
from chainproof.sbom.closure import CLOSURE_PROPERTY, RESOLVED, RuntimeClosure, lock_closure
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.index_metadata import IndexMetadata
from chainproof.sbom.metadata import PackageMetadata, read_wheel, resolve_license
from chainproof.sbom.resolve import MetadataProvider, resolve
from chainproof.sbom.sources import ClosureLock, SourceOptions
from chainproof.sbom.target import TargetPlatform

__all__ = ["DistSource"]


@dataclass
class DistSource:
    directory: Path
    extras: Collection[str] = ()
    index_args: Sequence[str] = ()
    lock: ClosureLock | None = None  # the runtime closure's lock; None: pip resolves it
    metadata: MetadataProvider | None = None  # with a lock: licences from the index

    @property
    def description(self) -> str:
        return f"the release in {self.directory}"

    def _record(self) -> BuildRecord:
        path = self.directory / BUILD_RECORD_NAME
        if not self.directory.is_dir():
            raise InputError(
                f"The dist directory {self.directory} does not exist.",
                "Run `chainproof build` first, or pass --dist DIR.",
            )
        if not path.is_file():
            raise InputError(
                f"{self.directory} has no build-record.json.",
                "Run `chainproof build`, which writes it beside the artifacts.",
            )
        return read_build_record(path)

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        record = self._record()
        reporter.step("Hashing the artifacts", total=len(record.artifacts))
        for artifact in record.artifacts:
            actual = sha256_file(self.directory / artifact.name)
            if actual != artifact.sha256:
                raise VerificationFailed(
                    f"{artifact.name} does not match build-record.json (sha256 {actual}, "
                    f"recorded {artifact.sha256})."
                )
            reporter.advance()
        wheels = sorted(a.name for a in record.artifacts if a.kind == "wheel")
        if not wheels:
            raise InputError(f"build-record.json in {self.directory} lists no wheel.")
        wheel_path = self.directory / wheels[0]
        info = read_wheel(wheel_path)
        unknown = sorted(
            {canonicalize_name(e) for e in self.extras}
            - {canonicalize_name(e) for e in info.metadata.provides_extra}
        )
        if unknown:
            raise UsageError(f"{wheels[0]} has no extra {', '.join(unknown)}.")
        expression, names = resolve_license(info.metadata)
        root = Component(
            record.project_name,
            record.project_version,
            license_expression=expression,
            license_names=names,
        )
        if self.lock is None:
            closure = self._resolved(root, wheel_path, info.metadata, target, reporter)
        else:
            closure = lock_closure(
                self.lock,
                root,
                info.metadata.requires_dist,
                self.extras,
                target,
                reporter,
                self.metadata,
            )
        components = [
            *closure.components,
            *(
                Component(
                    p.name,
                    p.version,
                    (Digest.sha256(p.sha256),),
                    p.filename,
                    p.url,
                    build_only=True,
                )
                for p in record.build_environment
            ),
        ]
        details = {root: ComponentDetails(info.sboms)} if info.sboms else {}
        return SourceResult(
            Inventory(root, tuple(sorted(components, key=Component.sort_key)), closure.graph),
            details,
            closure.warnings,
            tuple(sorted((a.name, a.sha256) for a in record.artifacts)),
            properties=closure.properties,
        )

    def _resolved(
        self,
        root: Component,
        wheel_path: Path,
        metadata: PackageMetadata,
        target: TargetPlatform,
        reporter: Reporter,
    ) -> RuntimeClosure:
        """The closure pip resolves for the wheel on ``target`` today."""
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        requirement = f"{metadata.name}{extras} @ {wheel_path.resolve().as_uri()}"
        resolved = [
            p
            for p in resolve([requirement], target, self.index_args, reporter)
            if p.key != root.key
        ]
        requires = {p.key: p.metadata.requires_dist for p in resolved}
        requires[root.key] = metadata.requires_dist
        result = requirement_graph(requires, [(root.key, self.extras)], target)
        direct = set(result.graph.dependencies_of(root.key))
        components = []
        for package in resolved:
            lic, lic_names = resolve_license(package.metadata)
            components.append(
                Component(
                    name=package.metadata.name,
                    version=package.metadata.version,
                    hashes=(Digest.sha256(package.sha256),) if package.sha256 else (),
                    filename=package.filename,
                    url=package.url,
                    license_expression=lic,
                    license_names=lic_names,
                    direct=package.key in direct,
                )
            )
        warnings = tuple(
            f"{key} requires {req}, which pip did not resolve." for key, req in result.unsatisfied
        )
        return RuntimeClosure(
            tuple(components), result.graph, warnings, ((CLOSURE_PROPERTY, RESOLVED),)
        )


def open_dist(value: str | Path, options: SourceOptions) -> DistSource:
    """The registry's factory (``chainproof.sbom.inputs``). With a lock, the index is read
    only for licences (``with_metadata``); without, pip resolves with the index options."""
    no_index = ("--no-index",) if options.offline else ()
    metadata = IndexMetadata(options.index_args) if options.with_metadata else None
    return DistSource(
        Path(value), options.extras, (*options.index_args, *no_index), options.lock, metadata
    )
