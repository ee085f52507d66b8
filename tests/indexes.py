"""Package-index servers on 127.0.0.1 for tests, real wheels for them, and a sample project
locked from them by uv and pip.

The servers speak the simple repository API as pip, uv and pypi-simple expect it: PEP 503
HTML and PEP 691 JSON (chosen by the Accept header, as the public index does), PEP 658/714
core metadata, PEP 592 yanking and PEP 700 (``versions``, ``size``, ``upload-time``). It is a
real HTTP server over real bytes; nothing is mocked. It is ours and small on purpose:
pypiserver serves no PEP 691 JSON (pypiserver issue #508), and a test needs to seed faults
(a published hash that is not the file's, no hashes at all, basic auth) that no off-the-shelf
index makes easy.

API
- ``write_wheel(directory, name, version, requires=(), requires_python=None, license="MIT",
  code="")``: a
  deterministic pure-Python wheel (fixed zip timestamps; METADATA with Name, Version,
  Requires-Dist, License-Expression MIT; WHEEL; RECORD with sha256 and sizes; one module).
  ``write_sdist(...)`` (the same, without ``license``): a deterministic ``.tar.gz`` with
  PKG-INFO and a pyproject.toml (hatchling; it is listed and downloaded, not built: no test
  builds it).
- ``IndexServer(files=(), *, mode="negotiate", publish_hashes=True, serve_metadata=True,
  username=None, password=None, project_status=None, etags=True, latency=0.0)``: a context
  manager (``start()``/``stop()`` too); ``latency`` delays every answer; pages carry an ETag
  and ``If-None-Match`` is answered 304.
  ``url`` is ``http://127.0.0.1:PORT/simple`` (``auth_url`` the same with the credentials);
  ``/simple/`` lists projects, ``/simple/<name>/`` a project, ``/simple/<name>`` and names that
  are not PEP 503-normalised redirect (301) to the normalised slash form. ``mode="html"``
  serves HTML whatever the Accept header asks, ``mode="json"`` JSON. Files are at
  ``/files/<filename>`` (``file_url``), their METADATA at ``/files/<filename>.metadata``.
  ``add(path, upload_time=None, yanked=None)``; ``publish_hash(filename, sha256)`` publishes
  another hash for one file (the bytes served stay the same); ``yank(filename, reason="")``;
  ``set_status(project, status, reason=None)`` serves PEP 792 status (API 1.4) for one project,
  ``project_status`` for every project (None: no status field, as older indexes);
  ``requests``: every (method, path, Accept header) seen, in order; ``responses``: every
  (path, status, Content-Type) answered; ``filenames``, ``projects``, ``file(filename)``.
- ``write_sample_dists(directory) -> SampleDists``: a wheel and an sdist of every package of
  the sample universe: ``INTERNAL_PACKAGES`` (acme-*) and ``PUBLIC_PACKAGES`` (26 made-up
  names). ``SampleDists.of(*names)``, ``.file(filename)``, ``.internal``, ``.public`` (paths),
  ``.internal_names``, ``.public_names``.
- ``open_sample_universe(directory, dists=None) -> ContextManager[SampleUniverse]``: the
  internal index (acme-* and, like a virtual repository, every public package) and the public
  one running, the project ``acme-app`` written by ``write_project`` and locked by
  ``lock_project``: ``uv_lock`` (uv lock), ``pylock`` (pip lock), ``pylock_uv`` (uv export
  --format pylock.toml) and ``requirements`` (uv pip compile --generate-hashes
  --emit-index-url). ``sources_policy()`` is the ``[audit.sources]`` policy they satisfy.
- ``IndexFactory(dists)``: ``factory(files, **IndexServer options)`` starts an index of sample
  files named by Path, file name or project name; ``.public(*extra)``, ``.internal(*extra)``
  add files to the clean public or internal set; ``close()`` stops them all.
- ``tool_env(cache)``: the environment pip and uv run in here: none of this machine's pip
  and uv configuration or the constraints tests/conftest.py may set, and a proxy that
  refuses every host but 127.0.0.1.

Fixtures (tests/conftest.py): ``sample_dists`` and ``sample_universe`` (session),
``make_index`` (an IndexFactory, per test).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.parser
import gzip
import hashlib
import html
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

__all__ = [
    "APP_DEPENDENCIES",
    "DEFAULT_UPLOAD_TIME",
    "INTERNAL_PACKAGES",
    "PUBLIC_PACKAGES",
    "UV",
    "IndexFactory",
    "IndexFile",
    "IndexServer",
    "SampleDists",
    "SamplePackage",
    "SampleUniverse",
    "lock_project",
    "normalize",
    "open_sample_universe",
    "tool_env",
    "write_project",
    "write_sample_dists",
    "write_sdist",
    "write_wheel",
]

UV = Path(sys.executable).with_name("uv")
DEFAULT_UPLOAD_TIME = "2024-01-02T03:04:05.000000Z"
_ZIP_TIME = (2024, 1, 2, 3, 4, 6)  # zip stores even seconds
_TAR_TIME = 1_704_164_645  # 2024-01-02T03:04:05Z
_JSON = "application/vnd.pypi.simple.v1+json"
_JSON_TYPES = (_JSON, "application/vnd.pypi.simple.latest+json")
_HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html")


def normalize(name: str) -> str:
    """The PEP 503 form of a project name."""
    return canonicalize_name(name)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _core_metadata(
    name: str, version: str, requires: Iterable[str], rp: str | None, license: str | None = "MIT"
) -> str:
    text = f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"
    text += f"Summary: {name}, a test package\n"
    if license is not None:
        text += f"License-Expression: {license}\n"
    if rp is not None:
        text += f"Requires-Python: {rp}\n"
    return text + "".join(f"Requires-Dist: {r}\n" for r in requires)


def write_wheel(
    directory: Path,
    name: str,
    version: str,
    requires: Iterable[str] = (),
    requires_python: str | None = None,
    license: str | None = "MIT",
    code: str = "",
) -> Path:
    """A valid pure-Python wheel of ``name`` ``version``; the same bytes on every call.
    ``license`` is its License-Expression (None: the field is left out); ``code`` is added to
    its module (an API for a project's tests to use).

    Its METADATA says Metadata-Version 2.4: License-Expression is a 2.4 field, and packaging
    rejects it under an older version."""
    module = normalize(name).replace("-", "_")
    info = f"{module}-{version}.dist-info"
    members = {
        f"{module}/__init__.py": (
            f'"""{name} {version}"""\n\nVERSION = "{version}"\n{code}'.encode()
        ),
        f"{info}/METADATA": _core_metadata(
            name, version, requires, requires_python, license
        ).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: chainproof-tests\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for member, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{member},sha256={digest},{len(data)}\n"
    members[f"{info}/RECORD"] = f"{record}{info}/RECORD,,\n".encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in members.items():
            entry = zipfile.ZipInfo(member, _ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return path


def write_sdist(
    directory: Path,
    name: str,
    version: str,
    requires: Iterable[str] = (),
    requires_python: str | None = None,
) -> Path:
    """A deterministic sdist of ``name`` ``version``: PKG-INFO, pyproject.toml and the module."""
    requires = tuple(requires)
    module = normalize(name).replace("-", "_")
    base = f"{module}-{version}"
    listed = ", ".join(json.dumps(r) for r in requires)
    pyproject = (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\nlicense = "MIT"\n'
        f"dependencies = [{listed}]\n"
    )
    if requires_python is not None:
        pyproject += f'requires-python = "{requires_python}"\n'
    members = {
        f"{base}/PKG-INFO": _core_metadata(name, version, requires, requires_python),
        f"{base}/pyproject.toml": pyproject,
        f"{base}/{module}/__init__.py": f'VERSION = "{version}"\n',
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, text in members.items():
            data = text.encode()
            entry = tarfile.TarInfo(member)
            entry.size, entry.mtime, entry.mode = len(data), _TAR_TIME, 0o644
            tar.addfile(entry, io.BytesIO(data))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{base}.tar.gz"
    with path.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=_TAR_TIME) as gz:
        gz.write(raw.getvalue())
    return path


@dataclass
class IndexFile:
    """One file an IndexServer serves, and what it publishes about it."""

    filename: str
    project: str  # normalised
    version: Version
    data: bytes
    metadata: bytes | None  # the wheel's METADATA (PEP 658); None for an sdist
    requires_python: str | None
    upload_time: str = DEFAULT_UPLOAD_TIME
    yanked: str | None = None  # a reason ("" for none given); None: not yanked
    published_sha256: str | None = None  # overrides the real digest in what the index says

    @property
    def sha256(self) -> str:
        return _sha256(self.data)

    @classmethod
    def read(cls, path: Path) -> IndexFile:
        filename = path.name
        data = path.read_bytes()
        metadata: bytes | None = None
        if filename.endswith(".whl"):
            project, version, _, _ = parse_wheel_filename(filename)
            with zipfile.ZipFile(io.BytesIO(data)) as wheel:
                (member,) = (
                    n
                    for n in wheel.namelist()
                    if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
                )
                metadata = wheel.read(member)
            headers = metadata
        else:
            project, version = parse_sdist_filename(filename)
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                (info,) = (
                    m
                    for m in tar.getmembers()
                    if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")
                )
                stream = tar.extractfile(info)
                assert stream is not None
                headers = stream.read()
        parsed = email.parser.BytesHeaderParser().parsebytes(headers)
        return cls(filename, project, version, data, metadata, parsed.get("Requires-Python"))


def _upload_time(value: str | dt.datetime) -> str:
    if isinstance(value, str):
        return value
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _accepts_json(accept: str) -> bool:
    """Whether an Accept header prefers the PEP 691 JSON form (q-values honoured)."""
    best_json = best_html = 0.0
    for item in accept.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                with contextlib.suppress(ValueError):
                    q = float(value)
        if kind.lower() in _JSON_TYPES:
            best_json = max(best_json, q)
        elif kind.lower() in (*_HTML_TYPES, "text/html", "text/*", "*/*"):
            best_html = max(best_html, q)
    return best_json > 0 and best_json >= best_html


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, each keep-alive
    # response then waits ~40 ms for the client's delayed ACK (real indexes answer in one go).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        index = self.server.index
        if index.latency:
            time.sleep(index.latency)
        accept = self.headers.get("Accept", "")
        index.requests.append((self.command, self.path, accept))
        if not index.authorized(self.headers.get("Authorization")):
            self._send(
                401,
                b"401 Unauthorized\n",
                "text/plain",
                body,
                {"WWW-Authenticate": 'Basic realm="index"'},
            )
            return
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path == "/simple":
            self._redirect("/simple/", body)
        elif path == "/simple/":
            wants_json = index.wants_json(accept)
            self._page(index.root_page(wants_json), wants_json, body)
        elif path.startswith("/simple/"):
            name = path.removeprefix("/simple/")
            if name.rstrip("/") and (not name.endswith("/") or normalize(name[:-1]) != name[:-1]):
                self._redirect(f"/simple/{normalize(name.rstrip('/'))}/", body)
                return
            wants_json = index.wants_json(accept)
            page = index.project_page(name[:-1], wants_json)
            if page is None:
                self._send(404, b"404 Not Found\n", "text/plain", body)
            else:
                self._page(page, wants_json, body)
        elif path.startswith("/files/"):
            data = index.file_bytes(path.removeprefix("/files/"))
            if data is None:
                self._send(404, b"404 Not Found\n", "text/plain", body)
            else:
                self._send(200, data, "application/octet-stream", body)
        else:
            self._send(404, b"404 Not Found\n", "text/plain", body)

    def _page(self, text: str, wants_json: bool, body: bool) -> None:
        kind = _JSON if wants_json else "text/html; charset=utf-8"
        data = text.encode()
        etag = f'"{_sha256(data)[:32]}"'
        headers = {"Vary": "Accept", "Cache-Control": "no-cache", "ETag": etag}
        if self.server.index.etags and self.headers.get("If-None-Match") == etag:
            self._send(304, b"", kind, False, headers)  # unchanged: the client's copy stands
            return
        if not self.server.index.etags:
            del headers["ETag"]
        self._send(200, data, kind, body, headers)

    def _redirect(self, target: str, body: bool) -> None:
        location = self.server.index.base_url + urllib.parse.quote(target)
        self._send(301, b"", "text/plain", body, {"Location": location})

    def _send(
        self,
        status: int,
        data: bytes,
        kind: str,
        body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.server.index.responses.append((self.path, status, kind))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(data)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    index: IndexServer


class IndexServer:
    """A simple-API package index on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        files: Iterable[Path] = (),
        *,
        mode: Literal["negotiate", "html", "json"] = "negotiate",
        publish_hashes: bool = True,
        serve_metadata: bool = True,
        username: str | None = None,
        password: str | None = None,
        project_status: str | None = None,
        etags: bool = True,
        latency: float = 0.0,
    ) -> None:
        self.mode = mode
        self.latency = latency  # seconds each answer waits, as a remote index's round trip
        self.etags = etags  # pages carry an ETag, and If-None-Match gets a 304 when unchanged
        # PEP 792: every project's status (None: the field is not served, as by older
        # indexes and proxies that strip it); ``set_status`` sets one project's.
        self.project_status = project_status
        self._statuses: dict[str, tuple[str, str | None]] = {}
        self.publish_hashes = publish_hashes
        self.serve_metadata = serve_metadata
        self.username = username
        self.password = password
        self.requests: list[tuple[str, str, str]] = []
        self.responses: list[tuple[str, int, str]] = []
        self._files: dict[str, IndexFile] = {}
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for path in files:
            self.add(path)

    # -- life cycle
    def start(self) -> IndexServer:
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.index = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the index server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The index URL, as pip's --index-url and uv's index ``url`` take it."""
        return f"{self.base_url}/simple"

    @property
    def auth_url(self) -> str:
        """``url`` with the basic-auth credentials in it (``url`` without credentials)."""
        if self.username is None:
            return self.url
        user = urllib.parse.quote(self.username, safe="")
        secret = urllib.parse.quote(self.password or "", safe="")
        return f"http://{user}:{secret}@127.0.0.1:{self.port}/simple"

    def project_url(self, name: str) -> str:
        return f"{self.url}/{normalize(name)}/"

    def file_url(self, filename: str) -> str:
        return f"{self.base_url}/files/{urllib.parse.quote(filename)}"

    # -- content
    def add(
        self,
        path: Path,
        *,
        upload_time: str | dt.datetime | None = None,
        yanked: str | None = None,
    ) -> IndexFile:
        """Serve the wheel or sdist at ``path`` (project and version from its file name)."""
        entry = IndexFile.read(path)
        if upload_time is not None:
            entry.upload_time = _upload_time(upload_time)
        entry.yanked = yanked
        with self._lock:
            self._files[entry.filename] = entry
        return entry

    def file(self, filename: str) -> IndexFile:
        with self._lock:
            return self._files[filename]

    @property
    def filenames(self) -> list[str]:
        with self._lock:
            return sorted(self._files)

    @property
    def projects(self) -> list[str]:
        with self._lock:
            return sorted({f.project for f in self._files.values()})

    def publish_hash(self, filename: str, sha256: str) -> None:
        """Publish ``sha256`` as the digest of ``filename``; the bytes served do not change."""
        self.file(filename).published_sha256 = sha256

    def yank(self, filename: str, reason: str = "") -> None:
        self.file(filename).yanked = reason

    def serve_bytes(self, filename: str, data: bytes) -> None:
        """Serve ``data`` as ``filename`` from now on (a corrupt or replaced upload); the page
        keeps what it published."""
        self.file(filename).data = data

    def set_status(self, project: str, status: str, reason: str | None = None) -> None:
        """Serve PEP 792 ``status`` (and ``reason``) for ``project``."""
        with self._lock:
            self._statuses[normalize(project)] = (status, reason)

    def status_of(self, project: str) -> tuple[str, str | None] | None:
        with self._lock:
            found = self._statuses.get(project)
        if found is None and self.project_status is not None:
            return (self.project_status, None)
        return found

    # -- serving
    def authorized(self, header: str | None) -> bool:
        if self.username is None:
            return True
        expected = f"{self.username}:{self.password or ''}".encode()
        return header == "Basic " + base64.b64encode(expected).decode()

    def wants_json(self, accept: str) -> bool:
        if self.mode == "negotiate":
            return _accepts_json(accept)
        return self.mode == "json"

    def file_bytes(self, name: str) -> bytes | None:
        with self._lock:
            entry = self._files.get(name)
            if entry is not None:
                return entry.data
            entry = self._files.get(name.removesuffix(".metadata"))
        if name.endswith(".metadata") and entry is not None and self.serve_metadata:
            return entry.metadata
        return None

    def root_page(self, wants_json: bool) -> str:
        projects = self.projects
        if wants_json:
            listing = [{"name": name} for name in projects]
            return json.dumps({"meta": {"api-version": "1.1"}, "projects": listing}, indent=1)
        links = "".join(f'<a href="/simple/{name}/">{name}</a><br />\n' for name in projects)
        return _html_page("Simple index", links)

    def project_page(self, name: str, wants_json: bool) -> str | None:
        with self._lock:
            files = sorted(
                (f for f in self._files.values() if f.project == name), key=lambda f: f.filename
            )
        if not files:
            return None
        status = self.status_of(name)
        if wants_json:
            versions = sorted({f.version for f in files})
            page: dict[str, Any] = {
                "meta": {"api-version": "1.1" if status is None else "1.4"},
                "name": name,
                "versions": [str(v) for v in versions],
                "files": [self._json_file(f) for f in files],
            }
            if status is not None:
                page["project-status"] = {"status": status[0], "reason": status[1]}
            return json.dumps(page, indent=1)
        body = "".join(self._html_file(f) for f in files)
        return _html_page(f"Links for {name}", body, status)

    def _published(self, entry: IndexFile) -> str | None:
        if not self.publish_hashes:
            return None
        return entry.published_sha256 or entry.sha256

    def _metadata_hash(self, entry: IndexFile) -> str | Literal[True] | None:
        """What the index says of the file's METADATA: a digest, True (served, no digest)
        or None (not served)."""
        if entry.metadata is None or not self.serve_metadata:
            return None
        return _sha256(entry.metadata) if self.publish_hashes else True

    def _json_file(self, entry: IndexFile) -> dict[str, object]:
        digest = self._published(entry)
        metadata = self._metadata_hash(entry)
        core: object = {"sha256": metadata} if isinstance(metadata, str) else bool(metadata)
        return {
            "filename": entry.filename,
            "url": self.file_url(entry.filename),
            "hashes": {} if digest is None else {"sha256": digest},
            "requires-python": entry.requires_python,
            "core-metadata": core,
            "dist-info-metadata": core,
            "size": len(entry.data),
            "upload-time": entry.upload_time,
            "yanked": False if entry.yanked is None else (entry.yanked or True),
        }

    def _html_file(self, entry: IndexFile) -> str:
        digest = self._published(entry)
        href = self.file_url(entry.filename) + ("" if digest is None else f"#sha256={digest}")
        attributes = [f'href="{html.escape(href)}"']
        if entry.requires_python is not None:
            attributes.append(f'data-requires-python="{html.escape(entry.requires_python)}"')
        metadata = self._metadata_hash(entry)
        if metadata is not None:
            value = "true" if metadata is True else f"sha256={metadata}"
            attributes.append(f'data-core-metadata="{value}"')
            attributes.append(f'data-dist-info-metadata="{value}"')
        if entry.yanked is not None:
            attributes.append(f'data-yanked="{html.escape(entry.yanked)}"')
        return f"<a {' '.join(attributes)}>{html.escape(entry.filename)}</a><br />\n"


def _html_page(title: str, body: str, status: tuple[str, str | None] | None = None) -> str:
    meta = '<meta name="pypi:repository-version" content="1.1">\n'
    if status is not None:
        meta = '<meta name="pypi:repository-version" content="1.4">\n'
        meta += f'<meta name="pypi:project-status" content="{html.escape(status[0])}">\n'
        if status[1] is not None:
            reason = html.escape(status[1])
            meta += f'<meta name="pypi:project-status-reason" content="{reason}">\n'
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f"{meta}"
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}</body>\n</html>\n"
    )


def tool_env(cache: Path) -> dict[str, str]:
    """The environment for pip and uv: none of this machine's PIP_*/UV_* settings or config
    files (a global pip.conf adds find-links and extra indexes; tests/conftest.py may set
    PIP_CONSTRAINT/UV_CONSTRAINT), a cache of its own under ``cache``, and a proxy that
    refuses every host but 127.0.0.1."""
    drop = ("PIP_", "UV_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    # Anything but 127.0.0.1 goes to a proxy that refuses connections: a test that would
    # reach out to another index (a default index left in, a fallback) fails at once.
    trap = "http://127.0.0.1:1"
    env.update(HTTP_PROXY=trap, HTTPS_PROXY=trap, ALL_PROXY=trap, http_proxy=trap)
    env.update(https_proxy=trap, all_proxy=trap, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PIP_CACHE_DIR=str(cache / "pip"),
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(cache / "uv"),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        UV_HTTP_RETRIES="0",
    )
    return env


# -- the sample universe -------------------------------------------------------------------


@dataclass(frozen=True)
class SamplePackage:
    name: str
    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = None


# The organisation's own packages: the internal index serves them, the public one does not.
INTERNAL_PACKAGES = (
    SamplePackage("acme-core", "1.2.0", ("beta-json>=1.2", "lambda-log")),
    SamplePackage("acme-utils", "1.0.3", ("acme-core>=1.2", "psi-cache")),
    SamplePackage("acme-auth", "0.9.0", ("acme-core", "gamma-tls", "phi-retry")),
    SamplePackage("acme-cli", "2.0.0", ("acme-utils>=1.0", "sigma-shell", "xi-config")),
)

# Made-up public packages (no project of these names is on the public index: checked against
# a list of its names, which is why it is sigma-shell and not sigma-cli). beta-json has
# two versions (the locks take 2.1.0); nu-winterm is needed on win32 only; eta-certs says
# Requires-Python. acme-cli > acme-utils > acme-core > beta-json > epsilon-codec is 5 deep.
PUBLIC_PACKAGES = (
    SamplePackage(
        "alpha-http", "1.4.0", ("beta-json>=1.2", "gamma-tls>=0.9", "delta-url", "mu-sockets")
    ),
    SamplePackage("beta-json", "1.3.0", ("epsilon-codec",)),
    SamplePackage("beta-json", "2.1.0", ("epsilon-codec>=0.5",)),
    SamplePackage("gamma-tls", "0.9.2", ("zeta-crypto>=3", "eta-certs")),
    SamplePackage("delta-url", "2.0.1", ("theta-idna",)),
    SamplePackage("epsilon-codec", "0.5.0"),
    SamplePackage("zeta-crypto", "3.2.0", ("iota-ffi", "epsilon-codec")),
    SamplePackage("eta-certs", "2024.1.0", requires_python=">=3.8"),
    SamplePackage("theta-idna", "3.6.0"),
    SamplePackage("iota-ffi", "1.16.0", ("kappa-parser",)),
    SamplePackage("kappa-parser", "2.21.0"),
    SamplePackage("lambda-log", "0.7.3", ("mu-color", 'nu-winterm; sys_platform == "win32"')),
    SamplePackage("mu-color", "0.4.6"),
    SamplePackage("nu-winterm", "1.0.0"),
    SamplePackage("xi-config", "5.1.0", ("omicron-yaml>=6", "pi-schema")),
    SamplePackage("omicron-yaml", "6.0.1"),
    SamplePackage("pi-schema", "4.2.0", ("rho-attrs>=23", "beta-json")),
    SamplePackage("rho-attrs", "23.2.0"),
    SamplePackage("sigma-shell", "8.1.7", ("tau-prompt", "mu-color", "omega-plugins")),
    SamplePackage("tau-prompt", "3.0.43", ("upsilon-wcwidth",)),
    SamplePackage("upsilon-wcwidth", "0.2.13"),
    SamplePackage("phi-retry", "8.2.3", ("chi-clock",)),
    SamplePackage("chi-clock", "2.9.0"),
    SamplePackage("psi-cache", "5.3.2", ("omega-hash", "chi-clock")),
    SamplePackage("omega-hash", "1.1.0"),
    SamplePackage("mu-sockets", "1.3.0", ("chi-clock",)),
    SamplePackage("omega-plugins", "1.5.0"),
)

APP_DEPENDENCIES = ("acme-auth>=0.9", "acme-cli>=2", "alpha-http>=1.4", "xi-config>=5", "phi-retry")


@dataclass(frozen=True)
class SampleDists:
    """The wheel and sdist of every sample package, written once into ``directory``."""

    directory: Path
    paths: dict[str, tuple[Path, ...]]  # normalised project name -> its files

    @property
    def internal_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.name for p in INTERNAL_PACKAGES))

    @property
    def public_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.name for p in PUBLIC_PACKAGES))

    def of(self, *names: str) -> list[Path]:
        """The files of the projects named (all versions)."""
        return [path for name in names for path in self.paths[normalize(name)]]

    def file(self, filename: str) -> Path:
        path = self.directory / filename
        if not path.is_file():
            raise KeyError(filename)
        return path

    @property
    def internal(self) -> list[Path]:
        return self.of(*self.internal_names)

    @property
    def public(self) -> list[Path]:
        return self.of(*self.public_names)


def write_sample_dists(directory: Path) -> SampleDists:
    paths: dict[str, list[Path]] = {}
    for package in (*INTERNAL_PACKAGES, *PUBLIC_PACKAGES):
        args = (directory, package.name, package.version, package.requires)
        written = paths.setdefault(normalize(package.name), [])
        written.append(write_wheel(*args, requires_python=package.requires_python))
        written.append(write_sdist(*args, requires_python=package.requires_python))
    return SampleDists(directory, {name: tuple(files) for name, files in paths.items()})


# -- the sample project, locked three ways --------------------------------------------------

# A PEP 517 backend inside the project, so that pip can read acme-app's metadata without
# fetching a build backend from an index (the indexes here serve only the sample packages).
_BACKEND = '''"""acme-app's own build backend: METADATA and a wheel of nothing but its dist-info."""

