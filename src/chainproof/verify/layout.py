"""in-toto layouts in ``verify``: the supply chain a signed layout describes, and the artifacts
it shipped.

``layout_products`` runs in-toto's verification through :func:`chainproof.signing.verify_layout`
(layout signature and expiry, link signatures and thresholds, command alignment, artifact
rules), then returns the sha256 of every product of the layout's last step, read from the links
whose signatures in-toto's ``verify_link_signature_thresholds`` accepts. An artifact passes the
``layout`` check only if its sha256 is one of them: the verified chain is bound to the files.
"""

from __future__ import annotations

from pathlib import Path

from chainproof.errors import InputError

__all__ = ["layout_products"]


def layout_products(layout: Path, layout_key: Path, links: Path) -> frozenset[str]:
    """Verify the chain; raise VerificationFailed (or InputError) when it does not hold."""
    from in_toto.models.metadata import Metadata
    from in_toto.verifylib import load_links_for_layout, verify_link_signature_thresholds

    from chainproof.signing import verify_layout

    if links.exists() and not links.is_dir():
        raise InputError(f"--links {links} is a file, not a directory.")
    if not links.is_dir():
        raise InputError(f"The links directory {links} does not exist.")
    verify_layout(layout, [layout_key], links)
    payload = Metadata.load(str(layout)).get_payload()
    verified = verify_link_signature_thresholds(payload, load_links_for_layout(payload, str(links)))
    found: set[str] = set()
    for metadata in verified.get(payload.steps[-1].name, {}).values() if payload.steps else ():
        link = metadata.get_payload()
        if getattr(link, "_type", None) != "link":
            continue  # a sublayout: its products are not read here, so they never count
        for digest in link.products.values():
            if isinstance(digest, dict) and isinstance(digest.get("sha256"), str):
                found.add(digest["sha256"].lower())
    return frozenset(found)
