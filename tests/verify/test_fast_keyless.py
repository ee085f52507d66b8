"""The fast keyless path (verify.fast_keyless) against sigstore-python's, bundle by bundle.

Over every real bundle of the test data (tests/assets/vectors, the local instance's keyless
release) and the mutation corpus of test_mutations.py (fixed seed, over the local release
and the public vectors), the verifier's verdict is sigstore-python's on each bundle: the
fast path accepts only bundles sigstore-python accepts (with the same signer and statement),
and every other bundle falls back to it. The fast path must also actually take the common
bundles (else it would be a no-op), and a release of them must verify without importing
sigstore-python at all.
"""

# ruff: noqa: S311 - random picks reproducible mutations here, not secrets

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from chainproof.errors import InputError
from chainproof.formats.deploy_policy import Policy, load_policy
from chainproof.verify.anchors import read_anchors
from chainproof.verify.bundles import BundleOutcome
from chainproof.verify.fast_keyless import fast_outcome
from chainproof.verify.identity import signer_of
from chainproof.verify.keyless_bundle import read_keyless_bundle
from chainproof.verify.trust import load_trusted_root
from chainproof.verify.verifiers import SigstoreVerifier
from tests.sigstore_local import LocalSigstore
from tests.test_startup import PROBE
from tests.verify.conftest import VECTORS, copy_vectors
from tests.verify.keyless import PROJECT, REF
from tests.verify.relog import as_intoto, entry_body, intoto_body, relog
from tests.verify.test_mutations import SEED, _mutate_json, _mutations

# every bundle of tests/assets/vectors (v0.2 and v0.3, hashedrekord and dsse entries), each
# verified under its own signer's identity with the production root, offline
_VECTOR_BUNDLES = sorted(
    p.name for p in VECTORS.iterdir() if p.name.endswith((".sigstore.json", ".sigstore"))
)
_VECTOR_MUTATIONS = 120  # per vector bundle


def _own_identity(bundle: Path) -> Policy:
    """A policy naming the signer of ``bundle``'s certificate (the production root)."""
    from cryptography import x509

    material = json.loads(bundle.read_bytes())["verificationMaterial"]
    raw = material.get("certificate") or material["x509CertificateChain"]["certificates"][0]
    signer = signer_of(x509.load_der_x509_certificate(base64.b64decode(raw["rawBytes"])))
    flags = {"offline": True, "identity": signer.san, "issuer": signer.issuer}
    return load_policy(flags, search_dir=bundle.parent)


def _sha256_for(bundle: Path) -> str | None:
    """A statement (None) for a DSSE bundle, else the digest of the file it sits beside."""
    try:
        data = json.loads(bundle.read_bytes())
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and "dsseEnvelope" in data:
        return None
    for suffix in (".sigstore.json", ".sigstore"):
        if bundle.name.endswith(suffix):
            artifact = bundle.with_name(bundle.name.removesuffix(suffix))
            if artifact.is_file():
                return hashlib.sha256(artifact.read_bytes()).hexdigest()
    return hashlib.sha256(b"").hexdigest()


def _slow(verifier: SigstoreVerifier, path: Path, sha256: str | None) -> BundleOutcome | None:
    """sigstore-python's outcome; None when the file is refused as input (exit 2)."""
    try:
        return verifier.verify_slowly(path, sha256)
    except InputError:
        return None


