"""Signing: SLSA provenance and SBOM statements, Sigstore (keyless) and key signers, OIDC
token discovery, PEP 740 attestations, the release.json manifest, in-toto links and layouts.

Heavy libraries (sigstore, securesystemslib, pypi_attestations, cryptography) are imported
only inside the functions that need them.
"""

from __future__ import annotations

from chainproof.formats.intoto import (
    BUILD_TYPE,
    RunDetails,
    provenance_statement,
    sbom_statement,
)
from chainproof.formats.release_manifest import RELEASE_SCHEMA, ManifestEntry, release_manifest
from chainproof.signing.ci import LOCAL_BUILDER_ID, run_details
from chainproof.signing.key_signer import (
    KEY_TYPES,
    KeySigner,
    generate_key_pair,
    key_password,
    load_public_key,
    load_signer,
    verify_key_envelope,
)
from chainproof.signing.layout_verify import verify_layout
from chainproof.signing.layouts import sign_layout, starter_layout
from chainproof.signing.links import (
    Artifacts,
    record_step,
    source_materials,
    write_build_link,
)
from chainproof.signing.release_dir import ReleaseInputs, SignResult, read_release, sign_release
from chainproof.signing.signer import Signer
from chainproof.signing.sigstore_signer import SigstoreSigner, load_trust_config
from chainproof.signing.tokens import FoundToken, check_token, find_token

__all__ = [
    "BUILD_TYPE",
    "KEY_TYPES",
    "LOCAL_BUILDER_ID",
    "RELEASE_SCHEMA",
    "Artifacts",
    "FoundToken",
    "KeySigner",
    "ManifestEntry",
    "ReleaseInputs",
    "RunDetails",
    "SignResult",
    "Signer",
    "SigstoreSigner",
    "check_token",
    "find_token",
    "generate_key_pair",
    "key_password",
    "load_public_key",
    "load_signer",
    "load_trust_config",
    "provenance_statement",
    "read_release",
    "record_step",
    "release_manifest",
    "run_details",
    "sbom_statement",
    "sign_layout",
    "sign_release",
    "source_materials",
    "starter_layout",
    "verify_key_envelope",
    "verify_layout",
    "write_build_link",
]
