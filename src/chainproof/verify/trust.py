"""The Sigstore trusted root a policy names, turned into a sigstore-python Verifier.

Production by default (refreshed over TUF unless ``offline``, then the cached or shipped root),
``staging``, a pinned ``trusted_root`` file or a ``trust_config`` (ClientTrustConfig) file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import read_text
from chainproof.formats.deploy_policy import Policy
from chainproof.formats.sigstore_trust import trust_file_problem
from chainproof.verify.validity import TrustWindows, inclusive_root

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier
    from sigstore_models.trustroot.v1 import TrustedRoot as TrustedRootMessage

__all__ = ["load_trusted_root", "load_verifier", "trust_description", "verifier_of"]


def trust_description(policy: Policy) -> str:
    """A short name of the root of trust, for reports and the VSA."""
    if policy.key is not None:
        return f"key:{policy.key}"
    if not policy.has_signer:
        return f"in-toto layout:{policy.layout}"
    if policy.trusted_root is not None:
        return f"trusted-root:{policy.trusted_root}"
    if policy.trust_config is not None:
        return f"trust-config:{policy.trust_config}"
    instance = "staging" if policy.staging else "production"
    return f"sigstore-{instance}" + (" (offline)" if policy.offline else "")


def _message(root: TrustedRoot) -> TrustedRootMessage:
    # sigstore-python 4.5.1 has no accessor for the windows of its trusted root: its wire model
    # (sigstore-models, public) is the one place they are
    return root._inner


def load_verifier(policy: Policy) -> tuple[Verifier, TrustWindows]:
    """A Verifier over the policy's root of trust, with validity ends made inclusive, and the
    root's windows (chainproof.verify.validity)."""
    return verifier_of(load_trusted_root(policy))


def verifier_of(message: TrustedRootMessage) -> tuple[Verifier, TrustWindows]:
    """A Verifier over ``message`` (a root loaded by load_trusted_root), its windows."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier

    try:  # e.g. MetadataError: no Fulcio certificate whose window has started
        verifier = Verifier(trusted_root=TrustedRoot(inclusive_root(message)))
    except SigstoreError as exc:
        raise InputError(f"The Sigstore trusted root is not usable: {exc}.") from exc
    return verifier, TrustWindows.of(message)


def load_trusted_root(policy: Policy) -> TrustedRootMessage:
    """The policy's Sigstore trusted root (its wire model); bad files exit 2, TUF failures
    exit 3."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.errors import TUFError
    from sigstore.models import ClientTrustConfig, TrustedRoot

    try:
        if policy.trusted_root is not None:
            read_text(policy.trusted_root, "trusted root")  # a clear error when it is missing
            root = TrustedRoot.from_file(str(policy.trusted_root))
        elif policy.trust_config is not None:
            root = ClientTrustConfig.from_json(
                read_text(policy.trust_config, "trust config")
            ).trusted_root
        elif policy.staging:
            root = ClientTrustConfig.staging(offline=policy.offline).trusted_root
        else:
            root = ClientTrustConfig.production(offline=policy.offline).trusted_root
        return _message(root)
    except TUFError as exc:
        raise InfrastructureError(
            f"Cannot refresh Sigstore's trusted root over TUF: {exc}.",
            hint="Use --offline to verify with the cached root, or --trusted-root FILE.",
        ) from exc
    except (SigstoreError, ValueError, KeyError) as exc:
        problem = trust_file_problem(exc)
        source = policy.trusted_root or policy.trust_config
        if source is not None:
            what = "trusted root" if policy.trusted_root else "ClientTrustConfig"
            raise InputError(f"{source} is not a usable Sigstore {what}: {problem}.") from exc
        raise InputError(
            f"The cached Sigstore trusted root is unusable: {problem}.",
            hint="Delete sigstore-python's cache (~/.cache/sigstore-python) and retry; "
            "without --offline it is fetched again over TUF.",
        ) from exc