class _Differential:
    """Verdicts of both paths; records every disagreement and how often the fast one took."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.verifier = SigstoreVerifier(policy)
        anchors = read_anchors(policy) or self.verifier._anchors  # a TUF root: converted
        assert anchors is not None
        self.anchors = anchors
        self.fast_accepted = 0
        self.slow_accepted = 0
        self.disagreements: list[str] = []

    def compare(self, path: Path, what: str) -> bool:
        sha256 = _sha256_for(path)
        fast = fast_outcome(self.anchors, path, self.policy, sha256)
        slow = _slow(self.verifier, path, sha256)
        slow_passed = slow is not None and not slow.failures
        self.slow_accepted += slow_passed
        if fast is not None:
            self.fast_accepted += 1
            if slow is None or slow.failures:
                self.disagreements.append(f"{what}: fast accepts, sigstore-python refuses {slow}")
            elif (fast.signer, fast.statement) != (slow.signer, slow.statement):
                self.disagreements.append(f"{what}: another signer or statement")
        return fast is not None


@pytest.fixture(scope="module")
def local_policy(local_sigstore: LocalSigstore, tmp_path_factory: pytest.TempPathFactory) -> Policy:
    flags = {"gitlab": PROJECT, "ref": REF, "trust-config": local_sigstore.trust_config}
    return load_policy(flags, search_dir=tmp_path_factory.mktemp("policy"))


def _bundles(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.iterdir() if p.name.endswith((".sigstore.json", ".sigstore"))
    )


def test_the_fast_path_takes_the_local_releases_bundles(
    keyless_release: Path, local_policy: Policy
) -> None:
    check = _Differential(local_policy)
    bundles = _bundles(keyless_release)
    assert len(bundles) >= 5
    taken = [b.name for b in bundles if check.compare(b, b.name)]
    assert check.disagreements == []
    assert taken == [b.name for b in bundles]  # messages signatures and DSSE alike


def test_the_fast_path_takes_the_public_vectors(tmp_path: Path) -> None:
    vectors = copy_vectors(tmp_path)
    assert len(_VECTOR_BUNDLES) >= 4
    for name in _VECTOR_BUNDLES:
        check = _Differential(_own_identity(vectors / name))
        assert check.compare(vectors / name, name), name
        assert check.disagreements == []


def test_what_the_fast_path_does_not_cover_falls_back(tmp_path: Path, local_policy: Policy) -> None:
    """A PEP 740 attestation and a bundle with an RFC 3161 timestamp go to sigstore-python."""
    vectors = copy_vectors(tmp_path)
    check = _Differential(_own_identity(vectors / "bundle_v3_github.whl.sigstore"))
    for path in sorted(vectors.iterdir()):
        if path.name.endswith((".attestation", ".sigstore.json", ".sigstore")):
            check.compare(path, path.name)
    assert check.disagreements == []
    bundle = json.loads((vectors / "bundle_v3_github.whl.sigstore").read_text())
    bundle["verificationMaterial"]["timestampVerificationData"] = {
        "rfc3161Timestamps": [{"signedTimestamp": "AAAA"}]
    }
    (vectors / "bundle_v3_github.whl.sigstore").write_text(json.dumps(bundle))
    assert not check.compare(vectors / "bundle_v3_github.whl.sigstore", "with a timestamp")
    assert check.disagreements == []


def test_fast_and_sigstore_python_agree_on_every_mutation(
    keyless_release: Path, local_policy: Policy, tmp_path: Path
) -> None:
    mutations = _mutations(keyless_release, random.Random(SEED))
    assert len(mutations) >= 500
    check = _Differential(local_policy)
    work = tmp_path / "release"
    compared = 0
    for description, apply in mutations:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(keyless_release, work)
        changed = apply(work)
        beside = [changed.with_name(changed.name + ".sigstore.json")]
        for path in [changed, *beside]:
            if path.is_file() and path.name.endswith(".sigstore.json"):
                check.compare(path, description)
                compared += 1
    assert compared >= 300
    assert check.disagreements == []


@pytest.mark.parametrize("name", _VECTOR_BUNDLES)
def test_fast_and_sigstore_python_agree_on_mutated_vectors(name: str, tmp_path: Path) -> None:
    vectors = copy_vectors(tmp_path)
    check = _Differential(_own_identity(vectors / name))
    original = (VECTORS / name).read_bytes()
    rng = random.Random(SEED)
    for _ in range(_VECTOR_MUTATIONS):
        seed = rng.randrange(2**32)
        data = json.loads(original)
        what = _mutate_json(data, random.Random(seed))
        (vectors / name).write_text(json.dumps(data))
        check.compare(vectors / name, f"{name}: {what} ({seed})")
    assert check.disagreements == []
    assert check.fast_accepted <= check.slow_accepted


def test_a_release_of_bundles_verifies_without_importing_sigstore_python(
    keyless_release: Path, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    release = tmp_path / "release"  # the files and their bundles (PEP 740 is sigstore-python's)
    release.mkdir()
    for path in keyless_release.iterdir():
        if path.suffix in {".whl", ".gz"} or path.name.endswith(
            (".whl.sigstore.json", ".gz.sigstore.json")
        ):
            shutil.copy(path, release)
    assert len(list(release.iterdir())) == 4
    args = [str(release), "--trust-config", str(local_sigstore.trust_config)]
    args += ["--gitlab", PROJECT, "--ref", REF]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "verify", *args], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["exit"] == 0, out.stdout
    heavy = {"sigstore", "sigstore_models", "rekor_types", "pypi_attestations", "requests", "tuf"}
    assert {m.split(".")[0] for m in result["modules"]} & heavy == set()


@pytest.mark.parametrize("kind", ["trust-config", "trusted-root"])
def test_a_root_file_the_fast_reader_takes_sigstore_python_takes(
    local_sigstore: LocalSigstore, tmp_path: Path, kind: str
) -> None:
    """Mutated trust configs and trusted roots: read_anchors takes one only if
    sigstore-python's load_trusted_root does (a bad root still fails before verifying)."""
    source = local_sigstore.trust_config if kind == "trust-config" else local_sigstore.trusted_root
    original = source.read_bytes()
    path = tmp_path / source.name
    taken, wrong = 0, []
    rng = random.Random(SEED)
    for _ in range(150):
        seed = rng.randrange(2**32)
        data = json.loads(original)
        what = _mutate_json(data, random.Random(seed))
        path.write_text(json.dumps(data))
        policy = load_policy({kind: path, "identity": "x", "issuer": "y"}, search_dir=tmp_path)
        if read_anchors(policy) is None:
            continue
        taken += 1
        try:
            load_trusted_root(policy)
        except InputError as exc:
            wrong.append(f"{what} ({seed}): {exc}")
    assert wrong == []
    assert taken > 0


