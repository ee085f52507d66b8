"""CycloneDX assembly with cyclonedx-python-lib, strict validation and deterministic bytes.

``render(result, options) -> str`` turns a SourceResult into CycloneDX 1.5/1.6/1.7 JSON or XML:

- the components, their references (bom-refs) and edges of ``formats.sbom_plan``, in the
  library's stable order (type, name, version); the build environment has scope ``excluded``
  and property ``chainproof:build-only=true``;
- purls per the pypi purl spec with PEP 503 names (lower case, ``_``/``.`` → ``-``); each
  component's sha256, and its file's URL as an external reference of type ``distribution``
  carrying the same hash and the file name as comment; PEP 770 SBOMs as references of type ``bom``;
- licences: an SPDX expression, else licence names;
- ``SourceResult.properties`` as properties of ``metadata`` (``chainproof:closure``: where a
  release's runtime closure came from);
- components without a sha256 (``sbom_plan``'s check) carry ``chainproof:hash:missing=true``;
- timestamp from SOURCE_DATE_EPOCH (else the build record's, else now); the serial number is a
  UUID derived from the document's content without timestamp and serial.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import warnings
from datetime import UTC, datetime
from typing import Any

from chainproof import __version__
from chainproof.errors import InputError
from chainproof.fileio import canonical_json
from chainproof.formats.cyclonedx.schema import validate_json, validate_xml
from chainproof.formats.sbom_plan import Rendered, RenderOptions, plan_sbom, purl_for
from chainproof.models import Component, ComponentDetails, SourceResult
from chainproof.redact import strip_credentials  # an index URL may carry a token

__all__ = ["SPEC_VERSIONS", "RenderOptions", "Rendered", "purl_for", "render"]

SPEC_VERSIONS = ("1.5", "1.6", "1.7")
_SERIAL_NAMESPACE = uuid.UUID("5f0c7c8e-2b7a-4c51-9c1e-6c6861696e70")


def _cdx_component(
    component: Component,
    details: ComponentDetails | None,
    missing: bool,
    ref: str,
    root: bool = False,
) -> Any:
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        Property,
        XsUri,
    )
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentScope, ComponentType
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
    from packageurl import PackageURL

    hashes = [
        HashType(alg=HashAlgorithm.SHA_256, content=d.value)
        for d in component.hashes
        if d.algorithm == "sha256"
    ]
    refs = []
    if component.url:
        refs.append(
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION,
                url=XsUri(strip_credentials(component.url)),
                hashes=hashes,
                comment=component.filename,
            )
        )
    properties = [Property(name=k, value=v) for k, v in (details.properties if details else ())]
    for sbom in details.embedded_sboms if details else ():
        refs.append(
            ExternalReference(
                type=ExternalReferenceType.BOM,
                url=XsUri(sbom.location),
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sbom.sha256)],
                comment="PEP 770 SBOM embedded in the distribution",
            )
        )
    if component.build_only:
        properties.append(Property(name="chainproof:build-only", value="true"))
    if missing:
        properties.append(Property(name="chainproof:hash:missing", value="true"))
    licenses: list[Any] = []
    if component.license_expression:
        licenses = [LicenseExpression(component.license_expression)]
    else:
        licenses = [DisjunctiveLicense(name=n) for n in component.license_names]
    return CdxComponent(
        type=ComponentType.LIBRARY,
        name=component.name,
        version=component.version or None,
        bom_ref=ref,
        purl=PackageURL.from_string(purl_for(component)),
        hashes=hashes,
        external_references=refs,
        licenses=licenses,
        properties=properties,
        scope=None
        if root
        else (ComponentScope.EXCLUDED if component.build_only else ComponentScope.REQUIRED),
    )


def _build_bom(result: SourceResult, options: RenderOptions) -> tuple[Any, list[str]]:
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        Property,
        XsUri,
    )
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentType
    from cyclonedx.model.dependency import Dependency

    plan = plan_sbom(result, options.allow_missing_hashes)
    by_ref: dict[str, Any] = {}
    cdx_components = []
    for planned in plan.components:
        cdx = _cdx_component(planned.component, planned.details, planned.missing, planned.ref)
        cdx_components.append(cdx)
        by_ref[planned.ref] = cdx
    root_cdx = None
    if plan.root is not None:
        root_cdx = _cdx_component(
            plan.root.component, plan.root.details, False, plan.root.ref, True
        )
        if plan.artifacts:
            root_cdx.hashes = [
                HashType(alg=HashAlgorithm.SHA_256, content=sha) for _, sha in plan.artifacts
            ]
            root_cdx.external_references = [
                ExternalReference(
                    type=ExternalReferenceType.DISTRIBUTION,
                    url=XsUri(name),
                    hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha)],
                )
                for name, sha in plan.artifacts
            ] + list(root_cdx.external_references)
        by_ref[plan.root.ref] = root_cdx
    dependencies = [
        Dependency(
            ref=by_ref[ref].bom_ref, dependencies=[Dependency(ref=by_ref[d].bom_ref) for d in deps]
        )
        for ref, deps in plan.edges
    ]
    dependencies += [Dependency(ref=by_ref[p.ref].bom_ref) for p in plan.build_only]
    tool = CdxComponent(type=ComponentType.APPLICATION, name="chainproof", version=__version__)
    metadata = BomMetaData(
        component=root_cdx,
        timestamp=datetime.fromtimestamp(0, UTC),
        properties=[Property(name=k, value=v) for k, v in result.properties],
    )
    metadata.tools.components.add(tool)
    bom = Bom(
        components=cdx_components,
        metadata=metadata,
        dependencies=dependencies,
        serial_number=uuid.UUID(int=0),
    )
    return bom, list(plan.warnings)


def _serialise(bom: Any, options: RenderOptions) -> str:
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    fmt = OutputFormat.JSON if options.output_format == "json" else OutputFormat.XML
    outputter = make_outputter(bom, fmt, SchemaVersion.from_version(options.spec_version))
    with warnings.catch_warnings():
        # The library warns that the graph is incomplete whenever the root's dependsOn is
        # empty. Ours always lists the root's runtime dependencies; an empty list means the
        # release has none (only build-time components), which is complete, not missing.
        warnings.filterwarnings(
            "ignore", message="The Component this BOM is describing", category=UserWarning
        )
        return outputter.output_as_string(indent=2)


def render(result: SourceResult, options: RenderOptions) -> Rendered:
    """Build, validate and serialise the SBOM; nothing is written here."""
    if options.spec_version not in SPEC_VERSIONS:
        raise InputError(
            f"CycloneDX {options.spec_version} is not supported; use {', '.join(SPEC_VERSIONS)}."
        )
    if options.output_format not in ("json", "xml"):
        raise InputError(f"--format {options.output_format!r} is not json or xml.")
    bom, warnings = _build_bom(result, options)
    # Serial number from the content: serialise with a zero serial and the epoch timestamp.
    draft = _serialise(bom, options)
    bom.serial_number = uuid.uuid5(_SERIAL_NAMESPACE, hashlib.sha256(draft.encode()).hexdigest())
    bom.metadata.timestamp = (
        datetime.now(UTC).replace(microsecond=0)
        if options.timestamp is None
        else datetime.fromtimestamp(options.timestamp, UTC)
    )
    text = _serialise(bom, options)
    if options.output_format == "json":
        document = json.loads(text)
        validate_json(document, options.spec_version)
        text = canonical_json(document)
    else:
        validate_xml(text, options.spec_version)
        text = text if text.endswith("\n") else text + "\n"
    return Rendered(text, tuple(warnings), len(result.inventory.components))
