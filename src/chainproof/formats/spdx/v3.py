"""SPDX 3.0.1 JSON-LD built with spdx-python-model's bindings (generated from the 3.0.1 model
by shacl2code): they check each value's type as it is set and every property's cardinality as
the document is serialised, so a document the model rejects raises before anything is written.
No hand-written JSON-LD, and no copy of the 3.0.1 JSON schema to keep in step.

Each component a ``software_Package`` (version, purl as ``software_packageUrl`` and an
external identifier, the file's URL as ``software_downloadLocation``, a sha256 ``Hash`` per
hash); the release is the SBOM's root element, its hashes the artifacts'; a ``dependsOn``
relationship per package with dependencies; the build environment as a ``dependsOn`` of the
release scoped to ``build``; declared licences as ``hasDeclaredLicense`` to a licence
expression (or a custom licence for a name that is no SPDX expression).
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

__all__ = ["render_v3"]


class _Builder:
    def __init__(self, plan: SbomPlan) -> None:
        from spdx_python_model import v3_0_1 as model

        self.m = model
        self.plan = plan
        self.ids = element_ids(plan)
        self.objects: list[Any] = []
        self.licences: dict[str, Any] = {}
        self.count = 0
        agent = model.SoftwareAgent(spdxId=self.iri("SPDXRef-Agent-chainproof"), name="chainproof")
        tool = model.Tool(
            spdxId=self.iri("SPDXRef-Tool-chainproof"), name=f"chainproof-{__version__}"
        )
        self.info = model.CreationInfo(
            specVersion="3.0.1", created=created(0), createdBy=[agent], createdUsing=[tool]
        )
        agent.creationInfo = tool.creationInfo = self.info
        self.objects += [agent, tool]

    def iri(self, local: str) -> str:
        return f"{PENDING_NAMESPACE}#{local}"

    def add(self, obj: Any) -> Any:
        obj.creationInfo = self.info
        self.objects.append(obj)
        return obj

    def relationship(self, source: Any, kind: str, targets: list[Any], **extra: Any) -> None:
        self.count += 1
        scoped = "scope" in extra
        cls = self.m.LifecycleScopedRelationship if scoped else self.m.Relationship
        self.add(
            cls(
                spdxId=self.iri(f"SPDXRef-Relationship-{self.count}"),
                from_=source,
                relationshipType=kind,
                to=targets,
                **extra,
            )
        )

    def licence(self, component: Any) -> list[Any]:
        m = self.m
        found = []
        if component.license_expression:
            expression = component.license_expression
            if expression not in self.licences:
                self.licences[expression] = self.add(
                    m.simplelicensing_LicenseExpression(
                        spdxId=self.iri(
                            f"SPDXRef-{licence_ref(expression).removeprefix('LicenseRef-')}"
                        ),
                        simplelicensing_licenseExpression=expression,
                    )
                )
            found.append(self.licences[expression])
        for name in component.license_names:
            if name not in self.licences:
                self.licences[name] = self.add(
                    m.expandedlicensing_CustomLicense(
                        spdxId=self.iri(licence_ref(name)),
                        name=name,
                        simplelicensing_licenseText=name,
                    )
                )
            found.append(self.licences[name])
        return found

    def package(self, planned: PlannedComponent, spdx_id: str, sha256s: list[str]) -> Any:
        m = self.m
        component = planned.component
        purl = purl_for(component)
        optional = {
            "software_packageVersion": component.version or None,
            "software_downloadLocation": strip_credentials(component.url)
            if component.url
            else None,
            "comment": "The build environment: needed to build the release, not to run it."
            if component.build_only
            else None,
        }
        package = self.add(
            m.software_Package(
                spdxId=self.iri(spdx_id),
                name=component.name,
                software_packageUrl=purl,
                software_primaryPurpose=m.software_SoftwarePurpose.library,
                verifiedUsing=[
                    m.Hash(algorithm=m.HashAlgorithm.sha256, hashValue=sha) for sha in sha256s
                ],
                externalIdentifier=[
                    m.ExternalIdentifier(
                        externalIdentifierType=m.ExternalIdentifierType.packageUrl, identifier=purl
                    )
                ],
                **{k: v for k, v in optional.items() if v is not None},
            )
        )
        declared = self.licence(component)
        if declared:
            self.relationship(package, m.RelationshipType.hasDeclaredLicense, declared)
        return package

    def document(self) -> Any:
        m, plan, ids = self.m, self.plan, self.ids
        by_ref = {p.ref: self.package(p, ids[p.ref], p.sha256s()) for p in plan.components}
        if plan.root is not None and ids.root is not None:
            root = self.package(plan.root, ids.root, [sha for _, sha in plan.artifacts])
            by_ref[plan.root.ref] = root
            roots = [root]
        else:
            roots = [by_ref[p.ref] for p in plan.components if not p.component.build_only]
        # no dependencies: dependsOn NoneElement, as CycloneDX's empty dependsOn
        for ref, deps in [*plan.edges, *((p.ref, ()) for p in plan.build_only)]:
            self.relationship(
                by_ref[ref],
                m.RelationshipType.dependsOn,
                [by_ref[d] for d in deps] or [m.IndividualElement.NoneElement],
            )
        if plan.build_only and plan.root is not None:
            self.relationship(
                by_ref[plan.root.ref],
                m.RelationshipType.dependsOn,
                [by_ref[p.ref] for p in plan.build_only],
                scope=m.LifecycleScopeType.build,
            )
        elements = list(self.objects)
        sbom = self.add(
            m.software_Sbom(
                spdxId=self.iri("SPDXRef-Sbom"),
                name=document_name(plan),
                rootElement=roots,
                element=elements,
            )
        )
        self.add(
            m.SpdxDocument(
                spdxId=self.iri("SPDXRef-DOCUMENT"),
                name=document_name(plan),
                dataLicense="https://spdx.org/licenses/CC0-1.0",
                rootElement=[sbom],
                element=[*elements, sbom],
            )
        )
        return m.SHACLObjectSet(self.objects)


def render_v3(plan: SbomPlan, options: RenderOptions) -> str:
    """The document as canonical JSON-LD; the bindings raise ValueError or TypeError for a
    document the model rejects."""
    from spdx_python_model import v3_0_1 as model

    objects = _Builder(plan).document()
    data = model.JSONLDSerializer().serialize_data(objects)
    draft = canonical_json(data)
    for node in data.get("@graph", []):
        if node.get("type") == "CreationInfo":
            node["created"] = created(options.timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")
    return canonical_json(data).replace(PENDING_NAMESPACE, namespace(plan, draft))
