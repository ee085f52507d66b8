"""Masking credentials before a URL is written or shown: a token in an index or repository
URL must never reach an SBOM, a record or a message."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["strip_credentials"]


def strip_credentials(uri: str) -> str:
    """Drop user name and password from a URL (tokens often hide there); scp-like paths keep
    their user, which cannot carry a password."""
    if "@" not in uri:  # nothing to drop; the common case, for every file of an index page
        return uri
    parts = urlsplit(uri)
    if not parts.scheme or parts.netloc.rfind("@") < 0:
        return uri
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
