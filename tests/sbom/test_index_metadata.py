"""IndexMetadata: locked wheels' metadata from ``<wheel URL>.metadata`` (PEP 658), in parallel.

A local HTTP server on 127.0.0.1 serves the test wheelhouse twice: at the URLs a pylock file
names (``/lock/<wheel>`` and ``/lock/<wheel>.metadata``) and as a simple index for pip
(``/simple/<name>/`` linking to ``/pkgs/<wheel>``, no metadata advertised, so pip downloads
the wheels). Every request is recorded, so each test can say what was fetched and what not.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chainproof.errors import VerificationFailed
from chainproof.models import Component, Digest, Inventory
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.index_metadata import IndexMetadata
from chainproof.sbom.make import SbomRequest
from chainproof.sbom.metadata import PackageMetadata
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.resolve import PipMetadata
from chainproof.sbom.target import TargetPlatform

CURRENT = TargetPlatform.current()
# The lock's packages: libb is for Windows only, libd is not asked for by liba[fast].
LOCKED = {"app": "0.1", "liba": "1.2", "libb": "2.0", "libc": "3.0"}
MARKERS = {"libb": "sys_platform == 'win32'"}
EDGES = {"app": ("liba",), "liba": ("libc",)}


class IndexServer(ThreadingHTTPServer):
    """Serves ``files`` (URL path → bytes) and records every path asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.seen: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: IndexServer

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        if self.path.startswith("/simple/"):  # pip reads index pages only with this type
            self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Recorder:
    """A fallback MetadataProvider (our plug point) that records what it is asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def fetch(
        self, components: Sequence[Component], target: TargetPlatform, reporter: Reporter
    ) -> Mapping[str, PackageMetadata]:
        self.asked += [c.key for c in components]
        return {c.key: PackageMetadata(c.name, c.version) for c in components}


def metadata_of(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name)


def wheel_of(wheelhouse: Path, name: str) -> Path:
    return next(wheelhouse.glob(f"{name}-*.whl"))


@pytest.fixture
def pip_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip sees only the index options a test gives (no user or site configuration)."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(wheelhouse: Path) -> Iterator[IndexServer]:
    httpd = IndexServer()
    for name in LOCKED:
        wheel = wheel_of(wheelhouse, name)
        httpd.files[f"/lock/{wheel.name}"] = wheel.read_bytes()
        httpd.files[f"/lock/{wheel.name}.metadata"] = metadata_of(wheel)
        httpd.files[f"/pkgs/{wheel.name}"] = wheel.read_bytes()
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        link = f'<a href="/pkgs/{wheel.name}#sha256={digest}">{wheel.name}</a>'
        httpd.files[f"/simple/{name}/"] = f"<html><body>{link}</body></html>".encode()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def lock(tmp_path: Path, wheelhouse: Path, server: IndexServer) -> Path:
    """A pylock.toml of the wheelhouse without ``dependencies`` (as `uv export` writes)."""
    text = 'lock-version = "1.0"\ncreated-by = "test"\n'
    for name, version in LOCKED.items():
        wheel = wheel_of(wheelhouse, name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        marker = f'marker = "{MARKERS[name]}"\n' if name in MARKERS else ""
        text += (
            f'\n[[packages]]\nname = "{name}"\nversion = "{version}"\n{marker}'
            f'[[packages.wheels]]\nname = "{wheel.name}"\n'
            f'url = "{server.base}/lock/{wheel.name}"\nhashes = {{sha256 = "{digest}"}}\n'
        )
    path = tmp_path / "pylock.toml"
    path.write_text(text)
    return path


@pytest.fixture
def reference(lock: Path, wheelhouse: Path, pip_isolated: None) -> Inventory:
    """The inventory PipMetadata gives for the same pins (pip reading the wheelhouse)."""
    pip = PipMetadata(("--no-index", "--find-links", str(wheelhouse)))
    return PylockSource(lock, metadata=pip).read(CURRENT, NullReporter()).inventory


def read(lock: Path, provider: IndexMetadata) -> Inventory:
    return PylockSource(lock, metadata=provider).read(CURRENT, NullReporter()).inventory


def licences(inventory: Inventory) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    return {c.key: (c.license_expression, c.license_names) for c in inventory.components}


def test_metadata_files_give_the_graph_and_licences_pip_gives(
    lock: Path, server: IndexServer, reference: Inventory, wheelhouse: Path
) -> None:
    fallback = Recorder()
    inventory = read(lock, IndexMetadata(fallback=fallback))
    assert inventory == reference
    assert dict(inventory.graph.edges) == EDGES
    assert licences(inventory)["liba"] == ("Apache-2.0 OR MIT", ())
    assert licences(inventory)["libc"] == (None, ("Custom",))
    assert fallback.asked == []
    # One GET per selected wheel's metadata file, nothing else (libb is not selected).
    assert sorted(server.seen) == sorted(
        f"/lock/{wheel_of(wheelhouse, name).name}.metadata" for name in ("app", "liba", "libc")
    )


def test_without_a_metadata_file_the_wheel_is_read_after_its_hash_is_checked(
    lock: Path, server: IndexServer, reference: Inventory, wheelhouse: Path
) -> None:
    liba = wheel_of(wheelhouse, "liba").name
    del server.files[f"/lock/{liba}.metadata"]
    fallback = Recorder()
    assert read(lock, IndexMetadata(fallback=fallback)) == reference
    assert f"/lock/{liba}" in server.seen
    assert fallback.asked == []


def test_a_warm_cache_asks_nothing(
    lock: Path, server: IndexServer, reference: Inventory, wheelhouse: Path, tmp_path: Path
) -> None:
    """Metadata files and hash-checked wheels are kept by URL and sha256: the second run
    reads them from the cache, and makes no request."""
    from chainproof.index.cache import IndexCache

    del server.files[f"/lock/{wheel_of(wheelhouse, 'liba').name}.metadata"]  # a wheel, then
    cache = IndexCache(tmp_path / "cache")
    assert read(lock, IndexMetadata(fallback=Recorder(), cache=cache)) == reference
    assert server.seen
    server.seen.clear()
    assert read(lock, IndexMetadata(fallback=Recorder(), cache=cache)) == reference
    assert server.seen == []


def test_a_wheel_that_does_not_match_the_lock_is_refused(
    lock: Path, server: IndexServer, wheelhouse: Path
) -> None:
    liba = wheel_of(wheelhouse, "liba").name
    del server.files[f"/lock/{liba}.metadata"]
    server.files[f"/lock/{liba}"] = wheel_of(wheelhouse, "libd").read_bytes()
    with pytest.raises(VerificationFailed, match="does not match the sha256") as info:
        read(lock, IndexMetadata(fallback=Recorder()))
    assert "\n" not in info.value.message
    assert "liba 1.2" in info.value.message


def test_neither_file_at_the_lock_url_falls_back_to_pip_through_the_index(
    lock: Path, server: IndexServer, reference: Inventory, wheelhouse: Path
) -> None:
    """A 404 for the metadata file and the wheel: real pip reads that one package from the
    index given by the index options (here the local simple index)."""
    liba = wheel_of(wheelhouse, "liba").name
    del server.files[f"/lock/{liba}.metadata"]
    del server.files[f"/lock/{liba}"]
    provider = IndexMetadata(("--index-url", f"{server.base}/simple/"))
    assert read(lock, provider) == reference
    assert [p for p in server.seen if p.startswith("/simple/")] == ["/simple/liba/"]
    assert f"/pkgs/{liba}" in server.seen


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Not here</body></html>",
        b"\xff\xfe\x00garbage",
        b"Metadata-Version: 2.4\nName: liba\nVersion: 9.9\n",
        b"Metadata-Version: 2.4\nName: other\nVersion: 1.2\n",
        b"Metadata-Version: 2.4\nVersion: 1.2\n",
    ],
)
@pytest.mark.parametrize("locked_hash", [True, False])
def test_a_malformed_metadata_file_is_not_trusted(
    lock: Path,
    server: IndexServer,
    wheelhouse: Path,
    body: bytes,
    locked_hash: bool,
    request: pytest.FixtureRequest,
) -> None:
    """Not the package's metadata (a catch-all page, bytes that are not UTF-8, another version
    or name, no Name): the hash-checked wheel decides, else the fallback; never an error, as
    the file is not hash-checked and pip could still read the package."""
    liba = wheel_of(wheelhouse, "liba")
    server.files[f"/lock/{liba.name}.metadata"] = body
    fallback = Recorder()
    if locked_hash:
        reference: Inventory = request.getfixturevalue("reference")
        assert read(lock, IndexMetadata(fallback=fallback)) == reference
        assert fallback.asked == []
        assert f"/lock/{liba.name}" in server.seen
    else:
        component = Component("liba", "1.2", filename=liba.name, url=f"{server.base}/lock/x.whl")
        server.files["/lock/x.whl.metadata"] = body
        found = IndexMetadata(fallback=fallback).fetch([component], CURRENT, NullReporter())
        assert fallback.asked == ["liba"]
        assert found["liba"] == PackageMetadata("liba", "1.2")  # the Recorder's answer
        assert "/lock/x.whl" not in server.seen  # no hash to check a download against


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_what_cannot_be_fetched_goes_to_the_fallback(server: IndexServer, wheelhouse: Path) -> None:
    wheel = wheel_of(wheelhouse, "libc")
    sha = (Digest.sha256(hashlib.sha256(wheel.read_bytes()).hexdigest()),)
    components = [
        Component("libc", "3.0", sha, wheel.name, f"{server.base}/lock/{wheel.name}#sha256=x"),
        Component("nourl", "1.0", sha, "nourl-1.0-py3-none-any.whl", None),
        Component("sdist", "1.0", sha, "sdist-1.0.tar.gz", f"{server.base}/lock/sdist-1.0.tar.gz"),
        Component("local", "1.0", sha, "local-1.0-py3-none-any.whl", "file:///x/local.whl"),
        Component(
            "down",
            "1.0",
            sha,
            "down-1.0-py3-none-any.whl",
            f"http://127.0.0.1:{closed_port()}/down-1.0-py3-none-any.whl",
        ),
    ]
    fallback = Recorder()
    found = IndexMetadata(fallback=fallback).fetch(components, CURRENT, NullReporter())
    assert sorted(fallback.asked) == ["down", "local", "nourl", "sdist"]
    assert found["libc"].license == "Custom"  # from the metadata file, fragment dropped
    assert server.seen == [f"/lock/{wheel.name}.metadata"]


def test_offline_and_no_index_never_fetch_from_the_lock_urls(
    lock: Path, server: IndexServer, wheelhouse: Path, pip_isolated: None
) -> None:
    offline = SbomRequest(pylock=lock, offline=True).source().read(CURRENT, NullReporter())
    assert offline.inventory.graph.edges == ()
    assert "records no dependencies" in offline.warnings[0]
    source = SbomRequest(
        pylock=lock, index_args=("--no-index", "--find-links", str(wheelhouse))
    ).source()
    assert isinstance(source, PylockSource)
    assert isinstance(source.metadata, IndexMetadata)
    assert dict(source.read(CURRENT, NullReporter()).inventory.graph.edges) == EDGES  # by pip
    assert server.seen == []


def test_cli_end_to_end(lock: Path, server: IndexServer, wheelhouse: Path, tmp_path: Path) -> None:
    """`chainproof sbom --pylock` with the metadata files: the graph and licences in the SBOM,
    pip never started; a wheel that does not match the lock: exit 1, one sentence, no file."""
    from typer.testing import CliRunner

    from chainproof.cli.app import app
    from tests.cli.helpers import one_sentence_error

    runner, env = CliRunner(), {"SOURCE_DATE_EPOCH": "1700000000"}
    out = tmp_path / "sbom.json"
    result = runner.invoke(app, ["sbom", "--pylock", str(lock), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    names = {c["bom-ref"]: c["name"] for c in doc["components"]}
    edges = {
        names[d["ref"]]: tuple(sorted(names[x] for x in d["dependsOn"]))
        for d in doc["dependencies"]
        if d.get("dependsOn") and d["ref"] in names
    }
    assert edges == EDGES
    liba = next(c for c in doc["components"] if c["name"] == "liba")
    assert liba["licenses"] == [{"expression": "Apache-2.0 OR MIT"}]
    assert all(p.endswith(".metadata") for p in server.seen)

    wheel = wheel_of(wheelhouse, "liba").name
    del server.files[f"/lock/{wheel}.metadata"]
    server.files[f"/lock/{wheel}"] = b"not the locked wheel"
    bad = tmp_path / "bad.json"
    # A new cache: the first run keeps liba's metadata by its URL and sha256, which would
    # answer without asking the index (whose bytes at that URL this test then changes).
    env["CHAINPROOF_INDEX_CACHE"] = str(tmp_path / "new-cache")
    result = runner.invoke(app, ["sbom", "--pylock", str(lock), "-o", str(bad)], env=env)
    assert result.exit_code == 1
    assert "does not match the sha256 the lock gives" in one_sentence_error(result.stderr)
    assert not bad.exists()


def test_uv_lock_with_metadata_uses_the_index_provider(assets: Path) -> None:
    from chainproof.sbom.uvlock import UvLockSource

    source = SbomRequest(uv_lock=assets / "sbom" / "proj1-uv.lock", with_metadata=True).source()
    assert isinstance(source, UvLockSource)
    assert isinstance(source.metadata, IndexMetadata)
    plain = SbomRequest(uv_lock=assets / "sbom" / "proj1-uv.lock").source()
    assert isinstance(plain, UvLockSource)
    assert plain.metadata is None


@pytest.mark.registry
def test_real_pins_give_what_pip_gives(tmp_path: Path) -> None:
    """A few real pins locked by uv: both providers give the same graph and licences."""
    from tests.sbom.helpers import lock_and_export

    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["requests", "rich", "httpx[http2]"]\n'
    )
    lock_and_export(project)
    pylock = project / "pylock.toml"
    ours = read(pylock, IndexMetadata())
    pips = PylockSource(pylock, metadata=PipMetadata()).read(CURRENT, NullReporter()).inventory
    assert ours == pips
    assert len(ours.components) >= 10
    assert "idna" in dict(ours.graph.edges)["requests"]
    assert all(c.license_expression or c.license_names for c in ours.components)
