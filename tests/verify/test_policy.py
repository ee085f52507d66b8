"""Policy from file + flags: merging, validation, and never "allow all"."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainproof.errors import InputError, UsageError
from chainproof.formats.deploy_policy import GITHUB_ISSUER, load_policy


def write(tmp_path: Path, body: str, name: str = "chainproof.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_file_values_and_relative_paths(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[verify]\ngitlab = "group/sub/project"\nref = "refs/tags/v1"\n'
        'require = ["provenance", "sbom"]\ntrusted-root = "root.json"\n',
    )
    policy = load_policy({}, path)
    assert policy.issuer == "https://gitlab.com"
    assert policy.repository_uri == "https://gitlab.com/group/sub/project"
    assert policy.require == frozenset({"provenance", "sbom"})
    assert policy.trusted_root == tmp_path / "root.json"
    assert policy.origin == path


def test_search_dir_finds_chainproof_toml_then_pyproject(tmp_path: Path) -> None:
    write(tmp_path, '[tool.chainproof.verify]\ngithub = "o/r"\n', "pyproject.toml")
    assert load_policy({}, search_dir=tmp_path).github == "o/r"
    write(tmp_path, '[verify]\ngithub = "o/other"\n')
    assert load_policy({}, search_dir=tmp_path).github == "o/other"


def test_flags_override_whole_groups(tmp_path: Path) -> None:
    path = write(
        tmp_path, f'[verify]\nidentity = "https://x"\nissuer = "{GITHUB_ISSUER}"\nstaging = true\n'
    )
    regex = r"https://github\.com/o/r/.*"
    policy = load_policy({"identity-regex": regex, "trust-config": Path("tc.json")}, path)
    assert policy.identity is None
    assert policy.identity_regex == regex
    assert policy.staging is False
    assert policy.trust_config == Path("tc.json")
    gitlab = load_policy({"gitlab": "g/p"}, write(tmp_path, '[verify]\ngithub = "o/r"\n'))
    assert gitlab.github is None
    assert gitlab.gitlab == "g/p"


def test_builder_id_requires_provenance(tmp_path: Path) -> None:
    policy = load_policy({"github": "o/r", "builder-id": "https://b"}, search_dir=tmp_path)
    assert "provenance" in policy.require


def test_self_hosted_gitlab_issuer(tmp_path: Path) -> None:
    policy = load_policy(
        {"gitlab": "g/p", "issuer": "https://gitlab.example.com/"}, search_dir=tmp_path
    )
    assert policy.repository_uri == "https://gitlab.example.com/g/p"


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        ('[verify]\nstaging = "yes"\ngithub = "o/r"\n', InputError, "true or false"),
        ('[verify]\nrequire = 3\ngithub = "o/r"\n', InputError, "list of strings"),
        ('[verify]\ngithub = ""\n', InputError, "non-empty"),
        ("[verify]\nunknown = 1\n", InputError, "Unknown key"),
        ("[verify]\n", InputError, "no [verify] settings"),
        ('[audit]\nfail-on = "high"\n', InputError, "no [verify] settings"),
        (
            '[verify]\ngithub = "o/r"\ntrusted-root = "a"\ntrust-config = "b"\n',
            UsageError,
            "contradictory",
        ),
        (
            '[verify]\ngitlab = "g/p"\nidentity = "https://gitlab.com/g/other//.gitlab-ci.yml@x"\n',
            UsageError,
            "contradictory",
        ),
        (
            '[verify]\ngitlab = "g/p"\nref = "refs/heads/main"\n'
            'identity = "https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/dev"\n',
            UsageError,
            "contradictory",
        ),
        ('[verify]\ngithub = "not a repo"\n', UsageError, "OWNER/REPO"),
        (
            '[verify]\nidentity-regex = "(("\nissuer = "https://i"\n',
            UsageError,
            "regular expression",
        ),
    ],
)
def test_bad_policies(tmp_path: Path, body: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_policy({}, write(tmp_path, body))


def test_flags_alone_without_signer_are_empty(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="empty"):
        load_policy(
            {"ref": "refs/heads/main", "require": "provenance", "offline": True},
            search_dir=tmp_path,
        )


def test_environment_sits_between_flags_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[verify]\ngithub = "o/file"\nref = "refs/heads/main"\n')
    monkeypatch.setenv("CHAINPROOF_VERIFY_GITHUB", "o/env")
    monkeypatch.setenv("CHAINPROOF_VERIFY_OFFLINE", "true")
    monkeypatch.setenv("CHAINPROOF_VERIFY_REQUIRE", "provenance,sbom")
    policy = load_policy({}, path)
    assert policy.github == "o/env"
    assert policy.offline is True
    assert policy.require == frozenset({"provenance", "sbom"})
    assert policy.ref == "refs/heads/main"
    assert load_policy({"github": "o/flag"}, path).github == "o/flag"
    monkeypatch.setenv("CHAINPROOF_VERIFY_STAGING", "maybe")
    with pytest.raises(InputError, match="CHAINPROOF_VERIFY_STAGING"):
        load_policy({}, path)
