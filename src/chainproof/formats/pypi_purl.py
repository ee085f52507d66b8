"""A PyPI package's identity from an SBOM entry's purl, name and version, as every SBOM reader
judges it: the purl is the identity, the name is kept for display when it agrees."""

from __future__ import annotations

import re
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from chainproof.models import version_key

__all__ = ["pypi_identity", "pypi_purl"]

_PYPI_PURL = re.compile(r"pkg:pypi/([^@?#]+)(?:@([^?#]*))?(?:\?[^#]*)?(?:#.*)?", re.IGNORECASE)


def pypi_purl(purl: str) -> tuple[str, str | None] | None:
    """(name, version) of a ``pkg:pypi/...`` purl; None for any other type.

    A regular expression rather than packageurl-python: this runs once per component and the
    library's general parser is the slowest step of reading a 1,000-component SBOM.
    """
    match = _PYPI_PURL.fullmatch(purl.strip())
    if match is None:
        return None
    return unquote(match.group(1)), unquote(match.group(2)) if match.group(2) else None


def pypi_identity(name: object, version: object, purl: object) -> tuple[str, str] | str:
    """(name, version) of a PyPI package, or why the entry cannot be checked as one."""
    pypi = pypi_purl(purl) if isinstance(purl, str) else None
    if pypi is None:
        why = f"purl {purl}" if isinstance(purl, str) else "no purl"
        return f"not a PyPI package ({why})"
    if "/" in pypi[0]:
        return f"not a valid PyPI purl ({purl} has a namespace)"
    purl_name, purl_version = pypi
    given = isinstance(version, str) and bool(version) and bool(purl_version)
    if given and version_key(str(version)) != version_key(str(purl_version)):
        return f"its version {version} and its purl's version {purl_version} differ"
    version = version if isinstance(version, str) and version else purl_version
    if not version:
        return "it has no version"
    same = isinstance(name, str) and canonicalize_name(name) == canonicalize_name(purl_name)
    return (str(name) if same else purl_name), version
