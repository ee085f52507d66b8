"""The package-index servers, wheels and sample locks of tests/indexes.py, judged by pip, uv,
pypi-simple and packaging rather than by the code under test."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import subprocess
import sys
import tarfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Literal

import pypi_simple
import pytest
from packaging.metadata import Metadata

from tests.indexes import (
    DEFAULT_UPLOAD_TIME,
    UV,
    IndexFactory,
    IndexServer,
    SampleDists,
    SampleUniverse,
    tool_env,
    write_sdist,
    write_wheel,
)

JSON = "application/vnd.pypi.simple.v1+json"
# What pip 26 and uv send (both prefer JSON)
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1"


def get(
    server: IndexServer, path: str, accept: str | None = None, auth: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed: status, headers (lower-case names), body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {} if accept is None else {"Accept": accept}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def pip(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def uv(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UV), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def pages(server: IndexServer) -> list[tuple[str, str]]:
    """(path, Content-Type) of every project page the server answered."""
    return [(p, kind) for p, status, kind in server.responses if p.startswith("/simple/")]


# -- wheels and sdists


def test_write_wheel_is_valid_and_deterministic(tmp_path: Path) -> None:
    one = write_wheel(tmp_path / "a", "Beta.Json", "2.0", ("eps>=1", 'w; sys_platform == "win32"'))
    two = write_wheel(tmp_path / "b", "Beta.Json", "2.0", ("eps>=1", 'w; sys_platform == "win32"'))
    assert one.name == "beta_json-2.0-py3-none-any.whl"
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as wheel:
        names = wheel.namelist()
        assert {i.date_time for i in wheel.infolist()} == {(2024, 1, 2, 3, 4, 6)}
        metadata = Metadata.from_email(wheel.read("beta_json-2.0.dist-info/METADATA"))
        record = wheel.read("beta_json-2.0.dist-info/RECORD").decode()
        assert b"Tag: py3-none-any" in wheel.read("beta_json-2.0.dist-info/WHEEL")
        for line in record.splitlines():
            member, digest, size = line.split(",")
            if member.endswith("RECORD"):
                assert (digest, size) == ("", "")
                continue
            data = wheel.read(member)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert (digest, int(size)) == (f"sha256={expected.decode()}", len(data))
    assert "beta_json/__init__.py" in names
    assert len(record.splitlines()) == len(names)
    assert (metadata.name, str(metadata.version)) == ("Beta.Json", "2.0")
    assert metadata.license_expression == "MIT"
    assert [str(r) for r in metadata.requires_dist or []] == [
        "eps>=1",
        'w; sys_platform == "win32"',
    ]
    assert metadata.requires_python is None
    with_python = write_wheel(tmp_path / "c", "x", "1", requires_python=">=3.8")
    with zipfile.ZipFile(with_python) as wheel:
        assert str(Metadata.from_email(wheel.read("x-1.dist-info/METADATA")).requires_python)
        assert b"Requires-Python: >=3.8\n" in wheel.read("x-1.dist-info/METADATA")


def test_write_sdist_is_deterministic(tmp_path: Path) -> None:
    one = write_sdist(tmp_path / "a", "acme-core", "1.2.0", ("beta-json>=1.2",))
    assert (
        one.read_bytes()
        == write_sdist(tmp_path / "b", "acme-core", "1.2.0", ("beta-json>=1.2",)).read_bytes()
    )
    assert one.name == "acme_core-1.2.0.tar.gz"
    with tarfile.open(one) as tar:
        assert sorted(tar.getnames()) == [
            "acme_core-1.2.0/PKG-INFO",
            "acme_core-1.2.0/acme_core/__init__.py",
            "acme_core-1.2.0/pyproject.toml",
        ]
        stream = tar.extractfile("acme_core-1.2.0/PKG-INFO")
        assert stream is not None
        metadata = Metadata.from_email(stream.read())
        project = tar.extractfile("acme_core-1.2.0/pyproject.toml")
        assert project is not None
        pyproject = tomllib.loads(project.read().decode())
    assert (metadata.name, str(metadata.version)) == ("acme-core", "1.2.0")
    assert pyproject["project"]["dependencies"] == ["beta-json>=1.2"]


# -- the simple API, read by pypi-simple


@pytest.fixture
def beta(tmp_path: Path) -> IndexServer:
    """An index of beta-json 1.3.0 (wheel, sdist) and 2.1.0 (wheel, Requires-Python >=3.8)."""
    files = [
        write_wheel(tmp_path, "beta-json", "1.3.0", ("epsilon-codec",)),
        write_sdist(tmp_path, "beta-json", "1.3.0", ("epsilon-codec",)),
        write_wheel(tmp_path, "beta-json", "2.1.0", ("epsilon-codec>=0.5",), ">=3.8"),
    ]
    return IndexServer(files)


def test_json_page(beta: IndexServer) -> None:
    with beta:
        beta.yank("beta_json-1.3.0.tar.gz", "broken")
        status, headers, body = get(beta, "/simple/beta-json/", PIP_ACCEPT)
        assert status == 200
        assert headers["content-type"] == JSON
        data = json.loads(body)
        assert data["meta"] == {"api-version": "1.1"}
        assert (data["name"], data["versions"]) == ("beta-json", ["1.3.0", "2.1.0"])
        new = next(f for f in data["files"] if f["filename"] == "beta_json-2.1.0-py3-none-any.whl")
        wheel = get(beta, "/files/beta_json-2.1.0-py3-none-any.whl")[2]
        metadata = get(beta, "/files/beta_json-2.1.0-py3-none-any.whl.metadata")[2]
        assert new == {
            "filename": "beta_json-2.1.0-py3-none-any.whl",
            "url": f"http://127.0.0.1:{beta.port}/files/beta_json-2.1.0-py3-none-any.whl",
            "hashes": {"sha256": hashlib.sha256(wheel).hexdigest()},
            "requires-python": ">=3.8",
            "core-metadata": {"sha256": hashlib.sha256(metadata).hexdigest()},
            "dist-info-metadata": {"sha256": hashlib.sha256(metadata).hexdigest()},
            "size": len(wheel),
            "upload-time": DEFAULT_UPLOAD_TIME,
            "yanked": False,
        }
        assert metadata.startswith(b"Metadata-Version: 2.4\nName: beta-json\nVersion: 2.1.0\n")
        page = pypi_simple.ProjectPage.from_json_data(data)
    assert page.repository_version == "1.1"
    sdist = next(p for p in page.packages if p.filename.endswith(".tar.gz"))
    assert (sdist.is_yanked, sdist.yanked_reason, sdist.has_metadata) == (True, "broken", False)
    assert sdist.requires_python is None


def test_html_page(beta: IndexServer) -> None:
    with beta:
        beta.yank("beta_json-1.3.0.tar.gz", "broken")
        status, headers, body = get(beta, "/simple/beta-json/", "text/html")
        assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
        assert get(beta, "/simple/beta-json/")[1]["content-type"].startswith("text/html")
        text = body.decode()
        assert '<meta name="pypi:repository-version" content="1.1">' in text
        assert 'data-requires-python="&gt;=3.8"' in text
        page = pypi_simple.ProjectPage.from_html("beta-json", text, beta.project_url("beta-json"))
        json_page = pypi_simple.ProjectPage.from_json_data(
            json.loads(get(beta, "/simple/beta-json/", JSON)[2])
        )
    assert page.repository_version == "1.1"
    assert len(page.packages) == 3
    for html_file, json_file in zip(page.packages, json_page.packages, strict=True):
        assert html_file.filename == json_file.filename
        assert html_file.url == json_file.url
        assert html_file.digests == json_file.digests != {}
        assert html_file.requires_python == json_file.requires_python
        assert html_file.metadata_digests == json_file.metadata_digests
        assert html_file.is_yanked == json_file.is_yanked
        assert html_file.yanked_reason == json_file.yanked_reason
    new = page.packages[-1]
    assert (new.version, new.requires_python, new.has_metadata) == ("2.1.0", ">=3.8", True)


def test_negotiation_follows_q_values(beta: IndexServer) -> None:
    with beta:
        kind = {
            accept: get(beta, "/simple/beta-json/", accept)[1]["content-type"]
            for accept in (
                JSON,
                PIP_ACCEPT,
                "text/html, application/vnd.pypi.simple.v1+json;q=0.5",
                "application/vnd.pypi.simple.v1+json;q=0, text/html",
                "application/vnd.pypi.simple.latest+json",
                "*/*",
            )
        }
    assert list(kind.values()) == [
        JSON,
        JSON,
        "text/html; charset=utf-8",
        "text/html; charset=utf-8",
        JSON,
        "text/html; charset=utf-8",
    ]


@pytest.mark.parametrize(("mode", "kind"), [("html", "text/html; charset=utf-8"), ("json", JSON)])
def test_forced_mode_ignores_accept(
    tmp_path: Path, mode: Literal["html", "json"], kind: str
) -> None:
    wheel = write_wheel(tmp_path, "beta-json", "2.1.0")
    with IndexServer([wheel], mode=mode) as server:
        assert get(server, "/simple/beta-json/", JSON)[1]["content-type"] == kind
        assert get(server, "/simple/beta-json/", "text/html")[1]["content-type"] == kind


def test_root_page_lists_projects(beta: IndexServer, tmp_path: Path) -> None:
    beta.add(write_wheel(tmp_path, "Acme_Core", "1.0"))
    with beta:
        index = json.loads(get(beta, "/simple/", JSON)[2])
        html = get(beta, "/simple/", "text/html")[2].decode()
    assert index == {
        "meta": {"api-version": "1.1"},
        "projects": [{"name": "acme-core"}, {"name": "beta-json"}],
    }
    assert '<a href="/simple/acme-core/">acme-core</a>' in html


def test_redirects_and_not_found(beta: IndexServer) -> None:
    with beta:
        base = f"http://127.0.0.1:{beta.port}"
        for path, target in [
            ("/simple", "/simple/"),
            ("/simple/beta-json", "/simple/beta-json/"),
            ("/simple/Beta_JSON/", "/simple/beta-json/"),
            ("/simple/beta.json", "/simple/beta-json/"),
        ]:
            status, headers, _ = get(beta, path)
            assert (status, headers["location"]) == (301, base + target), path
        assert get(beta, "/simple/gamma-tls/")[0] == 404
        assert get(beta, "/files/gamma_tls-1.0-py3-none-any.whl")[0] == 404
        assert get(beta, "/files/beta_json-1.3.0.tar.gz.metadata")[0] == 404
        assert get(beta, "/elsewhere")[0] == 404
        # pip and uv follow the redirect
        assert get(beta, "/simple/beta-json/", JSON)[0] == 200
        assert ("GET", "/simple/Beta_JSON/", "") in beta.requests


def test_seeded_hashes(beta: IndexServer) -> None:
    wrong = "0" * 64
    with beta:
        wheel = get(beta, "/files/beta_json-2.1.0-py3-none-any.whl")[2]
        beta.publish_hash("beta_json-2.1.0-py3-none-any.whl", wrong)
        data = json.loads(get(beta, "/simple/beta-json/", JSON)[2])
        html = get(beta, "/simple/beta-json/", "text/html")[2].decode()
        assert get(beta, "/files/beta_json-2.1.0-py3-none-any.whl")[2] == wheel
    hashes = {f["filename"]: f["hashes"] for f in data["files"]}
    assert hashes["beta_json-2.1.0-py3-none-any.whl"] == {"sha256": wrong}
    assert hashes["beta_json-1.3.0-py3-none-any.whl"] != {"sha256": wrong}
    assert f"beta_json-2.1.0-py3-none-any.whl#sha256={wrong}" in html
    assert hashlib.sha256(wheel).hexdigest() not in html


def test_no_hashes_published(tmp_path: Path) -> None:
    files = [
        write_wheel(tmp_path, "beta-json", "2.1.0"),
        write_sdist(tmp_path, "beta-json", "2.1.0"),
    ]
    with IndexServer(files, publish_hashes=False) as server:
        data = json.loads(get(server, "/simple/beta-json/", JSON)[2])
        html = get(server, "/simple/beta-json/", "text/html")[2].decode()
    assert [f["hashes"] for f in data["files"]] == [{}, {}]
    assert [f["core-metadata"] for f in data["files"]] == [True, False]  # the wheel, the sdist
    assert "#sha256=" not in html
    assert "sha256" not in html
    assert 'data-core-metadata="true"' in html


def test_basic_auth(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, "beta-json", "2.1.0")
    with IndexServer([wheel], username="ci", password="s3cr:et") as server:
        for auth in (None, "ci:wrong", "other:s3cr:et"):
            status, headers, _ = get(server, "/simple/beta-json/", JSON, auth)
            assert status == 401
            assert headers["www-authenticate"].startswith("Basic")
        assert get(server, "/files/beta_json-2.1.0-py3-none-any.whl")[0] == 401
        assert get(server, "/simple/beta-json/", JSON, "ci:s3cr:et")[0] == 200
        assert server.auth_url == f"http://ci:s3cr%3Aet@127.0.0.1:{server.port}/simple"
        env = tool_env(tmp_path / "cache")
        refused = pip(
            "download",
            "--no-deps",
            "--no-cache-dir",
            "--no-input",
            "-d",
            str(tmp_path / "no"),
            "--index-url",
            server.url,
            "beta-json",
            env=env,
        )
        assert refused.returncode != 0
        fetched = pip(
            "download",
            "--no-deps",
            "--no-cache-dir",
            "-d",
            str(tmp_path / "yes"),
            "--index-url",
            server.auth_url,
            "beta-json",
            env=env,
        )
        assert fetched.returncode == 0, fetched.stderr
    assert [p.name for p in (tmp_path / "yes").iterdir()] == [wheel.name]


# -- pip and uv against the servers


@pytest.mark.parametrize("mode", ["negotiate", "html"])
def test_pip_downloads_and_installs(tmp_path: Path, mode: Literal["negotiate", "html"]) -> None:
    files = [
        write_wheel(tmp_path / "d", "beta-json", "1.3.0", ("epsilon-codec",)),
        write_wheel(tmp_path / "d", "beta-json", "2.1.0", ("epsilon-codec>=0.5",)),
        write_wheel(tmp_path / "d", "epsilon-codec", "0.5.0"),
    ]
    env = tool_env(tmp_path / "cache")
    with IndexServer(files, mode=mode) as server:
        done = pip(
            "download",
            "--no-deps",
            "--no-cache-dir",
            "-d",
            str(tmp_path / "out"),
            "--index-url",
            server.url,
            "beta-json",
            env=env,
        )
        assert done.returncode == 0, done.stderr
        installed = pip(
            "install",
            "--no-cache-dir",
            "--target",
            str(tmp_path / "site"),
            "--index-url",
            server.url,
            "beta-json",
            env=env,
        )
        assert installed.returncode == 0, installed.stderr
        served = pages(server)
    (downloaded,) = (tmp_path / "out").iterdir()
    assert downloaded.read_bytes() == files[1].read_bytes()
    assert (tmp_path / "site" / "beta_json" / "__init__.py").is_file()
    assert (tmp_path / "site" / "epsilon_codec" / "__init__.py").is_file()
    kind = JSON if mode == "negotiate" else "text/html; charset=utf-8"
    assert ("/simple/beta-json/", kind) in served
    assert {k for _, k in served} == {kind}
    assert ("GET", "/files/beta_json-2.1.0-py3-none-any.whl.metadata", "*/*") in server.requests


@pytest.mark.parametrize("mode", ["negotiate", "html"])
def test_uv_resolves_and_installs(tmp_path: Path, mode: Literal["negotiate", "html"]) -> None:
    files = [
        write_wheel(tmp_path / "d", "beta-json", "1.3.0", ("epsilon-codec",)),
        write_wheel(tmp_path / "d", "beta-json", "2.1.0", ("epsilon-codec>=0.5",)),
        write_wheel(tmp_path / "d", "epsilon-codec", "0.5.0"),
    ]
    (tmp_path / "in.txt").write_text("beta-json\n", encoding="utf-8")
    env = tool_env(tmp_path / "cache")
    with IndexServer(files, mode=mode) as server:
        compiled = uv(
            "pip",
            "compile",
            "--python",
            sys.executable,
            "--no-header",
            "--generate-hashes",
            "--index-url",
            server.url,
            "in.txt",
            env=env,
            cwd=tmp_path,
        )
        assert compiled.returncode == 0, compiled.stderr
        installed = uv(
            "pip",
            "install",
            "--python",
            sys.executable,
            "--target",
            str(tmp_path / "site"),
            "--index-url",
            server.url,
            "beta-json",
            env=env,
        )
        assert installed.returncode == 0, installed.stderr
        served = pages(server)
    digest = hashlib.sha256(files[1].read_bytes()).hexdigest()
    assert f"beta-json==2.1.0 \\\n    --hash=sha256:{digest}\n" in compiled.stdout
    assert "epsilon-codec==0.5.0" in compiled.stdout
    assert (tmp_path / "site" / "beta_json" / "__init__.py").read_text().endswith('"2.1.0"\n')
    kind = JSON if mode == "negotiate" else "text/html; charset=utf-8"
    assert {k for _, k in served} == {kind}


def test_tools_refuse_a_wrong_published_hash(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path / "d", "beta-json", "2.1.0")
    env = tool_env(tmp_path / "cache")
    with IndexServer([wheel]) as server:
        server.publish_hash(wheel.name, "0" * 64)
        by_pip = pip(
            "download",
            "--no-deps",
            "--no-cache-dir",
            "-d",
            str(tmp_path / "out"),
            "--index-url",
            server.url,
            "beta-json",
            env=env,
        )
        by_uv = uv(
            "pip",
            "install",
            "--python",
            sys.executable,
            "--target",
            str(tmp_path / "site"),
            "--index-url",
            server.url,
            "beta-json",
            env=env,
        )
    assert by_pip.returncode != 0
    assert "0" * 64 in by_pip.stderr
    assert by_uv.returncode != 0
    assert "hash" in by_uv.stderr.lower()


# -- the sample universe


def locked(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def urls(text: str) -> set[str]:
    return set(re.findall(r"[a-z][a-z+.-]*://[^\s\"'\\]+", text))


def test_sample_locks_name_only_the_local_indexes(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    for path in (u.uv_lock, u.pylock, u.pylock_uv, u.requirements):
        found = urls(path.read_text(encoding="utf-8"))
        assert found, path
        prefixes = (u.internal.base_url + "/", u.public.base_url + "/")
        assert all(url.startswith(prefixes) for url in found), (path, found)


def test_uv_lock_sources(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    packages = {p["name"]: p for p in locked(u.uv_lock)["package"]}
    assert packages["acme-app"]["source"] == {"editable": "."}
    assert set(packages) == {"acme-app", *u.internal_names, *u.public_names}
    for name in u.internal_names:
        assert packages[name]["source"] == {"registry": u.internal.url}, name
    for name in u.public_names:
        assert packages[name]["source"] == {"registry": u.public.url}, name
        files = [packages[name]["sdist"], *packages[name]["wheels"]]
        assert all(f["url"].startswith(u.public.base_url + "/files/") for f in files)
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", f["hash"]) for f in files)
    assert packages["beta-json"]["version"] == "2.1.0"
    assert {"name": "nu-winterm", "marker": "sys_platform == 'win32'"} in packages["lambda-log"][
        "dependencies"
    ]
    requires = packages["acme-app"]["metadata"]["requires-dist"]
    assert {"name": "acme-auth", "specifier": ">=0.9", "index": u.internal.url} in requires


def test_pip_lock(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    lock = locked(u.pylock)
    assert lock["created-by"] == "pip"
    packages = {p["name"]: p for p in lock["packages"]}
    # pip locks for this machine: the win32-only nu-winterm is left out
    assert set(packages) == {"acme-app", *u.internal_names, *u.public_names} - {"nu-winterm"}
    assert packages.pop("acme-app") == {"name": "acme-app", "directory": {"path": "."}}
    for name, package in packages.items():
        # pip 26.3 writes no `index`: the index shows only in each file's URL
        assert "index" not in package, name
        (wheel,) = package["wheels"]
        assert wheel["url"] == f"{u.internal.base_url}/files/{wheel['name']}"
        assert re.fullmatch(r"[0-9a-f]{64}", wheel["hashes"]["sha256"])
    assert packages["beta-json"]["version"] == "2.1.0"


def test_uv_exported_pylock(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    lock = locked(u.pylock_uv)
    assert lock["created-by"] == "uv"
    packages = {p["name"]: p for p in lock["packages"]}
    assert packages.pop("acme-app")["directory"] == {"path": ".", "editable": True}
    for name, package in packages.items():
        expected = u.internal if name in u.internal_names else u.public
        assert package["index"] == expected.url, name
    assert packages["nu-winterm"]["marker"] == "sys_platform == 'win32'"


def test_hashed_requirements(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    text = u.requirements.read_text(encoding="utf-8")
    assert f"\n--index-url {u.internal.url}\n" in text
    pins = re.findall(
        r"^([a-z0-9-]+)==(\S+) \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)",
        text,
        re.MULTILINE,
    )
    names = [name for name, _, _ in pins]
    assert sorted(names) == sorted({*u.internal_names, *u.public_names} - {"nu-winterm"})
    assert len(re.findall(r"^\S+==", text, re.MULTILINE)) == len(pins)  # every pin is hashed
    assert all(block.count("--hash") == 2 for _, _, block in pins)  # the wheel and the sdist
    assert ("beta-json", "2.1.0") in [(n, v) for n, v, _ in pins]
    assert "    # via acme-app (pyproject.toml)\n" in text
    assert "    #   acme-utils\n" in text


def test_sources_policy(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    policy = tomllib.loads(u.sources_policy())
    assert policy == {
        "audit": {
            "sources": {
                "indexes": [u.internal.url, u.public.url],
                "public": u.public.url,
                "packages": {"acme-*": u.internal.url},
            }
        }
    }


def test_universe_indexes(sample_universe: SampleUniverse) -> None:
    u = sample_universe
    assert len(u.public_names) == 26
    assert set(u.internal_names) == {"acme-core", "acme-utils", "acme-auth", "acme-cli"}
    assert set(u.public.projects) == set(u.public_names)
    assert set(u.internal.projects) == {*u.internal_names, *u.public_names}
    for name in u.internal_names:
        assert get(u.public, f"/simple/{name}/", JSON)[0] == 404
    assert u.timings["all"] < 60


def test_make_index(make_index: IndexFactory, sample_dists: SampleDists, tmp_path: Path) -> None:
    index = make_index(["acme-core", "beta_json-2.1.0-py3-none-any.whl"], mode="html")
    assert index.filenames == [
        "acme_core-1.2.0-py3-none-any.whl",
        "acme_core-1.2.0.tar.gz",
        "beta_json-2.1.0-py3-none-any.whl",
    ]
    assert get(index, "/simple/beta-json/", JSON)[1]["content-type"].startswith("text/html")
    confused = make_index.public(write_wheel(tmp_path, "acme-utils", "99.0.0"))
    assert set(confused.projects) == {*sample_dists.public_names, "acme-utils"}
    versions = json.loads(get(confused, "/simple/acme-utils/", JSON)[2])["versions"]
    assert versions == ["99.0.0"]
    internal = make_index.internal(publish_hashes=False)
    assert json.loads(get(internal, "/simple/acme-core/", JSON)[2])["files"][0]["hashes"] == {}
    address = index.url
    make_index.close()
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(address, timeout=5)


def test_upload_time_is_settable(tmp_path: Path) -> None:
    import datetime as dt

    with IndexServer() as server:
        server.add(
            write_wheel(tmp_path, "beta-json", "2.1.0"),
            upload_time=dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC),
        )
        data = json.loads(get(server, "/simple/beta-json/", JSON)[2])
    assert data["files"][0]["upload-time"] == "2026-05-01T12:00:00.000000Z"
    assert urllib.parse.urlsplit(data["files"][0]["url"]).path.startswith("/files/")


def test_a_confused_index_misleads_the_resolver(
    make_index: IndexFactory, sample_universe: SampleUniverse, tmp_path: Path
) -> None:
    """The dependency-confusion variant is real to the tools: an internal (virtual) index that
    also proxies a public acme-utils 99.0.0 gets that one resolved."""
    evil = write_wheel(tmp_path / "evil", "acme-utils", "99.0.0")
    confused = make_index.internal(evil)
    compiled = uv(
        "pip",
        "compile",
        "--python",
        sys.executable,
        "--no-header",
        "--index-url",
        confused.url,
        "pyproject.toml",
        "-o",
        str(tmp_path / "out.txt"),
        env=tool_env(tmp_path / "cache"),
        cwd=sample_universe.project,
    )
    assert compiled.returncode == 0, compiled.stderr
    text = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "acme-utils==99.0.0\n" in text
    assert "acme-utils==1.0.3" in sample_universe.requirements.read_text(encoding="utf-8")
