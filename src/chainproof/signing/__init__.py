"""Signing stage: sign a release directory (``release_dir``) with a ``Signer`` (``signer``):
Sigstore keyless (``sigstore_signer``, OIDC tokens from ``tokens`` and ``ci``) or a managed
key (``key_signer``); in-toto links of a step (``links``) and the layout owner's signature
(``layouts``). The documents themselves are in :mod:`chainproof.formats`.

Import from the submodules; this package stays empty so importing it costs nothing (the
CLI reaches submodules as attributes, loaded on first use: chainproof.lazy).
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
