"""What SPDX 2.3 and 3.0.1 documents of one ``SbomPlan`` share: element ids, the document's
name, its namespace derived from the content, the creation time and licence references."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from chainproof.formats.sbom_plan import SbomPlan

__all__ = [
    "PENDING_NAMESPACE",
    "SPEC_VERSIONS",
    "created",
    "document_name",
    "element_ids",
    "licence_ref",
    "namespace",
]

SPEC_VERSIONS = ("2.3", "3.0.1")
# The namespace while the content is hashed; replaced by ``namespace(...)`` in the output.
PENDING_NAMESPACE = "https://chainproof.dev/spdx/pending-0b1f4c1e"
_BASE = "https://chainproof.dev/spdx/"
_NAMESPACE_UUID = uuid.UUID("8d2f3c4e-5b6a-4f70-9e1d-737064786a73")
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def created(timestamp: int | None) -> datetime:
    """SOURCE_DATE_EPOCH's time (the caller's ``timestamp``), else now, to the second."""
    if timestamp is None:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime.fromtimestamp(timestamp, UTC)


def document_name(plan: SbomPlan) -> str:
    root = plan.root.component if plan.root is not None else None
    return f"{root.name}-{root.version}" if root is not None else "chainproof-sbom"


def namespace(plan: SbomPlan, draft: str) -> str:
    """A unique URI for the document from its content (``draft``: the document with
    ``PENDING_NAMESPACE`` and the epoch as its creation time), as a CycloneDX serial number."""
    digest = hashlib.sha256(draft.encode()).hexdigest()
    return f"{_BASE}{_UNSAFE.sub('-', document_name(plan))}-{uuid.uuid5(_NAMESPACE_UUID, digest)}"


@dataclass(frozen=True)
class ElementIds:
    """``SPDXRef-…`` ids (letters, digits, ``.`` and ``-``) for the plan's references."""

    by_ref: dict[str, str]
    root: str | None

    def __getitem__(self, ref: str) -> str:
        return self.by_ref[ref]


def element_ids(plan: SbomPlan) -> ElementIds:
    taken = {"SPDXRef-DOCUMENT"}
    by_ref: dict[str, str] = {}

    def allocate(ref: str, prefix: str) -> str:
        if ref.startswith("build:"):
            prefix, ref = "Build", ref.removeprefix("build:")
        base = f"SPDXRef-{prefix}-{_UNSAFE.sub('-', ref.removeprefix('pkg:pypi/'))}"
        spdx_id, count = base, 2
        while spdx_id in taken:
            spdx_id, count = f"{base}-{count}", count + 1
        taken.add(spdx_id)
        return spdx_id

    root = allocate(plan.root.ref, "Release") if plan.root is not None else None
    for planned in plan.components:
        by_ref[planned.ref] = allocate(planned.ref, "Package")
    if plan.root is not None and root is not None:
        by_ref[plan.root.ref] = root
    return ElementIds(by_ref, root)


def licence_ref(name: str) -> str:
    """A ``LicenseRef-`` id for a licence name that is no SPDX expression, from its text."""
    return f"LicenseRef-{hashlib.sha256(name.encode()).hexdigest()[:16]}"
