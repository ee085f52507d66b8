"""Choosing the signer, shared by ``chainproof sign`` and ``chainproof release``: refuse
flags the chosen signer would ignore, load what can be checked offline now, and make the
signer (a Sigstore one fetches its identity token) only once the artifacts are ready."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from chainproof.config import key_password
from chainproof.errors import UsageError
from chainproof.formats.sigstore_trust import load_trust_config
from chainproof.progress import Reporter
from chainproof.signing.key_signer import KeySigner
from chainproof.signing.signer import Signer
from chainproof.signing.sigstore_signer import SigstoreSigner
from chainproof.signing.tokens import check_token, find_token

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig

__all__ = ["SIGNERS", "signer_factory"]

SIGNERS = ("sigstore", "key")


def _check_signer_flags(
    signer: str,
    key: Path | None,
    identity_token: str | None,
    trust_config: Path | None,
    staging: bool,
) -> None:
    """Refuse unknown signers and flags that the chosen signer would ignore."""
    if signer not in SIGNERS:
        raise UsageError(f"Unknown signer {signer!r}: use sigstore or key.")
    if signer == "key":
        if key is None:
            raise UsageError("--signer key needs --key FILE (make one with chainproof keygen).")
        for flag, value in (
            ("--identity-token", identity_token),
            ("--trust-config", trust_config),
            ("--staging", staging or None),
        ):
            if value is not None:
                raise UsageError(f"{flag} applies only to --signer sigstore.")
    elif key is not None:
        raise UsageError("--key applies only to --signer key.")


def signer_factory(
    signer: str,
    key: Path | None,
    identity_token: str | None,
    trust_config: Path | None,
    staging: bool,
    interactive: bool,
) -> Callable[[Reporter], Signer]:
    """The signer the flags ask for, made once the artifacts are ready. What can be checked
    offline is checked now, before any work (the flags, a key loads, a --trust-config file
    parses); the identity token is fetched and checked only when the signer is made, since CI
    tokens are short-lived. ``interactive``: a browser may be opened for the token."""
    _check_signer_flags(signer, key, identity_token, trust_config, staging)
    if key is not None:
        loaded = KeySigner(key, key_password())
        return lambda _progress: loaded
    local = None if trust_config is None else load_trust_config(trust_config, staging)
    return functools.partial(_keyless_signer, local, identity_token, staging, interactive)


def _keyless_signer(
    local: ClientTrustConfig | None,
    identity_token: str | None,
    staging: bool,
    interactive: bool,
    progress: Reporter,
) -> Signer:
    """A Sigstore signer with a checked token. The public instances' trust roots come over
    the network, so they are fetched after a missing or expired token has been reported."""
    config = functools.cache(lambda: local or load_trust_config(None, staging))
    token = find_token(
        identity_token,
        interactive=interactive,
        oidc_url=lambda: config().signing_config.get_oidc_url(),
    )
    check_token(token)
    progress.step("Getting a signing certificate")
    return SigstoreSigner(config(), token)
