"""The deploy policy: who must have signed, from which repository, ref and builder.

A policy comes from a file (``--policy FILE``, else ``chainproof.toml`` / ``[tool.chainproof]``
in the working directory, table ``verify``), ``CHAINPROOF_VERIFY_<KEY>`` variables and flags;
a flag replaces the environment's and the file's value, a variable the file's, and a value of
one *group* replaces the whole group below it (``identity``/``identity-regex``;
``gitlab``/``github``; ``trusted-root``/``trust-config``/``staging``), so a deploy job can switch
from an exact SAN to a regex without editing the file.

The result is validated as a whole: an empty policy, an unknown key, a value of the wrong type
or a contradictory combination raises a UsageError/InputError (exit 2). Never "allow all".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from chainproof.config import env_setting, load_section, setting
from chainproof.errors import InputError, UsageError
from chainproof.formats.policy_values import (
    GITHUB_ISSUER,
    GITLAB_ISSUER,
    github_issuer_problem,
    parse_duration,
    refuse_open_regex,
)
from chainproof.formats.schema import load_schema, validate

__all__ = [
    "GITHUB_ISSUER",
    "GITLAB_ISSUER",
    "POLICY_KEYS",
    "REQUIREMENTS",
    "Policy",
    "load_policy",
    "policy_configured",
    "policy_file",
]

REQUIREMENTS = ("provenance", "sbom")

_STR, _BOOL, _PATH, _LIST = "a string", "true or false", "a file path", "a list of strings"


def _policy_keys() -> dict[str, str]:
    """Every key of formats/schemas/policy.schema.json, with the kind of value a flag or a
    variable gives it: a boolean, a list, a ``#/$defs/path`` (relative to the policy file)."""
    kinds = {}
    for key, node in load_schema("policy")["properties"].items():
        types = node.get("type", [])
        types = [types] if isinstance(types, str) else types
        if "boolean" in types:
            kinds[key] = _BOOL
        elif "array" in types:
            kinds[key] = _LIST
        else:
            kinds[key] = _PATH if node.get("$ref") == "#/$defs/path" else _STR
    return kinds


POLICY_KEYS: dict[str, str] = _policy_keys()
_TRUST_ROOT = ("trusted-root", "trust-config", "staging")
_GROUPS = (("identity", "identity-regex"), ("gitlab", "github"), _TRUST_ROOT)
_GITLAB_PROJECT = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+")
_GITHUB_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Policy:
    """A validated policy. ``issuer`` is the effective issuer (implied by --gitlab/--github)."""

    identity: str | None = None
    identity_regex: str | None = None
    issuer: str | None = None
    gitlab: str | None = None
    github: str | None = None
    ref: str | None = None
    source_uri: str | None = None
    builder_id: str | None = None
    min_version: str | None = None
    max_age: str | None = None
    require: frozenset[str] = field(default_factory=frozenset)
    trusted_root: Path | None = None
    trust_config: Path | None = None
    staging: bool = False
    offline: bool = False
    key: Path | None = None
    layout: Path | None = None
    layout_key: Path | None = None
    links: Path | None = None
    origin: Path | None = None  # the policy file, if any

    @property
    def has_signer(self) -> bool:
        """Does the policy say who must have signed (an OIDC identity or a managed key)?"""
        return any((self.identity, self.identity_regex, self.gitlab, self.github, self.key))

    @property
    def checks_provenance(self) -> bool:
        """Does the policy ask what a provenance says (required, or a repository, ref,
        source, builder or age to compare)? Otherwise an identity is the whole policy: a
        provenance's predicate is shown, not judged."""
        return bool(
            self.key  # a key has no certificate: what it signed says where the build came from
            or "provenance" in self.require
            or self.repository_uri
            or self.ref
            or self.source_uri
            or self.builder_id
            or self.max_age
        )

    @property
    def max_age_delta(self) -> timedelta | None:
        return None if self.max_age is None else parse_duration(self.max_age)

    @property
    def repository_uri(self) -> str | None:
        """The source repository URI implied by --gitlab/--github."""
        if self.github is not None:
            return f"https://github.com/{self.github}"
        if self.gitlab is not None:
            return f"{(self.issuer or GITLAB_ISSUER).rstrip('/')}/{self.gitlab}"
        return None

    @property
    def expected_source(self) -> str | None:
        return self.source_uri or self.repository_uri

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in POLICY_KEYS:
            value = getattr(self, key.replace("-", "_"))
            if value in (None, False) or value == frozenset():
                continue
            data[key] = (
                sorted(value)
                if isinstance(value, frozenset)
                else (str(value) if isinstance(value, Path) else value)
            )
        return data


def _value(key: str, value: Any, base: Path | None) -> Any:
    """A value of the right type as the policy holds it: text stripped, a list split at commas
    (when one string) and stripped, a path relative to ``base``."""
    kind = POLICY_KEYS[key]
    if kind == _BOOL:
        return value
    if kind == _LIST:
        items = value.split(",") if isinstance(value, str) else value
        return [i.strip() for i in items if i.strip()]
    if kind == _PATH:
        path = Path(value).expanduser()
        return path if base is None or path.is_absolute() else base / path
    return value.strip()


