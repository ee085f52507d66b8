"""``licenses``: each package's SPDX licence expression against ``[audit.licenses]``
(:mod:`chainproof.audit.licensing` says how an expression is judged).

The licence comes from the SBOM's components, the installed metadata of ``--env``, or, for a
lock online, the core metadata (PEP 658) of a locked wheel on its index; offline a lock says
nothing of licences, so its packages are not checked. Build-only components do not ship and
are not judged. A package whose licence is not an SPDX expression is ``licenses.unknown``, at
the policy's ``unknown`` severity.
"""

from __future__ import annotations

from dataclasses import replace

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.checks.served import index_packages, locked_files, package_listings
from chainproof.audit.licensing import judge_licence
from chainproof.audit.locked import LockedPackage
from chainproof.errors import InputError
from chainproof.index.listing import IndexFile, ProjectListing
from chainproof.models import Component
from chainproof.sbom.metadata import PackageMetadata, resolve_license

__all__ = ["LicensesCheck"]

DENIED = Rule("licenses.denied", "high", "A package under a denied licence")
NOT_ALLOWED = Rule("licenses.not-allowed", "medium", "A package under a licence not allowed")
UNKNOWN = Rule("licenses.unknown", "medium", "A package whose licence is not known")

_REMEDY = "Replace the package, or add an exception once its licence has been reviewed."


class LicensesCheck:
    id = "licenses"
    rules: tuple[Rule, ...] = (DENIED, NOT_ALLOWED, UNKNOWN)

    def run(self, context: CheckContext) -> CheckOutcome:
        outcome = CheckOutcome()
        if context.evidence.kind in ("sbom", "env"):
            for component in context.components:
                if not component.build_only:
                    self._judge(context, outcome, component)
            return outcome
        packages = index_packages(context)
        if context.index is None:
            for package in packages:
                outcome.skip(self.id, package, "a lock records no licence (offline)")
            return outcome
        wheels = {
            package: _metadata_wheel(package, listings)
            for package, listings in package_listings(context, packages).items()
        }
        files = [wheel.metadata_file for wheel in wheels.values() if wheel is not None]
        metadata = context.index.wheel_metadatas(files)
        for package, wheel in wheels.items():
            data = metadata.get(wheel.url) if wheel is not None else None
            if data is None:
                outcome.skip(self.id, package, "no core metadata: no PEP 658 file, no wheel")
            else:
                self._judge(context, outcome, _licensed(package, data))
        return outcome

    @staticmethod
    def _judge(context: CheckContext, outcome: CheckOutcome, component: Component) -> None:
        policy = context.policy.licenses
        assert policy is not None  # the runner does not run it without [audit.licenses]
        verdict = judge_licence(component.license_expression, component.license_names, policy)
        who = f"{component.name} {component.version}"
        if verdict.outcome == "allowed":
            return
        if verdict.outcome == "unknown":
            given = f" (it says {', '.join(verdict.licences)!r})" if verdict.licences else ""
            outcome.add(
                context,
                replace(UNKNOWN, severity=policy.unknown),
                component,
                f"{who} gives no SPDX licence expression{given}.",
                (("licence", ", ".join(verdict.licences)),),
                "Find its licence and add an exception, or replace it.",
            )
            return
        listed = ", ".join(verdict.licences)
        rule = DENIED if verdict.outcome == "denied" else NOT_ALLOWED
        what = "denies" if rule is DENIED else "does not allow"
        outcome.add(
            context,
            rule,
            component,
            f"{who} is licensed {verdict.expression}; the policy {what} {listed}.",
            (("licence", verdict.expression), ("licences in question", listed)),
            _REMEDY,
        )


def _metadata_wheel(package: LockedPackage, listings: list[ProjectListing]) -> IndexFile | None:
    """The locked wheel to read core metadata of: one the index serves a PEP 658 file for,
    else any (its own METADATA is read once its sha256 is checked)."""
    wheels = [f for f in locked_files(package, listings) if f.filename.endswith(".whl")]
    return min(wheels, key=lambda f: (not f.has_metadata, f.filename)) if wheels else None


def _licensed(package: LockedPackage, data: bytes) -> Component:
    """The package with the licence its core metadata gives."""
    try:
        metadata = PackageMetadata.from_email(data)
    except (KeyError, ValueError) as exc:
        raise InputError(
            f"The core metadata of {package.name} {package.version} on its index is not "
            f"readable ({exc})."
        ) from exc
    expression, names = resolve_license(metadata)
    return replace(package.component(), license_expression=expression, license_names=names)
