"""The arguments of one ``chainproof step`` for in-toto tests: a step that writes one file
(stands in for build/sbom/sign: fast, offline), signed with dev.key, into links/."""

from __future__ import annotations

import sys

__all__ = ["step_args"]


def step_args(name: str, materials: str, product: str, text: str) -> list[str]:
    """``step NAME`` with dev.key, recording MATERIALS and dist/ into links/, whose command
    writes TEXT to PRODUCT."""
    code = (
        f"import pathlib; p = pathlib.Path({product!r}); p.parent.mkdir(exist_ok=True); "
        f"p.write_text({text!r})"
    )
    return [
        "step",
        name,
        "--key",
        "dev.key",
        "--materials",
        materials,
        "--products",
        "dist",
        "--links",
        "links",
        "--",
        sys.executable,
        "-c",
        code,
    ]
