"""Fixtures for verify tests: the real public bundles, copied so tests may change bytes."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from tests.conftest import ASSETS
from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import make_keyless_release

VECTORS = ASSETS / "vectors"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
RFC8785_SAN = (
    "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
)
ATTEST_SAN = (
    "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml"
    "@09b495c3f12c7881b3cc17209a327792065c1a1d"
)
GITLAB_SAN = "https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main"


def copy_vectors(tmp_path: Path) -> Path:
    """A private copy of tests/assets/vectors (writable)."""
    target = tmp_path / "vectors"
    shutil.copytree(VECTORS, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture
def vectors(tmp_path: Path) -> Path:
    return copy_vectors(tmp_path)


@pytest.fixture(autouse=True)
def _quiet_sigstore() -> None:
    logging.getLogger("sigstore").setLevel(logging.ERROR)


@pytest.fixture(scope="session")
def keyless_release(
    tmp_path_factory: pytest.TempPathFactory, local_sigstore: LocalSigstore
) -> Path:
    """The keyless demo release (tests/verify/keyless.py); read-only, copy it with `release`."""
    return make_keyless_release(tmp_path_factory.mktemp("keyless") / "dist", local_sigstore)


@pytest.fixture
def release(keyless_release: Path, tmp_path: Path) -> Path:
    """A fresh copy of the keyless release for one test."""
    return Path(shutil.copytree(keyless_release, tmp_path / "release"))
