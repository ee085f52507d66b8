"""Adversarial review of `chainproof verify`: each test is an attempt to make verification pass
when it must not, to give a wrong reason, or to crash; every one must fail closed with a named
check (exit 1) or one clear sentence (exit 2)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT, REF, edit_json, resign, resign_payload, verify
from tests.verify.release_helpers import SDIST, WHEEL, failures, flip_byte, invoke

PROVENANCE = "provenance.sigstore.json"
GITLAB = "https://gitlab.com"
SAN = f"{GITLAB}/{PROJECT}//.gitlab-ci.yml@{REF}"


def _sign_file(sigstore: LocalSigstore, path: Path, token: str) -> None:
    """Replace ``path``'s bundle by a valid one from another pipeline (``token``)."""
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    config = ClientTrustConfig.from_json(sigstore.trust_config.read_text())
    with SigningContext.from_trust_config(config).signer(IdentityToken(token)) as signer:
        bundle = signer.sign_artifact(path.read_bytes())
    path.with_name(path.name + ".sigstore.json").write_text(bundle.to_json())


def _add_to_manifest(directory: Path, entry: dict[str, Any]) -> None:
    edit_json(directory / "release.json", lambda m: m["files"].append(entry))


# --- release directory -----------------------------------------------------------------------


def test_manifest_dist_under_another_role_fails(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    """An extra wheel listed in release.json as something else than an artifact would never be
    verified, yet a deploy job picking up *.whl would install it."""
    evil = release / "cp_demo-1.2.0-py2.py3-none-any.whl"
    evil.write_bytes(b"not the release")
    digest = hashlib.sha256(evil.read_bytes()).hexdigest()
    _add_to_manifest(
        release, {"name": evil.name, "sha256": digest, "size": 15, "role": "build-record"}
    )
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert (evil.name, "manifest") in failures(result)


@pytest.mark.parametrize("name", ["cp_demo-1.2.0.tar.bz2", "cp_demo-1.2.0.tgz", "evil.egg"])
@pytest.mark.parametrize("manifest", [True, False])
def test_any_installable_archive_counts_as_a_distribution(
    local_sigstore: LocalSigstore, release: Path, name: str, manifest: bool
) -> None:
    """pip installs more archive types than chainproof builds; an unsigned one beside a signed
    release is a failure, listed in the manifest or not."""
    (release / name).write_bytes(b"not signed")
    if not manifest:
        (release / "release.json").unlink()
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert (name, "manifest" if manifest else "signature") in failures(result)


@pytest.mark.parametrize("manifest", [True, False])
def test_symlink_in_release_directory_fails(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path, manifest: bool
) -> None:
    """A symlink may point anywhere and change after verification: a release directory holds
    regular files only, even when the target's bytes are the signed ones."""
    outside = tmp_path / "elsewhere.whl"
    shutil.move(release / WHEEL, outside)
    (release / WHEEL).symlink_to(outside)
    if not manifest:
        (release / "release.json").unlink()
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert (WHEEL, "symlink") in failures(result)


# --- signed statements -----------------------------------------------------------------------


def test_provenance_predicate_must_be_slsa_v1(local_sigstore: LocalSigstore, release: Path) -> None:
    """A statement that says SLSA v1 but carries no SLSA predicate is not provenance."""
    resign(local_sigstore, release / PROVENANCE, lambda st: st.update(predicate={}))
    (release / "release.json").unlink()
    result = invoke(
        [
            "verify",
            str(release),
            "--trust-config",
            str(local_sigstore.trust_config),
            "--identity",
            SAN,
            "--issuer",
            GITLAB,
            "--require",
            "provenance",
            "--json",
        ]
    )
    assert result.exit_code == 1, result.output
    assert (WHEEL, "provenance-predicate") in failures(result)


def test_statement_with_duplicate_keys_fails(local_sigstore: LocalSigstore, release: Path) -> None:
    """Parsers disagree on duplicate keys (first or last wins): a signed statement with any is
    refused rather than read one way here and another way elsewhere."""
    bundle = json.loads((release / PROVENANCE).read_text())
    text = base64.b64decode(bundle["dsseEnvelope"]["payload"]).decode()
    statement = json.loads(text)
    body = json.dumps(statement)[1:-1]
    duplicated = '{"predicateType": "https://example.invalid/other", ' + body + "}"
    resign_payload(local_sigstore, release / PROVENANCE, duplicated.encode())
    (release / "release.json").unlink()
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert (WHEEL, "statement") in failures(result)


def _set_digests(statement: Any, digest: Any) -> None:
    for subject in statement["subject"]:
        subject["digest"] = digest(subject["digest"]["sha256"])


@pytest.mark.parametrize(
    ("digest", "passes"),
    [
        (lambda sha: {"sha256": sha.upper()}, True),  # hex is case-insensitive
        (lambda sha: {"sha512": "0" * 128}, False),  # no sha256: nothing to match
        (lambda sha: {"sha256": sha[:-1]}, False),
        (lambda sha: {"sha256": "sha256:" + sha}, False),
    ],
)
def test_provenance_subject_digest_forms(
    local_sigstore: LocalSigstore, release: Path, digest: Any, passes: bool
) -> None:
    resign(local_sigstore, release / PROVENANCE, lambda st: _set_digests(st, digest))
    (release / "release.json").unlink()
    result = verify(local_sigstore, release)
    assert result.exit_code == (0 if passes else 1), result.output
    if not passes:
        assert (WHEEL, "provenance-subject") in failures(result)


def test_artifact_dsse_bundle_with_an_unknown_predicate_fails(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    """A valid DSSE bundle by the right pipeline whose subject is the wheel but whose predicate
    is not one that signs an artifact (here a VSA) is no signature of it."""
    sha = hashlib.sha256((release / WHEEL).read_bytes()).hexdigest()
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": WHEEL, "digest": {"sha256": sha}}],
        "predicateType": "https://slsa.dev/verification_summary/v1",
        "predicate": {},
    }
    bundle = release / f"{WHEEL}.sigstore.json"
    resign_payload(local_sigstore, bundle, json.dumps(statement).encode())
    (release / "release.json").unlink()
    result = verify(local_sigstore, release / WHEEL, require=None)
    assert result.exit_code == 1, result.output
    assert (WHEEL, "predicate-type") in failures(result)


@pytest.mark.parametrize("dirty", [True, "yes", None])
def test_provenance_of_a_dirty_checkout_fails(
    local_sigstore: LocalSigstore, release: Path, dirty: object
) -> None:
    """`chainproof build --allow-dirty` records it; such a build never deploys (anything but
    an explicit false counts as dirty)."""

    def edit(statement: Any) -> None:
        statement["predicate"]["buildDefinition"]["externalParameters"]["source"]["dirty"] = dirty

    resign(local_sigstore, release / PROVENANCE, edit)
    (release / "release.json").unlink()
    result = verify(local_sigstore, release)
    assert result.exit_code == 1, result.output
    assert (WHEEL, "source-dirty") in failures(result)


# --- identity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "regex", [".*", ".+", "https://.*", "https://gitlab\\.com/.*", "(?s).*", "[^@]*@.*"]
)
def test_identity_regex_that_matches_anyone_is_refused(release: Path, regex: str) -> None:
    result = invoke(
        ["verify", str(release), "--identity-regex", regex, "--issuer", GITLAB, "--offline"]
    )
    assert result.exit_code == 2, result.output
    assert "would accept anyone" in result.stderr