def _relogged(
    keyless_release: Path, tmp_path: Path, sigstore: LocalSigstore, name: str, edit: Any
) -> Path:
    """The release's bundle ``name``, its entry's body changed by ``edit`` and logged again
    (the log signs it: only the body's own checks are left to refuse it)."""
    bundle = json.loads((keyless_release / name).read_text())
    body = json.loads(entry_body(bundle))
    edit(body)
    path = tmp_path / name
    path.write_text(json.dumps(relog(sigstore, bundle, rfc8785.dumps(body))))
    return path


def test_a_relogged_entry_of_the_same_body_is_taken(
    keyless_release: Path, local_policy: Policy, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    """The helper below is sound: the same body, logged again, passes both paths."""
    check = _Differential(local_policy)
    path = _relogged(
        keyless_release, tmp_path, local_sigstore, "provenance.sigstore.json", lambda b: None
    )
    assert check.compare(path, "relogged")
    assert check.disagreements == []
    assert check.slow_accepted == 1


def test_a_dsse_entry_without_its_envelope_hash_falls_back(
    keyless_release: Path, local_policy: Policy, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    """rekor-types' dsse 0.0.1 schema requires envelopeHash (or proposedContent): without
    either, sigstore-python refuses the entry ("invalid DSSE log entry")."""
    check = _Differential(local_policy)

    def drop(body: Any) -> None:
        del body["spec"]["envelopeHash"]

    path = _relogged(keyless_release, tmp_path, local_sigstore, "provenance.sigstore.json", drop)
    assert not check.compare(path, "no envelopeHash")
    assert check.disagreements == []


def test_a_log_key_named_twice_is_verified_as_sigstore_python_keys_it(
    keyless_release: Path, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    """sigstore-python's keyring keeps the last entry of a key ID, with the hash of its key
    details, even a P-256 key named PKIX_ECDSA_P384_SHA_384 (SHA-384, so nothing verifies);
    the fast path must not verify with an earlier entry's SHA-256 instead."""
    root = json.loads(local_sigstore.trusted_root.read_text())
    (log,) = root["tlogs"]
    renamed = json.loads(json.dumps(log))
    renamed["publicKey"]["keyDetails"] = "PKIX_ECDSA_P384_SHA_384"
    root["tlogs"].append(renamed)
    path = tmp_path / "trusted_root.json"
    path.write_text(json.dumps(root))
    flags = {"gitlab": PROJECT, "ref": REF, "trusted-root": path}
    check = _Differential(load_policy(flags, search_dir=tmp_path))
    for bundle in _bundles(keyless_release):
        check.compare(bundle, bundle.name)
    assert check.disagreements == []
    assert check.slow_accepted == 0


# --- intoto 0.0.2 entries: sigstore-python 4.5.1 refuses every one, so the differential
# above has no oracle for them; a mutated body must simply never be accepted --------------

_INTOTO_MUTATIONS = 150


def _intoto_bundle(keyless_release: Path, sigstore: LocalSigstore) -> dict[str, Any]:
    bundle = json.loads((keyless_release / "provenance.sigstore.json").read_text())
    return as_intoto(sigstore, bundle)


def test_an_intoto_entry_is_taken_by_the_fast_path_alone(
    keyless_release: Path, local_policy: Policy, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    check = _Differential(local_policy)
    path = tmp_path / "provenance.sigstore.json"
    path.write_text(json.dumps(_intoto_bundle(keyless_release, local_sigstore)))
    fast = fast_outcome(check.anchors, path, local_policy, None)
    dsse = check.verifier.verify_slowly(keyless_release / "provenance.sigstore.json", None)
    assert fast is not None
    assert (fast.signer, fast.statement) == (dsse.signer, dsse.statement)  # the dsse entry's
    slow = _slow(check.verifier, path, None)
    assert slow is not None
    assert slow.failures  # sigstore-python 4.5.1: "Integrated time only supported for ..."


def test_no_mutated_intoto_body_is_accepted(
    keyless_release: Path, local_policy: Policy, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    """Each body mutated once and logged again (the log signs it): only the body's own
    checks stand between it and acceptance. The envelope ``hash``'s value is the client's,
    never checked by Rekor and not by the fast path: a change of it alone is the exception."""
    check = _Differential(local_policy)
    original = json.loads((keyless_release / "provenance.sigstore.json").read_text())
    body = intoto_body(original)
    rng = random.Random(SEED)
    path = tmp_path / "provenance.sigstore.json"
    accepted, changed = [], 0
    for _ in range(_INTOTO_MUTATIONS):
        seed = rng.randrange(2**32)
        mutated = json.loads(json.dumps(body))
        what = _mutate_json(mutated, random.Random(seed))
        if mutated == body:
            continue
        changed += 1
        bundle = as_intoto(local_sigstore, json.loads(json.dumps(original)), mutated)
        path.write_text(json.dumps(bundle))
        if fast_outcome(check.anchors, path, local_policy, None) is not None:
            accepted.append(f"{what} ({seed})")
    assert changed >= 100
    assert all(what.startswith("flip hex digit spec/content/hash/value") for what in accepted), (
        accepted
    )


def test_no_mutated_intoto_bundle_is_accepted(
    keyless_release: Path, local_policy: Policy, local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    """The intoto bundle itself mutated once (not logged again): never accepted, but for a
    change the checks do not see (the bundle reads as before: an empty list of timestamps
    dropped, say)."""
    check = _Differential(local_policy)
    original = _intoto_bundle(keyless_release, local_sigstore)
    unchanged = read_keyless_bundle(json.dumps(original).encode())
    path = tmp_path / "provenance.sigstore.json"
    rng = random.Random(SEED)
    accepted = []
    for _ in range(_INTOTO_MUTATIONS):
        seed = rng.randrange(2**32)
        data = json.loads(json.dumps(original))
        what = _mutate_json(data, random.Random(seed))
        if data == original:
            continue
        path.write_text(json.dumps(data))
        taken = fast_outcome(check.anchors, path, local_policy, None) is not None
        if taken and read_keyless_bundle(path.read_bytes()) != unchanged:
            accepted.append(f"{what} ({seed})")
    assert accepted == []
