"""IndexClient against a real HTTP server on 127.0.0.1 (tests/index/local_index.py)."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import socket
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import pypi_simple
import pytest

from chainproof import __version__
from chainproof.errors import InfrastructureError, UsageError
from chainproof.index.client import IndexClient, default_index_url
from chainproof.index.listing import IndexFile, ProjectListing
from tests.index.conftest import MakeLookup
from tests.index.local_index import FileSpec, LocalIndex, Page

SECRET = "s3cret-t0ken"
WHEEL = b"wheel bytes " * 1000
SDIST = b"sdist bytes " * 1000
WHEEL_SHA = hashlib.sha256(WHEEL).hexdigest()
SDIST_SHA = hashlib.sha256(SDIST).hexdigest()
FILES = [
    FileSpec(
        "demo_pkg-1.0-py3-none-any.whl",
        "../../files/demo_pkg-1.0-py3-none-any.whl",
        sha256=WHEEL_SHA.upper(),  # read as lower-case hex
        requires_python=">=3.8",
        core_metadata=True,
    ),
    FileSpec("demo-pkg-1.0.tar.gz", "../../files/demo-pkg-1.0.tar.gz", SDIST_SHA, "broken build"),
    FileSpec("demo_pkg-1.10-py3-none-any.whl", "../../files/demo_pkg-1.10.whl", yanked=True),
    FileSpec("demo_pkg-1.9-py3-none-any.whl", "../../files/demo_pkg-1.9.whl"),
]


def serve_demo(index: LocalIndex) -> None:
    """demo-pkg as JSON under /json, as HTML under /html; the files under /files."""
    index.json_page("/json/demo-pkg/", "demo-pkg", FILES)
    index.html_page("/html/demo-pkg/", FILES)
    index.file("/files/demo_pkg-1.0-py3-none-any.whl", WHEEL)
    index.file("/files/demo-pkg-1.0.tar.gz", SDIST)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def everything_said(error: BaseException) -> str:
    """All the text an error shows: message, hint, str, repr and its formatted traceback
    (causes and contexts included)."""
    hint = getattr(error, "hint", "") or ""
    formatted = "".join(traceback.format_exception(error))
    return "\n".join([str(error), repr(error), hint, formatted])


@pytest.fixture
def client(clean_env: dict[str, str], make_lookup: MakeLookup) -> IndexClient:
    return IndexClient(env=clean_env, credentials=make_lookup(clean_env))


def test_json_page(index: LocalIndex, client: IndexClient) -> None:
    serve_demo(index)
    with client:
        listing = client.listing(f"{index.base}/json/", "Demo_Pkg")
    assert listing is not None
    files = f"{index.base}/files"
    assert listing == ProjectListing(
        index_url=f"{index.base}/json",
        name="demo-pkg",
        files=(
            IndexFile(
                "demo_pkg-1.0-py3-none-any.whl",
                f"{files}/demo_pkg-1.0-py3-none-any.whl",
                "1.0",
                WHEEL_SHA,
                None,
                None,
                ">=3.8",
                True,
            ),
            IndexFile(
                "demo-pkg-1.0.tar.gz",
                f"{files}/demo-pkg-1.0.tar.gz",
                "1.0",
                SDIST_SHA,
                "broken build",
                None,
                None,
                False,
            ),
            IndexFile(
                "demo_pkg-1.10-py3-none-any.whl",
                f"{files}/demo_pkg-1.10.whl",
                "1.10",
                None,
                "",
                None,
                None,
                False,
            ),
            IndexFile(
                "demo_pkg-1.9-py3-none-any.whl",
                f"{files}/demo_pkg-1.9.whl",
                "1.9",
                None,
                None,
                None,
                None,
                False,
            ),
        ),
        versions=("1.0", "1.9", "1.10"),  # PEP 440 order, from the file names
        status=None,
        status_reason=None,
    )
    assert [f.filename for f in listing.files_of("1.0.0")] == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo-pkg-1.0.tar.gz",
    ]
    (asked,) = index.seen
    assert asked.path == "/json/demo-pkg/"  # the normalised name
    assert asked.headers["accept"] == pypi_simple.ACCEPT_JSON_PREFERRED
    assert asked.headers["user-agent"] == f"chainproof/{__version__}"


def test_html_and_json_give_the_same_listing(index: LocalIndex, client: IndexClient) -> None:
    serve_demo(index)
    with client:
        from_json = client.listing(f"{index.base}/json", "demo-pkg")
        from_html = client.listing(f"{index.base}/html", "demo-pkg")
    assert from_json is not None
    assert from_html is not None
    assert from_html.index_url == f"{index.base}/html"
    assert dataclasses.replace(from_html, index_url=from_json.index_url) == from_json
    assert len(from_json.files) == 4


def test_pep_700_versions_upload_time_and_pep_792_status(
    index: LocalIndex, client: IndexClient
) -> None:
    files = [FileSpec("demo_pkg-2.0-py3-none-any.whl", "../../files/demo_pkg-2.0.whl")]
    index.json_page(
        "/json/demo-pkg/",
        "demo-pkg",
        files,
        meta={"api-version": "1.4"},
        versions=["2.0", "1.0", "0.9"],  # 1.0 and 0.9 have no file left
        **{"project-status": {"status": "quarantined", "reason": "malware"}},
    )
    page = index.pages["/json/demo-pkg/"]
    body = page.body.replace(
        b'"hashes": {}', b'"hashes": {}, "upload-time": "2024-05-01T12:00:00Z"'
    )
    index.pages["/json/demo-pkg/"] = dataclasses.replace(page, body=body)
    with client:
        listing = client.listing(f"{index.base}/json", "demo-pkg")
    assert listing is not None
    assert listing.versions == ("0.9", "1.0", "2.0")
    assert listing.files_of("1.0") == ()
    assert listing.files[0].upload_time == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert (listing.status, listing.status_reason) == ("quarantined", "malware")


def test_a_name_the_index_does_not_serve_is_none_and_asked_once(
    index: LocalIndex, client: IndexClient
) -> None:
    with client:
        assert client.listing(index.base, "missing") is None
        assert client.listing(f"{index.base}/", "Missing") is None
    assert index.paths() == ["/missing/"]


def test_file_urls_lose_their_credentials(index: LocalIndex, client: IndexClient) -> None:
    port = index.server_address[1]
    absolute = f"http://bob:{SECRET}@127.0.0.1:{port}/files/demo-1.0.tar.gz"
    index.json_page("/json/demo/", "demo", [FileSpec("demo-1.0.tar.gz", absolute)])
    with client:
        listing = client.listing(f"{index.base}/json", "demo")
    assert listing is not None
    assert [f.url for f in listing.files] == [f"{index.base}/files/demo-1.0.tar.gz"]
    assert SECRET not in repr(listing)


def test_redirects_are_followed(index: LocalIndex, client: IndexClient) -> None:
    serve_demo(index)
    moved = (("Location", "/json/demo-pkg/"),)
    index.pages["/old/demo-pkg/"] = Page(301, "text/plain", b"", moved)
    with client:
        listing = client.listing(f"{index.base}/old", "demo-pkg")
    assert listing is not None
    assert len(listing.files) == 4
    assert index.paths() == ["/old/demo-pkg/", "/json/demo-pkg/"]


def test_many_listings_concurrently_each_fetched_once(
    index: LocalIndex, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    names = [f"pkg{n}" for n in range(24)]
    for root in ("/a", "/b"):
        for name in names:
            files = [FileSpec(f"{name}-1.0.tar.gz", f"../../files/{name}-1.0.tar.gz")]
            index.json_page(f"{root}/{name}/", name, files)
    index.delay = 0.05
    pairs = [(f"{index.base}{root}", name) for root in ("/a", "/b") for name in names]
    # the same pages again, spelled differently, and a name neither index serves
    pairs += [(f"{index.base}/a/", "PKG0"), (f"{index.base}/b", "Pkg1"), (index.base, "none")]
    with IndexClient(env=clean_env, credentials=make_lookup(clean_env), workers=8) as client:
        found = client.listings(pairs + pairs[:5])
    assert list(found) == pairs
    assert found[(index.base, "none")] is None
    assert found[(f"{index.base}/a/", "PKG0")] == found[(f"{index.base}/a", "pkg0")]
    listing = found[(f"{index.base}/b", "pkg7")]
    assert listing is not None
    assert (listing.index_url, listing.name, listing.versions) == (
        f"{index.base}/b",
        "pkg7",
        ("1.0",),
    )
    assert sorted(index.paths()) == sorted(
        [f"{root}/{name}/" for root in ("/a", "/b") for name in names] + ["/none/"]
    )
    assert index.most_in_flight > 1  # they ran at once
    assert index.most_in_flight <= 8


def test_sha256_of_streams_the_raw_bytes(index: LocalIndex, client: IndexClient) -> None:
    serve_demo(index)
    packed = gzip.compress(SDIST)  # a server that labels a .tar.gz gzip-encoded
    index.file("/files/labelled.tar.gz", packed, (("Content-Encoding", "gzip"),))
    with client:
        assert client.sha256_of(f"{index.base}/files/demo_pkg-1.0-py3-none-any.whl") == WHEEL_SHA
        assert client.sha256_of(f"{index.base}/files/labelled.tar.gz") == (
            hashlib.sha256(packed).hexdigest()
        )
        with pytest.raises(InfrastructureError, match="larger than 100 bytes") as large:
            client.sha256_of(f"{index.base}/files/demo-pkg-1.0.tar.gz", max_bytes=100)
        # no Content-Length: the cap stops the stream itself
        index.pages["/files/endless"] = Page(200, "application/octet-stream", SDIST, length=False)
        with pytest.raises(InfrastructureError, match="larger than 100 bytes"):
            client.sha256_of(f"{index.base}/files/endless", max_bytes=100)
        assert client.sha256_of(f"{index.base}/files/endless") == SDIST_SHA
        with pytest.raises(InfrastructureError, match="is not on its index") as missing:
            client.sha256_of(f"{index.base}/files/gone.whl")
    assert large.value.exit_code == missing.value.exit_code == 3


def test_a_file_listed_on_the_index_hashes_to_its_published_sha256(
    index: LocalIndex, client: IndexClient
) -> None:
    serve_demo(index)
    with client:
        listing = client.listing(f"{index.base}/html", "demo-pkg")
        assert listing is not None
        for file in listing.files_of("1.0"):
            assert client.sha256_of(file.url) == file.sha256


# Faults: exit 3, the URL named, credentials never shown


def test_connection_refused_names_the_index_without_its_credentials(client: IndexClient) -> None:
    port = free_port()
    with client, pytest.raises(InfrastructureError) as caught:
        client.listing(f"http://user:{SECRET}@127.0.0.1:{port}/simple/", "demo")
    error = caught.value
    assert error.exit_code == 3
    assert (
        error.message
        == f"The index http://127.0.0.1:{port}/simple cannot be reached: connection refused."
    )
    assert SECRET not in everything_said(error)
    assert "user" not in error.message


def test_an_index_that_does_not_answer_in_time(
    index: LocalIndex, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    serve_demo(index)
    index.delay = 1.0
    client = IndexClient(env=clean_env, credentials=make_lookup(clean_env), timeout=(5, 0.2))
    with client, pytest.raises(InfrastructureError) as caught:
        client.listing(f"{index.base}/json", "demo-pkg")
    assert caught.value.message == (
        f"The index {index.base}/json cannot be reached: no answer within 0.2 s."
    )
    assert caught.value.exit_code == 3


def test_a_file_that_cannot_be_reached(client: IndexClient) -> None:
    port = free_port()
    with client, pytest.raises(InfrastructureError) as caught:
        client.sha256_of(f"http://user:{SECRET}@127.0.0.1:{port}/files/x.whl")
    assert caught.value.message == (
        f"The file http://127.0.0.1:{port}/files/x.whl cannot be reached: connection refused."
    )
    assert SECRET not in everything_said(caught.value)


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_names_the_index_without_its_credentials(
    index: LocalIndex, client: IndexClient, status: int
) -> None:
    index.pages["/simple/demo/"] = Page(status, "text/plain", b"down")
    with client, pytest.raises(InfrastructureError) as caught:
        client.listing(f"http://user:{SECRET}@127.0.0.1:{index.server_address[1]}/simple", "demo")
    error = caught.value
    assert error.exit_code == 3
    assert error.message.startswith(f"The index {index.base}/simple answered HTTP {status} (")
    assert error.message.endswith(") for the page of demo.")
    assert SECRET not in everything_said(error)
    # 503 is retried (twice), 500 is not
    assert index.paths() == ["/simple/demo/"] * (3 if status == 503 else 1)
    # the server was sent the credentials, in a header: never in the URL
    assert index.seen[0].headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/vnd.pypi.simple.v1+json", b"{not json"),
        ("application/vnd.pypi.simple.v1+json", b'{"name": "demo"}'),
        ("application/octet-stream", b"\x00\x01"),
    ],
    ids=["broken-json", "not-a-project", "neither"],
)
def test_a_page_that_is_not_a_project_page(
    index: LocalIndex, client: IndexClient, content_type: str, body: bytes
) -> None:
    index.pages["/simple/demo/"] = Page(200, content_type, body)
    with client, pytest.raises(InfrastructureError) as caught:
        client.listing(f"http://u:{SECRET}@127.0.0.1:{index.server_address[1]}/simple", "demo")
    assert caught.value.exit_code == 3
    assert caught.value.message.startswith(
        f"The index {index.base}/simple served a page for demo that is neither simple-API JSON"
    )
    assert content_type in caught.value.message
    assert SECRET not in everything_said(caught.value)


def test_a_failure_is_not_remembered(index: LocalIndex, client: IndexClient) -> None:
    index.pages["/simple/demo/"] = Page(500, "text/plain", b"down")
    with client:
        with pytest.raises(InfrastructureError):
            client.listing(f"{index.base}/simple", "demo")
        serve_demo(index)
        index.pages["/simple/demo/"] = index.pages["/json/demo-pkg/"]
        assert client.listing(f"{index.base}/simple", "demo") is not None


def test_listings_raise_the_first_failure(index: LocalIndex, client: IndexClient) -> None:
    serve_demo(index)
    index.pages["/bad/demo-pkg/"] = Page(502, "text/plain", b"")
    pairs = [(f"{index.base}/json", "demo-pkg"), (f"{index.base}/bad", "demo-pkg")]
    with client, pytest.raises(InfrastructureError, match=r"/bad answered HTTP 502"):
        client.listings(pairs)


def test_offline_asks_nothing(index: LocalIndex) -> None:
    serve_demo(index)
    with IndexClient(offline=True) as client:
        with pytest.raises(InfrastructureError, match="chainproof runs offline") as caught:
            client.listing(f"{index.base}/json", "demo-pkg")
        with pytest.raises(InfrastructureError, match="chainproof runs offline"):
            client.listings([(f"{index.base}/json", "demo-pkg")])
        with pytest.raises(InfrastructureError, match="chainproof runs offline"):
            client.sha256_of(f"{index.base}/files/demo-pkg-1.0.tar.gz")
        assert client.listings([]) == {}
    assert caught.value.exit_code == 3
    assert index.seen == []


@pytest.mark.parametrize("name", ["", "../etc", "a/b", "-lead"])
def test_a_name_that_is_not_a_project_name(
    index: LocalIndex, client: IndexClient, name: str
) -> None:
    with client, pytest.raises(UsageError, match="is not a valid project name"):
        client.listing(index.base, name)
    assert index.seen == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("file:///srv/simple", "is not an http"),
        ("http://127.0.0.1:99999/simple", "has no valid port"),
        ("http:///simple", "names no host"),
    ],
)
def test_an_index_url_that_is_not_one(client: IndexClient, url: str, problem: str) -> None:
    with client, pytest.raises(UsageError, match=problem):
        client.listing(url, "demo")
    with client, pytest.raises(UsageError, match=problem):
        client.sha256_of(f"{url}/demo-1.0.tar.gz")


def test_the_default_index_is_pypi_simples() -> None:
    assert default_index_url() == pypi_simple.PYPI_SIMPLE_ENDPOINT


def test_the_default_index_without_pip_is_still_pypi_simples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pip._internal.models.index", None)  # not importable
    assert default_index_url() == pypi_simple.PYPI_SIMPLE_ENDPOINT


# Credentials: 401 without, 200 with those each settings source gives


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def private(index: LocalIndex) -> str:
    """demo-pkg on /private/simple, which demands alice's token, as do its files."""
    serve_demo(index)
    page = index.pages["/json/demo-pkg/"]
    body = page.body.replace(b"../../files/", b"/private/files/")
    index.pages["/private/simple/demo-pkg/"] = dataclasses.replace(page, body=body)
    index.file("/private/files/demo_pkg-1.0-py3-none-any.whl", WHEEL)
    index.auth["/private/"] = f"alice:{SECRET}"
    return f"{index.base}/private/simple"


