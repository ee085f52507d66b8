"""Run inside the inspected interpreter (stdlib only, Python >= 3.8): print its distributions.

Passed with ``python -c`` so nothing of chainproof is importable there; sys.path[0] (the
working directory ``-c`` adds) is dropped so only the environment's own paths are scanned.
Every distribution is listed in sys.path order with the text of its metadata file, unparsed:
chainproof parses it (packaging.metadata), and decides which entries have no Name or Version
and which are shadowed by an earlier entry of the same name.
"""

from __future__ import annotations

import json
import os
import platform
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

import importlib.metadata as md


def _environment() -> dict[str, str]:
    impl = sys.implementation
    info = impl.version
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": impl.name,
        "implementation_version": version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def _read(dist: md.Distribution, name: str) -> str | None:
    try:
        return dist.read_text(name)
    except Exception:  # a broken dist-info must not stop the scan
        return None


def _metadata(dist: md.Distribution) -> str | None:
    """The metadata file's text, looked up as ``Distribution.metadata`` does: METADATA
    (.dist-info), PKG-INFO (.egg-info directory), the path itself (an .egg-info file)."""
    try:
        return dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("")
    except Exception:  # not UTF-8, unreadable: chainproof reports it, never skips it
        return None


def main() -> None:
    out: list[dict[str, object]] = []
    for dist in md.distributions():
        path = str(getattr(dist, "_path", "") or "")
        sboms: list[str] = []
        if path and os.path.isdir(os.path.join(path, "sboms")):
            for root, _dirs, files in os.walk(os.path.join(path, "sboms")):
                sboms += [os.path.relpath(os.path.join(root, f), path) for f in files]
        out.append(
            {
                "metadata": _metadata(dist),
                "dist_info": path,
                "base": str(dist.locate_file("")),
                "record": _read(dist, "RECORD"),
                "direct_url": _read(dist, "direct_url.json"),
                "sboms": sorted(sboms),
            }
        )
    json.dump(
        {
            "environment": _environment(),
            "prefix": sys.prefix,
            "executable": sys.executable,
            "distributions": out,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
