"""Who signed: the Fulcio certificate's identity, and the identity checks of a policy.

``signer_of(cert)`` reads the SAN and the Fulcio extensions (issuer, source repository, ref,
build config, ...) into a :class:`SignerIdentity`. ``identity_failures(policy, signer)`` returns
every failed check as ``(check, detail)``; an empty list means the identity policy holds.

sigstore-python's policy classes check one extension each and have no regex SAN; we read the
values once instead, so the report can show them and each failure names its check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainproof.formats.deploy_policy import Policy

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

__all__ = ["SignerIdentity", "identity_failures", "signer_of"]

_FULCIO = "1.3.6.1.4.1.57264.1."
_ISSUER_V1 = _FULCIO + "1"  # raw bytes, deprecated
_ISSUER_V2 = _FULCIO + "8"  # DER UTF8String, like every extension below
_V2 = {
    "build_signer_uri": "9",
    "runner_environment": "11",
    "source_repository_uri": "12",
    "source_repository_digest": "13",
    "source_repository_ref": "14",
    "build_config_uri": "18",
    "run_invocation_uri": "21",
}


@dataclass(frozen=True)
class SignerIdentity:
    """The identity a Fulcio certificate binds; absent extensions are None."""

    san: str | None
    issuer: str | None
    build_signer_uri: str | None = None
    runner_environment: str | None = None
    source_repository_uri: str | None = None
    source_repository_digest: str | None = None
    source_repository_ref: str | None = None
    build_config_uri: str | None = None
    run_invocation_uri: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return dict(self.__dict__)


def _extension_text(cert: Certificate, oid: str, der: bool) -> str | None:
    from cryptography import x509
    from cryptography.hazmat import asn1

    try:
        value = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value
    except x509.ExtensionNotFound:
        return None
    raw = value.value  # type: ignore[attr-defined]
    try:
        return str(asn1.decode_der(str, raw)) if der else bytes(raw).decode()
    except (ValueError, UnicodeDecodeError):
        return None  # a malformed value is treated as absent: checks on it fail


def signer_of(cert: Certificate) -> SignerIdentity:
    """Read the identity out of a signing certificate (no trust decision here)."""
    from cryptography import x509

    san: str | None = None
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        names = None
    if names is not None:
        values: list[str] = [
            *names.get_values_for_type(x509.UniformResourceIdentifier),
            *names.get_values_for_type(x509.RFC822Name),
        ]
        san = values[0] if len(values) == 1 else None  # Fulcio issues exactly one
    issuer = _extension_text(cert, _ISSUER_V2, der=True) or _extension_text(
        cert, _ISSUER_V1, der=False
    )
    fields = {name: _extension_text(cert, _FULCIO + arc, der=True) for name, arc in _V2.items()}
    return SignerIdentity(san=san, issuer=issuer, **fields)


def _expect(
    failures: list[tuple[str, str]], check: str, what: str, got: str | None, want: str
) -> None:
    if got != want:
        failures.append((check, f"{what} is {got!r}, expected {want!r}"))


def identity_failures(policy: Policy, signer: SignerIdentity) -> list[tuple[str, str]]:
    """Every identity check of ``policy`` that ``signer`` does not satisfy."""
    failures: list[tuple[str, str]] = []
    if policy.issuer is not None:
        _expect(failures, "issuer", "the certificate's OIDC issuer", signer.issuer, policy.issuer)
    if policy.identity is not None:
        _expect(failures, "identity", "the certificate's SAN", signer.san, policy.identity)
    if policy.identity_regex is not None and not (
        signer.san is not None and re.fullmatch(policy.identity_regex, signer.san)
    ):
        failures.append(
            (
                "identity",
                f"the certificate's SAN {signer.san!r} does not match /{policy.identity_regex}/",
            )
        )
    repository = policy.repository_uri
    if repository is not None:
        _expect(
            failures,
            "repository",
            "the certificate's source repository",
            signer.source_repository_uri,
            repository,
        )
        config = signer.build_config_uri or ""
        prefix = repository + ("//" if policy.gitlab else "/.github/workflows/")
        if not config.startswith(prefix):
            failures.append(
                (
                    "build-config",
                    f"the certificate's build config {signer.build_config_uri!r} "
                    f"is not in {repository}",
                )
            )
        if (
            policy.gitlab
            and policy.identity is None
            and policy.identity_regex is None
            and not ((signer.san or "").startswith(prefix))
        ):
            failures.append(
                (
                    "identity",
                    f"the certificate's SAN {signer.san!r} is not a pipeline of {repository}",
                )
            )
    if policy.ref is not None:
        _expect(
            failures,
            "ref",
            "the certificate's source ref",
            signer.source_repository_ref,
            policy.ref,
        )
        if repository is not None and not (signer.build_config_uri or "").endswith(
            "@" + policy.ref
        ):
            failures.append(
                (
                    "ref",
                    f"the certificate's build config {signer.build_config_uri!r} is not at "
                    f"{policy.ref}",
                )
            )
    if policy.source_uri is not None and policy.source_uri != repository:
        _expect(
            failures,
            "repository",
            "the certificate's source repository",
            signer.source_repository_uri,
            policy.source_uri,
        )
    return _unique(failures)


def _unique(failures: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(failures))
