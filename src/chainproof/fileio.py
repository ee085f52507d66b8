"""Streaming hashes, atomic writes and deterministic JSON, shared by every stage."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chainproof.errors import ChainproofError, InfrastructureError, InputError

__all__ = [
    "CHUNK_SIZE",
    "StagedFiles",
    "atomic_write_bytes",
    "atomic_write_text",
    "canonical_json",
    "default_mode",
    "filename_of",
    "load_json",
    "load_toml",
    "os_error",
    "parse_json",
    "read_bytes",
    "read_text",
    "sha256_file",
]

CHUNK_SIZE = 1024 * 1024


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks so memory stays flat for any size."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return digest.hexdigest()


def canonical_json(data: Any) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_bytes(path: Path, what: str = "file") -> bytes:
    """A file's bytes; every failure is one InputError naming ``what`` and the path."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"The {what} {path} does not exist.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"The {what} {path} is a directory, not a file.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read the {what} {path}: {exc.strerror or exc}.") from exc


def _decode(data: bytes, path: Path, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"Cannot read the {what} {path}: it is not UTF-8 text.") from exc


def read_text(path: Path, what: str = "file") -> str:
    """A UTF-8 text file, with the errors of :func:`read_bytes`."""
    return _decode(read_bytes(path, what), path, what)


def load_json(path: Path, what: str = "JSON file") -> Any:
    """Parse a JSON file, turning every failure into one clear InputError."""
    return parse_json(read_bytes(path, what), path, what)


def parse_json(data: bytes, path: Path, what: str = "JSON file") -> Any:
    """Parse the bytes read from ``path`` (for a caller that also keeps the bytes)."""
    text = _decode(data, path, what)
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise InputError(f"The {what} {path} is nested too deeply to be read.") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The {what} {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})."
        ) from exc


def load_toml(path: Path, what: str = "TOML file") -> dict[str, Any]:
    """Parse a TOML file, turning every failure into one clear InputError."""
    data = read_bytes(path, what)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"The {what} {path} is not valid TOML: {exc}.") from exc


# A full or failing disk is the machine's problem (exit 3), not the user's input.
_INFRASTRUCTURE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO})


def os_error(path: Path, exc: OSError, action: str = "write") -> ChainproofError:
    """One sentence for a file that cannot be written or used (read-only place, a directory,
    no permission), with the exit code of the cause."""
    cls = InfrastructureError if exc.errno in _INFRASTRUCTURE_ERRNOS else InputError
    return cls(f"Cannot {action} {path}: {exc.strerror or exc}.")


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def default_mode(directory: bool = False) -> int:
    """The mode ``open()`` or ``mkdir()`` would give: mkstemp and mkdtemp give 0o600/0o700,
    which would hide a release from the other accounts that must read it."""
    return (0o777 if directory else 0o666) & ~_umask()


def _write_temporary(path: Path, data: bytes, mode: int | None) -> Path:
    """``data`` in a synced temporary file beside ``path``, ready to be renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise os_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp_name, default_mode() if mode is None else mode)
    except BaseException as exc:
        _remove(Path(tmp_name))
        if isinstance(exc, OSError):
            raise os_error(path, exc) from exc
        raise
    return Path(tmp_name)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _replace(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise os_error(path, exc) from exc


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename over it.

    Without ``mode`` the file gets the permissions a plain ``open()`` would give it. Any
    failure is one InputError (InfrastructureError for a full or broken disk) and leaves
    neither ``path`` changed nor a temporary file behind.
    """
    _replace(_write_temporary(path, data, mode), path)


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


class StagedFiles:
    """Collect several outputs in memory and write them all only once all are ready.

    Used where a command produces many files (signing, a release) and must leave nothing
    behind, and no file changed, if any one of them fails.
    """

    def __init__(self) -> None:
        self._files: dict[Path, tuple[bytes, int | None]] = {}

    def add(self, path: Path, data: bytes | str, mode: int | None = None) -> None:
        self._files[path] = (data.encode("utf-8") if isinstance(data, str) else data, mode)

    def commit(self) -> list[Path]:
        """Write every staged file to a temporary file beside it first; only when all of them
        are on disk, rename each into place. A failure while writing leaves every target as
        it was (existing files included); only the renames, which do not fail on a healthy
        file system, come after the point of no return."""
        temporaries: list[tuple[Path, Path]] = []
        try:
            for path in sorted(self._files):
                data, mode = self._files[path]
                temporaries.append((_write_temporary(path, data, mode), path))
        except BaseException:
            for temporary, _ in temporaries:
                _remove(temporary)
            raise
        for index, (temporary, path) in enumerate(temporaries):
            try:
                _replace(temporary, path)
            except BaseException:
                for leftover, _ in temporaries[index + 1 :]:
                    _remove(leftover)
                raise
        return [path for _, path in temporaries]


def filename_of(url: str | None, path: str | None = None) -> str | None:
    """The last path segment of a URL (or of ``path`` when there is no URL), unquoted."""
    source = url or path
    if not source:
        return None
    return unquote(urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1]) or None
