"""in-toto layouts in ``verify``: the supply chain a signed layout describes, and the artifacts
it shipped.

``layout_products`` runs in-toto's verification through
:func:`chainproof.verify.layout_check.verify_layout` (layout signature and expiry, link
signatures and thresholds, artifact rules, inspections over copies of the artifacts), then
returns the sha256 of every product of the layout's last step (in-toto's summary link). An
artifact passes the ``layout`` check only if its sha256 is one of them: the verified chain is
bound to the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chainproof.errors import InputError
from chainproof.formats.intoto_layout import load_layout
from chainproof.verify.layout_check import verify_layout

__all__ = ["inspection_names", "layout_products"]


def layout_products(
    layout: Path, layout_key: Path, links: Path, artifacts: Sequence[Path] = ()
) -> frozenset[str]:
    """Verify the chain; raise VerificationFailed (or InputError) when it does not hold."""
    if links.exists() and not links.is_dir():
        raise InputError(f"--links {links} is a file, not a directory.")
    products = verify_layout(layout, [layout_key], links, artifacts)
    return frozenset(
        digest["sha256"].lower()
        for digest in products.values()
        if isinstance(digest, dict) and isinstance(digest.get("sha256"), str)
    )


def inspection_names(layout: Path) -> tuple[str, ...]:
    """The layout's inspections: they run on artifact files, so a bare digest cannot pass them."""
    return tuple(i.name for i in load_layout(layout).get_payload().inspect)
