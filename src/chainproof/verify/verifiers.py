"""The plug point of verification, the counterpart of :class:`chainproof.signing.signer.Signer`:
a ``SignatureVerifier`` checks one bundle or envelope and says who signed it. Sigstore
(keyless: a certificate names the signer, each file has its own bundle) and a managed key
(plain DSSE envelopes over statements, no certificate) are the two; ``verifier_for`` picks the
one the policy names, or none for a policy that checks an in-toto layout only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chainproof.errors import UsageError
from chainproof.formats.deploy_policy import Policy
from chainproof.verify.anchors import TrustAnchors, anchors_of, read_anchors
from chainproof.verify.bundles import (
    BundleOutcome,
    BundleRejected,
    is_key_envelope,
    is_sigstore_bundle,
    key_envelope_outcome,
    load_bundle,
    verify_bundle,
)
from chainproof.verify.fast_keyless import Refusal, fast_verdict
from chainproof.verify.identity import SignerIdentity
from chainproof.verify.keyed_bundle import keyed_bundle_outcome
from chainproof.verify.trust import load_trusted_root, load_verifier, verifier_of

if TYPE_CHECKING:
    from sigstore.verify import Verifier
    from sigstore_models.trustroot.v1 import TrustedRoot as TrustedRootMessage

    from chainproof.verify.validity import TrustWindows

__all__ = [
    "KeyVerifier",
    "SignatureVerifier",
    "SigstoreVerifier",
    "verifier_for",
    "verifier_type",
]


class SignatureVerifier(Protocol):
    @property
    def name(self) -> str:
        """``sigstore`` or ``key``, as ``Signer.name``."""
        ...

    @property
    def statement_suffix(self) -> str:
        """What the signer writes beside a statement: ``.sigstore.json`` or ``.dsse.json``."""
        ...

    @property
    def signs_files(self) -> bool:
        """Does each file carry its own signature, with a certificate naming the signer?
        False for a key: it signs statements only, and the provenance names the source."""
        ...

    def verify(self, path: Path, sha256: str | None) -> BundleOutcome:
        """Check the bundle or envelope at ``path`` (over the file ``sha256``, or a statement
        when None) against the policy's signer rules."""
        ...


class SigstoreVerifier:
    """Each bundle goes through the fast path first (``verify.fast_keyless``: no
    sigstore-python import, which is most of a release's verification time); one it does not
    pass, sigstore-python verifies, as it did every bundle before, and names the failure
    (for an intoto entry, which it always refuses, the fast path names the failed check)."""

    name = "sigstore"
    statement_suffix = ".sigstore.json"
    signs_files = True

    def __init__(self, policy: Policy) -> None:
        # the trusted root is loaded now, so a bad one fails before anything is verified: a
        # root file the fast reader takes is one sigstore-python takes (verify.anchors)
        self._policy = policy
        self._slow: tuple[Verifier, TrustWindows] | None = None
        self._anchors: TrustAnchors | None = read_anchors(policy)
        if self._anchors is None:  # over TUF (production, staging): sigstore-python's root
            message = load_trusted_root(policy)
            self._slow = verifier_of(message)
            self._anchors = anchors_of(message.to_json())

    def verify(self, path: Path, sha256: str | None) -> BundleOutcome:
        if is_key_envelope(path):  # the input is fine: the release does not meet the policy
            detail = "a DSSE envelope of a managed key, not a Sigstore bundle"
            return BundleOutcome(SignerIdentity(None, None), (("signature", detail),))
        verdict = None
        if self._anchors is not None:
            verdict = fast_verdict(self._anchors, path, self._policy, sha256)
            if isinstance(verdict, BundleOutcome):
                return verdict
        outcome = self.verify_slowly(path, sha256)
        if isinstance(verdict, Refusal) and outcome.failures:
            # an intoto entry's bundle: sigstore-python 4.5.1 refuses every one ("Integrated
            # time only supported for dsse/hashedrekord 0.0.1 types"), the fast path named
            # the check it failed: say that one
            return BundleOutcome(outcome.signer, ((verdict.check, verdict.detail),))
        return outcome

    def verify_slowly(self, path: Path, sha256: str | None) -> BundleOutcome:
        """sigstore-python's verdict on the bundle (the fast path's fallback)."""
        try:
            loaded = load_bundle(path)
        except BundleRejected as exc:
            return BundleOutcome(SignerIdentity(None, None), ((exc.check, exc.detail),))
        if self._slow is None:
            self._slow = load_verifier(self._policy)
        verifier, windows = self._slow
        return verify_bundle(verifier, windows, loaded, self._policy, sha256)


class KeyVerifier:
    name = "key"
    statement_suffix = ".dsse.json"
    signs_files = False

    def __init__(self, policy: Policy) -> None:
        if policy.key is None:
            raise UsageError("A key verifier needs a policy naming a key.")
        self._policy = policy
        self._key = policy.key
        self._root: TrustedRootMessage | None = None

    def verify(self, path: Path, sha256: str | None) -> BundleOutcome:
        """A plain DSSE envelope (``*.dsse.json``), or a Sigstore bundle of the key: its log
        entry is checked against the trusted root, loaded on first use (a release of plain
        envelopes needs none)."""
        if is_sigstore_bundle(path):
            return BundleOutcome(*keyed_bundle_outcome(path, self._key, self._trusted_root, sha256))
        if path.name.endswith(".publish.attestation"):  # PEP 740: always a certificate's
            detail = "a PEP 740 attestation is signed with a certificate, not the managed key"
            return BundleOutcome(SignerIdentity(None, None), (("signature", detail),))
        return key_envelope_outcome(path, self._key, sha256)

    def _trusted_root(self) -> TrustedRootMessage:
        if self._root is None:
            self._root = load_trusted_root(self._policy)
        return self._root


def verifier_type(policy: Policy) -> type[SigstoreVerifier] | type[KeyVerifier] | None:
    """Which verifier the policy's signer rules name (nothing is loaded yet); None when the
    policy checks an in-toto layout only."""
    if policy.key is not None:
        return KeyVerifier
    return SigstoreVerifier if policy.has_signer else None


def verifier_for(policy: Policy) -> SignatureVerifier | None:
    """The verifier of the policy's signer rules, its root of trust loaded (a bad trusted
    root fails here); None when the policy checks an in-toto layout only."""
    kind = verifier_type(policy)
    return None if kind is None else kind(policy)
