"""A local Sigstore instance for tests: a Fulcio and a Rekor stand-in on 127.0.0.1.

The real sigstore-python client (and the upstream ``sigstore`` CLI) talk to it over HTTP with
a generated trust config; nothing of sigstore-python is mocked. Start one per test session
(the ``local_sigstore`` fixture in tests/conftest.py does) or use it as a context manager::

    with LocalSigstore() as sigstore:
        token = sigstore.gitlab_token(project="group/project", ref="refs/heads/main")
        # sign with --trust-config sigstore.trust_config --identity-token token
        # verify with: sigstore verify identity --offline --trust-config sigstore.trust_config
        #   --cert-identity https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main
        #   --cert-oidc-issuer https://gitlab.com FILE

API
- ``trust_config``: Path of a ClientTrustConfig JSON (``--trust-config`` for chainproof and the
  sigstore CLI; ``ClientTrustConfig.from_json``); ``trusted_root``: Path of the TrustedRoot
  alone (``--trusted-root``); ``fulcio_url``, ``rekor_url``: the two base URLs.
- ``token(issuer=..., subject=..., audience="sigstore", expires_in=600, claims=None)``: a JWT
  signed by the instance's OIDC key (Fulcio checks that signature, the audience and expiry).
  A negative ``expires_in`` gives an expired token. ``claims`` are merged last.
- ``gitlab_token(project, ref, server="https://gitlab.com", **kw)``: a GitLab CI ``id_tokens``
  token (``server`` another URL: a self-managed GitLab, its URL the issuer and the host
  below); the certificate gets SAN ``https://gitlab.com/<project>//.gitlab-ci.yml@<ref>``, issuer https://gitlab.com
  (1.1 raw, 1.8 UTF8String), source repository URI 1.12 ``https://gitlab.com/<project>``,
  digest 1.13 (the ``sha`` claim), ref 1.14, build config URI 1.18 (same as the SAN),
  runner environment 1.11, trigger 1.20, run invocation URI 1.21, and the rest of 1.9-1.22.
- ``github_token(repository, ref, workflow, **kw)``: a GitHub Actions token; SAN
  ``https://github.com/<repository>/<workflow>@<ref>``, issuer
  https://token.actions.githubusercontent.com, the legacy 1.2-1.6 and 1.9-1.22 extensions.
  Keyword arguments of both are forwarded to ``token`` (e.g. ``expires_in``, ``claims``).
- Any other issuer: an ``email`` claim becomes an email SAN, else a URI ``sub`` a URI SAN.
  GitLab/GitHub tokens missing their CI claims are refused (HTTP 400), as Fulcio does.
- ``unreachable_trust_config(fulcio=False, rekor=False)``: a ClientTrustConfig (same trusted
  root) whose Fulcio and/or Rekor URL points at a port that refuses connections.
- ``failing(service, count=1, status=503)``: a context manager; the next ``count`` requests
  to "fulcio" or "rekor" get HTTP ``status`` (transient outages, retries).
- ``LocalSigstore(latency=0.3)`` delays every answer (benchmarks against a remote service).
- ``verifier()``: a sigstore-python Verifier over the instance's trusted root;
  ``cli_verify(path, identity, issuer, bundle=None)``: the exit code of the upstream
  ``sigstore verify identity --offline`` over PATH (its ``.sigstore.json`` beside it, or BUNDLE).
- ``sign_with_key(key, data)``, ``attest_with_key(key, statement)``: managed-key bundles (a
  public key, no certificate), as ``cosign sign-blob --key`` / ``attest-blob --key`` write them.
- ``rekor_entries``: how many entries the log holds; ``stop()``; context manager.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tests.sigstore_local._claims import ClaimError, identity_from_claims
from tests.sigstore_local._fulcio import CertificateAuthority
from tests.sigstore_local._keyed import attest_with_key, sign_with_key
from tests.sigstore_local._rekor import EntryRejected, TransparencyLog
from tests.sigstore_local._trust import client_trust_config, trusted_root

if TYPE_CHECKING:
    from sigstore.verify import Verifier

__all__ = ["DEFAULT_SHA", "LocalSigstore"]

# The commit CI tokens name unless a test passes claims={"sha": ...}.
DEFAULT_SHA = "0123456789abcdef0123456789abcdef01234567"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output stays readable."""

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._answer(400, {"code": 400, "message": "body is not JSON"})
            return
        status, body = self.server.route(self.path, self.headers.get("Authorization", ""), request)
        self._answer(status, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: LocalSigstore, service: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner, self.service = owner, service

    def route(self, path: str, auth: str, request: Any) -> tuple[int, Any]:
        if self.owner.latency:
            time.sleep(self.owner.latency)
        failure = self.owner._take_failure(self.service)
        if failure is not None:
            return failure, {"code": failure, "message": f"{self.service} is failing on purpose"}
        if self.service == "fulcio" and path == "/api/v2/signingCert":
            return self.owner._signing_cert(auth, request)
        if self.service == "rekor" and path == "/api/v1/log/entries":
            try:
                return 201, self.owner._log.append(request)
            except EntryRejected as exc:
                return 400, {"code": 400, "message": str(exc)}
        return 404, {"code": 404, "message": f"no route {path}"}


class LocalSigstore:
    """Fulcio + Rekor stand-ins on 127.0.0.1, and the trust config that names them."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency  # seconds added to every answer (benchmarks: a remote service)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self._ca = CertificateAuthority(now)
        self._log = TransparencyLog()
        self._oidc_key = ec.generate_private_key(ec.SECP256R1())
        self._failures: dict[str, tuple[int, int]] = {}
        self._failures_lock = threading.Lock()
        self._servers = [_Server(self, "fulcio"), _Server(self, "rekor")]
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self.fulcio_url = f"http://127.0.0.1:{self._servers[0].server_address[1]}"
        self.rekor_url = f"http://127.0.0.1:{self._servers[1].server_address[1]}"
        # Bound but never listening: connections to it are refused, without a port race.
        self._dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._dead.bind(("127.0.0.1", 0))
        self._dead_url = f"http://127.0.0.1:{self._dead.getsockname()[1]}"
        self._dir = Path(tempfile.mkdtemp(prefix="sigstore-local-"))
        self._root = trusted_root(
            self._ca, self.fulcio_url, self.rekor_url, self._log.key, self._log.log_id
        )
        self.trusted_root = self._dir / "trusted_root.json"
        self.trusted_root.write_text(json.dumps(self._root, indent=2))
        self.trust_config = self._write_config("trust_config.json", self.fulcio_url, self.rekor_url)

    def _write_config(self, name: str, fulcio_url: str, rekor_url: str) -> Path:
        path = self._dir / name
        config = client_trust_config(self._root, fulcio_url, rekor_url, self._ca.not_before)
        path.write_text(json.dumps(config, indent=2))
        return path

    def unreachable_trust_config(self, *, fulcio: bool = False, rekor: bool = False) -> Path:
        name = f"trust_config_down_{'f' if fulcio else ''}{'r' if rekor else ''}.json"
        return self._write_config(
            name,
            self._dead_url if fulcio else self.fulcio_url,
            self._dead_url if rekor else self.rekor_url,
        )

    def sign_with_key(self, key: ec.EllipticCurvePrivateKey, data: bytes) -> dict[str, Any]:
        """A managed-key bundle over ``data`` (message signature, hashedrekord entry)."""
        return sign_with_key(self.rekor_url, key, data)

    def attest_with_key(self, key: ec.EllipticCurvePrivateKey, statement: bytes) -> dict[str, Any]:
        """A managed-key DSSE bundle over an in-toto ``statement`` (dsse entry)."""
        return attest_with_key(self.rekor_url, key, statement)

    @property
    def rekor_entries(self) -> int:
        return len(self._log)

    @contextlib.contextmanager
    def failing(self, service: str, count: int = 1, status: int = 503) -> Iterator[None]:
        """Answer the next ``count`` requests to "fulcio" or "rekor" with HTTP ``status``."""
        if service not in ("fulcio", "rekor"):
            raise ValueError(f"unknown service {service!r}")
        with self._failures_lock:
            self._failures[service] = (count, status)
        try:
            yield
        finally:
            with self._failures_lock:
                self._failures.pop(service, None)

    def _take_failure(self, service: str) -> int | None:
        with self._failures_lock:
            count, status = self._failures.get(service, (0, 0))
            if count <= 0:
                return None
            self._failures[service] = (count - 1, status)
            return status

    # tokens ---------------------------------------------------------------------------------

    def token(
        self,
        *,
        issuer: str = "https://gitlab.com",
        subject: str = "project_path:group/project:ref_type:branch:ref:main",
        audience: str = "sigstore",
        expires_in: int = 600,
        claims: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        issued = now if expires_in > 0 else now + expires_in - 60
        payload: dict[str, Any] = {
            "iss": issuer,
            "sub": subject,
            "aud": audience,
            "iat": issued,
            "nbf": issued,
            "exp": now + expires_in,
        }
        payload.update(claims or {})
        return jwt.encode(payload, self._oidc_key, algorithm="ES256", headers={"kid": "local"})

    def gitlab_token(
        self,
        project: str = "group/project",
        ref: str = "refs/heads/main",
        server: str = "https://gitlab.com",
        **kw: Any,
    ) -> str:
        ref_type, short = (
            ("tag", ref[10:])
            if ref.startswith("refs/tags/")
            else ("branch", ref.removeprefix("refs/heads/"))
        )
        sha = str(kw.get("claims", {}).get("sha", DEFAULT_SHA))
        claims = {
            "namespace_id": "1000",
            "namespace_path": project.rsplit("/", 1)[0],
            "project_id": "2000",
            "project_path": project,
            "user_login": "release-bot",
            "pipeline_id": "3000",
            "pipeline_source": "push",
            "job_id": "4000",
            "ref": short,
            "ref_type": ref_type,
            "ref_protected": "true",
            "runner_id": 5000,
            "runner_environment": "gitlab-hosted",
            "sha": sha,
            "project_visibility": "public",
            "ci_config_ref_uri": f"{server.removeprefix('https://')}/{project}//.gitlab-ci.yml@{ref}",
            "ci_config_sha": sha,
            **kw.pop("claims", {}),
        }
        subject = f"project_path:{project}:ref_type:{ref_type}:ref:{short}"
        kw.setdefault("subject", subject)
        return self.token(issuer=server, claims=claims, **kw)

    def github_token(
        self,
        repository: str = "owner/repo",
        ref: str = "refs/heads/main",
        workflow: str = ".github/workflows/release.yml",
        **kw: Any,
    ) -> str:
        sha = str(kw.get("claims", {}).get("sha", DEFAULT_SHA))
        owner = repository.split("/")[0]
        claims = {
            "repository": repository,
            "repository_id": "6000",
            "repository_owner": owner,
            "repository_owner_id": "7000",
            "repository_visibility": "public",
            "ref": ref,
            "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
            "sha": sha,
            "workflow": "release",
            "workflow_ref": f"{repository}/{workflow}@{ref}",
            "workflow_sha": sha,
            "job_workflow_ref": f"{repository}/{workflow}@{ref}",
            "job_workflow_sha": sha,
            "event_name": "push",
            "run_id": "8000",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
            **kw.pop("claims", {}),
        }
        kw.setdefault("subject", f"repo:{repository}:ref:{ref}")
        return self.token(issuer="https://token.actions.githubusercontent.com", claims=claims, **kw)

    # Fulcio -----------------------------------------------------------------------------------

    def _signing_cert(self, auth: str, request: Any) -> tuple[int, Any]:
        token = auth.removeprefix("Bearer ").strip()
        try:
            claims = jwt.decode(
                token, self._oidc_key.public_key(), algorithms=["ES256"], audience="sigstore"
            )
        except jwt.PyJWTError as exc:
            return 401, {"code": 401, "message": f"invalid identity token: {exc}"}
        try:
            csr_pem = base64.b64decode(request["certificateSigningRequest"])
            csr = x509.load_pem_x509_csr(csr_pem)
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"code": 400, "message": f"bad certificate signing request: {exc}"}
        if not csr.is_signature_valid:
            return 400, {"code": 400, "message": "CSR signature does not verify"}
        try:
            identity = identity_from_claims(claims)
        except ClaimError as exc:
            return 400, {"code": 400, "message": str(exc)}
        chain = self._ca.issue(csr, identity)
        return 201, {"signedCertificateEmbeddedSct": {"chain": {"certificates": chain}}}

    # verifying what was signed -----------------------------------------------------------------

    def verifier(self) -> Verifier:
        """sigstore-python's Verifier over this instance's trusted root."""
        from sigstore.models import ClientTrustConfig
        from sigstore.verify import Verifier

        config = ClientTrustConfig.from_json(self.trust_config.read_text())
        return Verifier(trusted_root=config.trusted_root)

    def cli_verify(self, path: Path, identity: str, issuer: str, bundle: Path | None = None) -> int:
        """Exit code of the upstream ``sigstore verify identity --offline`` over ``path``."""
        command = [
            str(Path(sys.executable).parent / "sigstore"),
            "--trust-config",
            str(self.trust_config),
            "verify",
            "identity",
            "--offline",
            "--cert-identity",
            identity,
            "--cert-oidc-issuer",
            issuer,
            *(["--bundle", str(bundle)] if bundle else []),
            str(path),
        ]
        return subprocess.run(command, capture_output=True, check=False).returncode

    # lifecycle -------------------------------------------------------------------------------

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._dead.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LocalSigstore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
