"""``pins``: every package of the closure pinned to exactly one version for each target the
policy names, no direct (URL, VCS, path) dependency the policy does not allow, and a lock in
step with pyproject.toml's requirements. Offline: it needs no index."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.locked import INDEX, VCS, LockedPackage
from chainproof.errors import InputError
from chainproof.fileio import load_toml
from chainproof.models import Component, parse_version
from chainproof.sbom.target import TargetPlatform

__all__ = ["PinsCheck"]

UNPINNED = Rule("pins.unpinned", "high", "A package is not pinned to one version")
MULTIPLE = Rule("pins.multiple-versions", "high", "A target gets more than one version")
DIRECT = Rule("pins.direct", "high", "A URL or path dependency")
VCS_RULE = Rule("pins.vcs", "high", "A VCS dependency")
UNSATISFIED = Rule("pins.lock-outdated", "high", "The lock does not satisfy pyproject.toml")
NOT_REQUIRED = Rule(
    "pins.lock-extra", "medium", "The lock has a direct dependency pyproject dropped"
)


def _targets(context: CheckContext) -> list[TargetPlatform]:
    pins = context.policy.pins
    pythons: list[str | None] = list(pins.python) or [None]
    platforms = [[p] for p in pins.platforms] or [[]]
    return [TargetPlatform.for_python(py, plat) for py in pythons for plat in platforms]


def _applies(package: LockedPackage, target: TargetPlatform) -> bool:
    if not package.markers:
        return True
    try:
        return any(target.evaluate(Marker(m)) for m in package.markers)
    except InvalidMarker as exc:
        raise InputError(f"{package.where}: {package.name} has an invalid marker: {exc}.") from exc


class PinsCheck:
    id = "pins"
    rules: tuple[Rule, ...] = (UNPINNED, MULTIPLE, DIRECT, VCS_RULE, UNSATISFIED, NOT_REQUIRED)

    def run(self, context: CheckContext) -> CheckOutcome:
        outcome = CheckOutcome()
        evidence = context.evidence
        for package in evidence.packages:
            self._one(context, outcome, package)
        for problem in evidence.problems:  # a URL or path line that names no package
            outcome.add(
                context,
                DIRECT,
                Component(problem.reference or problem.where, ""),
                problem.message,
                (("where", problem.where),),
                problem.hint,
            )
        self._versions(context, outcome)
        project = context.project_dir
        if project is not None and (project / "pyproject.toml").is_file():
            self._in_step(context, outcome, project / "pyproject.toml")
        return outcome

    def _one(self, context: CheckContext, outcome: CheckOutcome, package: LockedPackage) -> None:
        where = (("where", package.where),)
        if package.kind == INDEX and package.version is None:
            asked = f" (asks for {package.specifier})" if package.specifier else ""
            outcome.add(
                context,
                UNPINNED,
                package,
                f"{package.name} is not pinned to one version{asked}, so what installs "
                "changes with the index.",
                where,
                "Lock it with == and its hashes (uv pip compile --generate-hashes).",
            )
        elif package.kind != INDEX and not context.policy.pins.allows_direct(package.key):
            rule = VCS_RULE if package.kind == VCS else DIRECT
            what = "a VCS" if package.kind == VCS else f"a {package.kind}"
            outcome.add(
                context,
                rule,
                package,
                f"{package.name} is {what} dependency ({package.reference}), which no index "
                "vouches for.",
                (*where, ("reference", package.reference or "")),
                "Depend on a released version from an allowed index, or allow the name in "
                "[audit.pins] allow-direct.",
            )

    def _versions(self, context: CheckContext, outcome: CheckOutcome) -> None:
        for target in _targets(context):
            versions: dict[str, list[LockedPackage]] = defaultdict(list)
            for package in context.evidence.packages:
                if package.version is not None and _applies(package, target):
                    versions[package.key].append(package)
            for _, found in sorted(versions.items()):
                distinct = sorted({p.version or "" for p in found})
                if len(distinct) > 1:
                    outcome.add(
                        context,
                        MULTIPLE,
                        found[0],
                        f"{found[0].name} is locked at {', '.join(distinct)} for "
                        f"{target.description}; an installer may take either.",
                        (("target", target.description), ("versions", ", ".join(distinct))),
                        "Re-lock so that each target gets one version.",
                    )

    def _in_step(self, context: CheckContext, outcome: CheckOutcome, pyproject: Path) -> None:
        data = load_toml(pyproject, "pyproject.toml")
        project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
        own = canonicalize_name(str(project.get("name", "")))
        texts = [*project.get("dependencies", [])]
        for extra in (project.get("optional-dependencies") or {}).values():
            texts += extra
        groups = data.get("dependency-groups") or {}
        for group in groups.values():
            texts += [t for t in group if isinstance(t, str)]
        wanted: dict[str, Requirement] = {}
        for text in texts:
            try:
                req = Requirement(str(text))
            except InvalidRequirement as exc:
                raise InputError(f"{pyproject} has an invalid requirement {text!r}.") from exc
            if canonicalize_name(req.name) != own:
                wanted.setdefault(canonicalize_name(req.name), req)
        locked: dict[str, list[LockedPackage]] = defaultdict(list)
        for package in context.evidence.packages:
            locked[package.key].append(package)
        targets = _targets(context)
        for key, req in sorted(wanted.items()):
            if not any(t.evaluate(req.marker, req.extras or ("",)) for t in targets):
                continue
            versions = [p.version for p in locked.get(key, []) if p.version]
            satisfied = [
                v
                for v in versions
                if (parsed := parse_version(v)) is not None
                and req.specifier.contains(parsed, prereleases=True)
            ]
            if locked.get(key) and not versions:
                continue  # a direct reference or unpinned line: the rules above name it
            if not satisfied:
                have = f"locks {', '.join(versions)}" if versions else "has no such package"
                outcome.add(
                    context,
                    UNSATISFIED,
                    Component(req.name, versions[0] if versions else ""),
                    f"pyproject.toml requires {req}, but {context.evidence.path.name} {have}.",
                    (("requirement", str(req)), ("locked", ", ".join(versions) or "none")),
                    "Re-lock (uv lock, pip lock) after changing the requirements.",
                )
        for key in context.evidence.direct or ():
            if key not in wanted and key != own:
                entries = locked.get(key, [])
                outcome.add(
                    context,
                    NOT_REQUIRED,
                    entries[0] if entries else Component(key, ""),
                    f"{context.evidence.path.name} locks {key} as a direct dependency, which "
                    "pyproject.toml no longer names.",
                    (("locked", ", ".join(p.version or "" for p in entries)),),
                    "Re-lock (uv lock) so the lock matches pyproject.toml.",
                )
