"""Builder and invocation ids from the CI environment: GitLab CI first, GitHub Actions second,
else a local builder. Documented in docs/signing.md (verification policies match on them)."""

from __future__ import annotations

from collections.abc import Mapping

from chainproof.formats.intoto import RunDetails

__all__ = ["LOCAL_BUILDER_ID", "run_details"]

LOCAL_BUILDER_ID = "https://chainproof.dev/builders/local/v1"


def _gitlab(env: Mapping[str, str]) -> RunDetails | None:
    if env.get("GITLAB_CI") != "true":
        return None
    server = env.get("CI_SERVER_URL", "https://gitlab.com").rstrip("/")
    project = env.get("CI_PROJECT_PATH", "")
    runner = env.get("CI_RUNNER_ID", "")
    builder = f"{server}/{project}/-/runners/{runner}" if project and runner else server
    invocation = env.get("CI_JOB_URL") or (
        f"{server}/{project}/-/jobs/{env['CI_JOB_ID']}"
        if project and env.get("CI_JOB_ID")
        else None
    )
    return RunDetails(builder, invocation, "gitlab")


def _github(env: Mapping[str, str]) -> RunDetails | None:
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    workflow_ref = env.get("GITHUB_WORKFLOW_REF")  # owner/repo/.github/workflows/x.yml@ref
    builder = f"{server}/{workflow_ref}" if workflow_ref else f"{server}/actions/runner"
    repo, run = env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    invocation = None
    if repo and run:
        invocation = f"{server}/{repo}/actions/runs/{run}/attempts/"
        invocation += env.get("GITHUB_RUN_ATTEMPT", "1")
    return RunDetails(builder, invocation, "github")


def run_details(env: Mapping[str, str]) -> RunDetails:
    """The builder and invocation ids of the CI job ``env`` describes (else a local build)."""
    return _gitlab(env) or _github(env) or RunDetails(LOCAL_BUILDER_ID)
