"""CredentialLookup: which settings give credentials for which URL (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainproof.index.credentials import (
    CredentialLookup,
    IndexCredentials,
    credentials_in_url,
    uv_index_env_name,
)
from tests.index.conftest import MakeLookup

SECRET = "s3cret-t0ken"
HOST = "http://127.0.0.1:8080"


def _found(lookup: CredentialLookup, url: str) -> tuple[str, str, str] | None:
    found = lookup.for_url(url)
    return None if found is None else (found.username, found.password, found.source)


def test_nothing_configured_gives_nothing(
    clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    assert make_lookup(clean_env).for_url(f"{HOST}/simple/demo/") is None


def test_userinfo_in_the_url_is_percent_decoded() -> None:
    found = credentials_in_url("https://me%40corp:p%3Ass@127.0.0.1/simple/")
    assert found == IndexCredentials("me@corp", "p:ss", "the URL")
    assert credentials_in_url("https://__token__@127.0.0.1/") == IndexCredentials(
        "__token__", "", "the URL"
    )
    assert credentials_in_url("https://127.0.0.1/simple/") is None


@pytest.mark.parametrize(
    ("asked", "matches"),
    [
        (f"{HOST}/simple/demo/", True),
        (f"{HOST}/simple", True),
        ("http://127.0.0.1:8080/simple/demo/", True),
        ("HTTP://127.0.0.1:8080/simple/demo/", True),
        (f"{HOST}/simplex/demo/", False),  # a prefix on "/" boundaries only
        (f"{HOST}/other/demo/", False),
        ("http://127.0.0.1:8081/simple/demo/", False),
        ("https://127.0.0.1:8080/simple/demo/", False),
        ("http://127.0.0.2:8080/simple/demo/", False),
    ],
)
def test_a_configured_url_matches_scheme_host_port_and_path_prefix(
    clean_env: dict[str, str], make_lookup: MakeLookup, asked: str, matches: bool
) -> None:
    env = {**clean_env, "PIP_INDEX_URL": f"http://alice:{SECRET}@127.0.0.1:8080/simple/"}
    expected = ("alice", SECRET, "PIP_INDEX_URL") if matches else None
    assert _found(make_lookup(env), asked) == expected


def test_default_ports_are_the_same_port(
    clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    env = {**clean_env, "PIP_INDEX_URL": f"https://alice:{SECRET}@127.0.0.1:443/simple"}
    assert _found(make_lookup(env), "https://127.0.0.1/simple/demo/") == (
        "alice",
        SECRET,
        "PIP_INDEX_URL",
    )


def test_the_longest_configured_path_wins(
    clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    env = {
        **clean_env,
        "PIP_INDEX_URL": "http://root:a@127.0.0.1:8080/",
        "PIP_EXTRA_INDEX_URL": "http://team:b@127.0.0.1:8080/team/simple http://x:c@127.0.0.1:8080/team",
    }
    lookup = make_lookup(env)
    assert _found(lookup, f"{HOST}/team/simple/demo/") == ("team", "b", "PIP_EXTRA_INDEX_URL")
    assert _found(lookup, f"{HOST}/team/files/x.whl") == ("x", "c", "PIP_EXTRA_INDEX_URL")
    assert _found(lookup, f"{HOST}/simple/demo/") == ("root", "a", "PIP_INDEX_URL")


def test_pip_config_files_in_pips_order(
    tmp_path: Path, home: Path, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    def conf(path: Path, section: str, user: str, key: str = "index-url") -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"[{section}]\n{key} = http://{user}:pw@127.0.0.1:8080/{user}/\n")
        return path

    user = conf(home / ".config" / "pip" / "pip.conf", "global", "user")
    legacy = conf(home / ".pip" / "pip.conf", "install", "legacy", "extra_index_url")
    xdg = conf(tmp_path / "etc-xdg" / "pip" / "pip.conf", "global", "xdg")
    etc = conf(tmp_path / "etc" / "pip.conf", "global", "etc")
    site = conf(tmp_path / "prefix" / "pip.conf", "global", "site")
    conf(tmp_path / "prefix" / "other.conf", "freeze", "ignored")  # not a section pip installs by
    chosen = conf(tmp_path / "chosen.conf", "global", "chosen")
    lookup = make_lookup(clean_env)
    for path, name in [
        (user, "user"),
        (legacy, "legacy"),
        (xdg, "xdg"),
        (etc, "etc"),
        (site, "site"),
    ]:
        assert _found(lookup, f"{HOST}/{name}/demo/") == (name, "pw", f"pip config {path}")
    # PIP_CONFIG_FILE naming a file: pip then skips the user's files
    lookup = make_lookup({**clean_env, "PIP_CONFIG_FILE": str(chosen)})
    assert _found(lookup, f"{HOST}/chosen/demo/") == ("chosen", "pw", f"pip config {chosen}")
    assert lookup.for_url(f"{HOST}/user/demo/") is None
    assert lookup.for_url(f"{HOST}/etc/demo/") is not None


def test_a_broken_settings_file_is_skipped(
    home: Path, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text("index-url = no section\n")
    (home / ".config" / "uv").mkdir(parents=True)
    (home / ".config" / "uv" / "uv.toml").write_text("[[index]\n")
    (home / ".netrc").write_text("machine\n")
    assert make_lookup(clean_env).for_url(f"{HOST}/simple/") is None


def test_uv_environment(clean_env: dict[str, str], make_lookup: MakeLookup) -> None:
    env = {
        **clean_env,
        "UV_INDEX_URL": "http://a:1@127.0.0.1:8080/a",
        "UV_EXTRA_INDEX_URL": "http://b:2@127.0.0.1:8080/b http://c:3@127.0.0.1:8080/c",
        "UV_DEFAULT_INDEX": "http://d:4@127.0.0.1:8080/d",
        "UV_INDEX": "Corp.Internal=http://127.0.0.1:8080/corp plain=http://e:5@127.0.0.1:8080/e",
        "UV_INDEX_CORP_INTERNAL_USERNAME": "carol",
        "UV_INDEX_CORP_INTERNAL_PASSWORD": SECRET,
        "UV_INDEX_PLAIN_PASSWORD": "6",  # replaces the URL's password, keeps its user
    }
    lookup = make_lookup(env)
    assert _found(lookup, f"{HOST}/a/x/") == ("a", "1", "UV_INDEX_URL")
    assert _found(lookup, f"{HOST}/c/x/") == ("c", "3", "UV_EXTRA_INDEX_URL")
    assert _found(lookup, f"{HOST}/d/x/") == ("d", "4", "UV_DEFAULT_INDEX")
    assert _found(lookup, f"{HOST}/corp/x/") == (
        "carol",
        SECRET,
        "UV_INDEX_CORP_INTERNAL_USERNAME/_PASSWORD",
    )
    assert _found(lookup, f"{HOST}/e/x/") == ("e", "6", "UV_INDEX_PLAIN_USERNAME/_PASSWORD")


def test_uv_index_env_name() -> None:
    assert uv_index_env_name("my-index.v2") == "MY_INDEX_V2"
    assert uv_index_env_name("Corp") == "CORP"


def test_uv_files_and_the_projects_own_indexes(
    tmp_path: Path, home: Path, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    (home / ".config" / "uv").mkdir(parents=True)
    (home / ".config" / "uv" / "uv.toml").write_text(
        'index-url = "http://u:1@127.0.0.1:8080/user"\n'
        '[pip]\nextra-index-url = ["http://p:2@127.0.0.1:8080/pip"]\n'
    )
    (tmp_path / "etc" / "uv").mkdir(parents=True)
    (tmp_path / "etc" / "uv" / "uv.toml").write_text(
        '[[index]]\nurl = "http://s:3@127.0.0.1:8080/system"\n'
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\n[[tool.uv.index]]\nname = "team"\nurl = "http://127.0.0.1:8080/team"\n'
    )
    env = {**clean_env, "UV_INDEX_TEAM_USERNAME": "tom", "UV_INDEX_TEAM_PASSWORD": SECRET}
    lookup = make_lookup(env, project)
    assert _found(lookup, f"{HOST}/team/x/") == ("tom", SECRET, "UV_INDEX_TEAM_USERNAME/_PASSWORD")
    user_file = home / ".config" / "uv" / "uv.toml"
    assert _found(lookup, f"{HOST}/user/x/") == ("u", "1", f"uv config {user_file}")
    assert _found(lookup, f"{HOST}/pip/x/") == ("p", "2", f"uv config {user_file}")
    system_file = tmp_path / "etc" / "uv" / "uv.toml"
    assert _found(lookup, f"{HOST}/system/x/") == ("s", "3", f"uv config {system_file}")
    # without the project, its indexes are not known
    assert make_lookup(env).for_url(f"{HOST}/team/x/") is None
    # a project's uv.toml replaces its pyproject.toml's [tool.uv]
    (project / "uv.toml").write_text('[[index]]\nurl = "http://v:4@127.0.0.1:8080/uvtoml"\n')
    lookup = make_lookup(env, project)
    assert lookup.for_url(f"{HOST}/team/x/") is None
    assert _found(lookup, f"{HOST}/uvtoml/x/") == ("v", "4", f"uv config {project / 'uv.toml'}")


def test_netrc(home: Path, clean_env: dict[str, str], make_lookup: MakeLookup) -> None:
    (home / ".netrc").write_text(
        f"machine 127.0.0.1 login alice password {SECRET}\ndefault login anon password guest\n"
    )
    lookup = make_lookup(clean_env)
    netrc = f"netrc {home / '.netrc'}"
    assert _found(lookup, f"{HOST}/simple/") == ("alice", SECRET, netrc)
    assert _found(lookup, "https://127.0.0.9/simple/") == ("anon", "guest", netrc)
    # NETRC names another file
    other = home / "other-netrc"
    other.write_text("machine 127.0.0.1 login bob password pw\n")
    assert _found(make_lookup({**clean_env, "NETRC": str(other)}), f"{HOST}/x/") == (
        "bob",
        "pw",
        f"netrc {other}",
    )


def test_configured_credentials_come_before_netrc(
    home: Path, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    (home / ".netrc").write_text("machine 127.0.0.1 login n password n\n")
    env = {**clean_env, "PIP_INDEX_URL": "http://p:p@127.0.0.1:8080/simple"}
    lookup = make_lookup(env)
    assert _found(lookup, f"{HOST}/simple/x/") == ("p", "p", "PIP_INDEX_URL")
    assert _found(lookup, "http://u:u@127.0.0.1:8080/simple/x/") == ("u", "u", "the URL")
    assert _found(lookup, f"{HOST}/elsewhere/") == ("n", "n", f"netrc {home / '.netrc'}")


def test_no_secret_in_any_repr(
    home: Path, clean_env: dict[str, str], make_lookup: MakeLookup
) -> None:
    (home / ".netrc").write_text(f"machine 127.0.0.1 login alice password {SECRET}\n")
    env = {
        **clean_env,
        "PIP_INDEX_URL": f"http://alice:{SECRET}@127.0.0.1:8080/simple",
        "UV_INDEX": "corp=http://127.0.0.1:8080/corp",
        "UV_INDEX_CORP_PASSWORD": SECRET,
    }
    lookup = make_lookup(env)
    found = [lookup.for_url(f"{HOST}/{path}/") for path in ("simple", "corp", "netrc")]
    assert all(found)
    assert SECRET not in repr(lookup)
    assert SECRET not in repr(found)
    assert "alice" not in repr(found)
    assert [str(f) for f in found] == [repr(f) for f in found]


def test_the_default_home_and_env(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Without arguments the lookup reads os.environ and its HOME."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NETRC", str(home / "n"))
    (home / "n").write_text("machine 127.0.0.1 login x password y\n")
    found = CredentialLookup.from_settings().for_url(f"{HOST}/")
    assert found is not None
    assert (found.username, found.password) == ("x", "y")
