"""``--env PYTHON``: every installed distribution, its graph for that interpreter, RECORD checks.

Each component's hash is the sha256 of the distribution's RECORD file (what it covers is stated
in :mod:`chainproof.sbom.installed`). With ``verify`` every hashed RECORD entry is checked;
problems raise VerificationFailed naming the files, unless ``allow_modified`` (then each
affected component carries ``chainproof:record:problem`` properties and a warning is issued).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name

from chainproof.errors import VerificationFailed
from chainproof.models import (
    Component,
    ComponentDetails,
    Digest,
    EmbeddedSbom,
    Inventory,
    SourceResult,
)
from chainproof.progress import Reporter
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.installed import (
    DistributionCheck,
    InstalledDistribution,
    InstalledEnvironment,
    inspect_environment,
    verify_environment,
)
from chainproof.sbom.metadata import resolve_license
from chainproof.sbom.sources import SourceOptions
from chainproof.sbom.target import TargetPlatform

__all__ = ["EnvironmentSource", "describe_problems", "venv_interpreter"]


def describe_problems(checks: tuple[DistributionCheck, ...], limit: int = 5) -> str:
    """One sentence naming the first problems, e.g. for an error message."""
    bad = [(c, p) for c in checks for p in c.problems]
    shown = "; ".join(f"{c.name} {c.version}: {p}" for c, p in bad[:limit])
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return f"{len(bad)} installed file(s) do not match RECORD ({shown}{more})."


def _sbom_files(dist: InstalledDistribution) -> tuple[EmbeddedSbom, ...]:
    found = []
    for rel in dist.sboms:
        if dist.dist_info is None:
            continue
        path = dist.dist_info / rel
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        found.append(EmbeddedSbom(str(path), digest))
    return tuple(sorted(found))


@dataclass
class EnvironmentSource:
    python: str
    verify: bool = True
    allow_modified: bool = False
    environment: InstalledEnvironment | None = None  # already probed (e.g. by the audit)

    @property
    def description(self) -> str:
        return f"the environment of {self.python}"

    def read(self, target: TargetPlatform, reporter: Reporter) -> SourceResult:
        """``target`` is ignored: the environment's own interpreter is the target."""
        reporter.step(f"Inspecting {self.python}")
        env = self.environment or inspect_environment(self.python)
        env_target = TargetPlatform(env.marker_environment, (), description=env.executable)
        requires: dict[str, tuple[str, ...]] = {
            canonicalize_name(d.name): d.metadata.requires_dist for d in env.distributions
        }
        graph = requirement_graph(requires, [(k, ()) for k in requires], env_target, roots=()).graph
        checks = verify_environment(env, reporter) if self.verify else ()
        problems: dict[str, DistributionCheck] = {
            canonicalize_name(c.name): c for c in checks if not c.ok
        }
        warnings: list[str] = []
        if problems and not self.allow_modified:
            raise VerificationFailed(
                describe_problems(checks),
                "Reinstall the affected distributions, or pass --allow-modified to record "
                "them in the SBOM.",
            )
        if problems:
            warnings.append(describe_problems(checks))
        if env.shadowed:
            warnings.append(
                f"{len(env.shadowed)} distribution(s) are shadowed by an earlier copy on "
                f"sys.path and left out: {', '.join(env.shadowed)}."
            )
        components = []
        details: dict[Component, ComponentDetails] = {}
        for dist in env.distributions:
            expression, names = resolve_license(dist.metadata)
            record = dist.record_sha256
            component = Component(
                name=dist.name,
                version=dist.version,
                hashes=(Digest.sha256(record),) if record else (),
                license_expression=expression,
                license_names=names,
            )
            component = replace(component, direct=component.key in graph.roots)
            props: list[tuple[str, str]] = []
            if record:
                props.append(("chainproof:hash:covers", "RECORD"))
            check = problems.get(component.key)
            if check is not None:
                props += [("chainproof:record:problem", str(p)) for p in check.problems]
            sboms = _sbom_files(dist)
            if props or sboms:
                details[component] = ComponentDetails(sboms, tuple(props))
            components.append(component)
        inventory = Inventory(None, tuple(sorted(components, key=Component.sort_key)), graph)
        verified = sum(c.files_checked for c in checks) if self.verify else None
        return SourceResult(inventory, details, tuple(warnings), files_verified=verified)


def venv_interpreter(path: str) -> str:
    """The interpreter of a venv directory; any other path is returned as given."""
    candidate = Path(path)
    for sub in ("bin/python", "Scripts/python.exe"):
        if candidate.is_dir() and (candidate / sub).exists():
            return str(candidate / sub)
    return path


def open_environment(value: str | Path, options: SourceOptions) -> EnvironmentSource:
    """The registry's factory (``chainproof.sbom.inputs``): ``value`` is an interpreter or a
    virtual environment."""
    return EnvironmentSource(
        venv_interpreter(str(value)),
        options.verify_record,
        options.allow_modified,
        environment=options.environment,
    )
