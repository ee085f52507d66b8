"""Keyless signing with sigstore-python: one Fulcio certificate for the whole release, a
Rekor entry per signature, PEP 740 attestations through pypi-attestations."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from chainproof.errors import InfrastructureError, InputError
from chainproof.signing.tokens import FoundToken, check_token

if TYPE_CHECKING:
    from sigstore.models import Bundle, ClientTrustConfig
    from sigstore.sign import Signer as _SigstoreSigner

__all__ = ["ATTEMPTS", "SigstoreSigner"]

ATTEMPTS = 3  # bounded retries for a service that cannot be reached
_BACKOFF = 0.25  # seconds, doubled after each failed attempt
T = TypeVar("T")


def _status(exc: BaseException) -> int | None:
    """The HTTP status behind a sigstore client error, if there was one."""
    import requests

    for inner in (exc, exc.__cause__, exc.__context__):
        if isinstance(inner, requests.HTTPError) and inner.response is not None:
            return int(inner.response.status_code)
    return None


def _call(fn: Callable[[], T], service: str, url: str) -> T:
    """Run one request to Fulcio or Rekor with bounded retries; map failures to our errors."""
    import requests

    # sigstore-python exposes its client errors only from its _internal package.
    from sigstore._internal.fulcio.client import FulcioClientError
    from sigstore._internal.rekor import RekorClientError
    from sigstore.errors import Error as SigstoreError
    from sigstore.oidc import ExpiredIdentity

    problem = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(_BACKOFF * 2 ** (attempt - 1))
        try:
            return fn()
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = "timed out" if isinstance(exc, requests.Timeout) else "refused the connection"
        except (FulcioClientError, RekorClientError) as exc:
            status = _status(exc)
            if status is not None and status >= 500:
                problem = f"answered HTTP {status}"
                continue
            if service == "Fulcio" and status in (400, 401, 403):
                raise InputError(
                    f"Fulcio at {url} refused the identity token (HTTP {status}).",
                    hint="The token's issuer or claims are not accepted by this instance.",
                ) from exc
            detail = f" (HTTP {status})" if status else f": {exc}" if str(exc) else ""
            message = f"{service} at {url} refused the request{detail}."
            raise InfrastructureError(message) from exc
        except ExpiredIdentity as exc:
            raise InputError("The identity token expired while signing.") from exc
        except SigstoreError as exc:
            raise InfrastructureError(f"{service} at {url} gave an unusable answer: {exc}") from exc
    raise InfrastructureError(
        f"Cannot reach {service} at {url}: it {problem} ({ATTEMPTS} attempts).",
        hint="Check the network and the instance's URLs (--trust-config), then retry.",
    )


class SigstoreSigner:
    """Keyless signing: Sigstore bundles (v0.3) for files and DSSE statements."""

    name = "sigstore"
    envelope_suffix = ".sigstore.json"

    def __init__(self, trust_config: ClientTrustConfig, token: FoundToken) -> None:
        from sigstore.oidc import IdentityError, IdentityToken
        from sigstore.sign import Signer, SigningContext

        check_token(token)
        try:
            identity = IdentityToken(token.raw)
        except IdentityError as exc:
            raise InputError(f"The identity token from {token.origin} is unusable: {exc}") from exc
        signing_config = trust_config.signing_config
        self.fulcio_url = signing_config.get_fulcio().url
        self.rekor_url = getattr(signing_config.get_tlogs()[0], "url", "Rekor")
        self.rekor_url = self.rekor_url.removesuffix("/api/v1").removesuffix("/api/v2")
        context = SigningContext.from_trust_config(trust_config)
        # cache=True: one ephemeral key and one certificate for every signature of the release
        self._signer: _SigstoreSigner = _call(
            lambda: Signer(identity, context, cache=True), "Fulcio", self.fulcio_url
        )
        self._identity = identity.identity  # the certificate's SAN once the first bundle exists
        self._issuer = identity.issuer

    def describe(self) -> str:
        return f"{self._identity} (issuer {self._issuer})"

    def _seen(self, bundle: Bundle) -> bytes:
        from cryptography.x509 import SubjectAlternativeName

        san = bundle.signing_certificate.extensions.get_extension_for_class(SubjectAlternativeName)
        names = list(san.value)
        if names:
            self._identity = str(names[0].value)
        return bundle.to_json().encode("utf-8")

    def sign_artifact(self, path: Path, sha256: str) -> bytes:
        from sigstore.hashes import Hashed
        from sigstore_models.common.v1 import HashAlgorithm

        hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(sha256))
        bundle = _call(lambda: self._signer.sign_artifact(hashed), "Rekor", self.rekor_url)
        return self._seen(bundle)

    def sign_statement(self, statement: bytes) -> bytes:
        from sigstore import dsse

        parsed = dsse.Statement(statement)
        bundle = _call(lambda: self._signer.sign_dsse(parsed), "Rekor", self.rekor_url)
        return self._seen(bundle)

    def attest_distribution(self, path: Path, sha256: str) -> bytes:
        from pypi_attestations import Attestation, AttestationError, Distribution

        try:
            dist = Distribution(name=path.name, digest=sha256)
        except ValueError as exc:
            raise InputError(f"{path.name} is not a valid distribution file name.") from exc

        def sign() -> Attestation:
            try:
                return Attestation.sign(self._signer, dist)
            except AttestationError as exc:
                raise InputError(f"Cannot attest {path.name}: {exc}") from exc

        attestation = _call(sign, "Rekor", self.rekor_url)
        return attestation.model_dump_json().encode("utf-8")
