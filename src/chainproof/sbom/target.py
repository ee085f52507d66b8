"""The target a dependency graph is evaluated for: marker environment plus wheel tags.

``TargetPlatform.current()`` is the running interpreter;
``TargetPlatform.for_python(version, platforms)`` describes another one (e.g. ``3.12`` on
``manylinux_2_28_x86_64``) so that markers such as ``sys_platform == "win32"`` and wheel
selection follow that interpreter, not this one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from packaging import tags
from packaging.markers import Marker, default_environment
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from chainproof.errors import UsageError

__all__ = ["TargetPlatform"]

# Marker values implied by a wheel platform tag (prefix → sys_platform, platform_system, os_name).
_PLATFORMS = (
    ("manylinux", "linux", "Linux", "posix"),
    ("musllinux", "linux", "Linux", "posix"),
    ("linux", "linux", "Linux", "posix"),
    ("macosx", "darwin", "Darwin", "posix"),
    ("win", "win32", "Windows", "nt"),
)
_MACHINES = {
    "amd64": "AMD64",
    "win32": "x86",
    "arm64": "ARM64",
    "x86_64": "x86_64",
    "aarch64": "aarch64",
    "i686": "i686",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "armv7l": "armv7l",
    "universal2": "arm64",
}


@dataclass(frozen=True)
class TargetPlatform:
    """Marker environment and the ordered list of compatible wheel tags (best first).

    ``pip_args`` holds the pip options that make a resolution pick files for this target
    (empty for the running interpreter).
    """

    environment: Mapping[str, str]
    tag_list: tuple[tags.Tag, ...]
    pip_args: tuple[str, ...] = ()
    description: str = field(default="the running interpreter")

    @classmethod
    def current(cls) -> TargetPlatform:
        return cls(_default_environment(), tuple(tags.sys_tags()))

    @classmethod
    def for_python(
        cls, python_version: str | None, platforms: Iterable[str] = ()
    ) -> TargetPlatform:
        """A target from ``--python-version X.Y`` and ``--platform TAG`` (repeatable)."""
        named = tuple(platforms)  # as given, for the description
        platforms = tuple(p for given in named for p in _expand_platform(given))
        if python_version is None and not platforms:
            return cls.current()
        env = _default_environment()
        pip_args: list[str] = []
        version = tuple(int(p) for p in env["python_version"].split("."))
        if python_version is not None:
            match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", python_version)
            if match is None:
                raise UsageError(f"--python-version {python_version!r} is not of the form 3.12.")
            version = (int(match[1]), int(match[2]))
            env["python_version"] = f"{match[1]}.{match[2]}"
            env["python_full_version"] = f"{match[1]}.{match[2]}.{match[3] or 0}"
            env["implementation_version"] = env["python_full_version"]
            env["implementation_name"] = "cpython"
            env["platform_python_implementation"] = "CPython"
            pip_args += ["--python-version", env["python_full_version"], "--implementation", "cp"]
        if platforms:
            env.update(_platform_markers(platforms[0]))
            for platform in platforms:
                pip_args += ["--platform", platform]
        tag_list = tuple(tags.cpython_tags(version, platforms=platforms or None)) + tuple(
            tags.compatible_tags(
                version, "cp" + "".join(map(str, version)), platforms=platforms or None
            )
        )
        if platforms or python_version is not None:
            # pip needs binary-only resolution when the target is not the running interpreter.
            pip_args += ["--only-binary", ":all:"]
        label = f"Python {env['python_version']}"
        if named:
            label += f" on {', '.join(named)}"
        return cls(env, tag_list, tuple(pip_args), label)

    @cached_property
    def tag_rank(self) -> dict[tags.Tag, int]:
        return {tag: rank for rank, tag in enumerate(self.tag_list)}

    def evaluate(self, marker: Marker | None, extras: Iterable[str] = ("",)) -> bool:
        """True when ``marker`` holds for this target with any of ``extras`` active.

        ``""`` stands for "no extra" (a plain dependency)."""
        if marker is None:
            return True
        env = dict(self.environment)
        for extra in extras:
            env["extra"] = canonicalize_name(extra) if extra else ""
            if marker.evaluate(env):
                return True
        return False

    def wheel_rank(self, filename: str) -> int | None:
        """Rank of a wheel file for this target (lower is better), None when incompatible."""
        try:
            _, _, _, wheel_tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return None
        ranks = [self.tag_rank[t] for t in wheel_tags if t in self.tag_rank]
        return min(ranks) if ranks else None


_LEGACY = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


def _expand_platform(platform: str) -> list[str]:
    """A platform tag plus the older ones an installer on it accepts (as pip does for the
    running interpreter): lower glibc/musl versions, legacy manylinux aliases, older macOS."""
    match = re.fullmatch(r"(manylinux|musllinux)_(\d+)_(\d+)_(\w+)", platform)
    if match:
        kind, major, minor, arch = match[1], int(match[2]), int(match[3]), match[4]
        floor = 5 if kind == "manylinux" else 0
        out = []
        for low in range(minor, floor - 1, -1):
            out.append(f"{kind}_{major}_{low}_{arch}")
            legacy = _LEGACY.get((major, low)) if kind == "manylinux" else None
            if legacy:
                out.append(f"{legacy}_{arch}")
        return out
    match = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", platform)
    if match:
        return list(tags.mac_platforms((int(match[1]), int(match[2])), match[3]))
    return [platform]


def _default_environment() -> dict[str, str]:
    return {key: str(value) for key, value in default_environment().items()}


def _platform_markers(platform: str) -> dict[str, str]:
    for prefix, sys_platform, system, os_name in _PLATFORMS:
        if platform.startswith(prefix):
            machine = next(
                (value for suffix, value in _MACHINES.items() if platform.endswith(suffix)), ""
            )
            return {
                "sys_platform": sys_platform,
                "platform_system": system,
                "os_name": os_name,
                "platform_machine": machine,
            }
    raise UsageError(
        f"--platform {platform!r} is not a wheel platform tag I know "
        "(manylinux_*, musllinux_*, linux_*, macosx_*, win_*)."
    )
