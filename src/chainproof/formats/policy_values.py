"""Single values of the deploy policy, checked one by one (formats.deploy_policy checks the
policy as a whole): durations, GitHub issuers, identity regexes that would accept anyone."""

from __future__ import annotations

import re
from datetime import timedelta

from chainproof.errors import UsageError

__all__ = [
    "GITHUB_ISSUER",
    "GITLAB_ISSUER",
    "github_issuer_problem",
    "parse_duration",
    "refuse_open_regex",
]

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
# GitHub Enterprise Cloud with a unique issuer URL: one path segment, the enterprise's slug
_GITHUB_ENTERPRISE_ISSUER = re.compile(re.escape(GITHUB_ISSUER) + r"/[A-Za-z0-9][A-Za-z0-9_-]*")
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``1w 2d``: numbers with a unit (s, m, h, d, w); else UsageError."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise UsageError(
            f"--max-age must be a duration such as 30d, 12h or 90m, not {text!r}.",
            hint="Units: s, m, h, d, w.",
        )
    return timedelta(seconds=sum(int(n) * _UNITS[unit] for n, unit in parts))


def github_issuer_problem(issuer: str) -> str | None:
    """Why ``issuer`` is no GitHub Actions issuer: github.com's, or an enterprise's
    ``https://token.actions.githubusercontent.com/<slug>`` (None when it is one)."""
    if issuer == GITHUB_ISSUER or _GITHUB_ENTERPRISE_ISSUER.fullmatch(issuer):
        return None
    return f"github implies issuer {GITHUB_ISSUER} (or {GITHUB_ISSUER}/<enterprise>), not {issuer}"


_PROBE = "chainproof-unrelated-7f3a"  # an owner, project and user no policy names


def _probe_identities(issuer: str | None) -> list[str]:
    """SANs of signers that no policy means to trust: an unrelated repository's workflows on
    GitHub, on GitLab (also at the issuer's host, for self-managed GitLab), e-mail addresses."""
    hosts = {"https://github.com", "https://gitlab.com", (issuer or "https://x").rstrip("/")}
    refs = ("refs/heads/main", "refs/tags/v1.0.0", f"refs/heads/{_PROBE}")
    owner = f"{_PROBE}/{_PROBE}"
    sans = [f"{_PROBE}@{_PROBE}.example", f"{_PROBE}@gmail.com"]
    for host in sorted(hosts):
        for ref in refs:
            sans.append(f"{host}/{owner}//.gitlab-ci.yml@{ref}")
            for workflow in ("release.yml", "publish.yml", f"{_PROBE}.yml"):
                sans.append(f"{host}/{owner}/.github/workflows/{workflow}@{ref}")
    return sans


def refuse_open_regex(pattern: re.Pattern[str], issuer: str | None) -> None:
    """An identity regex is the whole signer check unless --gitlab/--github/--source-uri pin
    the repository: one that matches an unrelated project's identity would accept anyone."""
    matched = next((san for san in _probe_identities(issuer) if pattern.fullmatch(san)), None)
    if matched is not None:
        raise UsageError(
            f"--identity-regex {pattern.pattern!r} would accept anyone: it matches {matched!r}.",
            hint="Spell the owner and project out in the regex, or add --gitlab/--github/"
            "--source-uri to pin the repository.",
        )
