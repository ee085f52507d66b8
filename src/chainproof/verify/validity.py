"""The validity windows of a trusted root, as the closed intervals they are.

A trusted root gives each transparency log key, certificate authority and timestamp
authority a ``validFor`` window, ``[start, end]`` (sigstore-models' TimeRange says so).
sigstore-python 4.5.1 checks them only in part, so we check what it does not:

- it compares a timestamp authority's end exclusively (``gen_time < end``): ``inclusive_root``
  moves each such end one microsecond later, the resolution of Python's datetime, so its
  comparison becomes ``<=``;
- when verifying, it takes every log key and every CA whatever their window
  (``allow_expired``): ``window_failures`` checks the log entry's integrated time against its
  log's window, and the certificate's issuance against the window of the CA that issued it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from sigstore_models.common.v1 import TimeRange
    from sigstore_models.trustroot.v1 import TrustedRoot as TrustedRootMessage

__all__ = ["LogEntryTime", "TrustWindows", "Window", "inclusive_root", "window_failures"]

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime | None

    @classmethod
    def of(cls, period: TimeRange) -> Window:
        return cls(period.start, period.end)

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment <= self.end)

    def __str__(self) -> str:
        end = self.end.isoformat() if self.end else "no end"
        return f"[{self.start.isoformat()}, {end}]"


@dataclass(frozen=True)
class LogEntryTime:
    """Which log a bundle's entry is in and when it was integrated (None: Rekor v2)."""

    log_id: bytes
    integrated_time: int | None


@dataclass(frozen=True)
class TrustWindows:
    tlogs: dict[bytes, Window]
    # each CA's certificates and its window
    authorities: tuple[tuple[tuple[Certificate, ...], Window], ...]

    @classmethod
    def of(cls, root: TrustedRootMessage) -> TrustWindows:
        from cryptography import x509

        tlogs: dict[bytes, Window] = {}
        for log in root.tlogs:
            if log.public_key.valid_for is None:
                continue
            window = Window.of(log.public_key.valid_for)
            tlogs[log.log_id.key_id] = window
            # an entry names its log by the hash of the log's key, which verified it, whatever
            # log id the root declares: the window must be found by that too
            if log.public_key.raw_bytes:
                tlogs.setdefault(hashlib.sha256(log.public_key.raw_bytes).digest(), window)
        authorities = tuple(
            (
                tuple(
                    x509.load_der_x509_certificate(c.raw_bytes) for c in ca.cert_chain.certificates
                ),
                Window.of(ca.valid_for),
            )
            for ca in root.certificate_authorities
        )
        return cls(tlogs, authorities)


def inclusive_root(root: TrustedRootMessage) -> TrustedRootMessage:
    """``root`` with each timestamp authority's end one microsecond later (see above)."""
    authorities = [
        ca.model_copy(update={"valid_for": ca.valid_for.model_copy(update={"end": end + _TICK})})
        if (end := ca.valid_for.end) is not None
        else ca
        for ca in root.timestamp_authorities
    ]
    return root.model_copy(update={"timestamp_authorities": authorities})


def log_entry_time(entry: object) -> LogEntryTime | None:
    """From a bundle's ``tlogEntries[0]`` as JSON (bundle or PEP 740: the same keys)."""
    if not isinstance(entry, dict):
        return None
    key_id = entry.get("logId", {}).get("keyId") if isinstance(entry.get("logId"), dict) else None
    integrated = entry.get("integratedTime")
    try:
        log_id = base64.b64decode(str(key_id), validate=True)
        moment = int(integrated) if integrated not in (None, "", "0", 0) else None
    except ValueError:
        return None
    return LogEntryTime(log_id, moment)


def _issued_by(certificate: Certificate, issuer: Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except Exception:  # ValueError (another name), InvalidSignature, TypeError (key type)
        return False
    return True


def _issuing_windows(windows: TrustWindows, certificate: Certificate) -> list[Window]:
    """The windows of the CAs with a certificate that issued ``certificate``. By its issuer's
    name first; when CAs of that name disagree (e.g. production's 2021 root and the 2022
    chain's root are both CN=sigstore,O=sigstore.dev: a rotated CA), by the signature, so a
    CA whose window ended is not covered by its successor's."""
    issuer = certificate.issuer
    named = [
        (certs, w) for certs, w in windows.authorities if any(c.subject == issuer for c in certs)
    ]
    if len({w.holds(certificate.not_valid_before_utc) for _, w in named}) < 2:
        return [w for _, w in named]
    issuing = [w for certs, w in named if any(_issued_by(certificate, c) for c in certs)]
    return issuing or [w for _, w in named]  # none: the chain check refuses it anyway


def window_failures(
    windows: TrustWindows, certificate: Certificate | None, entry: LogEntryTime | None
) -> list[tuple[str, str]]:
    """The entry's integrated time in its log's window; the certificate issued within the
    window of a CA whose chain names its issuer (a managed key has no certificate)."""
    failures = []
    if entry is not None and entry.integrated_time is not None:
        window = windows.tlogs.get(entry.log_id)
        moment = datetime.fromtimestamp(entry.integrated_time, UTC)
        if window is not None and not window.holds(moment):
            failures.append(
                (
                    "tlog-validity",
                    f"the log entry was integrated at {moment.isoformat()}, outside its log "
                    f"key's validity {window}",
                )
            )
    if certificate is not None:
        issued = certificate.not_valid_before_utc
        candidates = _issuing_windows(windows, certificate)
        if candidates and not any(w.holds(issued) for w in candidates):
            failures.append(
                (
                    "certificate-validity",
                    f"the certificate was issued at {issued.isoformat()}, outside the "
                    f"validity of the CA that issued it {candidates[0]}",
                )
            )
    return failures
