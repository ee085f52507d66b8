"""``render(result, options) -> Rendered``: an inventory as SPDX 2.3 JSON or SPDX 3.0.1
JSON-LD, from the same ``formats.sbom_plan`` as CycloneDX, validated; nothing is written here."""

from __future__ import annotations

from chainproof.errors import InputError
from chainproof.formats.sbom_plan import Rendered, RenderOptions, plan_sbom
from chainproof.formats.spdx.common import SPEC_VERSIONS
from chainproof.formats.spdx.v2 import render_v2
from chainproof.formats.spdx.v3 import render_v3
from chainproof.models import SourceResult

__all__ = ["FORMAT", "SPEC_VERSIONS", "render"]

FORMAT = "spdx-json"


def render(result: SourceResult, options: RenderOptions) -> Rendered:
    if options.spec_version not in SPEC_VERSIONS:
        raise InputError(
            f"SPDX {options.spec_version} is not supported; use {', '.join(SPEC_VERSIONS)}."
        )
    plan = plan_sbom(result, options.allow_missing_hashes)
    write = render_v2 if options.spec_version == "2.3" else render_v3
    return Rendered(write(plan, options), plan.warnings, len(result.inventory.components))