def test_identity_regex_must_match_the_whole_san(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    """--identity-regex is anchored at both ends (like fullmatch), unlike cosign's
    --certificate-identity-regexp: a prefix of the SAN is not enough."""
    base = ["verify", str(release / WHEEL), "--trust-config", str(local_sigstore.trust_config)]
    base += ["--issuer", GITLAB, "--json", "--identity-regex"]
    prefix = invoke([*base, r"https://gitlab\.com/group/project"])
    assert prefix.exit_code == 1, prefix.output
    assert (WHEEL, "identity") in failures(prefix)
    whole = invoke([*base, r"https://gitlab\.com/group/project//.*"])
    assert whole.exit_code == 0, whole.output


@pytest.mark.parametrize(
    ("project", "ref", "check"),
    [
        ("group/project-evil", REF, "repository"),
        ("group/project/evil", REF, "repository"),
        ("group-evil/project", REF, "repository"),
        (PROJECT, "refs/heads/main-evil", "ref"),
        (PROJECT, "refs/tags/refs/heads/main", "ref"),
    ],
)
def test_lookalike_repository_or_ref_fails(
    local_sigstore: LocalSigstore, release: Path, project: str, ref: str, check: str
) -> None:
    token = local_sigstore.gitlab_token(project=project, ref=ref)
    _sign_file(local_sigstore, release / WHEEL, token)
    result = verify(local_sigstore, release / WHEEL)
    assert result.exit_code == 1, result.output
    assert (WHEEL, check) in failures(result)


def test_github_certificate_does_not_satisfy_gitlab_policy(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    token = local_sigstore.github_token(repository=PROJECT, ref=REF)
    _sign_file(local_sigstore, release / WHEEL, token)
    result = verify(local_sigstore, release / WHEEL)
    assert result.exit_code == 1, result.output
    assert {(WHEEL, "issuer"), (WHEEL, "repository")} <= failures(result)


def test_certificate_without_ci_extensions_fails_repository_checks(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path
) -> None:
    """A plain e-mail identity has no source repository or ref: checks on them fail."""
    issuer, email = "https://accounts.example.invalid", "someone@example.invalid"
    token = local_sigstore.token(issuer=issuer, claims={"email": email})
    wheel = Path(shutil.copy(release / WHEEL, tmp_path))
    _sign_file(local_sigstore, wheel, token)
    args = ["verify", str(wheel), "--trust-config", str(local_sigstore.trust_config)]
    args += ["--identity", email, "--issuer", issuer, "--json"]
    assert invoke(args).exit_code == 0
    result = invoke([*args, "--ref", REF, "--source-uri", f"{GITLAB}/{PROJECT}"])
    assert result.exit_code == 1, result.output
    assert {(WHEEL, "repository"), (WHEEL, "ref")} <= failures(result)


def test_issuer_with_trailing_slash_is_a_different_issuer(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    """Issuers compare exactly, as sigstore-python and cosign compare them."""
    result = verify(local_sigstore, release / WHEEL, "--issuer", GITLAB + "/")
    assert result.exit_code == 1, result.output
    assert (WHEEL, "issuer") in failures(result)


def test_flipped_artifact_fails_through_a_symlinked_argument(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path
) -> None:
    """A file named on the command line may be a symlink (the user chose it): its bytes count."""
    link = tmp_path / WHEEL
    link.symlink_to(release / WHEEL)
    flip_byte(release / WHEEL)
    result = verify(local_sigstore, link, "--bundle", str(release / f"{WHEEL}.sigstore.json"))
    assert result.exit_code == 1, result.output
    assert (WHEEL, "artifact-digest") in failures(result)


def test_sdist_is_still_verified_when_only_the_wheel_is_tampered(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    flip_byte(release / WHEEL)
    result = verify(local_sigstore, release)
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert {a["name"]: a["passed"] for a in report["artifacts"]} == {WHEEL: False, SDIST: True}
