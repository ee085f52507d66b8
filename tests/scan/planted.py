"""Planted secrets and credential files for the scan tests, built at run time from fragments
so that no whole token is ever committed (hosting secret scanners would flag it): each value
is a deterministic pseudo-random string from a seed, with the detector's prefix."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

__all__ = ["CREDENTIAL_MEMBERS", "SECRETS", "noise", "secret_lines", "write_planted"]


def noise(seed: str, length: int, alphabet: str = "") -> str:
    """``length`` characters from ``alphabet`` (default: letters and digits), from ``seed``."""
    alphabet = alphabet or "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    out, counter = "", 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out += "".join(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return out[:length]


def _pem_body() -> str:
    raw = hashlib.sha512(b"planted key").digest() * 4
    return base64.b64encode(raw).decode()


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BEGIN, END = "-----BEGIN ", "-----END "

# detector id → (the secret itself, the line that carries it)
SECRETS: dict[str, tuple[str, str]] = {}


def _plant(detector: str, secret: str, line: str) -> None:
    SECRETS[detector] = (secret, line)


_body = _pem_body()
_plant("private-key", _body[:64], f"{BEGIN}RSA PRIVATE KEY-----\n{_body[:64]}\n{_body[64:128]}\n")
_aws = "AK" + "IA" + noise("aws", 16, _UPPER)
_plant("aws", _aws, f'AWS_ACCESS_KEY_ID = "{_aws}"\n')
_gcp = "AI" + "za" + noise("gcp", 35)
_plant("gcp", _gcp, f'maps_client = Client(key="{_gcp}")\n')
_sa = noise("sa", 40, "0123456789abcdef")
_plant("gcp-service-account", _sa, f'{{"type": "service_account", "private_key_id": "{_sa}"}}\n')
_az = noise("azure", 86, _B64) + "=="
_plant("azure", _az, f"CONN = 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={_az}'\n")
_gh = "gh" + "p_" + noise("github", 36)
_plant("github", _gh, f"GH = '{_gh}'\n")
_gl = "gl" + "pat-" + noise("gitlab", 20)
_plant("gitlab", _gl, f"CI_TOKEN_VALUE = '{_gl}'\n")
_pypi = "py" + "pi-AgE" + noise("pypi", 120)
_plant("pypi", _pypi, f"upload = '{_pypi}'\n")
_slack = "xo" + "xb-" + noise("slack1", 12, "0123456789") + "-" + noise("slack2", 24)
_plant("slack", _slack, f"SLACK = '{_slack}'\n")
_pw = noise("url", 20)
_plant("url-credentials", _pw, f"DB = 'postgres://deploy:{_pw}@db.acme.test/app'\n")
_bearer = noise("bearer", 40)
_plant("auth-header", _bearer, f"headers = {{'Authorization': 'Bearer {_bearer}'}}\n")
_assigned = noise("assigned", 32, _B64[:62] + "_-")
_plant("assignment", _assigned, f'service_password = "{_assigned}"\n')

# credential files: member path (inside the project) → content
CREDENTIAL_MEMBERS: dict[str, bytes] = {
    ".pypirc": b"[distutils]\nindex-servers = internal\n",
    ".netrc": b"machine git.acme.test login ci\n",
    ".env": b"DEBUG=1\n",
    "deploy/id_rsa": b"not a key\n",
    "deploy/id_ed25519": b"not a key\n",
    ".aws/credentials": b"[default]\n",
    ".git/config": b"[core]\n",
    "certs/server.pem": (
        f"{BEGIN}PRIVATE KEY-----\n{_body[:64]}\n{_body[64:128]}\n{END}PRIVATE KEY-----\n"
    ).encode(),
}
# which credential finding each member gives
CREDENTIAL_RULES = {
    ".pypirc": "credentials.pypirc",
    ".netrc": "credentials.netrc",
    ".env": "credentials.dotenv",
    "deploy/id_rsa": "credentials.ssh-key",
    "deploy/id_ed25519": "credentials.ssh-key",
    ".aws/credentials": "credentials.aws",
    ".git/config": "credentials.git",
    "certs/server.pem": "credentials.pem",
}


def secret_lines() -> bytes:
    """A module with every planted secret, one detector per line (a few lines apart)."""
    return "".join(f"# {d}\n{line}" for d, (_, line) in SECRETS.items()).encode()


def write_planted(directory: Path) -> tuple[Path, Path]:
    """A wheel and an sdist of ``planted`` 1.0, each with every secret (in
    ``planted/settings.py``) and every credential file."""
    directory.mkdir(parents=True, exist_ok=True)
    members = {"planted/__init__.py": b"", "planted/settings.py": secret_lines()}
    wheel = directory / "planted-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**members, **CREDENTIAL_MEMBERS}.items():
            archive.writestr(name, data)
        archive.writestr("planted-1.0.dist-info/METADATA", "Name: planted\nVersion: 1.0\n")
    sdist = directory / "planted-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, data in {**members, **CREDENTIAL_MEMBERS, "PKG-INFO": b""}.items():
            info = tarfile.TarInfo(f"planted-1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return wheel, sdist
