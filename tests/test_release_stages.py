"""``chainproof release`` stages beyond build and sign: the audit gate, the verify stage with
the deploy policy, --dry-run, keyless signing against the local Sigstore instance, and what a
failing stage leaves behind (nothing) and says (its name)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import release_helpers
from tests.build.helpers import configure, git, make_project
from tests.release_helpers import key_release, run
from tests.sigstore_local import LocalSigstore
from tests.verify.layout_pipeline import make_pipeline, pipeline_env

project = release_helpers.project  # the fixtures
key = release_helpers.key

ADVISORY = "GHSA-cpte-stdp-0001"


def _assert_nothing_left(out: Path) -> None:
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def _import(tmp_path: Path, *records: dict[str, object]) -> Path:
    """An advisory database of ``records`` (OSV), each dated now."""
    source = tmp_path / "osv"
    source.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    for record in records:
        dated = {
            "schema_version": "1.6.0",
            "modified": now.isoformat().replace("+00:00", "Z"),
            "published": (now - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
            **record,
        }
        (source / f"{record['id']}.json").write_text(json.dumps(dated), encoding="utf-8")
    db = tmp_path / "advisories.sqlite3"
    result = run("db", "import", str(source), "--db", str(db))
    assert result.exit_code == 0, result.output
    return db


def _affecting(name: str, fixed: str | None = None) -> list[dict[str, object]]:
    events: list[dict[str, str]] = [{"introduced": "0"}, *([{"fixed": fixed}] if fixed else [])]
    return [
        {
            "package": {"ecosystem": "PyPI", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
        }
    ]


@pytest.fixture
def advisory_db(tmp_path: Path) -> Path:
    """An advisory database with one advisory for cptest-dep < 3 (a build requirement of the
    demo project, in the SBOM as build-only)."""
    return _import(
        tmp_path,
        {
            "id": ADVISORY,
            "summary": "cptest-dep runs arbitrary code",
            "affected": _affecting("cptest-dep", "3.0"),
            "database_specific": {"severity": "HIGH"},
        },
    )


def test_verify_stage_uses_the_projects_deploy_policy(
    project: Path, key: Path, tmp_path: Path
) -> None:
    assert run("keygen", "-o", str(tmp_path / "other")).exit_code == 0
    configure(project, f'[tool.chainproof.verify]\nkey = "{tmp_path / "other.pub"}"\n')
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 1, result.output
    assert "The verify stage failed" in result.output
    _assert_nothing_left(out)

    # The same policy with the signing key's public half: the release passes its own check.
    policy = tmp_path / "deploy.toml"
    policy.write_text(f'[verify]\nkey = "{key}.pub"\n', encoding="utf-8")
    result = key_release(project, out, key, "--policy", str(policy), "--json")
    assert result.exit_code == 0, result.output
    verify = json.loads(result.stdout)["verify"]
    assert verify["passed"] is True
    assert verify["own_signer"] is False
    assert verify["policy"]["require"] == ["provenance", "sbom"]


def test_a_policy_for_the_other_signer_is_refused_before_building(
    project: Path, key: Path, tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    configure(project, '[tool.chainproof.verify]\ngitlab = "group/project"\n')
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 2, result.output
    assert "expects a Sigstore signer, but --signer key was given" in result.output
    policy = tmp_path / "deploy.toml"
    policy.write_text(f'[verify]\nkey = "{key}.pub"\n', encoding="utf-8")
    result = run(
        "release", str(project), "-o", str(out), "--policy", str(policy),
        "--identity-token", local_sigstore.gitlab_token(),
        "--trust-config", str(local_sigstore.trust_config),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "but the release is signed with Sigstore" in result.output
    assert not out.parent.exists()


def test_without_a_policy_the_signers_own_key_is_checked(
    project: Path, key: Path, tmp_path: Path
) -> None:
    result = key_release(project, tmp_path / "rel", key)
    assert result.exit_code == 0, result.output
    assert "Verified with the signer's own key or identity" in result.output


def test_audit_gate_stops_a_vulnerablekey_release(
    project: Path, key: Path, tmp_path: Path, advisory_db: Path
) -> None:
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key, "--db", str(advisory_db))
    assert result.exit_code == 1, result.output
    assert (
        f"The audit stage failed: 1 finding at or above low ({ADVISORY} in cptest-dep 2.0)."
        in result.output
    )
    _assert_nothing_left(out)
    # A threshold above the finding's severity lets it through, and the summary says so.
    result = key_release(project, out, key, "--db", str(advisory_db), "--fail-on", "critical")
    assert result.exit_code == 0, result.output
    assert "Audit: " in result.output


def test_audit_gate_from_the_projects_policy_with_an_exception(
    project: Path, key: Path, tmp_path: Path, advisory_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINPROOF_DB", str(advisory_db))
    configure(project, '[tool.chainproof.audit]\nfail-on = "medium"\n')
    out = tmp_path / "rel"
    assert key_release(project, out, key).exit_code == 1, "the [audit] table turns the gate on"
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    configure(
        project,
        "[[tool.chainproof.audit.exceptions]]\n"
        f'id = "{ADVISORY}"\npackage = "cptest-dep"\nreason = "build-only, never shipped"\n'
        f'approver = "security@example.invalid"\nexpires = {expires}\n',
    )
    result = key_release(project, out, key, "--json")
    assert result.exit_code == 0, result.output
    audit = json.loads(result.stdout)["audit"]
    assert audit == {
        "checked": audit["checked"],
        "findings": 0,
        "suppressed": 1,
        "fail_on": "medium",
    }
    assert key_release(project, tmp_path / "rel2", key, "--no-audit").exit_code == 0


def test_audit_gate_stops_a_release_with_a_malicious_package(
    project: Path, key: Path, tmp_path: Path
) -> None:
    record: dict[str, object] = {
        "id": "MAL-2026-0001",
        "summary": "Malicious code in cptest-dep (PyPI)",
        "affected": _affecting("cptest-dep"),
        "database_specific": {"malicious-packages-origins": [{"source": "test"}]},
    }
    db = _import(tmp_path, record)
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key, "--db", str(db), "--fail-on", "critical")
    assert result.exit_code == 1, result.output
    assert (
        "The audit stage failed: 1 finding at or above critical (MAL-2026-0001 in cptest-dep "
        "2.0)." in result.output
    )
    _assert_nothing_left(out)


def test_audit_gate_stops_a_release_with_a_look_alike_name(
    project: Path, key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _import(tmp_path, {"id": "GHSA-none-0000-0000", "affected": _affecting("other")})
    monkeypatch.setenv("CHAINPROOF_DB", str(db))
    (project / "ours.txt").write_text("cptest-deb\n", encoding="utf-8")  # an internal name
    configure(project, '[tool.chainproof.audit]\nextra-popular-names = "ours.txt"\n')
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 1, result.output
    assert (
        "The audit stage failed: 1 finding at or above low (typosquats.lookalike in cptest-dep "
        "2.0)." in result.output
    )
    _assert_nothing_left(out)


def test_missing_database_is_refused_before_building(
    project: Path, key: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key, "--db", str(tmp_path / "none.sqlite3"))
    assert result.exit_code == 2, result.output
    assert "The audit stage failed: there is no advisory database" in result.output
    assert not out.parent.exists()


def test_no_audit_contradicts_audit_flags(project: Path, key: Path, tmp_path: Path) -> None:
    result = key_release(project, tmp_path / "rel", key, "--no-audit", "--fail-on", "high")
    assert result.exit_code == 2
    assert "--no-audit contradicts" in result.output


def test_dry_run_prints_the_plan_and_writes_nothing(
    project: Path, key: Path, tmp_path: Path, advisory_db: Path
) -> None:
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key, "--dry-run", "--db", str(advisory_db))
    assert result.exit_code == 0, result.output
    for stage in ("build", "scan", "sbom", "audit", "sign", "verify"):
        assert f"  {stage}" in result.output
    assert "Nothing was written" in result.output
    result = key_release(project, out, key, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["dry_run"] is True
    names = [s["name"] for s in plan["stages"]]
    assert names == ["build", "scan", "sbom", "audit", "sign", "verify"]
    assert plan["stages"][1]["fail_on"] == "high"
    assert plan["stages"][3]["enabled"] is False
    assert plan["stages"][5]["policy"] == "the signing key"
    assert not out.parent.exists()
    # A dry run finds what the real run would refuse, such as a dirty tree.
    (project / "new.py").write_text("", encoding="utf-8")
    result = key_release(project, out, key, "--dry-run")
    assert result.exit_code == 2
    assert "The build stage failed" in result.output


def test_unbuildable_project_names_the_build_stage(key: Path, tmp_path: Path) -> None:
    project = make_project(tmp_path / "broken", markers={"FAIL": "1"})
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 2, result.output
    assert "The build stage failed" in result.output
    assert list(out.parent.iterdir()) == []


def test_same_commit_gives_the_same_artifacts_and_sbom(
    project: Path, key: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert key_release(project, first, key).exit_code == 0
    assert key_release(project, second, key).exit_code == 0
    compared = [p.name for p in first.iterdir() if p.suffix in (".whl", ".gz")]
    assert len(compared) == 2
    # (the build record and the provenance hold the build's start and end times)
    for name in [*compared, "sbom.cdx.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _gitlab_policy(project: Path, sigstore: LocalSigstore) -> dict[str, str]:
    """The project as a GitLab tag pipeline checks it out (tag v1.0.0, detached HEAD), with
    the deploy policy for that project and tag in its configuration."""
    git(project, "remote", "add", "origin", "https://gitlab.com/group/project.git")
    configure(
        project,
        "[tool.chainproof.verify]\n"
        'gitlab = "group/project"\nref = "refs/tags/v1.0.0"\n'
        f'trust-config = "{sigstore.trust_config}"\n',
    )
    git(project, "tag", "v1.0.0")
    git(project, "checkout", "-q", "--detach")
    return {"sha": git(project, "rev-parse", "HEAD")}  # the token's claim: the built commit


def test_keyless_release_verifies_with_a_gitlab_policy(
    project: Path, tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    claims = _gitlab_policy(project, local_sigstore)
    out = tmp_path / "rel"
    token = local_sigstore.gitlab_token("group/project", "refs/tags/v1.0.0", claims=claims)
    trust = str(local_sigstore.trust_config)
    result = run(
        "release", str(project), "-o", str(out), "--identity-token", token,
        "--trust-config", trust, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["verify"]["policy"]["gitlab"] == "group/project"
    roles = {f["name"]: f["role"] for f in summary["files"]}
    assert roles["provenance.sigstore.json"] == "provenance"
    assert sum(r == "pep740-attestation" for r in roles.values()) == 2
    verify = ("verify", str(out), "--trust-config", trust, "--offline", "--gitlab")
    passed = run(
        *verify, "group/project", "--ref", "refs/tags/v1.0.0", "--require", "provenance,sbom"
    )
    assert passed.exit_code == 0, passed.output
    other = run(*verify, "group/other", "--ref", "refs/tags/v1.0.0", "--require", "provenance,sbom")
    assert other.exit_code == 1, other.output


def test_keyless_release_from_another_ref_fails_its_own_verify_stage(
    project: Path, tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    claims = _gitlab_policy(project, local_sigstore)
    out = tmp_path / "out" / "rel"
    token = local_sigstore.gitlab_token("group/project", "refs/heads/feature", claims=claims)
    result = run(
        "release", str(project), "-o", str(out), "--identity-token", token,
        "--trust-config", str(local_sigstore.trust_config),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "The verify stage failed" in result.output
    assert "refs/heads/feature" in result.output
    _assert_nothing_left(out)


def test_signing_service_down_names_the_sign_stage(
    project: Path, tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    out = tmp_path / "out" / "rel"
    result = run(
        "release", str(project), "-o", str(out),
        "--identity-token", local_sigstore.gitlab_token(),
        "--trust-config", str(local_sigstore.unreachable_trust_config(rekor=True)),
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "The sign stage failed" in result.output
    _assert_nothing_left(out)


def test_keyless_release_without_a_policy_checks_the_certificates_identity(
    project: Path, tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    result = run(
        "release", str(project), "-o", str(tmp_path / "rel"),
        "--identity-token",
        local_sigstore.gitlab_token(claims={"sha": git(project, "rev-parse", "HEAD")}),
        "--trust-config", str(local_sigstore.trust_config), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    verify = json.loads(result.stdout)["verify"]
    assert verify["own_signer"] is True
    assert verify["policy"]["identity"] == (
        "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"
    )
    assert verify["policy"]["issuer"] == "https://gitlab.com"


def test_release_link_verifies_against_a_two_key_layout(tmp_path: Path) -> None:
    """`release --link` puts the build step's in-toto link into the release (listed in
    release.json); with the tester's link it satisfies the starter layout."""
    base = make_pipeline(tmp_path / "pipeline")  # keys, project, test link, signed layout
    with pipeline_env(base):
        result = run(
            "release", "project", "-o", "rel", "--signer", "key", "--key", "builder.key",
            "--link", "--links", "links", "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        roles = {f["name"]: f["role"] for f in json.loads(result.stdout)["files"]}
        (link,) = [name for name, role in roles.items() if role == "in-toto-link"]
        assert link.startswith("build.")
        # --links: the same link beside the tester's (replacing `build --link`'s of the fixture)
        assert (base / "links" / link).read_bytes() == (base / "rel" / link).read_bytes()
        layout = ("--layout", "root.layout", "--layout-key", "owner.pub", "--links", "links")
        verified = run("verify", "rel", *layout, "--key", "builder.pub", "--require", "sbom")
        assert verified.exit_code == 0, verified.output
        # The tester's key cannot stand in for the builder's.
        assert run("verify", "rel", *layout, "--key", "tester.pub").exit_code == 1
        # A digest alone passes no inspection: there is no wheel to unpack (fail closed).
        wheel = next((base / "rel").glob("*.whl"))
        digest = "sha256:" + hashlib.sha256(wheel.read_bytes()).hexdigest()
        bundle = ("--bundle", "rel/provenance.dsse.json", "--key", "builder.pub")
        alone = run("verify", digest, *bundle, *layout)
        assert alone.exit_code == 1, alone.output
        assert "inspection 'unpack-wheel' runs on the artifact's file" in alone.output
        assert run("verify", digest, *bundle).exit_code == 0, "without the layout it passes"


def test_link_needs_a_key_signer(project: Path, key: Path, tmp_path: Path) -> None:
    result = run("release", str(project), "-o", str(tmp_path / "rel"), "--link")
    assert result.exit_code == 2
    assert "--link needs --signer key" in result.output
    alone = key_release(project, tmp_path / "rel", key, "--links", str(tmp_path / "links"))
    assert alone.exit_code == 2
    assert "--links belongs to --link" in alone.output


def test_a_layout_in_the_deploy_policy_sees_the_new_build_link(tmp_path: Path) -> None:
    """The deploy policy names a layout: the release's verify stage checks it with the build
    link this release just made, beside the tester's (none other is in the links directory)."""
    base = make_pipeline(tmp_path / "pipeline")
    with pipeline_env(base):
        for old in (base / "links").glob("build.*.link"):
            old.unlink()
        (base / "deploy.toml").write_text(
            '[verify]\nkey = "builder.pub"\nlayout = "root.layout"\n'
            'layout-key = "owner.pub"\nlinks = "links"\n',
            encoding="utf-8",
        )
        release = ("release", "project", "--signer", "key", "--key", "builder.key")
        policy = ("--policy", "deploy.toml")
        result = run(*release, "-o", "rel", "--link", *policy, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["verify"]["policy"]["layout"].endswith("root.layout")
        assert not list((base / "links").glob("build.*.link")), "nothing copied without --links"
        # Without the link, the layout's build step has none: the release stops at verify.
        refused = run(*release, "-o", "rel2", *policy)
        assert refused.exit_code == 1, refused.output
        assert "The verify stage failed" in refused.output
        assert "step 'build'" in refused.output
