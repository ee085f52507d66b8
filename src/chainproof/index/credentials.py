"""Credentials for a package index URL, found where the user's pip and uv look for them.

Why this is ours: pip's lookup (``MultiDomainBasicAuth``) lives in ``pip._internal``, which
has no API and changes between releases, and uv is a Rust binary with no Python API. So this
module reads the same settings they read, in the same spirit as pip:

1. user name and password in the asked URL itself (``https://user:token@host/simple``);
2. the userinfo of an index URL the user configured whose scheme, host and port are the asked
   URL's and whose path is a prefix of the asked path (on ``/`` boundaries), the longest such
   path winning, ties going to the earlier source in this order:

   - pip: ``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``, then ``index-url`` and
     ``extra-index-url`` in ``[global]`` and ``[install]`` of pip's config files:
     ``PIP_CONFIG_FILE``, the global ones (``<XDG_CONFIG_DIRS>/pip/pip.conf``,
     ``/etc/pip.conf``), the user ones (``~/.pip/pip.conf``,
     ``<XDG_CONFIG_HOME>/pip/pip.conf``; skipped, as pip skips them, when
     ``PIP_CONFIG_FILE`` names an existing file) and the site one (``sys.prefix/pip.conf``);
   - uv: ``UV_INDEX_URL``, ``UV_EXTRA_INDEX_URL``, ``UV_DEFAULT_INDEX``, ``UV_INDEX``
     (``name=url`` or ``url`` entries, space separated), then uv's config files:
     ``UV_CONFIG_FILE``, the project's ``uv.toml`` or else its ``pyproject.toml``
     ``[tool.uv]`` (when a project directory is given), the user's
     ``<XDG_CONFIG_HOME>/uv/uv.toml`` and the system's ``<XDG_CONFIG_DIRS>/uv/uv.toml`` or
     ``/etc/uv/uv.toml`` (``[[index]]`` ``url``/``name``, ``index-url``,
     ``extra-index-url``, and the same under ``[pip]``). A named uv index takes its user name
     and password from ``UV_INDEX_<NAME>_USERNAME`` / ``_PASSWORD`` (the name upper-cased,
     every other character than a letter or digit turned into ``_``) before its URL's;

3. ``~/.netrc`` (or the file ``NETRC`` names), through the stdlib :mod:`netrc`, by host name.

Not read: keyring, uv's own credential store, and pip's interactive prompt. A settings file
that cannot be read or parsed is skipped (pip or uv themselves report it). Everything is read
from the ``env`` and ``home`` given, so tests never see the machine's settings.

Credentials never reach a message or a repr: :class:`IndexCredentials` shows only where they
came from.
"""

from __future__ import annotations

import configparser
import netrc
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chainproof.formats.requirements import IndexOption
from chainproof.redact import strip_credentials

__all__ = [
    "CredentialLookup",
    "IndexCredentials",
    "credentials_in_url",
    "pip_extra_index_options",
    "pip_index_settings",
    "uv_index_env_name",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PIP_SECTIONS = ("global", "install")
_PIP_KEYS = ("index-url", "extra-index-url")
_UV_KEYS = ("index-url", "extra-index-url")
_INDEX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class IndexCredentials:
    """A user name and password for an index, and ``source``: where they were found (a
    setting's name or a file's path, never a secret). The repr shows the source only."""

    username: str = field(repr=False)
    password: str = field(repr=False)
    source: str


@dataclass(frozen=True)
class _Configured:
    """An index URL from the settings (without its userinfo) and the credentials for it."""

    url: str
    credentials: IndexCredentials = field(repr=False)


@dataclass(frozen=True)
class CredentialLookup:
    """The credentials the settings give, read once; :meth:`for_url` matches a URL.

    Build it with :meth:`from_settings`; the repr names sources only."""

    configured: tuple[_Configured, ...] = ()
    netrc_file: Path | None = None

    @classmethod
    def from_settings(
        cls,
        env: Mapping[str, str] | None = None,
        home: Path | None = None,
        project_dir: Path | None = None,
        *,
        etc: Path = Path("/etc"),
        site_prefix: Path | None = None,
    ) -> CredentialLookup:
        """Read pip's and uv's settings and the netrc file named by ``env`` (default
        ``os.environ``) under ``home`` (default ``$HOME`` of ``env``, else the user's home).
        ``etc`` replaces ``/etc`` (and ``/etc/xdg``, unless ``XDG_CONFIG_DIRS`` is set), and
        ``site_prefix`` replaces ``sys.prefix``: tests give their own."""
        env = os.environ if env is None else env
        if home is None:
            home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        settings = _Settings(env, home, etc, site_prefix or Path(sys.prefix))
        configured = (*settings.pip(), *settings.uv(project_dir))
        return cls(configured=configured, netrc_file=settings.netrc_file())

    def for_url(self, url: str) -> IndexCredentials | None:
        """The credentials to send with a request to ``url``: those in the URL, else of the
        settings (:meth:`configured_for`), else of netrc (:meth:`netrc_for`); or None."""
        return credentials_in_url(url) or self.configured_for(url) or self.netrc_for(url)

    def configured_for(self, url: str) -> IndexCredentials | None:
        """The credentials of the configured index URL with the longest path that is a
        prefix of ``url``'s path, on the same scheme, host and port."""
        asked = _location(url)
        if asked is None:
            return None
        best: tuple[int, IndexCredentials] | None = None
        for entry in self.configured:
            where = _location(entry.url)
            if where is None or where[0] != asked[0] or not asked[1].startswith(where[1]):
                continue
            if best is None or len(where[1]) > best[0]:
                best = (len(where[1]), entry.credentials)
        return best[1] if best is not None else None

    def netrc_for(self, url: str) -> IndexCredentials | None:
        """The netrc entry of ``url``'s host name (or netrc's ``default``)."""
        host = urlsplit(url).hostname
        if self.netrc_file is None or not host:
            return None
        try:
            found = netrc.netrc(str(self.netrc_file)).authenticators(host)
        except (OSError, netrc.NetrcParseError):
            return None  # as requests does: a broken netrc gives no credentials
        if found is None:
            return None
        login, account, password = found
        return IndexCredentials(login or account or "", password or "", f"netrc {self.netrc_file}")


def uv_index_env_name(name: str) -> str:
    """The ``<NAME>`` of ``UV_INDEX_<NAME>_USERNAME`` for uv index ``name``."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def _location(url: str) -> tuple[tuple[str, str, int], str] | None:
    """(scheme, host, port) and the path ending in ``/``; None for a URL without a host or
    with a bad port."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not parts.hostname or scheme not in _DEFAULT_PORTS:
        return None
    path = parts.path.rstrip("/") + "/"
    return (scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]), path


