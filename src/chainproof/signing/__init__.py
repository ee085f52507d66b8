"""Signing stage: sign a release directory (``release_dir``) with a ``Signer`` (``signer``):
Sigstore keyless (``sigstore_signer``, OIDC tokens from ``tokens`` and ``ci``) or a managed
key (``key_signer``); in-toto links of a step (``links``) and the layout owner's signature
(``layouts``). The documents themselves are in :mod:`chainproof.formats`.

Import from the submodules; this package stays empty so importing it costs nothing.
"""

from __future__ import annotations

__all__: list[str] = []
