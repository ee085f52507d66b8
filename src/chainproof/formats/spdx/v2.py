"""SPDX 2.3 JSON with spdx-tools: its model, its validator (every message is a failure, before
anything is written) and its JSON converter, then canonical JSON.

- the release (the plan's root) is the package the document DESCRIBES, its checksums the
  artifacts' sha256; without a release the document DESCRIBES every runtime package;
- each component a package: ``versionInfo``, ``packageFileName``, a SHA256 checksum per hash,
  its purl as a ``PACKAGE-MANAGER`` reference, the file's URL as ``downloadLocation`` when it
  is one the SPDX 2.3 pattern accepts (else NOASSERTION), the declared licence (an SPDX
  expression, else ``LicenseRef-`` ids with the names as extracted licensing info);
- edges as ``DEPENDS_ON`` (``DEPENDS_ON NONE``: none), the build environment as
  ``BUILD_DEPENDENCY_OF`` the release;
- ``created`` from the options' timestamp; the namespace from the content (``common``).
"""

from __future__ import annotations

from typing import Any

from chainproof import __version__
from chainproof.fileio import canonical_json
from chainproof.formats.sbom_plan import PlannedComponent, RenderOptions, SbomPlan, purl_for
from chainproof.formats.spdx.common import (
    PENDING_NAMESPACE,
    created,
    document_name,
    element_ids,
    licence_ref,
    namespace,
)
from chainproof.redact import strip_credentials

__all__ = ["render_v2"]


class _Licences:
    """Declared licences as spdx-tools expressions, with the extracted infos they need."""

    def __init__(self) -> None:
        from spdx_tools.common.spdx_licensing import spdx_licensing

        self.parse = spdx_licensing.parse
        self.extracted: dict[str, str] = {}

    def declared(self, planned: PlannedComponent) -> Any:
        from spdx_tools.spdx.model import SpdxNoAssertion

        component = planned.component
        known = self._known(component.license_expression)
        if known is not None:
            return known
        names = list(component.license_names) or (
            [component.license_expression] if component.license_expression else []
        )
        if not names:
            return SpdxNoAssertion()
        refs = []
        for name in names:
            ref = licence_ref(name)
            self.extracted[ref] = name
            refs.append(ref)
        return self.parse(" AND ".join(refs))

    def _known(self, expression: str | None) -> Any:
        """The parsed expression when spdx-tools' licence list knows every id in it."""
        from license_expression import ExpressionError

        if not expression:
            return None
        try:
            return self.parse(expression, validate=True, strict=True)
        except ExpressionError:
            return None  # e.g. an id newer than spdx-tools' list: a LicenseRef instead

    def infos(self) -> list[Any]:
        from spdx_tools.spdx.model import ExtractedLicensingInfo

        return [
            ExtractedLicensingInfo(ref, name, name) for ref, name in sorted(self.extracted.items())
        ]


def _download_location(url: str | None) -> Any:
    from spdx_tools.spdx.model import SpdxNoAssertion
    from spdx_tools.spdx.validation.uri_validators import validate_download_location

    if url:
        url = strip_credentials(url)
        if not validate_download_location(url):
            return url
    return SpdxNoAssertion()


def _package(
    planned: PlannedComponent, spdx_id: str, licences: _Licences, sha256s: list[str]
) -> Any:
    from spdx_tools.spdx.model import (
        Checksum,
        ChecksumAlgorithm,
        ExternalPackageRef,
        ExternalPackageRefCategory,
        Package,
        PackagePurpose,
    )

    component = planned.component
    return Package(
        spdx_id,
        component.name,
        _download_location(component.url),
        version=component.version or None,
        file_name=component.filename,
        files_analyzed=False,
        checksums=[Checksum(ChecksumAlgorithm.SHA256, sha) for sha in sha256s],
        license_declared=licences.declared(planned),
        external_references=[
            ExternalPackageRef(
                ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl_for(component)
            )
        ],
        primary_package_purpose=PackagePurpose.LIBRARY,
        comment="The build environment: needed to build the release, not to run it."
        if component.build_only
        else None,
    )


def _document(plan: SbomPlan, timestamp: Any) -> Any:
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        CreationInfo,
        Document,
        Relationship,
        RelationshipType,
        SpdxNone,
    )

    ids = element_ids(plan)
    licences = _Licences()
    packages = [_package(p, ids[p.ref], licences, p.sha256s()) for p in plan.components]
    relationships = []
    if plan.root is not None and ids.root is not None:
        packages.insert(
            0, _package(plan.root, ids.root, licences, [sha for _, sha in plan.artifacts])
        )
        described = [ids.root]
    else:
        described = [ids[p.ref] for p in plan.components if not p.component.build_only]
    relationships += [
        Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, d) for d in described
    ]
    # A package known to depend on nothing DEPENDS_ON NONE, as CycloneDX lists it with an
    # empty dependsOn: the build environment, and runtime packages without dependencies.
    for ref, deps in [*plan.edges, *((p.ref, ()) for p in plan.build_only)]:
        targets = [ids[d] for d in deps] or [SpdxNone()]
        relationships += [Relationship(ids[ref], RelationshipType.DEPENDS_ON, t) for t in targets]
    builds = ids.root or "SPDXRef-DOCUMENT"
    relationships += [
        Relationship(ids[p.ref], RelationshipType.BUILD_DEPENDENCY_OF, builds)
        for p in plan.build_only
    ]
    info = CreationInfo(
        "SPDX-2.3",
        "SPDXRef-DOCUMENT",
        document_name(plan),
        PENDING_NAMESPACE,
        [Actor(ActorType.TOOL, f"chainproof-{__version__}")],
        timestamp,
    )
    return Document(
        info,
        packages=packages,
        relationships=relationships,
        extracted_licensing_info=licences.infos(),
    )


def render_v2(plan: SbomPlan, options: RenderOptions) -> str:
    """The validated document as canonical JSON."""
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
    from spdx_tools.spdx.writer.write_utils import convert

    document = _document(plan, created(0))
    problems = validate_full_spdx_document(document, "SPDX-2.3")
    if problems:
        raise ValueError(
            "chainproof built an SPDX 2.3 document its validator rejects: "
            + "; ".join(p.validation_message for p in problems[:3])
        )
    data = convert(document, None)
    data["documentNamespace"] = namespace(plan, canonical_json(data))
    data["creationInfo"]["created"] = created(options.timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")
    return canonical_json(data)