def credentials_in_url(url: str) -> IndexCredentials | None:
    """The user name and password in ``url`` itself (percent-decoded), or None."""
    return _userinfo(url, "the URL")


def _userinfo(url: str, source: str) -> IndexCredentials | None:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return None
    return IndexCredentials(unquote(parts.username or ""), unquote(parts.password or ""), source)


def _configured(url: str, source: str, named: IndexCredentials | None = None) -> _Configured | None:
    """An index URL of the settings with its credentials (``named``, uv's per-index variables,
    before the URL's own); None when it has none."""
    own = _userinfo(url, source)
    if named is not None and own is not None:
        username, password = named.username or own.username, named.password or own.password
        own = IndexCredentials(username, password, named.source)
    credentials = own or named
    return _Configured(strip_credentials(url), credentials) if credentials else None


@dataclass(frozen=True)
class _Settings:
    env: Mapping[str, str]
    home: Path
    etc: Path
    site_prefix: Path

    def _xdg_config_home(self) -> Path:
        return Path(self.env.get("XDG_CONFIG_HOME") or self.home / ".config")

    def _xdg_config_dirs(self) -> list[Path]:
        dirs = self.env.get("XDG_CONFIG_DIRS", "").split(os.pathsep)
        return [Path(d) for d in dirs if d] or [self.etc / "xdg"]

    # pip

    def pip(self) -> Iterator[_Configured]:
        for variable in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
            for url in self.env.get(variable, "").split():
                if entry := _configured(url, variable):
                    yield entry
        for path in self.pip_files():
            for url in _pip_file_urls(path):
                if entry := _configured(url, f"pip config {path}"):
                    yield entry

    def pip_files(self) -> list[Path]:
        files: list[Path] = []
        chosen = self.env.get("PIP_CONFIG_FILE")
        if chosen:
            files.append(Path(chosen))
        files += [d / "pip" / "pip.conf" for d in self._xdg_config_dirs()]
        files.append(self.etc / "pip.conf")
        if not (chosen and Path(chosen).exists()):
            files += [self.home / ".pip" / "pip.conf", self._xdg_config_home() / "pip" / "pip.conf"]
        files.append(self.site_prefix / "pip.conf")
        return files

    # uv

    def uv(self, project_dir: Path | None) -> Iterator[_Configured]:
        for variable in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX"):
            for item in self.env.get(variable, "").split():
                name, url = _named(item)
                if entry := _configured(url, variable, self._uv_named(name)):
                    yield entry
        for path, table in self._uv_tables(project_dir):
            for name, url in _uv_table_urls(table):
                if entry := _configured(url, f"uv config {path}", self._uv_named(name)):
                    yield entry

    def _uv_named(self, name: str | None) -> IndexCredentials | None:
        if not name:
            return None
        prefix = f"UV_INDEX_{uv_index_env_name(name)}"
        username = self.env.get(f"{prefix}_USERNAME", "")
        password = self.env.get(f"{prefix}_PASSWORD", "")
        if not username and not password:
            return None
        return IndexCredentials(username, password, f"{prefix}_USERNAME/_PASSWORD")

    def _uv_tables(self, project_dir: Path | None) -> Iterator[tuple[Path, Mapping[str, Any]]]:
        chosen = self.env.get("UV_CONFIG_FILE")
        if chosen:
            yield from _toml_table(Path(chosen), ())
        if project_dir is not None:
            if (project_dir / "uv.toml").is_file():
                yield from _toml_table(project_dir / "uv.toml", ())
            else:
                yield from _toml_table(project_dir / "pyproject.toml", ("tool", "uv"))
        yield from _toml_table(self._xdg_config_home() / "uv" / "uv.toml", ())
        system = [d / "uv" / "uv.toml" for d in (*self._xdg_config_dirs(), self.etc)]
        for path in system:
            if path.is_file():  # uv reads the first system file it finds
                yield from _toml_table(path, ())
                break

    # netrc

    def netrc_file(self) -> Path | None:
        path = Path(self.env["NETRC"]) if self.env.get("NETRC") else self.home / ".netrc"
        return path if path.is_file() else None


