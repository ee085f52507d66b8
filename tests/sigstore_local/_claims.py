"""Token claims → certificate identity, the way Fulcio maps them.

Follows Fulcio's identity mapping (docs/oid-info.md and the ci-provider templates): the SAN
and the 1.3.6.1.4.1.57264.1.x extensions for GitLab CI and GitHub Actions tokens; an email SAN
(or a URI SAN for a URI ``sub``) for any other issuer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["GITHUB_ISSUER", "GITLAB_ISSUER", "ClaimError", "Identity", "identity_from_claims"]

GITLAB_ISSUER = "https://gitlab.com"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


class ClaimError(Exception):
    """The token lacks a claim Fulcio needs for its issuer (Fulcio answers 400)."""


@dataclass(frozen=True)
class Identity:
    san_kind: str  # "uri" | "email"
    san: str
    # OID suffix (the x in 1.3.6.1.4.1.57264.1.x) → value, DER UTF8String encoded in the cert
    extensions: dict[int, str]
    # 1.1 to 1.6: the legacy raw-bytes extensions (GitHub only, plus the issuer)
    legacy: dict[int, str]


def _need(claims: dict[str, Any], *names: str) -> list[str]:
    missing = [name for name in names if name not in claims]
    if missing:
        raise ClaimError(f"token is missing the claim(s) {', '.join(missing)}")
    return [str(claims[name]) for name in names]


def _gitlab(claims: dict[str, Any], server: str) -> Identity:
    (project, ref, ref_type, sha, config_uri, config_sha, namespace) = _need(
        claims,
        "project_path",
        "ref",
        "ref_type",
        "sha",
        "ci_config_ref_uri",
        "ci_config_sha",
        "namespace_path",
    )
    full_ref = f"refs/{'tags' if ref_type == 'tag' else 'heads'}/{ref}"
    ext = {
        8: server,
        9: f"https://{config_uri}",
        10: config_sha,
        11: str(claims.get("runner_environment", "gitlab-hosted")),
        12: f"{server}/{project}",
        13: sha,
        14: full_ref,
        15: str(claims.get("project_id", "1")),
        16: f"{server}/{namespace}",
        17: str(claims.get("namespace_id", "1")),
        18: f"https://{config_uri}",
        19: config_sha,
        20: str(claims.get("pipeline_source", "push")),
        21: f"{server}/{project}/-/jobs/{claims.get('job_id', '1')}",
        22: str(claims.get("project_visibility", "public")),
    }
    return Identity("uri", f"https://{config_uri}", ext, {1: server})


def _github(claims: dict[str, Any]) -> Identity:
    (repo, ref, sha, job_ref, job_sha, wf_ref, wf_sha, event) = _need(
        claims,
        "repository",
        "ref",
        "sha",
        "job_workflow_ref",
        "job_workflow_sha",
        "workflow_ref",
        "workflow_sha",
        "event_name",
    )
    server = "https://github.com"
    owner = str(claims.get("repository_owner", repo.split("/")[0]))
    run = f"{claims.get('run_id', '1')}/attempts/{claims.get('run_attempt', '1')}"
    ext = {
        8: GITHUB_ISSUER,
        9: f"{server}/{job_ref}",
        10: job_sha,
        11: str(claims.get("runner_environment", "github-hosted")),
        12: f"{server}/{repo}",
        13: sha,
        14: ref,
        15: str(claims.get("repository_id", "1")),
        16: f"{server}/{owner}",
        17: str(claims.get("repository_owner_id", "1")),
        18: f"{server}/{wf_ref}",
        19: wf_sha,
        20: event,
        21: f"{server}/{repo}/actions/runs/{run}",
        22: str(claims.get("repository_visibility", "public")),
    }
    legacy = {
        1: GITHUB_ISSUER,
        2: event,
        3: sha,
        4: str(claims.get("workflow", "release")),
        5: repo,
        6: ref,
    }
    return Identity("uri", f"{server}/{job_ref}", ext, legacy)


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    issuer = str(claims["iss"])
    if issuer == GITLAB_ISSUER or "ci_config_ref_uri" in claims:  # gitlab.com or self-managed
        return _gitlab(claims, issuer.rstrip("/"))
    if issuer == GITHUB_ISSUER:
        return _github(claims)
    if "email" in claims:
        return Identity("email", str(claims["email"]), {8: issuer}, {1: issuer})
    subject = str(claims["sub"])
    if "://" in subject:
        return Identity("uri", subject, {8: issuer}, {1: issuer})
    raise ClaimError("token has neither an email claim nor a URI subject")
