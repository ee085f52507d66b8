"""Resolution and metadata through pip's installation report (``--dry-run --report``).

``resolve(requirements, target, index_args)`` runs
``python -m pip install --dry-run --ignore-installed --report`` for the target (pip's own
``--python-version/--platform/--implementation/--only-binary`` options from
``TargetPlatform.pip_args``) and returns one ``ResolvedPackage`` per distribution pip picked:
its metadata, the exact file (name, URL) and that file's sha256 as pip verified it.
``PipMetadata`` uses the same report with ``--no-deps`` to fetch the metadata of pinned
packages (graph and licences for locks that record no edges). Both need the package index (or
a ``--find-links`` directory): a failure to reach it is InfrastructureError (exit 3);
requirements that cannot be satisfied are InputError (exit 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from packaging.utils import canonicalize_name

from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import filename_of
from chainproof.models import Component, DependencyGraph
from chainproof.progress import Reporter
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.metadata import PackageMetadata, resolve_license
from chainproof.sbom.target import TargetPlatform

__all__ = [
    "MetadataProvider",
    "PipMetadata",
    "ResolvedPackage",
    "graph_from_metadata",
    "resolve",
    "with_licenses",
]

_UNSATISFIABLE = (
    "ResolutionImpossible",
    "No matching distribution",
    "Could not find a version",
    "THESE PACKAGES DO NOT MATCH THE HASHES",
    "Invalid requirement",
    "is not a valid wheel",
    "does not exist",
    "Hashes are required",
    "requires a different Python",
)


@dataclass(frozen=True)
class ResolvedPackage:
    metadata: PackageMetadata
    filename: str | None
    url: str
    sha256: str | None
    is_direct: bool
    requested: bool
    requested_extras: tuple[str, ...]

    @property
    def key(self) -> str:
        return canonicalize_name(self.metadata.name)


# pip evaluates environment markers against the running interpreter even with --platform /
# --python-version (it only filters wheel tags), which would resolve a Windows target's closure
# with Linux markers. For another target pip runs with its marker environment replaced by the
# target's: packaging's Marker.evaluate looks default_environment() up at call time.
_PIP_FOR_TARGET = """\
import json, sys
import pip._vendor.packaging.markers as markers
_target = json.loads(sys.argv[1])
markers.default_environment = lambda: dict(_target)
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


class MetadataProvider(Protocol):
    """Supplies core metadata for pinned components (plug point; pip-based by default)."""

    def fetch(
        self, components: Sequence[Component], target: TargetPlatform, reporter: Reporter
    ) -> Mapping[str, PackageMetadata]: ...


def _run_pip(
    args: Sequence[str], target: TargetPlatform, index_args: Sequence[str], what: str
) -> list[ResolvedPackage]:
    with tempfile.TemporaryDirectory(prefix="chainproof-pip-") as tmp:
        report = Path(tmp) / "report.json"
        launcher = [sys.executable, "-m", "pip"]
        if target.pip_args:
            launcher = [sys.executable, "-c", _PIP_FOR_TARGET, json.dumps(dict(target.environment))]
        command = [
            *launcher,
            "install",
            "--dry-run",
            "--ignore-installed",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            "--report",
            str(report),
            *target.pip_args,
            *index_args,
            *args,
        ]
        env = {**os.environ, "PIP_NO_COLOR": "1"}
        try:
            proc = subprocess.run(
                command, capture_output=True, text=True, env=env, check=False, timeout=1800
            )
        except subprocess.TimeoutExpired as exc:
            raise InfrastructureError(f"pip did not finish {what} in 30 minutes.") from exc
        if proc.returncode != 0:
            lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.startswith("ERROR")] or lines[-1:] or [""]
            detail = errors[0]
            message = f"pip could not finish {what}: {detail.removeprefix('ERROR: ')}"
            hint = "Check the requirements and the index options (--index-url, --find-links)."
            if any(marker in proc.stderr for marker in _UNSATISFIABLE):
                raise InputError(message, hint)
            raise InfrastructureError(message, hint)
        data: Any = json.loads(report.read_text(encoding="utf-8"))
    packages = []
    for item in data.get("install", []):
        info = item.get("download_info", {})
        url = str(info.get("url", ""))
        archive = info.get("archive_info") or {}
        sha256 = (archive.get("hashes") or {}).get("sha256")
        if sha256 is None and str(archive.get("hash", "")).startswith("sha256="):
            sha256 = archive["hash"].split("=", 1)[1]
        packages.append(
            ResolvedPackage(
                metadata=PackageMetadata.from_json(item["metadata"]),
                filename=filename_of(url) if archive else None,
                url=url,
                sha256=sha256,
                is_direct=bool(item.get("is_direct")),
                requested=bool(item.get("requested")),
                requested_extras=tuple(item.get("requested_extras") or ()),
            )
        )
    return packages


def resolve(
    requirements: Sequence[str],
    target: TargetPlatform,
    index_args: Sequence[str] = (),
    reporter: Reporter | None = None,
    no_deps: bool = False,
) -> list[ResolvedPackage]:
    """Resolve ``requirements`` (pip arguments: specifiers, paths, ``-r FILE``) for target."""
    if reporter is not None:
        reporter.step(f"Resolving for {target.description} with pip")
    args = [*(["--no-deps"] if no_deps else []), *requirements]
    return _run_pip(args, target, index_args, "the resolution")


@dataclass(frozen=True)
class PipMetadata:
    """Fetch metadata for pinned components with ``pip install --dry-run --no-deps``."""

    index_args: tuple[str, ...] = ()

    def fetch(
        self, components: Sequence[Component], target: TargetPlatform, reporter: Reporter
    ) -> Mapping[str, PackageMetadata]:
        pins = [f"{c.name}=={c.version}" for c in components if c.version]
        if not pins:
            return {}
        reporter.step(f"Reading metadata of {len(pins)} packages with pip")
        found = _run_pip(["--no-deps", *pins], target, self.index_args, "reading metadata")
        return {p.key: p.metadata for p in found}


def graph_from_metadata(
    metadata: Mapping[str, PackageMetadata],
    components: Sequence[Component],
    roots: Iterable[str] | None,
    target: TargetPlatform,
) -> DependencyGraph:
    """Edges from the components' Requires-Dist; roots default to nodes nobody depends on."""
    requires = {
        c.key: metadata[c.key].requires_dist if c.key in metadata else () for c in components
    }
    result = requirement_graph(
        requires, [(k, ()) for k in requires], target, roots=() if roots is None else roots
    )
    return result.graph


def with_licenses(
    components: Sequence[Component], metadata: Mapping[str, PackageMetadata]
) -> list[Component]:
    """The components with the licence their metadata declares (see metadata.resolve_license)."""
    out = []
    for component in components:
        meta = metadata.get(component.key)
        if meta is not None:
            expression, names = resolve_license(meta)
            component = replace(component, license_expression=expression, license_names=names)
        out.append(component)
    return out
