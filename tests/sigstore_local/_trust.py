"""The TrustedRoot and ClientTrustConfig JSON documents describing the stand-in."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.sigstore_local._fulcio import CertificateAuthority, spki_der

__all__ = ["client_trust_config", "trusted_root"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _log(url: str, key: ec.EllipticCurvePrivateKey, log_id: bytes, start: str) -> dict[str, Any]:
    return {
        "baseUrl": url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": _b64(spki_der(key.public_key())),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": start},
        },
        "logId": {"keyId": _b64(log_id)},
    }


def trusted_root(
    ca: CertificateAuthority,
    fulcio_url: str,
    rekor_url: str,
    rekor_key: ec.EllipticCurvePrivateKey,
    rekor_log_id: bytes,
) -> dict[str, Any]:
    start = _stamp(ca.not_before)
    return {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [_log(rekor_url, rekor_key, rekor_log_id, start)],
        "certificateAuthorities": [
            {
                "subject": {"organization": "chainproof-tests", "commonName": "local-fulcio"},
                "uri": fulcio_url,
                "certChain": {
                    "certificates": [
                        {"rawBytes": _b64(ca.root.public_bytes(serialization.Encoding.DER))}
                    ]
                },
                "validFor": {"start": start},
            }
        ],
        "ctlogs": [_log(f"{fulcio_url}/ct", ca.ct_key, ca.ct_log_id, start)],
        "timestampAuthorities": [],
    }


def client_trust_config(
    root: dict[str, Any], fulcio_url: str, rekor_url: str, start: dt.datetime
) -> dict[str, Any]:
    def service(url: str) -> dict[str, Any]:
        return {
            "url": url,
            "majorApiVersion": 1,
            "validFor": {"start": _stamp(start)},
            "operator": "chainproof-tests",
        }

    return {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [service(fulcio_url)],
            "oidcUrls": [],
            "rekorTlogUrls": [service(rekor_url)],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        },
    }