def _typed(key: str, value: Any, where: str) -> Any:
    """A flag's, variable's or default's value, checked here (the file's by its schema)."""
    kind = POLICY_KEYS[key]
    if kind == _PATH and isinstance(value, Path):
        value = str(value)
    if kind == _BOOL:
        if not isinstance(value, bool):
            raise InputError(f"{key} in {where} must be {kind}, not {value!r}.")
    elif kind == _LIST:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InputError(f"{key} in {where} must be {kind}, not {value!r}.")
    elif not isinstance(value, str) or not value.strip():
        raise InputError(f"{key} in {where} must be a non-empty string, not {value!r}.")
    return _value(key, value, None)


def _merge(file_values: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    merged = dict(file_values)
    for group in _GROUPS:
        if any(flags.get(k) not in (None, False) for k in group):
            for key in group:
                merged.pop(key, None)
    merged.update({k: v for k, v in flags.items() if v not in (None, False)})
    return merged


def _from_environment() -> dict[str, Any]:
    """``CHAINPROOF_VERIFY_<KEY>`` variables (e.g. CHAINPROOF_VERIFY_IDENTITY_REGEX)."""
    values: dict[str, Any] = {}
    for key, kind in POLICY_KEYS.items():
        raw = env_setting(f"verify_{key}")
        if raw is None:
            continue
        if kind == _BOOL:
            if raw.lower() not in ("1", "true", "yes", "0", "false", "no"):
                name = f"CHAINPROOF_VERIFY_{key.upper().replace('-', '_')}"
                raise InputError(f"{name} must be true or false, not {raw!r}.")
            values[key] = raw.lower() in ("1", "true", "yes")
        else:
            values[key] = raw
    return values


def _contradiction(message: str) -> UsageError:
    return UsageError(f"The verify policy is contradictory: {message}.")


def _build(values: dict[str, Any], origin: Path | None) -> Policy:
    def get(key: str) -> Any:
        return values.get(key)

    for group in (("identity", "identity-regex"), ("gitlab", "github")):
        present = [k for k in group if get(k)]
        if len(present) > 1:
            raise _contradiction(" and ".join(present) + " cannot both be set")
    roots = [k for k in _TRUST_ROOT if get(k)]
    if len(roots) > 1:
        raise _contradiction(" and ".join(roots) + " each choose a trusted root; pick one")
    identity_keys = [
        k for k in ("identity", "identity-regex", "gitlab", "github", "issuer") if get(k)
    ]
    if get("key") and identity_keys:
        raise _contradiction(f"key (a managed key has no OIDC identity) and {identity_keys[0]}")
    signer = any(get(k) for k in ("identity", "identity-regex", "gitlab", "github", "key"))
    if (get("layout-key") or get("links")) and not get("layout"):
        raise UsageError("--layout-key and --links belong to --layout (an in-toto layout).")
    if get("layout") and not get("layout-key"):
        raise UsageError("--layout needs --layout-key: the public key of the layout's owner.")
    if get("layout") and not signer:
        needs = [k for k in ("require", "builder-id", "ref", "source-uri", "issuer") if get(k)]
        if needs:
            raise UsageError(
                f"{needs[0]} checks what a signer signed, and a layout alone names no signer.",
                hint="Add --identity/--identity-regex with --issuer, --gitlab, --github or --key.",
            )
    if not signer and not get("layout"):
        raise UsageError(
            "The verify policy is empty: it names no signer, so it would accept anyone.",
            hint="Give --identity/--identity-regex with --issuer, --gitlab GROUP/PROJECT, "
            "--github OWNER/REPO or --key PUBKEY, or set them in [verify] of the policy file.",
        )
    # (offline is no contradiction: a key or a layout never uses the network anyway)
    sigstore_keys = [k for k in _TRUST_ROOT if get(k)]
    if sigstore_keys and not signer:  # (a key uses one for its bundles' log entries)
        raise _contradiction(
            f"{sigstore_keys[0]} chooses a Sigstore root; an in-toto layout alone uses none"
        )
    issuer = get("issuer")
    if get("github"):
        if not _GITHUB_REPO.fullmatch(get("github")):
            raise UsageError(f"--github must be OWNER/REPO, not {get('github')!r}.")
        problem = None if issuer is None else github_issuer_problem(issuer)
        if problem is not None:
            raise _contradiction(problem)
        issuer = issuer or GITHUB_ISSUER
    if get("gitlab"):
        if not _GITLAB_PROJECT.fullmatch(get("gitlab")):
            raise UsageError(f"--gitlab must be GROUP/PROJECT, not {get('gitlab')!r}.")
        if issuer is not None and github_issuer_problem(issuer) is None:
            raise _contradiction(f"gitlab with issuer {GITHUB_ISSUER}, which is GitHub's")
        issuer = issuer or GITLAB_ISSUER
    if (get("identity") or get("identity-regex")) and issuer is None:
        raise UsageError(
            "An --identity or --identity-regex needs the --issuer that vouches for it.",
            hint="e.g. --issuer https://token.actions.githubusercontent.com",
        )
    if get("identity-regex"):
        try:
            pattern = re.compile(get("identity-regex"))
        except re.error as exc:
            raise UsageError(f"--identity-regex is not a valid regular expression: {exc}.") from exc
        if not (get("gitlab") or get("github") or get("source-uri")):
            refuse_open_regex(pattern, issuer)
    ref = get("ref")
    if ref is not None and not ref.startswith("refs/"):
        raise UsageError(
            f"--ref must be a full git ref, not {ref!r}.",
            hint="e.g. refs/heads/main or refs/tags/v1.2.0",
        )
    require = set(get("require") or [])
    unknown = sorted(require - set(REQUIREMENTS))
    if unknown:
        raise UsageError(
            f"Unknown requirement {unknown[0]!r}; --require takes {', '.join(REQUIREMENTS)}."
        )
    if get("min-version"):
        try:
            Version(get("min-version"))
        except InvalidVersion as exc:
            raise UsageError(
                f"--min-version must be a PEP 440 version, not {get('min-version')!r}."
            ) from exc
    if get("max-age"):
        parse_duration(get("max-age"))
    if get("builder-id") or get("max-age"):
        # the builder id and the build's end live only in the provenance
        require.add("provenance")
    policy = Policy(
        identity=get("identity"),
        identity_regex=get("identity-regex"),
        issuer=issuer,
        gitlab=get("gitlab"),
        github=get("github"),
        ref=ref,
        source_uri=get("source-uri").rstrip("/") if get("source-uri") else None,
        builder_id=get("builder-id"),
        min_version=get("min-version"),
        max_age=get("max-age"),
        require=frozenset(require),
        trusted_root=get("trusted-root"),
        trust_config=get("trust-config"),
        staging=bool(get("staging")),
        offline=bool(get("offline")),
        key=get("key"),
        layout=get("layout"),
        layout_key=get("layout-key"),
        links=get("links") or (get("layout").parent if get("layout") else None),
        origin=origin,
    )
    repository = policy.repository_uri
    if repository and policy.source_uri and policy.source_uri != repository:
        raise _contradiction(f"source-uri {policy.source_uri} is not {repository}")
    if policy.gitlab and policy.identity:
        if not policy.identity.startswith(f"{repository}//"):
            raise _contradiction(f"identity {policy.identity} is not a pipeline of {repository}")
        if ref and not policy.identity.endswith(f"@{ref}"):
            raise _contradiction(f"identity {policy.identity} is not at ref {ref}")
    return policy


def policy_file(flag: Path | None) -> Path | None:
    """The explicit policy file: ``--policy``, else ``CHAINPROOF_VERIFY_POLICY``."""
    found = setting("policy", flag, env="verify_policy")
    return None if found is None else Path(found.value)


def policy_configured(policy_file: Path | None = None, search_dir: Path | None = None) -> bool:
    """Is there a deploy policy: an explicit file, a ``[verify]`` table found in ``search_dir``
    or a ``CHAINPROOF_VERIFY_<KEY>`` variable?"""
    return (
        policy_file is not None
        or bool(load_section("verify", None, search_dir)[0])
        or bool(_from_environment())
    )


def load_policy(
    flags: dict[str, Any],
    policy_file: Path | None = None,
    search_dir: Path | None = None,
    defaults: dict[str, Any] | None = None,
) -> Policy:
    """Merge ``flags``, then ``CHAINPROOF_VERIFY_<KEY>`` environment variables, then the policy
    file (explicit, or found in ``search_dir``), then ``defaults`` (trust-root defaults only
    for a Sigstore policy); each layer replaces the next (by group).

    ``flags`` and ``defaults`` use the file's key names (``identity-regex``, ...); None/False
    means unset.
    """
    table, origin = load_section("verify", policy_file, search_dir)
    if policy_file is not None and not table:
        raise InputError(
            f"The policy file {policy_file} has no [verify] settings "
            "(nor [tool.chainproof.verify]), so it would accept anyone."
        )
    if table:
        validate(table, "policy", f"[verify] of {origin}")
    base = origin.parent if origin else None
    file_values = {k: _value(k, v, base) for k, v in table.items()}
    flag_values = {k: _typed(k, v, "the flags") for k, v in flags.items() if v not in (None, False)}
    env_values = {k: _typed(k, v, "the environment") for k, v in _from_environment().items()}
    merged = _merge(_merge(file_values, env_values), flag_values)
    # a default only fills what applies: a managed key uses no Sigstore trust root
    skipped = _TRUST_ROOT if merged.get("key") else ()
    default_values = {
        k: _typed(k, v, "the defaults")
        for k, v in (defaults or {}).items()
        if v not in (None, False) and k not in skipped
    }
    return _build(_merge(default_values, merged), origin)
