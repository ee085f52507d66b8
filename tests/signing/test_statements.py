"""Statements and run details, without any signing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from google.protobuf import json_format  # type: ignore[import-untyped]
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement

from chainproof.fileio import load_json
from chainproof.formats import build_record
from chainproof.formats.intoto import (
    BUILD_TYPE,
    RunDetails,
    provenance_statement,
    sbom_statement,
    statement_bytes,
)
from chainproof.models import Artifact, EnvironmentPackage
from chainproof.progress import NullReporter
from chainproof.signing.ci import LOCAL_BUILDER_ID, run_details
from chainproof.signing.release_dir import read_release


def _validate(statement: dict[str, object]) -> None:
    proto = json_format.Parse(statement_bytes(statement), statement_pb2.Statement())
    Statement.copy_from_pb(proto).validate()


def test_run_details_gitlab_first_then_github_then_local() -> None:
    gitlab = {
        "GITLAB_CI": "true",
        "CI_SERVER_URL": "https://gitlab.example.invalid/",
        "CI_PROJECT_PATH": "g/p",
        "CI_RUNNER_ID": "7",
        "CI_JOB_ID": "99",
    }
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKFLOW_REF": "o/r/.github/workflows/rel.yml@refs/tags/v1",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_RUN_ID": "5",
        "GITHUB_RUN_ATTEMPT": "2",
    }
    assert run_details({**github, **gitlab}) == RunDetails(
        "https://gitlab.example.invalid/g/p/-/runners/7",
        "https://gitlab.example.invalid/g/p/-/jobs/99",
        "gitlab",
    )
    assert run_details(github) == RunDetails(
        "https://github.com/o/r/.github/workflows/rel.yml@refs/tags/v1",
        "https://github.com/o/r/actions/runs/5/attempts/2",
        "github",
    )
    assert run_details({}) == RunDetails(LOCAL_BUILDER_ID)


def test_provenance_from_a_build_record(demo_release: Path) -> None:
    inputs = read_release(demo_release, None, NullReporter())
    record = inputs.record
    assert record is not None
    statement = provenance_statement(inputs.artifacts, record, RunDetails(LOCAL_BUILDER_ID))
    _validate(statement)
    predicate = statement["predicate"]
    json_format.ParseDict(predicate, provenance_pb2.Provenance())
    assert predicate["buildDefinition"]["buildType"] == BUILD_TYPE
    environment = predicate["buildDefinition"]["resolvedDependencies"][1:]
    assert len(environment) == len(record.build_environment) == 5
    assert all(
        d["uri"].startswith("pkg:pypi/") and len(d["digest"]["sha256"]) == 64 for d in environment
    )
    assert "invocationId" not in predicate["runDetails"]["metadata"]
    # Deterministic: the same inputs give the same bytes.
    again = provenance_statement(inputs.artifacts, record, RunDetails(LOCAL_BUILDER_ID))
    assert statement_bytes(again) == statement_bytes(statement)


def test_provenance_without_a_build_record_claims_only_the_dists() -> None:
    artifacts = [Artifact("d-1.0.tar.gz", "sdist", "a" * 64, 3)]
    statement = provenance_statement(artifacts, None, RunDetails("https://b.example.invalid"))
    _validate(statement)
    json_format.ParseDict(statement["predicate"], provenance_pb2.Provenance())
    definition = statement["predicate"]["buildDefinition"]
    assert definition["resolvedDependencies"] == []
    assert definition["externalParameters"] == {}
    assert "metadata" not in statement["predicate"]["runDetails"]


def test_build_environment_purls_use_the_pep503_name(demo_release: Path) -> None:
    """The same purl as the SBOM gives the package (Component.purl)."""
    inputs = read_release(demo_release, None, NullReporter())
    assert inputs.record is not None
    package = EnvironmentPackage(
        "Typing_Extensions", "4.0", "typing_extensions-4.0-py3-none-any.whl", "b" * 64
    )
    record = dataclasses.replace(inputs.record, build_environment=(package,))
    statement = provenance_statement(inputs.artifacts, record, RunDetails(LOCAL_BUILDER_ID))
    _validate(statement)
    (dependency,) = statement["predicate"]["buildDefinition"]["resolvedDependencies"][1:]
    assert dependency["uri"] == "pkg:pypi/typing-extensions@4.0"


def test_sbom_statement_subjects(demo_release: Path) -> None:
    inputs = read_release(demo_release, None, NullReporter())
    sbom = load_json(demo_release / "sbom.cdx.json")
    statement = sbom_statement(inputs.artifacts, sbom)
    _validate(statement)
    assert statement["predicate"] == sbom
    record = build_record.from_json(json.loads((demo_release / "build-record.json").read_text()))
    assert statement["subject"] == [
        {"name": a.name, "digest": {"sha256": a.sha256}}
        for a in sorted(record.artifacts, key=Artifact.sort_key)
    ]


class _Log(NullReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, message: str) -> None:
        self.lines.append(message)


def test_sbom_without_the_artifacts_hashes_is_reported(demo_release: Path) -> None:
    """verify --require sbom would fail on such a release: signing says so up front."""
    quiet = _Log()
    read_release(demo_release, None, quiet)  # `chainproof sbom --dist` lists them
    assert not [line for line in quiet.lines if "SBOM" in line]
    path = demo_release / "sbom.cdx.json"
    sbom = json.loads(path.read_text())
    del sbom["metadata"]["component"]["hashes"]
    path.write_text(json.dumps(sbom))
    log = _Log()
    inputs = read_release(demo_release, None, log)
    names = ", ".join(a.name for a in inputs.artifacts)
    assert [line for line in log.lines if "SBOM" in line] == [
        f"The SBOM's metadata does not list the sha256 of {names}: `chainproof verify "
        "--require sbom` will fail (`chainproof sbom --dist` lists them)."
    ]