def test_without_credentials_a_private_index_says_where_to_give_them(
    index: LocalIndex, private: str, client: IndexClient
) -> None:
    with client, pytest.raises(InfrastructureError) as caught:
        client.listing(private, "demo-pkg")
    error = caught.value
    assert error.exit_code == 3
    assert error.message == (
        f"The index {private} asks for credentials (HTTP 401) and none were found for it."
    )
    assert error.hint is not None
    assert all(where in error.hint for where in ("PIP_INDEX_URL", "pip.conf", "UV_INDEX", "netrc"))
    assert "authorization" not in index.seen[0].headers


def test_refused_credentials_name_their_source_never_their_value(
    index: LocalIndex, private: str, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    env = {
        **clean_env,
        "PIP_INDEX_URL": f"http://alice:wrong-{SECRET}@127.0.0.1:{index.server_address[1]}/private/",
    }
    client = IndexClient(env=env, credentials=make_lookup(env))
    with client, pytest.raises(InfrastructureError) as caught:
        client.listing(private, "demo-pkg")
    assert caught.value.message == (
        f"The index {private} refused the credentials from PIP_INDEX_URL (HTTP 401)."
    )
    assert SECRET not in everything_said(caught.value)
    assert "alice" not in everything_said(caught.value)


def _settings(source: str, index: LocalIndex, home: Path) -> dict[str, str]:
    """The environment that gives alice's credentials for the private index through
    ``source``, with the files it names written under ``home``."""
    port = index.server_address[1]
    with_userinfo = f"http://alice:{SECRET}@127.0.0.1:{port}/private/simple"
    if source == "PIP_INDEX_URL":
        return {"PIP_INDEX_URL": with_userinfo}
    if source == "PIP_EXTRA_INDEX_URL":
        return {"PIP_EXTRA_INDEX_URL": f"http://127.0.0.1:{port}/other {with_userinfo}/"}
    if source == "pip.conf":
        conf = home / "custom-pip.conf"
        conf.write_text(
            f"[global]\nindex-url = http://127.0.0.1:{port}/simple\n"
            f"extra-index-url =\n    http://127.0.0.1:{port}/other\n    {with_userinfo}\n"
        )
        return {"PIP_CONFIG_FILE": str(conf)}
    if source == "user pip.conf":
        conf = home / ".config" / "pip" / "pip.conf"
        conf.parent.mkdir(parents=True)
        conf.write_text(f"[install]\nindex_url = {with_userinfo}\n")
        return {}
    if source == "UV_INDEX":
        return {
            "UV_INDEX": f"public=http://127.0.0.1:{port}/simple my-private.idx=http://127.0.0.1:{port}/private/simple",
            "UV_INDEX_MY_PRIVATE_IDX_USERNAME": "alice",
            "UV_INDEX_MY_PRIVATE_IDX_PASSWORD": SECRET,
        }
    if source == "uv.toml":
        conf = home / ".config" / "uv" / "uv.toml"
        conf.parent.mkdir(parents=True)
        conf.write_text(
            f'[[index]]\nname = "corp"\nurl = "http://127.0.0.1:{port}/private/simple"\n'
        )
        return {"UV_INDEX_CORP_USERNAME": "alice", "UV_INDEX_CORP_PASSWORD": SECRET}
    if source == "netrc":
        netrc = home / "my-netrc"
        netrc.write_text(f"machine 127.0.0.1\n  login alice\n  password {SECRET}\n")
        return {"NETRC": str(netrc)}
    raise AssertionError(source)


SOURCES = [
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "pip.conf",
    "user pip.conf",
    "UV_INDEX",
    "uv.toml",
    "netrc",
]


@pytest.mark.parametrize("source", SOURCES)
def test_credentials_from_each_settings_source(
    index: LocalIndex,
    private: str,
    home: Path,
    clean_env: dict[str, str],
    make_lookup: MakeLookup,
    source: str,
) -> None:
    env = {**clean_env, **_settings(source, index, home)}
    with IndexClient(env=env, credentials=make_lookup(env)) as client:
        listing = client.listing(private, "demo-pkg")
        assert listing is not None
        wheel = listing.files_of("1.0")[0]
        # the file is on the index's host, outside its path: the accepted credentials go too
        assert wheel.url == f"{index.base}/private/files/demo_pkg-1.0-py3-none-any.whl"
        assert client.sha256_of(wheel.url) == WHEEL_SHA
    assert [s.headers.get("authorization") for s in index.seen] == [_basic("alice", SECRET)] * 2


def test_credentials_in_the_url_itself(
    index: LocalIndex, private: str, client: IndexClient
) -> None:
    port = index.server_address[1]
    with client:
        listing = client.listing(
            f"http://alice:{SECRET}@127.0.0.1:{port}/private/simple", "demo-pkg"
        )
    assert listing is not None
    assert listing.index_url == private  # never the credentials
    assert SECRET not in repr(listing)
    assert index.seen[0].path == "/private/simple/demo-pkg/"
    assert index.seen[0].headers["authorization"] == _basic("alice", SECRET)


def test_the_client_reads_the_settings_of_the_env_it_is_given(
    index: LocalIndex, private: str, clean_env: dict[str, str]
) -> None:
    """Without an explicit lookup the client builds its own from ``env``."""
    env = {
        **clean_env,
        "UV_INDEX": f"corp=http://127.0.0.1:{index.server_address[1]}/private/",
        "UV_INDEX_CORP_USERNAME": "alice",
        "UV_INDEX_CORP_PASSWORD": SECRET,
    }
    with IndexClient(env=env) as client:
        assert client.listing(private, "demo-pkg") is not None
        assert SECRET not in repr(client)
    assert index.seen[0].headers["authorization"] == _basic("alice", SECRET)


def test_credentials_for_one_index_stay_with_it(
    index: LocalIndex, private: str, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    """Credentials configured for /private are not sent to another path of the host."""
    env = {
        **clean_env,
        "PIP_INDEX_URL": f"http://alice:{SECRET}@127.0.0.1:{index.server_address[1]}/private/",
    }
    with IndexClient(env=env, credentials=make_lookup(env)) as client:
        assert client.listing(f"{index.base}/json", "demo-pkg") is not None
    assert "authorization" not in index.seen[0].headers