def _named(item: str) -> tuple[str | None, str]:
    """uv's ``name=url`` form of an index (a bare URL has no name)."""
    name, sep, url = item.partition("=")
    if sep and _INDEX_NAME.fullmatch(name):
        return name, url
    return None, item


_PIP_INDEX_KEYS = {
    "index-url": "--index-url",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
    "no-index": "--no-index",
}


def pip_index_settings(env: Mapping[str, str] | None = None) -> tuple[IndexOption, ...]:
    """The index options pip's own settings give every install, lowest precedence first: its
    config files (the last file wins, as in pip), then PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
    PIP_FIND_LINKS and PIP_NO_INDEX; no file when PIP_CONFIG_FILE is the null device."""
    env = os.environ if env is None else env
    found: list[IndexOption] = []
    if env.get("PIP_CONFIG_FILE") != os.devnull:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        settings = _Settings(env, home, Path("/etc"), Path(sys.prefix))
        files = settings.pip_files()  # PIP_CONFIG_FILE first, then global, user, site
        if env.get("PIP_CONFIG_FILE"):
            files = files[1:] + files[:1]  # pip loads it last: it overrides the others
        for path in files:
            for key, value in _pip_file_items(path, tuple(_PIP_INDEX_KEYS)):
                option = _PIP_INDEX_KEYS[key]
                values = [None] if option == "--no-index" else value.split()
                found += [IndexOption(option, v, f"pip config {path}") for v in values]
    for variable, option in (
        ("PIP_INDEX_URL", "--index-url"),
        ("PIP_EXTRA_INDEX_URL", "--extra-index-url"),
        ("PIP_FIND_LINKS", "--find-links"),
    ):
        found += [IndexOption(option, url, variable) for url in env.get(variable, "").split()]
    if env.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on"):
        found.append(IndexOption("--no-index", None, "PIP_NO_INDEX"))
    return tuple(found)


def pip_extra_index_options(env: Mapping[str, str] | None = None) -> tuple[IndexOption, ...]:
    """The ``--extra-index-url`` pip's own settings add to every install (PIP_EXTRA_INDEX_URL,
    then ``extra-index-url`` in its config files; none when PIP_CONFIG_FILE is the null
    device, as pip reads none then), for the audit's dependency-confusion check."""
    found = [o for o in pip_index_settings(env) if o.option == "--extra-index-url"]
    return tuple(sorted(found, key=lambda o: o.where != "PIP_EXTRA_INDEX_URL"))


def _pip_file_urls(path: Path, keys: Iterable[str] = _PIP_KEYS) -> list[str]:
    return [url for _, value in _pip_file_items(path, tuple(keys)) for url in value.split()]


def _pip_file_items(path: Path, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, value) of the ``keys`` in a pip config file's [global] and [install]."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return []
    items: list[tuple[str, str]] = []
    for section in _PIP_SECTIONS:
        if not parser.has_section(section):
            continue
        for key, value in parser.items(section):
            if key.replace("_", "-") in keys:
                items.append((key.replace("_", "-"), value))
    return items


def _toml_table(path: Path, keys: tuple[str, ...]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    if isinstance(data, dict):
        yield path, data


def _uv_table_urls(table: Mapping[str, Any]) -> Iterator[tuple[str | None, str]]:
    """(name, URL) of the indexes of a uv settings table (uv.toml, or ``[tool.uv]``)."""
    indexes = table.get("index")
    for index in indexes if isinstance(indexes, list) else []:
        if isinstance(index, dict) and isinstance(index.get("url"), str):
            name = index.get("name")
            yield (name if isinstance(name, str) else None), index["url"]
    pip = table.get("pip")
    for where in (table, pip if isinstance(pip, dict) else {}):
        for key in _UV_KEYS:
            value = where.get(key)
            urls = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            yield from ((None, url) for url in urls if isinstance(url, str))