import base64, hashlib, os, zipfile

METADATA = {metadata!r}
INFO = "acme_app-0.1.0.dist-info"


def _members():
    members = {{
        INFO + "/METADATA": METADATA.encode(),
        INFO + "/WHEEL": b"Wheel-Version: 1.0\\nGenerator: acme_build\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
    }}
    record = ""
    for name, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += name + ",sha256=" + digest + "," + str(len(data)) + "\\n"
    members[INFO + "/RECORD"] = (record + INFO + "/RECORD,,\\n").encode()
    return members


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    for name, data in _members().items():
        path = os.path.join(metadata_directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(data)
    return INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "acme_app-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        for member, data in _members().items():
            wheel.writestr(zipfile.ZipInfo(member, (2024, 1, 2, 3, 4, 6)), data)
    return name
'''


def _pyproject(internal: IndexServer, public: IndexServer) -> str:
    listed = "".join(f'    "{d}",\n' for d in APP_DEPENDENCIES)
    internal_names = [p.name for p in INTERNAL_PACKAGES]
    direct = {canonicalize_name(re.split(r"[<>=!~;\[ ]", d)[0]) for d in APP_DEPENDENCIES}
    transitive = "".join(f'    "{n}",\n' for n in internal_names if n not in direct)
    sources = "".join(f'{n} = {{ index = "acme" }}\n' for n in internal_names)
    return f"""[build-system]
requires = []
build-backend = "acme_build"
backend-path = ["."]

[project]
name = "acme-app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
{listed}]

[dependency-groups]
# uv applies tool.uv.sources to the project's own requirements only (uv issues #8253, #9446):
# without naming them here, the internal packages needed only through others would be
# looked up on the default (public) index, which does not have them.
internal = [
{transitive}]

[[tool.uv.index]]
name = "acme"
url = "{internal.url}"
explicit = true

[[tool.uv.index]]
name = "public"
url = "{public.url}"
default = true

[tool.uv.sources]
{sources}"""


def write_project(path: Path, internal: IndexServer, public: IndexServer) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "pyproject.toml").write_text(_pyproject(internal, public), encoding="utf-8")
    metadata = _core_metadata("acme-app", "0.1.0", APP_DEPENDENCIES, ">=3.11")
    (path / "acme_build.py").write_text(_BACKEND.format(metadata=metadata), encoding="utf-8")
    return path


@dataclass
class SampleUniverse:
    """The sample project ``acme-app`` and the two indexes it was locked from.

    ``internal`` serves the acme-* packages and, like a virtual repository (Artifactory,
    devpi), every public package too; ``public`` serves only the public packages."""

    internal: IndexServer
    public: IndexServer
    dists: SampleDists
    project: Path
    uv_lock: Path  # `uv lock`: acme-* from the internal index (explicit), the rest public
    pylock: Path  # `pip lock --index-url <internal>`: everything from the internal index
    pylock_uv: Path  # `uv export --format pylock.toml` of uv.lock: the same sources as it
    requirements: Path  # `uv pip compile --generate-hashes --emit-index-url`, internal index
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def internal_names(self) -> tuple[str, ...]:
        return self.dists.internal_names

    @property
    def public_names(self) -> tuple[str, ...]:
        return self.dists.public_names

    def sources_policy(self) -> str:
        """The ``[audit.sources]`` policy this universe satisfies, as TOML text."""
        return (
            "[audit.sources]\n"
            f'indexes = ["{self.internal.url}", "{self.public.url}"]\n'
            f'public = "{self.public.url}"\n'
            "[audit.sources.packages]\n"
            f'"acme-*" = "{self.internal.url}"\n'
        )


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(name: str, process: subprocess.Popen[str], timeout: float = 120) -> None:
    out, err = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"{name} failed ({process.returncode}):\n{out}\n{err}")


def lock_project(
    project: Path, internal: IndexServer, public: IndexServer, cache: Path
) -> dict[str, float]:
    """Lock ``project`` (as ``write_project`` wrote it) from the two indexes, each lock by the
    real tool, pip in parallel with uv; return the seconds each step took. The locks:
    uv.lock (``uv lock``), pylock.toml (``pip lock --index-url <internal>``), pylock.uv.toml
    (``uv export --format pylock.toml`` of the uv.lock) and requirements.txt (``uv pip compile
    --generate-hashes --emit-index-url --index-url <internal>``)."""
    env = tool_env(cache)
    # `uv lock` must read the project's [tool.uv] (its indexes and sources), which UV_NO_CONFIG
    # would drop along with the user's and the system's uv.toml: those are moved away instead.
    project_env = {k: v for k, v in env.items() if k != "UV_NO_CONFIG"}
    project_env.update(XDG_CONFIG_HOME=str(cache / "xdg"), XDG_CONFIG_DIRS=str(cache / "xdg"))
    python = sys.executable
    timings: dict[str, float] = {}
    start = time.perf_counter()
    pip = _run(
        [
            python,
            "-m",
            "pip",
            "--isolated",
            "--disable-pip-version-check",
            "lock",
            "--quiet",
            "--no-cache-dir",
            "--no-build-isolation",
            "--index-url",
            internal.url,
            "-o",
            "pylock.toml",
            ".",
        ],
        project,
        env,
    )
    steps = {
        "uv lock": ([str(UV), "lock", "--python", python], project_env),
        "uv export": (
            [str(UV), "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.uv.toml"],
            project_env,
        ),
        "uv pip compile": (
            [
                str(UV),
                "pip",
                "compile",
                "--python",
                python,
                "--generate-hashes",
                "--emit-index-url",
                "--index-url",
                internal.url,
                "-o",
                "requirements.txt",
                "pyproject.toml",
            ],
            env,
        ),
    }
    for name, (command, step_env) in steps.items():
        step_start = time.perf_counter()
        _finish(name, _run(command, project, step_env))
        timings[name] = time.perf_counter() - step_start
    _finish("pip lock", pip)
    timings["pip lock"] = timings["all"] = time.perf_counter() - start
    return timings


@contextlib.contextmanager
def open_sample_universe(
    directory: Path, dists: SampleDists | None = None
) -> Iterator[SampleUniverse]:
    """Start the internal and the public index, write ``acme-app`` under ``directory`` and lock
    it (``dists`` are written under ``directory`` when not given); stop both at the end."""
    start = time.perf_counter()
    if dists is None:
        dists = write_sample_dists(directory / "dists")
    timings = {"dists": time.perf_counter() - start}
    with (
        IndexServer([*dists.internal, *dists.public], project_status="active") as internal,
        IndexServer(dists.public, project_status="active") as public,
    ):
        project = write_project(directory / "acme-app", internal, public)
        timings |= lock_project(project, internal, public, directory / "cache")
        yield SampleUniverse(
            internal=internal,
            public=public,
            dists=dists,
            project=project,
            uv_lock=project / "uv.lock",
            pylock=project / "pylock.toml",
            pylock_uv=project / "pylock.uv.toml",
            requirements=project / "requirements.txt",
            timings=timings,
        )


class IndexFactory:
    """Starts IndexServers preloaded with sample files for one test, and stops them after it
    (the ``make_index`` fixture). A file is named by its Path, its file name among the sample
    dists, or a project name (all the sample files of that project)::

        index = make_index(["acme-core", "beta_json-2.1.0-py3-none-any.whl"], mode="html")
        confused = make_index.public(write_wheel(tmp_path, "acme-utils", "99.0.0"))
    """

    def __init__(self, dists: SampleDists) -> None:
        self.dists = dists
        self.servers: list[IndexServer] = []

    def __call__(
        self,
        files: Iterable[Path | str] = (),
        *,
        mode: Literal["negotiate", "html", "json"] = "negotiate",
        publish_hashes: bool = True,
        serve_metadata: bool = True,
        username: str | None = None,
        password: str | None = None,
        project_status: str | None = None,
    ) -> IndexServer:
        paths: list[Path] = []
        for item in files:
            if isinstance(item, Path):
                paths.append(item)
            elif item.endswith((".whl", ".tar.gz", ".zip")):
                paths.append(self.dists.file(item))
            else:
                paths.extend(self.dists.of(item))
        server = IndexServer(
            paths,
            mode=mode,
            publish_hashes=publish_hashes,
            serve_metadata=serve_metadata,
            username=username,
            password=password,
            project_status=project_status,
        )
        self.servers.append(server.start())
        return server

    def public(self, *extra: Path | str, **options: Any) -> IndexServer:
        """A fresh public index: the public sample files, and ``extra``."""
        return self([*self.dists.public, *extra], **options)

    def internal(self, *extra: Path | str, **options: Any) -> IndexServer:
        """A fresh internal (virtual) index: every sample file, and ``extra``."""
        return self([*self.dists.internal, *self.dists.public, *extra], **options)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()
