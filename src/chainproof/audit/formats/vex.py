"""``--format cyclonedx``: the input's components with a ``vulnerabilities`` section (VEX),
built with cyclonedx-python-lib and validated against the CycloneDX schema before returning
(chainproof.formats.cyclonedx.schema: the library's strict schema with a fast IRI check).

An SBOM input is read back with the library (components, dependencies, metadata kept); other
inputs become one library component per package. Each finding is a vulnerability with its
ratings, the component it affects, the fixed versions and the upgrade proposal as the
recommendation; a ``vulnerabilities`` section already in the input (an earlier audit) is
replaced. Excepted findings get an analysis: ``not_affected`` with the exception's
justification when it gives one, else ``exploitable`` with the response ``will_not_fix``
(an accepted risk); the detail carries reason, approver, expiry and ticket. Open findings are
``exploitable``, also when an expired exception used to cover them (the detail says so).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from chainproof.audit.formats._text import status_text
from chainproof.audit.inputs import AuditTarget
from chainproof.audit.matching import version_key
from chainproof.audit.report import Finding
from chainproof.audit.run import AuditRun
from chainproof.audit.severity import Rating
from chainproof.errors import ChainproofError, InputError
from chainproof.fileio import canonical_json
from chainproof.formats.cyclonedx.schema import validate_json
from chainproof.models import Component as Package

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component
    from cyclonedx.model.vulnerability import Vulnerability, VulnerabilityRating


__all__ = ["CycloneDXFormat"]

_SOURCE_URLS = {
    "PYSEC-": "https://osv.dev/vulnerability/",
    "GHSA-": "https://osv.dev/vulnerability/",
    "CVE-": "https://nvd.nist.gov/vuln/detail/",
}


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None


def _source(vuln_id: str) -> Any:
    from cyclonedx.model import XsUri
    from cyclonedx.model.vulnerability import VulnerabilitySource

    for prefix, base in _SOURCE_URLS.items():
        if vuln_id.upper().startswith(prefix):
            name = "NVD" if prefix == "CVE-" else "OSV"
            return VulnerabilitySource(name=name, url=XsUri(base + vuln_id))
    return VulnerabilitySource(name="OSV")


def _rating(rating: Rating) -> VulnerabilityRating:
    from cyclonedx.model.vulnerability import (
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
    )

    methods = {
        "CVSSv2": VulnerabilityScoreSource.CVSS_V2,
        "CVSSv3": VulnerabilityScoreSource.CVSS_V3,
        "CVSSv31": VulnerabilityScoreSource.CVSS_V3_1,
        "CVSSv4": VulnerabilityScoreSource.CVSS_V4,
    }
    return VulnerabilityRating(
        source=_source(rating.source) if rating.source != "policy" else None,
        score=Decimal(str(rating.score)) if rating.score is not None else None,
        severity=VulnerabilitySeverity(rating.level),
        method=methods.get(rating.method, VulnerabilityScoreSource.OTHER),
        vector=rating.vector,
        justification=(
            "The advisory carries no severity; rated by the audit policy."
            if rating.method == "policy"
            else None
        ),
    )


def _analysis(finding: Finding) -> Any:
    from cyclonedx.model.impact_analysis import (
        ImpactAnalysisJustification,
        ImpactAnalysisResponse,
        ImpactAnalysisState,
    )
    from cyclonedx.model.vulnerability import VulnerabilityAnalysis

    e = finding.exception
    if e is None:  # open, also when an exception lapsed (the run fails on it)
        responses = (
            [ImpactAnalysisResponse.UPDATE]
            if finding.proposal and finding.proposal.upgrade_to
            else [ImpactAnalysisResponse.CAN_NOT_FIX]
        )
        lapsed = ""
        if finding.expired_exception is not None:
            x = finding.expired_exception
            lapsed = (
                f"The exception approved by {x.approver} expired on "
                f"{x.expires.isoformat()}: {x.reason} "
            )
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.EXPLOITABLE,
            responses=responses,
            detail=lapsed + (finding.proposal.explanation if finding.proposal else ""),
        )
    detail = (
        f"{e.reason} Approved by {e.approver}; expires {e.expires.isoformat()}"
        f"{'; ticket ' + e.ticket if e.ticket else ''}."
    )
    if e.justification:
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.NOT_AFFECTED,
            justification=ImpactAnalysisJustification(e.justification),
            detail=detail,
        )
    return VulnerabilityAnalysis(
        state=ImpactAnalysisState.EXPLOITABLE,
        responses=[ImpactAnalysisResponse.WILL_NOT_FIX],
        detail=detail,
    )


def _vulnerability(finding: Finding, ref: str) -> Vulnerability:
    from cyclonedx.model import XsUri
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
    from cyclonedx.model.vulnerability import (
        BomTarget,
        BomTargetVersionRange,
        Vulnerability,
        VulnerabilityAdvisory,
        VulnerabilityReference,
    )

    advisories = []
    for url in finding.references:
        try:
            advisories.append(VulnerabilityAdvisory(url=XsUri(url)))
        except (ValueError, TypeError):  # a reference that is not a valid URI is left out
            continue
    fixed = ", ".join(finding.fixed_versions) or "no release"
    return Vulnerability(
        bom_ref=f"{finding.id}/{ref}",
        id=finding.id,
        source=_source(finding.id),
        references=[VulnerabilityReference(id=a, source=_source(a)) for a in finding.aliases],
        ratings=[_rating(finding.rating)]
        + [_rating(r) for r in finding.ratings if r != finding.rating],
        description=finding.summary or None,
        detail=finding.details or None,
        recommendation=f"Fixed in {fixed}. "
        + (finding.proposal.explanation if finding.proposal else ""),
        advisories=advisories,
        published=_time(finding.published),
        updated=_time(finding.modified),
        analysis=_analysis(finding),
        affects=[
            BomTarget(
                ref=ref,
                versions=[
                    BomTargetVersionRange(
                        version=finding.component.version,
                        status=ImpactAnalysisAffectedStatus.AFFECTED,
                    )
                ],
            )
        ],
    )


def _walk(components: Iterable[Component]) -> Iterator[Component]:
    """Every component, nested ones included, in document order."""
    for component in components:
        yield component
        yield from _walk(component.components)


def _bom(target: AuditTarget) -> Bom:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    if target.sbom is not None:
        try:
            bom: Bom = Bom.from_json(target.sbom)  # type: ignore[attr-defined]
        except Exception as exc:  # the library raises many types on documents it cannot map
            raise InputError(
                f"cyclonedx-python-lib cannot read {target.description} back ({exc}); "
                "use --format json or sarif for this SBOM."
            ) from exc
        # components without a bom-ref would get a random one: give them a stable one
        taken = {str(c.bom_ref.value) for c in _walk(bom.components) if c.bom_ref.value}
        for index, component in enumerate(_walk(bom.components)):
            if not component.bom_ref.value:
                ref = str(component.purl) if component.purl else f"component-{index}"
                while ref in taken:
                    ref += "-"
                component.bom_ref.value = ref
                taken.add(ref)
        return bom
    bom = Bom()
    # One component per purl, the first in sort order: the library replaces clashing bom-refs
    # (Foo-Bar and foo_bar 1.0, say) with random ones.
    by_purl: dict[str, Package] = {}
    for c in sorted(target.inventory.components, key=lambda c: c.sort_key()):
        by_purl.setdefault(c.purl, c)
    for c in by_purl.values():
        bom.components.add(
            Component(
                name=c.name,
                version=c.version,
                type=ComponentType.LIBRARY,
                bom_ref=c.purl,
                purl=PackageURL(type="pypi", name=c.key, version=c.version),
            )
        )
    return bom


def _check_properties(
    bom: Any, findings: Sequence[Finding], refs: dict[tuple[str, str], str]
) -> None:
    """The dependency checks' findings, which VEX has no place for, as properties
    ``chainproof:audit:<finding id>`` of their component (else of the metadata)."""
    from cyclonedx.model import Property

    by_ref = {str(c.bom_ref.value): c for c in _walk(bom.components)}
    for finding in findings:
        if finding.check == "vulnerabilities":
            continue
        c = finding.component
        owner = by_ref.get(refs.get((c.key, version_key(c.version)), ""))
        properties = owner.properties if owner is not None else bom.metadata.properties
        status = status_text(finding)
        properties.add(
            Property(
                name=f"chainproof:audit:{finding.id}",
                value=f"{finding.rating.level}; {status}: {finding.summary}"
                if owner is not None
                else f"{c.name} {c.version}: {finding.rating.level}; {status}: {finding.summary}",
            )
        )


class CycloneDXFormat:
    name = "cyclonedx"

    def render(self, run: AuditRun) -> str:
        from cyclonedx.output import make_outputter
        from cyclonedx.schema import OutputFormat, SchemaVersion

        report, target = run.report, run.target
        bom = _bom(target)
        refs: dict[tuple[str, str], str] = {}
        for component in _walk(bom.components):
            purl = component.purl
            listed = component.version or (purl.version if purl is not None else None)
            if purl is not None and purl.type == "pypi" and listed:
                key = (canonicalize_name(purl.name), version_key(listed))
                refs.setdefault(key, str(component.bom_ref.value))
        bom.vulnerabilities.clear()  # an earlier audit's section is replaced, never mixed in
        _check_properties(bom, report.findings, refs)
        for finding in report.findings_of("vulnerabilities"):
            c = finding.component
            ref = refs.get((c.key, version_key(c.version)))
            if ref is None:  # never a VEX that silently leaves a finding out
                raise ChainproofError(
                    f"The CycloneDX VEX output has no component for {c.name} {c.version}."
                )
            bom.vulnerabilities.add(_vulnerability(finding, ref))
        bom.metadata.timestamp = _time(report.timestamp) or bom.metadata.timestamp
        version = {"1.5": SchemaVersion.V1_5, "1.7": SchemaVersion.V1_7}.get(
            target.spec_version, SchemaVersion.V1_6
        )
        seed = canonical_json([f.to_json() for f in report.findings]) + report.timestamp
        bom.serial_number = uuid.uuid5(
            uuid.NAMESPACE_URL, "urn:chainproof:audit:" + hashlib.sha256(seed.encode()).hexdigest()
        )
        text: str = make_outputter(bom, OutputFormat.JSON, version).output_as_string(indent=2)
        try:
            validate_json(json.loads(text), f"{version.to_version()}")
        except InputError as exc:
            raise ChainproofError(
                f"The CycloneDX VEX output does not validate: {exc.message}"
            ) from exc
        return text + "\n"
