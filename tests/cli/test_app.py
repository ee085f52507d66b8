from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from chainproof import __version__
from chainproof.cli.app import app

runner = CliRunner()


def test_help_lists_every_contract_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("build", "sbom", "sign", "verify", "verify-env", "audit", "db", "keygen",
                 "step", "layout", "release"):
        assert name in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"chainproof {__version__}"


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from chainproof.cli.app import app; "
        "heavy = {'sigstore', 'cyclonedx', 'in_toto', 'build', 'securesystemslib', "
        "'pypi_attestations', 'cryptography', 'rich.progress', 'jsonschema'}; "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "chainproof", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"chainproof {__version__}"
