"""Identity token discovery and the checks made before Fulcio is contacted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest

from chainproof.errors import InputError, UsageError
from chainproof.signing.tokens import FoundToken, check_token, find_token
from tests.sigstore_local import LocalSigstore

_ENV = (
    "GITLAB_CI",
    "GITHUB_ACTIONS",
    "SIGSTORE_ID_TOKEN",
    "CHAINPROOF_IDENTITY_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "BUILDKITE",
    "CIRCLECI",
)


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


def _no_browser() -> str:
    raise AssertionError("the browser flow must not start")


def _found(raw: str) -> FoundToken:
    return FoundToken(raw, "test")


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


def test_valid_token_claims(local_sigstore: LocalSigstore) -> None:
    claims = check_token(_found(local_sigstore.gitlab_token(project="a/b")))
    assert claims["project_path"] == "a/b"
    assert claims["aud"] == "sigstore"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exp": 1_000_000_000}, "expired at 2001-09-09 01:46:40 UTC"),
        ({"aud": "other"}, "is for audience other, but Sigstore needs 'sigstore'"),
        ({"aud": ["a", "b"]}, "is for audience a, b"),
        ({"nbf": 4_000_000_000}, "is not valid before 2096-10-02"),
        ({"exp": "soon"}, "has a malformed time"),
    ],
)
def test_token_refused(change: dict[str, Any], message: str) -> None:
    now = int(time.time())
    claims = {
        "iss": "https://gitlab.com",
        "sub": "x",
        "aud": "sigstore",
        "iat": now,
        "exp": now + 60,
        **change,
    }
    with pytest.raises(InputError, match=message):
        check_token(_found(_unsigned(claims)))


def test_token_missing_claims_or_malformed() -> None:
    with pytest.raises(InputError, match="lacks the claim\\(s\\) sub, exp"):
        check_token(_found(_unsigned({"iss": "i", "aud": "sigstore", "iat": 1})))
    with pytest.raises(InputError, match="is not a valid JWT"):
        check_token(_found("a.b"))


def test_discovery_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", "from-sigstore-env")
    monkeypatch.setenv("CHAINPROOF_IDENTITY_TOKEN", "from-chainproof-env")
    found = find_token(" flag ", interactive=False, oidc_url=_no_browser)
    assert found == FoundToken("flag", "--identity-token")
    found = find_token(None, interactive=False, oidc_url=_no_browser)
    assert found == FoundToken("from-chainproof-env", "CHAINPROOF_IDENTITY_TOKEN")
    monkeypatch.delenv("CHAINPROOF_IDENTITY_TOKEN")
    found = find_token(None, interactive=False, oidc_url=_no_browser)
    assert found == FoundToken("from-sigstore-env", "SIGSTORE_ID_TOKEN")
    monkeypatch.delenv("SIGSTORE_ID_TOKEN")
    with pytest.raises(UsageError, match="No identity token"):
        find_token(None, interactive=False, oidc_url=_no_browser)


def test_gitlab_job_without_id_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    with pytest.raises(InputError, match="SIGSTORE_ID_TOKEN not found"):
        find_token(None, interactive=False, oidc_url=_no_browser)


@pytest.fixture
def actions_token_service(local_sigstore: LocalSigstore) -> Iterator[tuple[str, list[str]]]:
    """GitHub Actions' token request endpoint, on 127.0.0.1; records the requested paths."""
    paths: list[str] = []
    token = local_sigstore.github_token()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            paths.append(self.path)
            body = json.dumps({"value": token}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token?x=1", paths
    server.shutdown()
    server.server_close()


def test_github_actions_ambient_credentials(
    monkeypatch: pytest.MonkeyPatch, actions_token_service: tuple[str, list[str]]
) -> None:
    url, paths = actions_token_service
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", url)
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token")
    found = find_token(None, interactive=False, oidc_url=_no_browser)
    assert found.origin == "the CI's ambient credentials"
    assert check_token(found)["iss"] == "https://token.actions.githubusercontent.com"
    assert len(paths) == 1
    assert "audience=sigstore" in paths[0]
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    with pytest.raises(InputError, match="insufficient OIDC token permissions") as info:
        find_token(None, interactive=False, oidc_url=_no_browser)
    assert "id-token: write" in str(info.value.hint)


@pytest.mark.parametrize("empty", ["", "  "])
def test_empty_flag_is_not_the_environments_token(
    monkeypatch: pytest.MonkeyPatch, empty: str
) -> None:
    """`--identity-token "$UNSET"` must not sign with whatever identity the environment has."""
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", "from-sigstore-env")
    with pytest.raises(UsageError, match="--identity-token is empty"):
        find_token(empty, interactive=False, oidc_url=_no_browser)
