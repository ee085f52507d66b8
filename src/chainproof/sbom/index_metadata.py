"""Core metadata of locked wheels read straight from their URLs, in parallel (PEP 658 / PEP 714).

Why not only pip: ``PipMetadata``'s one ``pip install --dry-run --no-deps --report`` call starts
a resolver and, package after package, fetches the project's index page and then the file's
metadata, so a lock of ~100 pins spends seconds on round trips one at a time. A lock already
names each package's exact file: its core metadata is one GET of ``<wheel URL>.metadata`` away
(the file PEP 658 indexes serve beside each wheel and pip itself reads), and those GETs run in a
thread pool over one HTTP session.

For each component whose file is a wheel at an http(s) URL:

1. ``<URL>.metadata`` (the URL without its fragment, as pip forms it), parsed as the wheel's
   METADATA and kept when its Name and Version are the component's. A missing, unreadable or
   mismatching file is not an error: the next step decides.
2. When the lock gives the wheel's sha256, the wheel itself (an index without PEP 658 files:
   pip would download it too), streamed to a temporary file and checked against that sha256
   before its METADATA is read. A file that does not match the lock is VerificationFailed.

Everything else, or anything those steps could not serve (no URL, an sdist, a ``file:`` URL or
local path, a network error, a 404 for both), goes to the fallback provider, ``PipMetadata``
with the same index options, in one call: those keep today's behaviour and errors (exit 3 when
the index cannot be reached). With ``--no-index`` everything goes to the fallback (the index
options say where pip may look; the lock's URLs are not fetched).

The metadata is informational (graph, licences); the components' hashes still come only from
the lock. A metadata file read for a wheel the lock hashes is kept in the index cache
(chainproof.index.cache, by URL and sha256) and read from there next time: no request.

This reader keeps its own HTTP session rather than ``IndexClient``'s: any network fault here
hands the package to the fallback (pip reports it), where the client raises.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainproof import __version__
from chainproof.errors import InputError, VerificationFailed
from chainproof.index.cache import IndexCache
from chainproof.models import Component
from chainproof.progress import Reporter
from chainproof.sbom.metadata import PackageMetadata, read_wheel
from chainproof.sbom.resolve import MetadataProvider, PipMetadata
from chainproof.sbom.target import TargetPlatform

if TYPE_CHECKING:
    import requests

__all__ = ["IndexMetadata", "metadata_of"]

_TIMEOUT = (10, 60)  # connect, read (seconds)
_MAX_METADATA = 16 * 1024 * 1024  # a METADATA file is kilobytes; anything huge is not one
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class IndexMetadata:
    """Metadata of locked wheels from ``<wheel URL>.metadata`` in parallel; the rest from
    ``fallback`` (default: ``PipMetadata(index_args)``)."""

    index_args: tuple[str, ...] = ()
    workers: int = 16
    fallback: MetadataProvider | None = field(default=None, compare=False)
    cache: IndexCache | None = field(default=None, compare=False)  # None: the default one

    def fetch(
        self, components: Sequence[Component], target: TargetPlatform, reporter: Reporter
    ) -> Mapping[str, PackageMetadata]:
        fallback = self.fallback or PipMetadata(self.index_args)
        direct: list[tuple[Component, str]] = []
        if "--no-index" not in self.index_args:  # then pip looks only where the options say
            direct = [(c, url) for c in components if (url := _wheel_url(c))]
        cache = self.cache or IndexCache.default()
        found = _fetch_all(direct, self.workers, reporter, cache) if direct else {}
        rest = [c for c in components if c.key not in found]
        if rest and direct:
            reporter.log(
                f"{len(rest)} of {len(components)} packages have no wheel metadata at their "
                "URL; reading those with pip"
            )
        return {**found, **(fallback.fetch(rest, target, reporter) if rest else {})}


def _wheel_url(component: Component) -> str | None:
    """The component's wheel URL without its fragment, when it is an http(s) URL."""
    if not component.url or not (component.filename or "").endswith(".whl"):
        return None
    url = urldefrag(component.url).url
    return url if urlsplit(url).scheme in ("http", "https") else None


