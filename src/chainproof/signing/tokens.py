"""OIDC identity tokens for keyless signing: where to find one, and clear errors for a token
Fulcio would refuse (expired, wrong audience, missing claims) before any request is made."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chainproof.errors import InfrastructureError, InputError, UsageError

__all__ = ["AUDIENCE", "FoundToken", "check_token", "find_token"]

AUDIENCE = "sigstore"
_LEEWAY = 5  # seconds, as sigstore-python allows
_CI_HINT = (
    "In GitLab CI add `id_tokens: {SIGSTORE_ID_TOKEN: {aud: sigstore}}` to the job; in GitHub "
    "Actions grant `permissions: id-token: write`."
)


@dataclass(frozen=True)
class FoundToken:
    raw: str
    origin: str  # where it came from, for messages


def _when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def check_token(token: FoundToken, now: float | None = None) -> dict[str, Any]:
    """The token's (unverified) claims; InputError if Sigstore would refuse it.

    Fulcio verifies the signature; the client only checks what it can: shape, audience and
    validity period, as sigstore-python's IdentityToken does, but with a message per case.
    """
    import jwt

    now = time.time() if now is None else now
    try:
        claims: dict[str, Any] = jwt.decode(token.raw, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InputError(
            f"The identity token from {token.origin} is not a valid JWT ({exc}).",
            hint="Pass the raw token, not a file name or a quoted string.",
        ) from exc
    missing = [c for c in ("iss", "sub", "aud", "iat", "exp") if c not in claims]
    if missing:
        raise InputError(
            f"The identity token from {token.origin} lacks the claim(s) {', '.join(missing)}."
        )
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if AUDIENCE not in audiences:
        raise InputError(
            f"The identity token from {token.origin} is for audience "
            f"{', '.join(map(str, audiences))!s}, but Sigstore needs {AUDIENCE!r}.",
            hint=_CI_HINT,
        )
    try:
        expires, not_before = float(claims["exp"]), float(claims.get("nbf", claims["iat"]))
    except (TypeError, ValueError) as exc:
        raise InputError(f"The identity token from {token.origin} has a malformed time.") from exc
    if expires + _LEEWAY <= now:
        raise InputError(
            f"The identity token from {token.origin} expired at {_when(expires)}.",
            hint="Get a fresh token: CI tokens last only as long as the job, sign early in it.",
        )
    if not_before - _LEEWAY > now:
        raise InputError(
            f"The identity token from {token.origin} is not valid before {_when(not_before)}.",
            hint="Check the machine's clock.",
        )
    return claims


def _ambient() -> FoundToken | None:
    """GitHub Actions (and other CI) ambient credentials through the ``id`` library."""
    from sigstore.oidc import IdentityError, detect_credential

    try:
        raw = detect_credential()
    except IdentityError as exc:
        raise InputError(f"Cannot get the CI's identity token: {exc}", hint=_CI_HINT) from exc
    return FoundToken(raw, "the CI's ambient credentials") if raw else None


def find_token(
    explicit: str | None,
    *,
    interactive: bool,
    oidc_url: Callable[[], str],
    env: Mapping[str, str] | None = None,
) -> FoundToken:
    """--identity-token, then CHAINPROOF_IDENTITY_TOKEN / SIGSTORE_ID_TOKEN, then ambient CI
    credentials, then (on a terminal only) the browser flow of the instance's OIDC issuer."""
    env = os.environ if env is None else env
    if explicit is not None:
        if not explicit.strip():  # e.g. --identity-token "$UNSET": never sign as someone else
            raise UsageError("--identity-token is empty.", hint=_CI_HINT)
        return FoundToken(explicit.strip(), "--identity-token")
    from_config = env.get("CHAINPROOF_IDENTITY_TOKEN")
    if from_config:
        return FoundToken(from_config.strip(), "CHAINPROOF_IDENTITY_TOKEN")
    if env.get("SIGSTORE_ID_TOKEN"):
        return FoundToken(env["SIGSTORE_ID_TOKEN"].strip(), "SIGSTORE_ID_TOKEN")
    ambient = _ambient()
    if ambient is not None:
        return ambient
    if not interactive:
        raise UsageError(
            "No identity token for keyless signing.",
            hint="Pass --identity-token, set SIGSTORE_ID_TOKEN, or run on a terminal to sign "
            f"in with a browser. {_CI_HINT}",
        )
    from sigstore.errors import Error as SigstoreError
    from sigstore.oidc import Issuer

    try:
        url = oidc_url()
        raw = str(Issuer(url).identity_token())
    except SigstoreError as exc:
        raise InfrastructureError(f"The browser sign-in failed: {exc}") from exc
    return FoundToken(raw, "the browser sign-in")
