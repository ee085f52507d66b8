"""Fixtures of the SBOM tests live in tests/sbom/fixtures.py (the CLI tests import them too)."""

from tests.sbom.fixtures import app_wheel, wheelhouse

__all__ = ["app_wheel", "wheelhouse"]
