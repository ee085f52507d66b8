"""Done-when checks on a real project and a real ~100-package environment (package registry).

pip-audit 2.9.0 (nine direct, ~26 runtime dependencies, an extra: CacheControl[filecache]) is
built with `chainproof build`, then `chainproof sbom` must match what `pip install --dry-run
--report` resolves for the built wheel, file hash for file hash; uv.lock, pylock.toml and a
hash-pinned requirements file of the same project must give the same components and hashes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.sbom.helpers import UV, download_sdist, lock_and_export

pytestmark = pytest.mark.registry
EPOCH = "1700000000"


def chainproof(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run(
        [sys.executable, "-m", "chainproof", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def sbom_twice(*args: str, out: Path) -> dict[str, Any]:
    """Run `chainproof sbom ... -o out` twice: strictly valid, byte-identical, parsed."""
    first = chainproof("sbom", *args, "-o", str(out))
    assert first.returncode == 0, first.stderr
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    second = chainproof("sbom", *args, "-o", str(out))
    assert second.returncode == 0, second.stderr
    assert out.read_text() == text
    doc: dict[str, Any] = json.loads(text)
    return doc


def runtime(doc: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {
        c["purl"]: tuple(h["content"] for h in c["hashes"])
        for c in doc["components"]
        if c.get("scope") != "excluded"
    }


def licences(doc: dict[str, Any]) -> dict[str, Any]:
    return {c["purl"]: c.get("licenses") for c in doc["components"] if c.get("scope") != "excluded"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("real")
    root = download_sdist("pip-audit", "2.9.0", work)
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "import"], cwd=root, check=True)
    built = chainproof("build", str(root), "-o", str(root / "dist"))
    assert built.returncode == 0, built.stderr
    return root


@pytest.fixture(scope="module")
def dist_sbom(project: Path) -> dict[str, Any]:
    result = chainproof("sbom", "--dist", str(project / "dist"))
    assert result.returncode == 0, result.stderr
    text = (project / "dist" / "sbom.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    again = chainproof("sbom", "--dist", str(project / "dist"), "-o", str(project / "again.json"))
    assert again.returncode == 0
    assert (project / "again.json").read_text() == text
    doc: dict[str, Any] = json.loads(text)
    return doc


@pytest.fixture(scope="module")
def pip_report(project: Path) -> dict[str, Any]:
    wheel = next((project / "dist").glob("*.whl"))
    report = project / "report.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            str(wheel),
        ],
        check=True,
    )
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def test_components_and_hashes_equal_pip_resolution(
    dist_sbom: dict[str, Any], pip_report: dict[str, Any]
) -> None:
    expected = {
        f"pkg:pypi/{canonicalize_name(item['metadata']['name'])}@{item['metadata']['version']}": (
            item["download_info"]["archive_info"]["hashes"]["sha256"],
        )
        for item in pip_report["install"]
        if not item["download_info"]["url"].endswith("pip_audit-2.9.0-py3-none-any.whl")
    }
    assert len(expected) >= 12
    assert runtime(dist_sbom) == expected
    urls = {item["download_info"]["url"].rsplit("/", 1)[1] for item in pip_report["install"]}
    for component in dist_sbom["components"]:
        if component.get("scope") != "excluded":
            (ref,) = [r for r in component["externalReferences"] if r["type"] == "distribution"]
            assert ref["url"].rsplit("/", 1)[1] in urls
            assert ref["comment"] in urls


def test_release_and_build_environment(project: Path, dist_sbom: dict[str, Any]) -> None:
    record = json.loads((project / "dist" / "build-record.json").read_text())
    root = dist_sbom["metadata"]["component"]
    assert root["purl"] == "pkg:pypi/pip-audit@2.9.0"
    assert {h["content"] for h in root["hashes"]} == {a["sha256"] for a in record["artifacts"]}
    assert root["licenses"] == [{"expression": "Apache-2.0"}]
    build = {c["name"]: c for c in dist_sbom["components"] if c.get("scope") == "excluded"}
    assert {p["name"] for p in record["build_environment"]} == set(build)
    for package in record["build_environment"]:
        component = build[package["name"]]
        assert component["hashes"] == [{"alg": "SHA-256", "content": package["sha256"]}]
        assert {"name": "chainproof:build-only", "value": "true"} in component["properties"]


def test_edges_follow_requires_dist_after_markers(
    dist_sbom: dict[str, Any], pip_report: dict[str, Any]
) -> None:
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    by_key = {canonicalize_name(i["metadata"]["name"]): i for i in pip_report["install"]}
    requests = {
        key: [Requirement(r) for r in item["metadata"].get("requires_dist", [])]
        for key, item in by_key.items()
    }
    extras: dict[str, set[str]] = {key: set() for key in by_key}
    for reqs in requests.values():  # extras asked for by any package (CacheControl[filecache])
        for req in reqs:
            if canonicalize_name(req.name) in extras:
                extras[canonicalize_name(req.name)] |= set(req.extras)
    expected: dict[str, set[str]] = {}  # package key → keys it depends on
    for key, reqs in requests.items():
        for req in reqs:
            active = ["", *sorted(extras[key])]
            holds = req.marker is None or any(
                req.marker.evaluate({**env, "extra": e}) for e in active
            )
            if holds and canonicalize_name(req.name) in by_key:
                expected.setdefault(key, set()).add(canonicalize_name(req.name))
    refs: dict[str, str] = {
        c["bom-ref"]: canonicalize_name(c["name"]) for c in dist_sbom["components"]
    }
    refs[dist_sbom["metadata"]["component"]["bom-ref"]] = "pip-audit"
    found = {
        refs[d["ref"]]: {refs[x] for x in d["dependsOn"]}
        for d in dist_sbom["dependencies"]
        if d.get("dependsOn")
    }
    assert found == expected
    assert "filelock" in found["cachecontrol"]  # via the filecache extra


def test_lock_files_give_the_same_components(project: Path, dist_sbom: dict[str, Any]) -> None:
    lock_and_export(project)
    expected = runtime(dist_sbom)
    for flag, name in (
        ("--uv-lock", "uv.lock"),
        ("--pylock", "pylock.toml"),
        ("--requirements", "requirements.txt"),
    ):
        doc = sbom_twice(flag, str(project / name), out=project / f"{name}.cdx.json")
        assert runtime(doc) == expected, name
    # Lock files carry no licences; --with-metadata reads them from the index.
    doc = sbom_twice(
        "--uv-lock", str(project / "uv.lock"), "--with-metadata", out=project / "licences.cdx.json"
    )
    assert licences(doc) == licences(dist_sbom)


def test_env_of_about_100_packages(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    # --link-mode copy: the test modifies an installed file, which must not be uv's cache.
    subprocess.run(
        [UV, "pip", "install", "-q", "--link-mode", "copy", "--python", str(python), "jupyterlab"],
        check=True,
    )
    listed = json.loads(
        subprocess.run(
            [UV, "pip", "list", "--python", str(python), "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert len(listed) >= 90
    out = tmp_path / "env.json"
    doc = sbom_twice("--env", str(python), out=out)
    result = chainproof("sbom", "--env", str(python), "-o", str(tmp_path / "j.json"), "--json")
    assert result.returncode == 0, result.stderr
    assert {(canonicalize_name(p["name"]), p["version"]) for p in listed} == {
        (canonicalize_name(c["name"]), c["version"]) for c in doc["components"]
    }
    assert all(len(c["hashes"]) == 1 for c in doc["components"])
    # Every hashed RECORD entry of every distribution was verified.
    hashed = 0
    for record in venv.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        rows = csv.reader(io.StringIO(record.read_text()))
        hashed += sum(1 for row in rows if len(row) > 1 and row[1])
    assert json.loads(result.stdout)["files_verified"] == hashed > 5000
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    jupyterlab = next(c for c in doc["components"] if c["name"] == "jupyterlab")
    assert len(deps[jupyterlab["bom-ref"]]) >= 10
    # A modified file is flagged (exit 1) with its path.
    target = next(venv.glob("lib/python*/site-packages/jupyterlab/__init__.py"))
    text = target.read_text()
    target.unlink()  # never write through a link
    target.write_text(text + "\n# tampered\n")
    tampered = chainproof("sbom", "--env", str(python), "-o", str(tmp_path / "t.json"))
    assert tampered.returncode == 1
    assert "jupyterlab/__init__.py: modified" in tampered.stderr
