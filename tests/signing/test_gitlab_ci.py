"""The pipeline's keyless signing job gets its OIDC token the way `chainproof sign` reads it."""

from __future__ import annotations

from pathlib import Path

import yaml

PIPELINE = Path(__file__).parents[2] / ".gitlab-ci.yml"


def test_sign_job_has_a_sigstore_id_token() -> None:
    pipeline = yaml.safe_load(PIPELINE.read_text())
    job = pipeline["sign"]
    assert job["id_tokens"] == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    assert job["stage"] in pipeline["stages"]
    assert any(line.startswith(".venv/bin/chainproof sign ") for line in job["script"])
    assert "test" in pipeline  # the test job stays
