"""The scan stage of ``chainproof release``: a planted secret or credential file stops the
release after the build and before anything is signed; nothing is left behind and no secret
is printed whole."""

from __future__ import annotations

import json
from pathlib import Path

from tests import release_helpers
from tests.build.helpers import commit_all, configure
from tests.release_helpers import key_release
from tests.scan.planted import SECRETS, secret_lines

project = release_helpers.project  # the fixtures
key = release_helpers.key


def test_a_planted_secret_stops_the_release_before_signing(
    project: Path, key: Path, tmp_path: Path
) -> None:
    # the demo backend puts every top-level file of the checkout into its sdist
    (project / "settings.py").write_bytes(secret_lines())
    (project / ".pypirc").write_text("[distutils]\n")
    (project / ".netrc").write_text("machine git.acme.test\n")
    commit_all(project)
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 1, result.output
    assert "The scan stage failed: the scan found" in result.output
    assert "demo-1.0.tar.gz!demo-1.0/" in result.output
    for secret, _ in SECRETS.values():
        assert secret not in result.output
    assert not out.exists()
    assert not list((tmp_path / "out").glob("*"))  # no staging directory, nothing signed
    assert not list(tmp_path.rglob("*.dsse.json"))


def test_the_scan_stage_reports_and_passes_a_clean_build(
    project: Path, key: Path, tmp_path: Path
) -> None:
    configure(project, '[tool.chainproof.scan]\nfail-on = "critical"\n')
    result = key_release(project, tmp_path / "rel", key, "--json")
    assert result.exit_code == 0, result.output
    scan = json.loads(result.stdout)["scan"]
    assert scan["fail_on"] == "critical"
    assert scan["findings"] == 1  # demo.py: the demo backend writes it, git tracks none
