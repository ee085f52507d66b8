"""Run inside the inspected interpreter (stdlib only, Python >= 3.8): print its distributions.

Passed with ``python -c`` so nothing of chainproof is importable there; sys.path[0] (the
working directory ``-c`` adds) is dropped so only the environment's own paths are scanned.
"""

from __future__ import annotations

import json
import os
import platform
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

import importlib.metadata as md

FIELDS = (
    "Name",
    "Version",
    "Requires-Dist",
    "Provides-Extra",
    "License-Expression",
    "License",
    "Classifier",
)


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


def main() -> None:
    seen: set[str] = set()
    out: list[dict[str, object]] = []
    broken: list[str] = []
    shadowed: list[str] = []
    for dist in md.distributions():
        path = str(getattr(dist, "_path", "") or "")
        try:
            meta = dist.metadata
            name = meta["Name"] if meta is not None else None
        except Exception:  # unreadable METADATA: reported, never skipped silently
            name = None
        if not name or not (meta["Version"] if meta is not None else None):
            broken.append(path)
            continue
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in seen:  # shadowed by an earlier entry of sys.path: not importable
            shadowed.append(path)
            continue
        seen.add(key)
        sboms: list[str] = []
        if path and os.path.isdir(os.path.join(path, "sboms")):
            for root, _dirs, files in os.walk(os.path.join(path, "sboms")):
                sboms += [os.path.relpath(os.path.join(root, f), path) for f in files]
        out.append(
            {
                "metadata": [[k, v] for k in FIELDS for v in (meta.get_all(k) or [])],
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
            "broken": sorted(broken),
            "shadowed": sorted(shadowed),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
