"""Loading Sigstore bundles (and PEP 740 attestations) and verifying them under a policy.

``load_bundle`` accepts a Sigstore bundle (v0.1-v0.3, message signature or DSSE) or a PEP 740
attestation, which pypi-attestations converts to a bundle. Anything else is an InputError.

``verify_bundle`` checks the identity policy on the certificate first, then lets
sigstore-python do the cryptography (chain at the signed time, SCT, tlog inclusion proof and
promise, signature, log-entry consistency) with a policy object that re-checks the identity, so
the certificate checked is the one verified. The outcome names each failed check.

``verifiers.SigstoreVerifier`` tries ``verify.fast_keyless`` first, which passes the common
bundles without importing sigstore-python; this module decides every other bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainproof.errors import InputError, VerificationFailed
from chainproof.fileio import read_bytes
from chainproof.formats.deploy_policy import Policy
from chainproof.formats.intoto import Statement, StatementError, parse_statement
from chainproof.verify.identity import SignerIdentity, identity_failures, signer_of
from chainproof.verify.key_envelope import verify_key_envelope
from chainproof.verify.validity import LogEntryTime, TrustWindows, log_entry_time, window_failures

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from sigstore.models import Bundle
    from sigstore.verify import Verifier

__all__ = [
    "BundleOutcome",
    "BundleRejected",
    "LoadedBundle",
    "is_key_envelope",
    "is_sigstore_bundle",
    "key_envelope_outcome",
    "load_bundle",
    "verify_bundle",
]

# sigstore-python raises one VerificationError type; its message says which step failed.
_SIGSTORE_STEPS = (
    ("not valid at validation time", "certificate-validity"),
    ("expired at time of signing", "certificate-validity"),
    ("certificate chain", "certificate-chain"),
    ("sources of verified time", "signed-time"),
    ("imestamp", "signed-time"),
    ("SCT", "sct"),
    ("usage", "certificate-profile"),
    ("SET:", "tlog-promise"),
    ("invalid log entry", "tlog-proof"),
    ("message digest mismatch", "artifact-digest"),
    ("Signature is invalid", "signature"),
    ("DSSE", "signature"),
    ("log entry", "tlog-entry"),
    ("hashedrekord", "tlog-entry"),
    ("identity policy", "identity"),
)
_MEDIA_TYPES = frozenset(
    {
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    }
)
_DETAIL_MAX = 200


def _brief(message: str) -> str:
    """First line of a library message, cut before dumps of hashes or certificates."""
    line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    line = line.split(": expected log_index=")[0]
    return line if len(line) <= _DETAIL_MAX else line[: _DETAIL_MAX - 1] + "…"


@dataclass(frozen=True)
class LoadedBundle:
    """A parsed bundle (a PEP 740 attestation comes converted to one)."""

    path: Path
    bundle: Bundle
    is_dsse: bool  # read from the JSON: sigstore's Bundle has no public accessor for it
    log_entry: LogEntryTime | None = None  # likewise

    @property
    def certificate(self) -> Certificate:
        return self.bundle.signing_certificate


@dataclass(frozen=True)
class BundleOutcome:
    """What verifying one bundle gave: the signer, the failed checks, the signed statement."""

    signer: SignerIdentity
    failures: tuple[tuple[str, str], ...]
    statement: Statement | None = None


class BundleRejected(Exception):  # a failed check, not an error
    """The file parses as a bundle, but what it carries (a certificate, a key, a log entry)
    does not decode or does not fit together: a failed check (exit 1), not bad input."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check, self.detail = check, detail


def _rejected(exc: Exception) -> BundleRejected:
    from cryptography import x509

    text = str(exc)
    if (
        isinstance(exc, x509.DuplicateExtension | x509.ExtensionNotFound)
        or "asn1" in text
        or "certificate" in text.lower()
    ):
        return BundleRejected(
            "certificate", f"the signing certificate is malformed ({_brief(text)})"
        )
    return BundleRejected("bundle", f"the bundle is inconsistent ({_brief(text)})")


def load_bundle(path: Path) -> LoadedBundle:
    """Parse ``path``. A file that is not JSON, or JSON that is no Sigstore bundle or PEP 740
    attestation (its schema), raises InputError (exit 2); one that parses but whose
    certificate, key or log entry does not decode raises BundleRejected (a failed check)."""
    from cryptography import x509
    from pydantic import ValidationError
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore_models.bundle.v1 import Bundle as BundleMessage

    raw = read_bytes(path, "bundle")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"The bundle {path} is not valid JSON ({_brief(str(exc))}).") from exc
    if isinstance(data, dict) and "mediaType" in data:
        if not isinstance(data["mediaType"], str) or data["mediaType"] not in _MEDIA_TYPES:
            raise InputError(f"The bundle {path} has an unknown media type {data['mediaType']!r}.")
        try:  # the schema alone (sigstore-models): not a bundle at all is bad input
            BundleMessage.from_json(raw)
        except ValueError as exc:  # pydantic's ValidationError is one
            raise InputError(
                f"The bundle {path} is not a valid Sigstore bundle ({_brief(str(exc))})."
            ) from exc
        try:  # sigstore-python decodes the certificate and checks the parts fit together
            bundle = Bundle.from_json(raw)
        except (SigstoreError, ValueError, x509.DuplicateExtension, x509.ExtensionNotFound) as exc:
            raise _rejected(exc) from exc
        entries = data.get("verificationMaterial", {}).get("tlogEntries") or [None]
        return LoadedBundle(
            path, bundle, isinstance(data.get("dsseEnvelope"), dict), log_entry_time(entries[0])
        )
    if isinstance(data, dict) and {"version", "envelope", "verification_material"} <= set(data):
        from pypi_attestations import Attestation  # only for PEP 740: a slow import

        try:
            attestation = Attestation.model_validate_json(raw)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise InputError(
                f"The PEP 740 attestation {path} is malformed ({where}: {problem['msg']})."
            ) from exc
        entries = data["verification_material"].get("transparency_entries") or [None]
        try:
            return LoadedBundle(path, attestation.to_bundle(), True, log_entry_time(entries[0]))
        except (
            SigstoreError,
            ValueError,
            x509.DuplicateExtension,
            x509.ExtensionNotFound,
        ) as exc:  # ConversionError
            raise _rejected(exc) from exc
    raise InputError(f"{path} is neither a Sigstore bundle nor a PEP 740 attestation.")


def is_sigstore_bundle(path: Path) -> bool:
    """Does ``path`` hold a JSON object with a ``mediaType`` (a Sigstore bundle, or meant to
    be one)? load_bundle says what is wrong with it."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(data, dict) and "mediaType" in data


def is_key_envelope(path: Path) -> bool:
    """Is ``path`` a plain DSSE envelope (``sign --signer key``) rather than a Sigstore bundle?
    Unreadable or malformed files are not: load_bundle says what is wrong with them."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False
    return (
        isinstance(data, dict)
        and "mediaType" not in data
        and isinstance(data.get("payloadType"), str)
        and isinstance(data.get("payload"), str)
        and isinstance(data.get("signatures"), list)
    )


class _IdentityGate:
    """sigstore-python's VerificationPolicy plug point, backed by our identity checks."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        failures = identity_failures(self._policy, signer_of(cert))
        if failures:
            raise VerificationError(f"identity policy: {failures[0][1]}")


def _step(message: str) -> str:
    return next((check for needle, check in _SIGSTORE_STEPS if needle in message), "signature")


def verify_bundle(
    verifier: Verifier,
    windows: TrustWindows,
    loaded: LoadedBundle,
    policy: Policy,
    sha256: str | None = None,
) -> BundleOutcome:
    """Verify ``loaded``: over the artifact ``sha256`` for a message signature, or its DSSE
    payload (returned parsed as ``statement``). Never raises for a failed check."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.errors import VerificationError
    from sigstore.hashes import Hashed
    from sigstore_models.common.v1 import HashAlgorithm

    try:
        signer = signer_of(loaded.certificate)
    except ValueError as exc:  # cryptography parses extensions lazily, on first access
        detail = f"the signing certificate's extensions do not decode ({_brief(str(exc))})"
        return BundleOutcome(SignerIdentity(None, None), (("certificate", detail),))
    failures = identity_failures(policy, signer)
    if failures:
        return BundleOutcome(signer, tuple(failures))
    gate = _IdentityGate(policy)
    try:
        if loaded.is_dsse:
            payload_type, payload = verifier.verify_dsse(loaded.bundle, gate)
        elif sha256 is None:
            return BundleOutcome(
                signer,
                (
                    (
                        "bundle-type",
                        "a message signature was given where a signed statement (DSSE) is needed",
                    ),
                ),
            )
        else:
            digest = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(sha256))
            verifier.verify_artifact(digest, loaded.bundle, gate)
            return BundleOutcome(
                signer, tuple(window_failures(windows, loaded.certificate, loaded.log_entry))
            )
    except VerificationError as exc:
        return BundleOutcome(signer, ((_step(str(exc)), _brief(str(exc))),))
    except (SigstoreError, ValueError, TypeError) as exc:
        # malformed inner material sigstore did not catch on loading (InvalidEnvelope, ...)
        return BundleOutcome(
            signer, (("bundle", f"the bundle cannot be verified: {_brief(str(exc))}"),)
        )
    except Exception as exc:  # whatever else a mutated bundle makes a library
        # raise (rfc3161-client, rekor-types, ...) is a failed check, never an internal error
        return BundleOutcome(
            signer, (("bundle", f"the bundle cannot be verified: {_brief(str(exc))}"),)
        )
    outside = window_failures(windows, loaded.certificate, loaded.log_entry)
    if outside:
        return BundleOutcome(signer, tuple(outside))
    try:
        statement = parse_statement(payload_type, payload)
    except StatementError as exc:
        return BundleOutcome(signer, ((exc.check, exc.detail),))
    return BundleOutcome(signer, (), statement)


def key_envelope_outcome(path: Path, key: Path, sha256: str | None = None) -> BundleOutcome:
    """Verify a plain DSSE envelope (``*.dsse.json``) signed with a managed key (``--key``).

    The signature check is :mod:`chainproof.verify.key_envelope`'s (securesystemslib); a
    non-DSSE file raises InputError. There is no certificate: the signer is named after the
    key file.
    """
    signer = SignerIdentity(san=f"key:{key.name}", issuer=None)
    if sha256 is not None:
        return BundleOutcome(
            signer, (("bundle-type", "a managed key signs statements (DSSE), not files"),)
        )
    try:
        envelope = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        payload_type, payload = verify_key_envelope(envelope, key, str(path))
    except VerificationFailed as exc:
        return BundleOutcome(signer, (("signature", _brief(exc.message)),))
    try:
        statement = parse_statement(payload_type, payload)
    except StatementError as exc:
        return BundleOutcome(signer, ((exc.check, exc.detail),))
    return BundleOutcome(signer, (), statement)