def _fetch_all(
    wheels: Sequence[tuple[Component, str]],
    workers: int,
    reporter: Reporter,
    cache: IndexCache | None,
) -> dict[str, PackageMetadata]:
    import requests
    from requests.adapters import HTTPAdapter

    reporter.step(f"Reading metadata of {len(wheels)} wheels from the index", len(wheels))
    found: dict[str, PackageMetadata] = {}
    with requests.Session() as session:
        session.headers["User-Agent"] = f"chainproof/{__version__}"
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=workers, max_retries=2)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures: dict[Future[PackageMetadata | None], Component] = {
                pool.submit(_fetch_one, session, c, url, cache): c for c, url in wheels
            }
            try:
                for future in as_completed(futures):
                    meta = future.result()
                    if meta is not None:
                        found[futures[future].key] = meta
                    reporter.advance()
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    return found


def _fetch_one(
    session: requests.Session, component: Component, url: str, cache: IndexCache | None
) -> PackageMetadata | None:
    """The metadata of the wheel at ``url`` from the cache or its ``.metadata`` file, else
    from the hash-checked wheel; None when neither can be had (the fallback then reads it)."""
    import requests

    sha256 = next((d.value for d in component.hashes if d.algorithm == "sha256"), None)
    cache = cache if sha256 else None
    if cache is not None and sha256:
        cached = cache.metadata(url, sha256)
        meta = metadata_of(cached, component) if cached is not None else None
        if meta is not None:
            return meta
    try:
        with session.get(f"{url}.metadata", timeout=_TIMEOUT, stream=True) as response:
            data = _body(response) if response.status_code == 200 else None
        meta = metadata_of(data, component) if data is not None else None
        if meta is not None:
            if cache is not None and sha256 and data is not None:
                cache.store_metadata(url, sha256, data)
            return meta
        return _from_wheel(session, url, sha256, component, cache) if sha256 else None
    except requests.RequestException:
        return None  # pip reads it, and reports an unreachable index as today


def _body(response: requests.Response) -> bytes | None:
    """The response body, None when it is larger than any METADATA file."""
    data = bytearray()
    for chunk in response.iter_content(_CHUNK):
        data += chunk
        if len(data) > _MAX_METADATA:
            return None
    return bytes(data)


def metadata_of(data: bytes, component: Component) -> PackageMetadata | None:
    """Core metadata from a METADATA file's bytes (UTF-8, RFC 822 headers); None when it is
    not one or names another package or version. The file is not hash-checked, so bytes that
    are not UTF-8 make it untrusted (parse_email would read them as Latin-1)."""
    try:
        meta = PackageMetadata.from_email(data.decode("utf-8"))
    except (UnicodeDecodeError, KeyError):
        return None
    return meta if _describes(meta, component) else None


def _describes(meta: PackageMetadata, component: Component) -> bool:
    if canonicalize_name(meta.name) != component.key:
        return False
    try:
        return Version(meta.version) == Version(component.version)
    except InvalidVersion:
        return meta.version == component.version


def _from_wheel(
    session: requests.Session,
    url: str,
    sha256: str,
    component: Component,
    cache: IndexCache | None,
) -> PackageMetadata | None:
    """METADATA of the wheel at ``url`` once its bytes match the lock's sha256 (kept in the
    cache: the next run downloads nothing)."""
    with tempfile.TemporaryDirectory(prefix="chainproof-wheel-") as tmp:
        path = Path(tmp) / "download.whl"
        digest = hashlib.sha256()
        with session.get(url, timeout=_TIMEOUT, stream=True) as response:
            if response.status_code != 200:
                return None
            with path.open("wb") as out:
                # Raw bytes, as pip hashes downloads: a server that labels a file gzip-encoded
                # must not make it look altered.
                for chunk in response.raw.stream(_CHUNK, decode_content=False):
                    digest.update(chunk)
                    out.write(chunk)
        name = f"{component.name} {component.version} ({component.filename})"
        if digest.hexdigest() != sha256:
            raise VerificationFailed(
                f"The wheel of {name} at its URL does not match the sha256 the lock gives for it.",
                "The index serves other bytes than were locked: check the index, or re-lock.",
            )
        try:
            info = read_wheel(path)
        except InputError as exc:
            raise InputError(f"The wheel locked for {name} is not a readable wheel.") from exc
    meta = info.metadata
    if not _describes(meta, component):
        raise InputError(
            f"The wheel locked for {name} holds the metadata of {meta.name} {meta.version}."
        )
    if cache is not None:
        cache.store_metadata(url, sha256, info.metadata_bytes)
    return meta
