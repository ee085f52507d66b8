"""A minimal package index on 127.0.0.1 for the tests of chainproof.index: project pages in
PEP 691 JSON and PEP 503 HTML, files, basic auth under some path prefixes, and a record of
every request (path and headers) and of how many were in flight at once."""

from __future__ import annotations

import base64
import html
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """An answer: status, Content-Type, body and extra headers."""

    status: int = 200
    content_type: str = "application/octet-stream"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass(frozen=True)
class FileSpec:
    """A file of a project page; ``href`` relative to the page (or absolute)."""

    filename: str
    href: str
    sha256: str | None = None
    yanked: str | bool = False  # a reason, True (no reason) or False
    requires_python: str | None = None
    core_metadata: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class LocalIndex(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages: dict[str, Page] = {}
        self.auth: dict[str, str] = {}  # path prefix -> "user:password" it demands
        self.delay = 0.0
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> LocalIndex:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def json_page(self, path: str, name: str, files: Sequence[FileSpec], **extra: Any) -> None:
        self.pages[path] = Page(200, JSON_TYPE, json_page(name, files, **extra).encode())

    def html_page(self, path: str, files: Sequence[FileSpec]) -> None:
        self.pages[path] = Page(200, HTML_TYPE, html_page(files).encode())

    def file(self, path: str, data: bytes, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.pages[path] = Page(200, "application/octet-stream", data, headers)

    def record(self, seen: Seen, delta: int) -> None:
        with self._lock:
            if delta > 0:
                self.seen.append(seen)
            self.in_flight += delta
            self.most_in_flight = max(self.most_in_flight, self.in_flight)


def json_page(name: str, files: Sequence[FileSpec], **extra: Any) -> str:
    """A PEP 691 project page (``extra`` adds keys: ``versions``, ``meta``...)."""
    entries = []
    for f in files:
        entry: dict[str, Any] = {"filename": f.filename, "url": f.href, "hashes": {}}
        if f.sha256:
            entry["hashes"]["sha256"] = f.sha256
        if f.yanked:
            entry["yanked"] = f.yanked
        if f.requires_python:
            entry["requires-python"] = f.requires_python
        if f.core_metadata:
            entry["core-metadata"] = True
        entries.append(entry)
    page = {"meta": {"api-version": "1.0"}, "name": name, "files": entries, **extra}
    return json.dumps(page)


def html_page(files: Sequence[FileSpec]) -> str:
    """A PEP 503 project page."""
    links = []
    for f in files:
        href = f.href + (f"#sha256={f.sha256}" if f.sha256 else "")
        attributes = [f'href="{html.escape(href)}"']
        if f.requires_python:
            attributes.append(f'data-requires-python="{html.escape(f.requires_python)}"')
        if f.yanked:
            reason = f.yanked if isinstance(f.yanked, str) else ""
            attributes.append(f'data-yanked="{html.escape(reason)}"')
        if f.core_metadata:
            attributes.append('data-core-metadata="true"')
        links.append(f"<a {' '.join(attributes)}>{html.escape(f.filename)}</a><br/>")
    return "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"


class _Handler(BaseHTTPRequestHandler):
    server: LocalIndex
    protocol_version = "HTTP/1.1"  # keep-alive, as a real index

    def do_GET(self) -> None:
        seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.record(seen, +1)
        try:
            if self.server.delay:
                time.sleep(self.server.delay)
            self._answer(self._page(seen))
        finally:
            self.server.record(seen, -1)

    def _page(self, seen: Seen) -> Page:
        for prefix, wanted in self.server.auth.items():
            if self.path.startswith(prefix):
                token = base64.b64encode(wanted.encode()).decode()
                if seen.headers.get("authorization") != f"Basic {token}":
                    challenge = (("WWW-Authenticate", 'Basic realm="test"'),)
                    return Page(401, "text/plain", b"credentials, please", challenge)
        return self.server.pages.get(self.path, Page(404, "text/plain", b"not here"))

    def _answer(self, page: Page) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if page.length:
            self.send_header("Content-Length", str(len(page.body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in page.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass
