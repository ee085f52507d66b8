"""A Sigstore trusted root read without sigstore-python, for the fast keyless path.

Why: importing ``sigstore.models`` (and with it sigstore-models' pydantic models, requests,
tuf) costs 0.25-0.34 s of a 0.5 s ``chainproof verify`` of 50 files (``python -X importtime``,
2 CPUs, bench/README.md); reading the root's JSON ourselves costs under 1 ms.

Only a root file (``--trusted-root``, ``--trust-config``) is read here, and only one that
sigstore-models' schema and sigstore-python would take (:mod:`.strict_json` refuses the
rest): :func:`read_anchors` returns None for anything else, and the caller loads the root
with sigstore-python as before, which then reports what is wrong. The production and
staging roots come over TUF through sigstore-python; :func:`anchors_of` converts them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chainproof.formats.deploy_policy import Policy
from chainproof.verify.strict_json import Unsupported, b64, loads, moment, obj, text
from chainproof.verify.validity import TrustWindows, Window

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from cryptography.x509.verification import Store

__all__ = ["LogKey", "TrustAnchors", "anchors_of", "read_anchors"]

_ROOT_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"  # sigstore-python's
_CONFIG_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
_SIGNING_TYPES = frozenset(
    {
        "application/vnd.dev.sigstore.signingconfig.v0.1+json",
        "application/vnd.dev.sigstore.signingconfig.v0.2+json",
    }
)
_HASHES = frozenset({"SHA2_256", "SHA2_384", "SHA2_512", "SHA3_256", "SHA3_384"})
_KEY_DETAILS = frozenset(
    {
        *("PKCS1_RSA_PKCS1V5", "PKCS1_RSA_PSS", "PKIX_RSA_PKCS1V5", "PKIX_RSA_PSS"),
        *(f"PKIX_RSA_PKCS1V15_{n}_SHA256" for n in (2048, 3072, 4096)),
        *(f"PKIX_RSA_PSS_{n}_SHA256" for n in (2048, 3072, 4096)),
        "PKIX_ECDSA_P256_HMAC_SHA_256",
        *("PKIX_ECDSA_P256_SHA_256", "PKIX_ECDSA_P384_SHA_384", "PKIX_ECDSA_P521_SHA_512"),
        *("PKIX_ED25519", "PKIX_ED25519_PH", "PKIX_ECDSA_P384_SHA_256", "PKIX_ECDSA_P521_SHA_256"),
        *("LMS_SHA256", "LMOTS_SHA256", "ML_DSA_65", "ML_DSA_87"),
    }
)
# the key types the fast path verifies with: (curve name, hash name); others fall back
_EC_KEYS = {
    "PKIX_ECDSA_P256_SHA_256": ("secp256r1", "sha256"),
    "PKIX_ECDSA_P384_SHA_384": ("secp384r1", "sha384"),
}
_SELECTORS = frozenset({"ALL", "ANY", "EXACT"})
_SERVICE_LISTS = ("caUrls", "oidcUrls", "rekorTlogUrls", "tsaUrls")


@dataclass(frozen=True)
class LogKey:
    """A Rekor or CT log's ECDSA key, the hash its key details name, and its window."""

    key: Any  # cryptography's EllipticCurvePublicKey
    hash_name: str
    window: Window

    def verifies(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        algorithm = hashes.SHA384() if self.hash_name == "sha384" else hashes.SHA256()
        try:
            self.key.verify(signature, data, ec.ECDSA(algorithm))
        except (InvalidSignature, ValueError):
            return False
        return True

    def active(self, now: datetime) -> bool:
        """sigstore-python drops a key whose window has not started (expired ones stay)."""
        return self.window.start <= now


@dataclass(frozen=True)
class TrustAnchors:
    """What the fast path verifies against: log keys by their RFC 6962 key ID (the SHA-256
    of the key's DER, as sigstore-python's keyring indexes them), Fulcio's certificates."""

    tlogs: dict[bytes, LogKey]
    ctlogs: dict[bytes, LogKey]
    fulcio: Store | None  # never None from _anchors: a root without one is sigstore-python's
    windows: TrustWindows
    # leaf certificates (DER) whose profile, chain and SCT verified, with that chain: a
    # release's bundles share one certificate (fast_keyless)
    verified: dict[bytes, tuple[Certificate, ...]] = field(default_factory=dict)


def _period(data: Any) -> Window:
    period = obj(data, frozenset({"start"}), frozenset({"end"}))
    start, end = moment(period["start"]), moment(period["end"]) if "end" in period else None
    return Window(start, end)


def _enum(value: Any, allowed: frozenset[str]) -> str:
    if text(value) not in allowed:
        raise Unsupported("an unknown enum value")
    return str(value)


def _integer(value: Any) -> int:
    if type(value) is not int:  # pydantic's strict mode: no bool, no float
        raise Unsupported("not an integer")
    return value


def _log(data: Any) -> tuple[bytes, Window | None, LogKey | Any]:
    """One log instance: its key ID as the root names it, its window, its key (a LogKey; a
    cryptography key when the fast path does not verify with that kind; None: no key)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    log = obj(
        data,
        frozenset({"baseUrl", "hashAlgorithm", "publicKey", "logId"}),
        frozenset({"checkpointKeyId", "operator"}),
    )
    text(log["baseUrl"])
    _enum(log["hashAlgorithm"], _HASHES)
    text(log.get("operator", ""))
    if "checkpointKeyId" in log:
        b64(obj(log["checkpointKeyId"], frozenset({"keyId"}))["keyId"])
    log_id = b64(obj(log["logId"], frozenset({"keyId"}))["keyId"])
    public = obj(log["publicKey"], frozenset({"keyDetails"}), frozenset({"rawBytes", "validFor"}))
    details = _enum(public["keyDetails"], _KEY_DETAILS)
    window = _period(public["validFor"]) if "validFor" in public else None
    raw = b64(public["rawBytes"]) if "rawBytes" in public else b""
    try:
        key = load_der_public_key(raw)
    except Exception:  # ValueError, UnsupportedAlgorithm (an unknown curve): not ours
        return log_id, window, None
    if (
        details not in _EC_KEYS
        or not isinstance(key, ec.EllipticCurvePublicKey)
        or key.curve.name != _EC_KEYS[details][0]
    ):
        return log_id, window, key  # a key, but not one the fast path verifies with
    always = Window(datetime.min.replace(tzinfo=UTC), None)
    return log_id, window, LogKey(key, _EC_KEYS[details][1], window or always)


def _authority(data: Any) -> tuple[list[Certificate], Window]:
    from cryptography import x509

    ca = obj(
        data,
        frozenset({"subject", "certChain", "validFor"}),
        frozenset({"uri", "operator"}),
    )
    subject = obj(ca["subject"], frozenset({"organization", "commonName"}))
    text(subject["organization"]), text(subject["commonName"])
    text(ca.get("uri", "")), text(ca.get("operator", ""))
    chain = obj(ca["certChain"], frozenset({"certificates"}))["certificates"]
    if not isinstance(chain, list) or not chain:  # sigstore-python: a CA needs a certificate
        raise Unsupported("a certificate authority without certificates")
    try:
        certificates = [
            x509.load_der_x509_certificate(b64(obj(c, frozenset({"rawBytes"}))["rawBytes"]))
            for c in chain
        ]
    except ValueError as exc:
        raise Unsupported("a CA certificate does not decode") from exc
    return certificates, _period(ca["validFor"])


def _logs(value: Any) -> tuple[dict[bytes, LogKey], dict[bytes, Window]]:
    from cryptography.hazmat.primitives import serialization

    if not isinstance(value, list):
        raise Unsupported("not a list")
    keys: dict[bytes, LogKey] = {}
    windows: dict[bytes, Window] = {}
    for item in value:
        log_id, window, key = _log(item)
        if window is not None:
            windows[log_id] = window
        if key is None:
            continue
        public = key.key if isinstance(key, LogKey) else key
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if window is not None:  # entries name their log by its key's hash, whatever the root says
            windows.setdefault(hashlib.sha256(der).digest(), window)
        # sigstore-python's keyring keeps the last entry of a key ID: when that is one the
        # fast path does not verify with, the key is not the fast path's
        if isinstance(key, LogKey):
            keys[hashlib.sha256(der).digest()] = key
        else:
            keys.pop(hashlib.sha256(der).digest(), None)
    return keys, windows


def _signing_config(data: Any) -> None:
    """Checked as sigstore-models checks it (ClientTrustConfig.from_json), though unused."""
    config = obj(
        data,
        frozenset({"mediaType"}),
        frozenset({*_SERVICE_LISTS, "rekorTlogConfig", "tsaConfig"}),
    )
    _enum(config["mediaType"], _SIGNING_TYPES)
    for name in _SERVICE_LISTS:
        services = config.get(name, [])
        if not isinstance(services, list):
            raise Unsupported("not a list")
        for service in services:
            item = obj(
                service,
                frozenset({"url", "majorApiVersion", "operator"}),
                frozenset({"validFor"}),
            )
            text(item["url"]), _integer(item["majorApiVersion"]), text(item["operator"])
            if "validFor" in item:
                _period(item["validFor"])
    for name in ("rekorTlogConfig", "tsaConfig"):
        if name in config:
            selector = obj(config[name], frozenset({"selector"}), frozenset({"count"}))
            _enum(selector["selector"], _SELECTORS)
            if "count" in selector:
                _integer(selector["count"])


def _anchors(data: Any, now: datetime) -> TrustAnchors:
    from cryptography.x509.verification import Store

    root = obj(
        data,
        frozenset({"mediaType", "tlogs", "certificateAuthorities", "ctlogs"}),
        frozenset({"timestampAuthorities"}),
    )
    if root["mediaType"] != _ROOT_TYPE:
        raise Unsupported("another trusted root media type")
    tlogs, tlog_windows = _logs(root["tlogs"])
    ctlogs, _ = _logs(root["ctlogs"])
    if not root["tlogs"]:  # sigstore-python's Verifier refuses a root without a log
        raise Unsupported("no transparency log")
    for name in ("certificateAuthorities", "timestampAuthorities"):
        if not isinstance(root.get(name, []), list):
            raise Unsupported("not a list")
    for tsa in root.get("timestampAuthorities", []):
        _authority(tsa)
    authorities = [_authority(ca) for ca in root["certificateAuthorities"]]
    # sigstore-python's Fulcio certificates: every CA's whose window has started
    fulcio = [c for certs, window in authorities if window.start <= now for c in certs]
    windows = TrustWindows(
        tlog_windows,
        tuple((tuple(certs), window) for certs, window in authorities),
    )
    if not fulcio:  # sigstore-python's Verifier refuses the root (MetadataError): it says so
        raise Unsupported("no Fulcio certificate whose window has started")
    return TrustAnchors(tlogs, ctlogs, Store(fulcio), windows)


def anchors_of(root_json: bytes | str) -> TrustAnchors | None:
    """A TrustedRoot's JSON (e.g. sigstore-models' ``to_json()``) as TrustAnchors, or None
    when the fast path does not take it."""
    try:
        return _anchors(loads(root_json), datetime.now(UTC))
    except Exception:  # Unsupported, or what cryptography raises: sigstore-python's root
        return None


def read_anchors(policy: Policy) -> TrustAnchors | None:
    """The policy's root file as TrustAnchors; None for a TUF root (production, staging) or
    a file the fast path does not take (sigstore-python then reads it, as before)."""
    path = policy.trusted_root or policy.trust_config
    if path is None:
        return None
    try:
        data = loads(path.read_bytes())
        if policy.trust_config is not None and policy.trusted_root is None:
            config = obj(data, frozenset({"mediaType", "trustedRoot", "signingConfig"}))
            if config["mediaType"] != _CONFIG_TYPE:
                raise Unsupported("another trust config media type")
            _signing_config(config["signingConfig"])
            data = config["trustedRoot"]
        return _anchors(data, datetime.now(UTC))
    except Exception:  # Unsupported, OSError, cryptography's errors: sigstore-python decides
        return None
