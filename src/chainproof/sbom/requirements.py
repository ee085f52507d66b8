"""Hash-pinned requirements files (pip-compile, ``uv export``, hand-written with --hash).

Every requirement must be pinned with ``==`` (or ``===``), or be ``name @ URL`` with a hash;
lines with markers that do not hold for the target are dropped; ``-r`` includes are followed,
``-c`` constraints add nothing. ``-e .`` (or ``.``) is the project itself and is skipped; any
other editable or local-path line, a URL without a name, and a URL without a hash cannot be
pinned, and are an error rather than a component left out. Hashes: a requirements file lists hashes
without file names, so offline every listed sha256 is kept as a candidate; with ``resolve``
pip picks the exact file for the target (its sha256, name and URL) and supplies the metadata.
The graph comes from ``# via`` annotations when present, else from the packages' metadata
(``resolve``), else it has no edges (with a warning).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from chainproof.errors import InputError
from chainproof.models import Component, DependencyGraph, Digest, Inventory
from chainproof.progress import Reporter
from chainproof.sbom._common import explicit_graph, filename_of, first_line
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.resolve import resolve
from chainproof.sbom.sources import ComponentDetails, SourceResult
from chainproof.sbom.target import Target

__all__ = ["PinnedRequirement", "RequirementsSource", "parse_requirements"]

_HASH = re.compile(r"\s--hash[=\s]+(\S+)")
_VIA = re.compile(r"^\s+#\s+(?:via\s+)?(.*)$")


@dataclass
class PinnedRequirement:
    requirement: Requirement
    version: str
    hashes: list[str]
    line: str
    via: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return canonicalize_name(self.requirement.name)


def _logical_lines(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line number, logical line, following comment lines) with continuations joined."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"The requirements file {path} does not exist.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the requirements file {path}: {exc}.") from exc
    out: list[tuple[int, str, list[str]]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not buffer and stripped.startswith("#"):
            if out:
                out[-1][2].append(raw)
            continue
        if not buffer:
            start = number
        content = re.split(r"(^|\s)#", raw, maxsplit=1)[0].rstrip()
        if content.endswith("\\"):
            buffer += content[:-1] + " "
            continue
        buffer += content
        if buffer.strip():
            out.append((start, buffer.strip(), []))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip(), []))
    return out


_INDEX_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-index",
    "--trusted-host",
)


def index_options(path: Path) -> list[str]:
    """The file's own index options (``--index-url`` ...), as pip arguments; relative
    ``--find-links`` paths are taken relative to the file."""
    args: list[str] = []
    for _, line, _ in _logical_lines(path):
        words = line.replace("=", " ", 1).split() if line.startswith("--") else line.split()
        if words[0] not in _INDEX_OPTIONS:
            continue
        if words[0] in ("-f", "--find-links") and len(words) > 1 and "://" not in words[1]:
            local = path.parent / words[1]
            words[1] = str(local.resolve()) if local.exists() else words[1]
        args += words[:2]
    return args


def parse_requirements(path: Path, seen: set[Path] | None = None) -> list[PinnedRequirement]:
    """Parse a hash-pinned requirements file (and its -r includes)."""
    seen = seen if seen is not None else set()
    if path.resolve() in seen:
        return []
    seen.add(path.resolve())
    pins: list[PinnedRequirement] = []
    for number, line, comments in _logical_lines(path):
        where = f"{path}, line {number}"
        words = line.replace("=", " ", 1).split() if line.startswith("--") else line.split()
        if words[0] in ("-r", "--requirement"):
            if len(words) < 2:
                raise InputError(f"{where}: {words[0]} names no file.")
            pins += parse_requirements(path.parent / words[1], seen)
            continue
        if words[0] in ("-e", "--editable"):
            if len(words) > 1 and _is_project(words[1], path):
                continue  # ``-e .``: the project itself
            raise InputError(
                f"{where}: the editable requirement {' '.join(words[1:2])} cannot be pinned "
                "by hash, so chainproof cannot say what it installs.",
                "Export without editable installs (e.g. `uv export --no-editable`), or pin it "
                "by name, version and --hash.",
            )
        if words[0].startswith("-"):
            continue  # -c constraints add nothing; index options matter only to pip
        hashes = _HASH.findall(line)
        spec = _HASH.sub("", line).strip()
        if spec.startswith((".", "/")):
            if _is_project(spec.split(";")[0].strip(), path):
                continue
            raise InputError(
                f"{where}: the local path {spec.split()[0]} is not a pinned distribution.",
                "Pin it by name, version and --hash (`name @ file:///... --hash=sha256:...`).",
            )
        if "://" in spec.split(";")[0] and " @ " not in spec:
            raise InputError(
                f"{where}: the URL requirement names no package.",
                "Write it as `name @ URL --hash=sha256:...`.",
            )
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            raise InputError(f"{where} is not a valid requirement: {first_line(exc)}.") from exc
        if req.url and not hashes:
            raise InputError(
                f"{where}: {req.name} @ {req.url} has no --hash, so chainproof cannot say "
                "which file it installs.",
                "Add --hash=sha256:... for the file at that URL.",
            )
        pinned = [s.version for s in req.specifier if s.operator in ("==", "===")]
        if req.url and hashes:  # a direct reference pinned by its hash
            pinned = [_url_version(req.url)]
        if not pinned or "*" in pinned[0]:
            raise InputError(
                f"{where}: {req.name} is not pinned to one version with ==.",
                "Generate the file with hashes, e.g. `uv pip compile "
                "--generate-hashes` or `pip-compile --generate-hashes`.",
            )
        via = []
        for comment in comments:
            match = _VIA.match(comment)
            if match and (name := match[1].strip()) and name != "via":
                via.append(name)
        pins.append(PinnedRequirement(req, pinned[0], hashes, line, via))
    return pins


def _is_project(target: str, path: Path) -> bool:
    """Does a path line (``.``, ``-e .``) name the project the file belongs to?"""
    local = Path(target.removeprefix("file://"))
    where = local if local.is_absolute() else path.parent / local
    return local == Path(".") or where.resolve() in (path.parent.resolve(), Path.cwd())


def _url_version(url: str) -> str:
    """The version in a direct reference's file name ("" when it has none)."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    name = filename_of(url) or ""
    try:
        if name.endswith(".whl"):
            return str(parse_wheel_filename(name)[1])
        return str(parse_sdist_filename(name)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return ""


@dataclass
class RequirementsSource:
    path: Path
    resolve: bool = False
    index_args: Sequence[str] = ()
    every_package: bool = False  # every pin whatever its marker (the audit: it ships somewhere)

    @property
    def description(self) -> str:
        return f"requirements file {self.path}"

    def read(self, target: Target, reporter: Reporter) -> SourceResult:
        pins = [
            p
            for p in parse_requirements(self.path)
            if self.every_package or target.evaluate(p.requirement.marker)
        ]
        by_key = {p.key: p for p in pins}
        components = []
        for pin in pins:
            try:
                hashes = tuple(
                    sorted({Digest.parse(h) for h in pin.hashes if h.startswith("sha256:")})
                )
            except InputError as exc:
                raise InputError(f"{self.path}: {pin.requirement.name} has a bad hash.") from exc
            url = pin.requirement.url
            components.append(
                Component(
                    pin.requirement.name,
                    pin.version,
                    hashes,
                    filename_of(url) if url else None,
                    url,
                )
            )
        warnings: list[str] = []
        has_via = any(p.via for p in pins)
        graph: DependencyGraph | None = None
        if has_via:
            edges: dict[str, list[str]] = {}
            roots = []
            for pin in pins:
                for name in pin.via:
                    key = canonicalize_name(name.split()[0])
                    if key in by_key and not name.startswith("-"):
                        edges.setdefault(key, []).append(pin.key)
                    else:
                        roots.append(pin.key)  # "-r file" or "project (pyproject.toml)"
            graph = explicit_graph(edges, by_key, roots or None)
        if self.resolve:
            components, graph = self._resolved(pins, components, graph, target, reporter)
        if graph is None:
            graph = explicit_graph({}, by_key, None)
            warnings.append(f"{self.path} has no '# via' annotations, so the SBOM has no graph.")
        elif graph.edges:
            components = [replace(c, direct=c.key in graph.roots) for c in components]
        # Unresolved, a pin keeps every listed hash (any of those files may be installed):
        # a property says so, so that nobody reads them as hashes of one file.
        details = {
            c: ComponentDetails(properties=(("chainproof:hash:candidates", str(len(c.hashes))),))
            for c in components
            if len(c.hashes) > 1
        }
        return SourceResult(
            Inventory(None, tuple(sorted(components)), graph), details, tuple(warnings)
        )

    def _resolved(
        self,
        pins: list[PinnedRequirement],
        components: list[Component],
        graph: DependencyGraph | None,
        target: Target,
        reporter: Reporter,
    ) -> tuple[list[Component], DependencyGraph]:
        """Let pip pick the exact file per pin (hash-checked) and read the metadata."""
        from chainproof.sbom.metadata import resolve_license

        with tempfile.TemporaryDirectory(prefix="chainproof-req-") as tmp:
            pinned = Path(tmp) / "requirements.txt"
            pinned.write_text(
                "".join(
                    (
                        f"{p.requirement.name} @ {p.requirement.url} "
                        if p.requirement.url
                        else f"{p.requirement.name}=={p.version} "
                    )
                    + " ".join(f"--hash={h}" for h in p.hashes)
                    + "\n"
                    for p in pins
                ),
                encoding="utf-8",
            )
            found = {
                r.key: r
                for r in resolve(
                    ["-r", str(pinned)],
                    target,
                    [*index_options(self.path), *self.index_args],
                    reporter,
                    no_deps=True,
                )
            }
        out = []
        for component in components:
            picked = found.get(component.key)
            if picked is None:
                out.append(component)
                continue
            expression, names = resolve_license(picked.metadata)
            # The SBOM claims the picked file's hash only: never another listed file's hash
            # beside its name and URL. No hash reported means none is claimed (the run then
            # fails naming it, or marks it with --allow-missing-hashes).
            hashes = (Digest.sha256(picked.sha256),) if picked.sha256 else ()
            if hashes and component.hashes and hashes[0] not in component.hashes:
                raise InputError(
                    f"{self.path}: pip picked {picked.filename} for {component.name}, whose "
                    "sha256 is none of the hashes the file lists."
                )
            out.append(
                replace(
                    component,
                    hashes=hashes,
                    filename=picked.filename,
                    url=picked.url,
                    license_expression=expression,
                    license_names=names,
                )
            )
        if graph is None:
            requires = {
                k: found[k].metadata.requires_dist if k in found else ()
                for k in (c.key for c in components)
            }
            graph = requirement_graph(requires, [(k, ()) for k in requires], target, roots=()).graph
        return out, graph
