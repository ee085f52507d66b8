"""The package-index client: project pages (PEP 503 HTML or PEP 691 JSON, JSON preferred) and
file digests, over one keep-alive HTTP session, many pages at once in a thread pool.

- ``IndexClient.listing(index, name)``: the project's :class:`~chainproof.index.listing.
  ProjectListing`, None when the index does not serve that name (HTTP 404). Each (index, name)
  is fetched once per client; a failure is not remembered, so a later call asks again.
- ``IndexClient.listings(pairs)``: the same for many pairs, concurrently.
- ``IndexClient.sha256_of(url)``: the sha256 of the bytes a URL serves (streamed, capped).
- ``IndexClient.core_metadata(file)`` / ``core_metadatas(files)``: PEP 658 metadata files;
  ``wheel_metadata(file)`` / ``wheel_metadatas(files)`` fall back to the hash-checked wheel.

With an :class:`~chainproof.index.cache.IndexCache`, metadata of a file with a known sha256 is
read from disk once fetched (it never changes), and project pages are revalidated with their
ETag / Last-Modified (a 304 reuses the cached page).

Credentials come from the URL, pip's and uv's settings or netrc
(:mod:`chainproof.index.credentials`) and are sent as HTTP basic auth; the URL requested
never carries them, and no message, repr or exception text shows them (URLs go through
``redact.strip_credentials``). Credentials an index accepted are reused for other URLs on
the same scheme, host and port (its files), as pip does. A redirect to another host drops
them (requests' rule); the session trusts the environment (proxies, CA bundle, netrc).

Faults are ``InfrastructureError`` (exit 3): an index that cannot be reached (refused,
unresolvable, timed out, TLS), answers 5xx or another unexpected status, refuses the
credentials (401/403, with a hint where chainproof looks for them) or serves a page that is
neither simple-API JSON nor HTML.

Offline: ``IndexClient(offline=True)`` opens no connection; every call the cache cannot
answer raises ``InfrastructureError`` ("... chainproof runs offline"). A caller whose check
needs the index reports it as not checked, the same way it handles an index that cannot be
reached, and may test ``client.offline`` first to say so without asking.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from packaging.utils import canonicalize_name

from chainproof import __version__
from chainproof.errors import InfrastructureError, UsageError, VerificationFailed
from chainproof.formats.dist_archive import wheel_metadata
from chainproof.index.cache import CachedPage, IndexCache
from chainproof.index.credentials import CredentialLookup, IndexCredentials, credentials_in_url
from chainproof.index.filenames import file_version
from chainproof.index.listing import IndexFile, MetadataFile, ProjectListing, sorted_versions
from chainproof.models import parse_timestamp
from chainproof.redact import strip_credentials

if TYPE_CHECKING:
    import pypi_simple
    import requests

__all__ = ["MAX_FILE_BYTES", "IndexClient", "default_index_url"]

MAX_FILE_BYTES = 5 * 1024**3  # more than the largest wheels; an endless stream stops here
_API_MAJOR = 1  # the simple API version read (PEP 629): a newer major one is refused
MAX_METADATA_BYTES = 16 * 1024**2  # a METADATA file (long descriptions included)
_CHUNK = 1024 * 1024
_NAME = re.compile(r"[A-Z0-9]([A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE)  # PEP 508
_CREDENTIAL_HINT = (
    "Give credentials for it where pip and uv look: in the index URL of PIP_INDEX_URL, "
    "PIP_EXTRA_INDEX_URL or pip.conf, in UV_INDEX with UV_INDEX_<NAME>_USERNAME and "
    "UV_INDEX_<NAME>_PASSWORD, in uv.toml, or in ~/.netrc."
)

_Key = tuple[str, str]
_Origin = tuple[str, str, int]


def default_index_url() -> str:
    """The public index's simple API, pip's and uv's default index (as pypi-simple spells
    it, with the trailing slash). Read from pip's own constant when pip is there: its module
    loads in ~25 ms, the pypi-simple package in ~0.2 s (bs4, soupsieve, arrow), and only
    the constant is wanted here."""
    try:
        from pip._internal.models.index import PyPI

        return PyPI.simple_url.rstrip("/") + "/"
    except (ImportError, AttributeError):  # pip absent, or its internals moved
        import pypi_simple

        return pypi_simple.PYPI_SIMPLE_ENDPOINT


class IndexClient:
    """Reads package indexes over one ``requests.Session``; use it as a context manager.

    ``timeout`` is (connect, read) in seconds; ``workers`` the threads of ``listings``;
    ``env`` (default ``os.environ``) and ``project_dir`` say where credentials are looked up
    (``credentials`` replaces that lookup)."""

    def __init__(
        self,
        offline: bool = False,
        timeout: tuple[float, float] = (10, 60),
        workers: int = 16,
        env: Mapping[str, str] | None = None,
        project_dir: Path | None = None,
        credentials: CredentialLookup | None = None,
        cache: IndexCache | None = None,
    ) -> None:
        self.offline = offline
        self.cache = cache
        self.timeout = timeout
        self.workers = max(1, workers)
        self._env = env
        self._project_dir = project_dir
        self._credentials = credentials
        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._pages: dict[_Key, Future[ProjectListing | None]] = {}
        self._accepted: dict[_Origin, IndexCredentials] = {}

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session's connections (a later call opens a new session)."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    # project pages

    def listing(self, index_url: str, name: str) -> ProjectListing | None:
        """``name``'s page on the index at ``index_url`` (its simple-API root), or None when
        the index does not serve that name."""
        key = _page_key(index_url, name)
        with self._lock:
            cell = self._pages.get(key)
            owner = cell is None
            if cell is None:
                cell = self._pages[key] = Future()
        if owner:
            try:
                cell.set_result(self._fetch_listing(key[0], index_url, name))
            except BaseException as exc:
                with self._lock:
                    del self._pages[key]  # not remembered: a later call asks again
                cell.set_exception(exc)
                raise
        return cell.result()

    def listings(
        self, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ProjectListing | None]:
        """:meth:`listing` of each (index URL, name) pair, concurrently, each page fetched
        once; keyed by the pairs as given. The first failure, in the pairs' order, is
        raised."""
        wanted = list(dict.fromkeys(pairs))
        unique: dict[_Key, tuple[str, str]] = {}
        for pair in wanted:
            unique.setdefault(_page_key(*pair), pair)
        found: dict[_Key, ProjectListing | None] = {}
        if len(unique) <= 1:
            found = {key: self.listing(*pair) for key, pair in unique.items()}
        else:
            with ThreadPoolExecutor(min(self.workers, len(unique)), "chainproof-index") as pool:
                futures = {key: pool.submit(self.listing, *pair) for key, pair in unique.items()}
                try:
                    found = {key: future.result() for key, future in futures.items()}
                except BaseException:
                    pool.shutdown(cancel_futures=True)
                    raise
        return {pair: found[_page_key(*pair)] for pair in wanted}

    def _fetch_listing(self, index: str, given: str, name: str) -> ProjectListing | None:
        import pypi_simple

        normalised = canonicalize_name(name)
        url = f"{index}/{normalised}/"
        subject = f"The index {index}"
        cached = self.cache.page(url) if self.cache is not None else None
        if self.offline:
            if cached is None:
                self._refuse_offline(f"The index {index} was not asked about {name}")
            assert cached is not None
            return _parsed(index, normalised, cached)
        headers = {"Accept": pypi_simple.ACCEPT_JSON_PREFERRED}
        if cached is not None:  # revalidate: an unchanged page is answered with a 304
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        response, sent = self._get(url, given, subject, headers=headers)
        with response:
            if response.status_code == 304 and cached is not None:
                return _parsed(index, normalised, cached)
            if response.status_code == 404:
                return None
            _check_status(response, sent, subject, f" for the page of {normalised}")
            page = CachedPage(
                strip_credentials(response.url),
                response.content,
                response.headers.get("Content-Type", "text/html"),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
            )
        listing = _parsed(index, normalised, page)
        if self.cache is not None:
            self.cache.store_page(url, page)
        return listing

    # files

    def sha256_of(self, url: str, max_bytes: int = MAX_FILE_BYTES) -> str:
        """The sha256 (lower-case hex) of the bytes served at ``url``, as pip hashes a
        download (not decoded); InfrastructureError past ``max_bytes``."""
        digest = hashlib.sha256()
        shown = strip_credentials(url)
        if not self._download(url, max_bytes, digest.update):
            raise InfrastructureError(f"The file {shown} is not on its index (HTTP 404).")
        return digest.hexdigest()

    def download(self, url: str, sink: Callable[[bytes], object]) -> str:
        """Stream the bytes at ``url`` into ``sink``; their sha256, as :meth:`sha256_of`."""
        digest = hashlib.sha256()

        def both(chunk: bytes) -> None:
            digest.update(chunk)
            sink(chunk)

        if not self._download(url, MAX_FILE_BYTES, both):
            raise InfrastructureError(
                f"The file {strip_credentials(url)} is not on its index (HTTP 404)."
            )
        return digest.hexdigest()

    def core_metadata(
        self, file: MetadataFile, max_bytes: int = MAX_METADATA_BYTES
    ) -> bytes | None:
        """The PEP 658 core metadata of a file (``<url>.metadata``), None when the index does
        not serve it; from the cache when it holds that file's, else fetched (and kept)."""
        cache = self.cache if file.file_sha256 else None
        if cache is not None and file.file_sha256:
            found = cache.metadata(file.url, file.file_sha256, file.metadata_sha256)
            if found is not None:
                return found
        chunks: list[bytes] = []
        if not self._download(f"{file.url}.metadata", max_bytes, chunks.append):
            return None
        data = b"".join(chunks)
        if file.metadata_sha256 and hashlib.sha256(data).hexdigest() != file.metadata_sha256:
            raise InfrastructureError(
                f"The core metadata of {strip_credentials(file.url)} does not match the sha256 "
                "its index publishes for it.",
                "The index serves inconsistent files: try again, or ask its operators.",
            )
        if cache is not None and file.file_sha256:
            cache.store_metadata(file.url, file.file_sha256, data)
        return data

    def wheel_metadata(self, file: MetadataFile) -> bytes | None:
        """A wheel's core metadata: its PEP 658 file, else (when its sha256 is known) the
        METADATA of the wheel itself, downloaded and checked against that sha256; kept in the
        cache either way. None when neither can be had."""
        data = self.core_metadata(file)
        if data is not None or not file.file_sha256 or not urlsplit(file.url).path.endswith(".whl"):
            return data
        with tempfile.TemporaryDirectory(prefix="chainproof-wheel-") as tmp:
            path = Path(tmp) / "download.whl"
            self.download_checked(file.url, path, file.file_sha256)
            data = wheel_metadata(path)
        if self.cache is not None:
            self.cache.store_metadata(file.url, file.file_sha256, data)
        return data

    def core_metadatas(self, files: Iterable[MetadataFile]) -> dict[str, bytes | None]:
        """:meth:`core_metadata` of each file, concurrently, keyed by the file's URL."""
        return self._each(self.core_metadata, files)

    def wheel_metadatas(self, files: Iterable[MetadataFile]) -> dict[str, bytes | None]:
        """:meth:`wheel_metadata` of each wheel, concurrently, keyed by the file's URL."""
        return self._each(self.wheel_metadata, files)

    def _each(
        self, read: Callable[[MetadataFile], bytes | None], files: Iterable[MetadataFile]
    ) -> dict[str, bytes | None]:
        """``read`` of each file in the thread pool; the first failure is raised."""
        wanted = {f.url: f for f in files}
        if len(wanted) <= 1:
            return {url: read(f) for url, f in wanted.items()}
        with ThreadPoolExecutor(min(self.workers, len(wanted)), "chainproof-index") as pool:
            futures = {url: pool.submit(read, f) for url, f in wanted.items()}
            try:
                return {url: future.result() for url, future in futures.items()}
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise

    def download_checked(self, url: str, destination: Path, sha256: str) -> None:
        """The file at ``url`` into ``destination``, checked against ``sha256`` (as pip hashes
        a download: the bytes served, not decoded); VerificationFailed when it differs."""
        with destination.open("wb") as out:
            served = self.download(url, out.write)
        if served != sha256.lower():
            raise VerificationFailed(
                f"The file {strip_credentials(url)} does not match the sha256 its index and "
                "the lock give.",
                "The index serves other bytes than it lists: check the index, or re-lock.",
            )

    def _download(self, url: str, max_bytes: int, sink: Callable[[bytes], object]) -> bool:
        """Stream the bytes at ``url`` into ``sink`` (not decoded); False on HTTP 404."""
        import requests
        import urllib3

        shown = strip_credentials(url)
        self._refuse_offline(f"The file {shown} was not downloaded")
        subject = f"The file {shown}"
        size = 0
        response, sent = self._get(shown, url, subject, stream=True)
        with response:
            if response.status_code == 404:
                return False
            _check_status(response, sent, subject, "")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise InfrastructureError(_too_large(subject, max_bytes))
            try:
                for chunk in response.raw.stream(_CHUNK, decode_content=False):
                    size += len(chunk)
                    if size > max_bytes:
                        raise InfrastructureError(_too_large(subject, max_bytes))
                    sink(chunk)
            except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
                raise InfrastructureError(
                    f"{subject} cannot be downloaded: {_reason(exc, self.timeout)}."
                ) from None
        return True

    # the session

    def _refuse_offline(self, what: str) -> None:
        if self.offline:
            raise InfrastructureError(
                f"{what}: chainproof runs offline.",
                "Run without --offline for the checks that need the package index.",
            )

    def _get(
        self,
        url: str,
        given: str,
        subject: str,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> tuple[requests.Response, IndexCredentials | None]:
        """GET ``url`` (no credentials in it) with the credentials for ``given`` (the URL
        as the caller gave it, perhaps with userinfo); the response and the credentials
        sent. The text of requests' exceptions is dropped (``from None``): it may quote a
        URL of the request or a proxy's URL with its credentials."""
        import requests

        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise UsageError(f"{subject} is not an http(s) URL: chainproof reads indexes by HTTP.")
        try:
            parts.port  # noqa: B018 (it checks the port)
        except ValueError:
            raise UsageError(f"{subject} has no valid port.") from None
        if not parts.hostname:
            raise UsageError(f"{subject} names no host.")
        credentials = self._credentials_for(url, given)
        auth = (credentials.username, credentials.password) if credentials else None
        try:
            response = self._http().get(
                url, headers=headers, auth=auth, timeout=self.timeout, stream=stream
            )
        except requests.RequestException as exc:
            raise InfrastructureError(
                f"{subject} cannot be reached: {_reason(exc, self.timeout)}."
            ) from None
        if credentials is not None and response.status_code == 200:
            with self._lock:  # the index's files, on the same host, get them too (as pip)
                self._accepted.setdefault(_origin(url), credentials)
        return response, credentials

    def _credentials_for(self, url: str, given: str) -> IndexCredentials | None:
        """In the URL as given; else the settings' for ``url``; else those the same origin
        accepted before; else netrc's."""
        lookup = self._lookup()
        found = credentials_in_url(given) or lookup.configured_for(url)
        if found is None:
            with self._lock:
                found = self._accepted.get(_origin(url))
        return found or lookup.netrc_for(url)

    def _lookup(self) -> CredentialLookup:
        with self._lock:
            if self._credentials is None:
                self._credentials = CredentialLookup.from_settings(
                    self._env, project_dir=self._project_dir
                )
            return self._credentials

    def _http(self) -> requests.Session:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        with self._lock:
            if self._session is None:
                session = requests.Session()
                session.trust_env = True  # proxies, the CA bundle and netrc of the environment
                session.headers["User-Agent"] = f"chainproof/{__version__}"
                retry = Retry(
                    total=2,
                    connect=2,
                    read=1,
                    status=2,
                    status_forcelist=(502, 503, 504),
                    backoff_factor=0.2,
                    raise_on_status=False,
                    respect_retry_after_header=False,
                )
                adapter = HTTPAdapter(
                    pool_connections=8, pool_maxsize=self.workers, max_retries=retry
                )
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                self._session = session
            return self._session


def _page_key(index_url: str, name: str) -> _Key:
    """(index URL without credentials or trailing ``/``, normalised name)."""
    if not _NAME.fullmatch(name.strip()):
        raise UsageError(f"{name!r} is not a valid project name.")
    return strip_credentials(index_url.strip()).rstrip("/"), canonicalize_name(name.strip())


def _origin(url: str) -> _Origin:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def _parsed(index: str, name: str, page: CachedPage) -> ProjectListing:
    """The listing of a page as served (JSON or HTML, by its Content-Type)."""
    import pypi_simple

    kind, _, params = page.content_type.partition(";")
    kind = kind.strip().lower()
    charset = next(
        (v.strip().strip('"') for k, _, v in (p.partition("=") for p in params.split(";"))
         if k.strip().lower() == "charset"),
        None,
    )  # fmt: skip
    subject = f"The index {index}"
    try:
        if kind == "application/vnd.pypi.simple.v1+json":
            return _json_listing(index, name, json.loads(page.body), page.url)
        if kind in ("application/vnd.pypi.simple.v1+html", "text/html"):
            parsed = pypi_simple.ProjectPage.from_html(name, page.body, page.url, charset)
        else:
            raise ValueError(kind)
    except pypi_simple.UnsupportedRepoVersionError as exc:
        raise InfrastructureError(
            f"{subject} serves version {exc.declared_version} of the simple API, "
            f"newer than chainproof reads ({exc.supported_version}).",
            "Upgrade chainproof.",
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InfrastructureError(
            f"{subject} served a page for {name} that is neither simple-API "
            f"JSON (PEP 691) nor HTML (PEP 503) ({_one_line(page.content_type)}).",
            "Check that the URL is the index's simple-API root (pip's --index-url).",
        ) from None
    return _listing(index, name, parsed)


def _json_listing(index: str, name: str, data: Any, base_url: str) -> ProjectListing:
    """A PEP 691 JSON page read with json alone: pypi-simple validates every file with
    pydantic, 0.6 s for the 15,000 files of one large project's page against 0.09 s here
    (measured on the public index's pydantic-core page); the HTML form still goes through
    pypi-simple. Versions come from the file names (:mod:`chainproof.index.filenames`)."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("not a PEP 691 project page")
    meta: dict[str, Any] = data["meta"] if isinstance(data.get("meta"), dict) else {}
    declared = str(meta.get("api-version") or "1.0")
    major = declared.split(".", 1)[0]
    if not major.isdigit() or int(major) > _API_MAJOR:
        raise InfrastructureError(
            f"The index {index} serves version {declared} of the simple API, newer than "
            f"chainproof reads ({_API_MAJOR}.x).",
            "Upgrade chainproof.",
        )
    project = str(data.get("name") or name)
    files = []
    for entry in data["files"]:
        filename, url = entry["filename"], entry["url"]
        if not url.startswith(("https://", "http://")):  # urljoin costs 28 µs a file
            url = urljoin(base_url, url)
        version = file_version(filename, project)
        core = entry.get("core-metadata", entry.get("dist-info-metadata"))
        yanked = entry.get("yanked", False)
        uploaded = entry.get("upload-time")
        files.append(
            IndexFile(
                filename=filename,
                url=strip_credentials(url),
                version=version,
                sha256=(entry.get("hashes", {}).get("sha256") or "").lower() or None,
                yanked=(yanked if isinstance(yanked, str) else "") if yanked else None,
                upload_time=parse_timestamp(uploaded) if isinstance(uploaded, str) else None,
                requires_python=entry.get("requires-python") or None,
                has_metadata=bool(core),
                metadata_sha256=(
                    (core.get("sha256") or "").lower() or None if isinstance(core, dict) else None
                ),
            )
        )
    given = data.get("project-status")
    status: dict[str, Any] = given if isinstance(given, dict) else {}
    served = data.get("versions")
    versions = served if isinstance(served, list) else (f.version for f in files)
    return ProjectListing(
        index_url=index,
        name=name,
        files=tuple(files),
        versions=sorted_versions(str(v) for v in versions if v),
        status=status.get("status") or None,
        status_reason=status.get("reason") or None,
    )


def _listing(index: str, name: str, page: pypi_simple.ProjectPage) -> ProjectListing:
    files = tuple(
        IndexFile(
            filename=p.filename,
            url=strip_credentials(p.url),
            version=p.version,
            sha256=(p.digests.get("sha256") or "").lower() or None,
            yanked=(p.yanked_reason or "") if p.is_yanked else None,
            upload_time=p.upload_time,
            requires_python=p.requires_python or None,
            has_metadata=bool(p.has_metadata),
            metadata_sha256=((p.metadata_digests or {}).get("sha256") or "").lower() or None,
        )
        for p in page.packages
    )
    served = page.versions if page.versions is not None else (f.version for f in files)
    return ProjectListing(
        index_url=index,
        name=name,
        files=files,
        versions=sorted_versions(v for v in served if v),
        status=page.status.value if page.status is not None else None,
        status_reason=page.status_reason,
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: causes, contexts, urllib3's ``reason`` and exceptions in
    ``args`` (requests wraps urllib3's errors that way)."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop(0)
        if id(current) in seen or len(seen) > 50:
            continue
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        wrapped = [current.__cause__, current.__context__, reason, *current.args]
        todo += [e for e in wrapped if isinstance(e, BaseException)]


def _reason(exc: BaseException, timeout: tuple[float, float]) -> str:
    """Why a request failed, in a few words (no exception text: it may quote a URL)."""
    import requests

    chain = list(_causes(exc))
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        type(e).__name__ == "NameResolutionError" for e in chain
    ):
        return "its host name does not resolve"
    if any(isinstance(e, requests.ConnectTimeout) for e in chain):
        return f"no connection within {timeout[0]:g} s"
    if any(isinstance(e, requests.Timeout | TimeoutError) for e in chain) or any(
        "timeout" in type(e).__name__.lower() for e in chain
    ):
        return f"no answer within {timeout[1]:g} s"
    if any(isinstance(e, requests.exceptions.SSLError | ssl.SSLError) for e in chain):
        return "the TLS handshake failed (certificate or protocol)"
    if any(isinstance(e, requests.exceptions.ProxyError) for e in chain):
        return "the proxy failed"
    if any(isinstance(e, requests.TooManyRedirects) for e in chain):
        return "too many redirects"
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return "the connection was reset"
    if any(isinstance(e, requests.exceptions.InvalidURL) for e in chain):
        return "the URL is not valid"
    return f"the connection failed ({type(exc).__name__})"


def _check_status(
    response: requests.Response, sent: IndexCredentials | None, subject: str, about: str
) -> None:
    """InfrastructureError unless the answer is 200 (``about`` ends the message)."""
    code = response.status_code
    if code == 200:
        return
    if code in (401, 403):
        if sent is not None:
            message = f"{subject} refused the credentials from {sent.source} (HTTP {code})."
        elif code == 401:
            message = f"{subject} asks for credentials (HTTP 401) and none were found for it."
        else:
            message = f"{subject} refused access (HTTP 403) without credentials."
        raise InfrastructureError(message, _CREDENTIAL_HINT)
    reason = _one_line(response.reason or "")
    raise InfrastructureError(
        f"{subject} answered HTTP {code}{f' ({reason})' if reason else ''}{about}."
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _too_large(subject: str, limit: int) -> str:
    return f"{subject} is larger than {limit} bytes, the most chainproof downloads."
