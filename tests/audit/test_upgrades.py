"""Online upgrade proposals against a real package index on 127.0.0.1 (tests/indexes.py): the
index's releases are the candidates, and uv's resolver checks an environment's proposal set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainproof.audit import upgrades
from chainproof.audit.db import AdvisoryDB
from chainproof.audit.engine import run_audit
from chainproof.audit.inputs import read_target
from chainproof.audit.remediation import Proposal
from chainproof.audit.run import AuditRequest, audit
from chainproof.audit.upgrades import IndexUpgrades
from chainproof.formats.audit_policy import AuditPolicy
from chainproof.index.client import IndexClient
from tests.audit.test_sources import JUPYTERLAB_ENV, JUPYTERLAB_EXTRAS, make_env
from tests.indexes import IndexServer, write_wheel


@pytest.fixture(autouse=True)
def _uv_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """uv and the index client see none of this machine's settings, only 127.0.0.1."""
    for name in list(os.environ):
        if name.upper().startswith(("PIP_", "UV_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def _wheels(directory: Path, releases: list[tuple[str, str, list[str]]]) -> list[Path]:
    return [write_wheel(directory, n, v, requires) for n, v, requires in releases]


JUPYTERLAB_INDEX = [
    ("setuptools", "65.5.0", []),
    ("setuptools", "65.5.1", []),
    ("setuptools", "79.0.1", []),
    ("setuptools", "80.0.0", []),  # yanked below
    ("setuptools", "80.9.0", []),
    ("pip", "22.3.1", []),
    ("pip", "23.3", []),
    ("pip", "24.2", []),
    ("ipython", "9.4.0", ["setuptools>=80.0"]),
    ("jupyterlab", "4.2.5", ["ipython>=8", "setuptools>=40.1.0"]),
]


@pytest.fixture
def jupyterlab_index(tmp_path: Path) -> Iterator[IndexServer]:
    files = _wheels(tmp_path / "wheels", JUPYTERLAB_INDEX)
    with IndexServer(files, username="ci", password="t0psecret") as server:
        server.yank("setuptools-80.0.0-py3-none-any.whl", "broken")
        yield server


def _proposals(target_python: Path, db: AdvisoryDB, server: IndexServer) -> dict[str, Proposal]:
    target = read_target("env", str(target_python))
    with IndexClient() as client:
        report = run_audit(
            target, db, AuditPolicy(), upgrades=IndexUpgrades(client, (server.auth_url,))
        )
    return {f.component.key: f.proposal for f in report.findings if f.proposal}


def test_the_jupyterlab_case_online(
    tmp_path: Path,
    snapshot: AdvisoryDB,
    jupyterlab_index: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through ``audit``: the index is pip's (PIP_INDEX_URL, with credentials), setuptools'
    proposal is the smallest release on it from 80 on that is not yanked, and uv accepts the
    set."""
    python = make_env(tmp_path / "venv", JUPYTERLAB_ENV, JUPYTERLAB_EXTRAS)
    monkeypatch.setenv("PIP_INDEX_URL", jupyterlab_index.auth_url)
    run = audit(
        AuditRequest(
            "env", str(python), advisories=snapshot, offline=False, project_dir=tmp_path,
            checks=("vulnerabilities",), ignore_stale=True,
        )
    )  # fmt: skip
    proposals = {f.component.key: f.proposal for f in run.report.findings if f.proposal}
    setuptools, pip = proposals["setuptools"], proposals["pip"]
    assert (setuptools.version, setuptools.specifier) == ("80.9.0", "==80.9.0")
    assert "smallest release on the index" in setuptools.explanation
    assert "ipython 9.4.0 requires setuptools>=80.0" in setuptools.explanation
    assert (pip.version, pip.specifier) == ("23.3", "==23.3")
    assert "setuptools" not in pip.explanation
    for proposal in (setuptools, pip):
        assert proposal.resolver == "passed"
        assert "The resolver (uv pip compile) accepts" in proposal.explanation
        assert "t0psecret" not in proposal.explanation
    assert "t0psecret" not in str(run.report.to_json())


def test_a_proposal_the_resolver_refuses_is_withdrawn(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    """urllib3 1.26.18 fixes every advisory, but on this index it needs acme-helper>=2 and
    the environment pins acme-helper 1.0: uv refuses it, so nothing is offered."""
    python = make_env(tmp_path / "venv", [("urllib3", "1.26.4", []), ("acme-helper", "1.0", [])])
    files = _wheels(
        tmp_path / "wheels",
        [
            ("urllib3", "1.26.4", []),
            ("urllib3", "1.26.18", ["acme-helper>=2"]),
            ("acme-helper", "1.0", []),
        ],
    )
    with IndexServer(files) as server:
        proposal = _proposals(python, snapshot, server)["urllib3"]
    assert proposal.version is None
    assert proposal.specifier is None
    assert proposal.resolver == "failed"
    assert "Upgrade urllib3 to 1.26.18" in proposal.explanation
    assert "The resolver rejects it: " in proposal.explanation
    assert "acme-helper" in proposal.explanation.partition("rejects it: ")[2]


def test_without_uv_the_set_is_not_checked(
    tmp_path: Path,
    snapshot: AdvisoryDB,
    jupyterlab_index: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(upgrades, "find_uv", lambda: None)
    python = make_env(tmp_path / "venv", JUPYTERLAB_ENV, JUPYTERLAB_EXTRAS)
    proposal = _proposals(python, snapshot, jupyterlab_index)["setuptools"]
    assert proposal.version == "80.9.0"
    assert proposal.resolver == "not checked"
    assert proposal.explanation.endswith("The resolver did not check it: no uv binary was found.")


def test_an_unreachable_index_is_not_checked_and_falls_back(
    tmp_path: Path, snapshot: AdvisoryDB
) -> None:
    python = make_env(tmp_path / "venv", JUPYTERLAB_ENV, JUPYTERLAB_EXTRAS)
    target = read_target("env", str(python))
    with IndexClient(timeout=(2, 2)) as client:
        dead = "http://127.0.0.1:9/simple"  # the discard port: refused
        report = run_audit(target, snapshot, AuditPolicy(), upgrades=IndexUpgrades(client, (dead,)))
    proposal = next(f.proposal for f in report.findings if f.component.key == "setuptools")
    assert proposal is not None
    assert proposal.specifier == ">=80.0"  # the offline candidates
    assert "The index could not be read" in proposal.explanation
    assert proposal.resolver == "not checked"
    assert "did not check it: the environment's own pins do not resolve" in proposal.explanation


def test_offline_an_environment_is_not_checked(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    python = make_env(tmp_path / "venv", JUPYTERLAB_ENV, JUPYTERLAB_EXTRAS)
    report = run_audit(read_target("env", str(python)), snapshot, AuditPolicy())
    proposal = next(f.proposal for f in report.findings if f.component.key == "pip")
    assert proposal is not None
    assert proposal.resolver == "not checked"
    assert proposal.explanation.endswith("The resolver did not check it: chainproof runs offline.")


def test_the_resolvers_first_error_line_without_credentials() -> None:
    stderr = (
        "error: No solution found when resolving dependencies\n"
        "  cause: Because http://ci:t0psecret@127.0.0.1:1/simple has no acme-helper>=2, we "
        "can conclude that your requirements are unsatisfiable.\n\nhint: more\n"
    )
    assert upgrades._first_error(stderr) == (
        "No solution found when resolving dependencies: Because http://127.0.0.1:1/simple has "
        "no acme-helper>=2, we can conclude that your requirements are unsatisfiable."
    )
    tree = (
        "  \u00d7 No solution found when resolving dependencies:\n  \u2570\u2500\u25b6 Because x\n"
    )
    assert upgrades._first_error(tree) == "No solution found when resolving dependencies: Because x"
