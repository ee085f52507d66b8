"""Start-up: what ``chainproof --help`` and the commands' help pages import.

``chainproof --help`` lists the commands from ``cli.app.COMMANDS`` without importing their
modules, a command's help imports its own module only, and no help page imports any of
HEAVY_LIBRARIES. bench/bench_help.py times the result; these tests keep it from regressing."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import chainproof.cli
from chainproof.cli.app import COMMANDS, app, load_command

# Third-party packages chainproof imports only inside functions, so that starting the CLI
# loads none of them. Each is imported in a function body somewhere in src/chainproof, or at
# the top of a module that no help page imports (yaml: formats/osv.py);
# pygments and markdown_it come in with rich (Typer's help renderer imports them), pydantic
# with sigstore and with Typer's value coercion, urllib3 with requests, bs4 with pypi_simple.
# Other tests import this tuple: keep it a module-level tuple of top-level import names.
HEAVY_LIBRARIES: tuple[str, ...] = (
    "sigstore",
    "sigstore_models",
    "cyclonedx",
    "in_toto",
    "securesystemslib",
    "cryptography",
    "rich",
    "pygments",
    "markdown_it",
    "requests",
    "urllib3",
    "pypi_simple",
    "bs4",
    "pip",  # index.client reads pip's default index constant
    "build",
    "pypi_attestations",
    "pydantic",
    "pydantic_core",
    "jsonschema",
    "referencing",
    "cvss",
    "license_expression",  # and boolean.py: only when [audit.licenses] is judged
    "uv",
    "yaml",
    "packageurl",
    "jwt",
    "spdx_tools",
    "spdx_python_model",
    "license_expression",
)

# Runs the console script's main() on the arguments it is given, then prints the exit code
# and every module loaded, as JSON on the last line of stdout.
PROBE = """
import json, sys
sys.argv = ["chainproof", *sys.argv[1:]]
from chainproof.cli.app import main
code = 0
try:
    main()
except SystemExit as done:
    code = done.code
print()
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}))
"""

_GROUP_PAGES = [["db", "import"], ["layout", "init"]]


def _run(args: list[str]) -> tuple[Any, set[str], str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    *page, last = out.stdout.rstrip("\n").split("\n")
    result = json.loads(last)
    return result["exit"], set(result["modules"]), "\n".join(page)


def _heavy(modules: set[str]) -> list[str]:
    return sorted(
        lib for lib in HEAVY_LIBRARIES if any(m == lib or m.startswith(f"{lib}.") for m in modules)
    )


@pytest.mark.parametrize(
    "args",
    [[], *([name] for name in COMMANDS), *_GROUP_PAGES],
    ids=lambda args: " ".join(["chainproof", *args, "--help"]),
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    code, modules, page = _run([*args, "--help"])
    assert code == 0, page
    assert "Usage:" in page
    assert _heavy(modules) == []


@pytest.mark.parametrize(
    "args",
    [*([name] for name in COMMANDS), *_GROUP_PAGES],
    ids=lambda args: " ".join(["chainproof", *args, "--help"]),
)
def test_a_command_help_loads_no_stage_module(args: list[str]) -> None:
    """A command's module reaches the stages through lazily loaded packages
    (chainproof.lazy), so its help page loads the CLI module only."""
    code, modules, page = _run([*args, "--help"])
    assert code == 0, page
    loaded = sorted(m for m in modules if m.startswith("chainproof.") and m.count(".") >= 1)
    assert [m for m in loaded if not m.startswith(_CLI_AND_CORE)] == []


_CLI_AND_CORE = (
    "chainproof.cli",
    "chainproof.lazy",
    "chainproof.errors",
    "chainproof.config",
    "chainproof.fileio",
    "chainproof.rendering",
    "chainproof.progress",
)


def test_top_level_help_imports_no_command_module() -> None:
    code, modules, page = _run(["--help"])
    assert code == 0
    assert all(name in page for name in COMMANDS)
    loaded = {r.module for r in COMMANDS.values() if f"chainproof.cli.{r.module}" in modules}
    assert loaded == set()


def test_a_command_imports_only_its_own_module() -> None:
    code, modules, _ = _run(["sbom", "--help"])
    assert code == 0
    loaded = {r.module for r in COMMANDS.values() if f"chainproof.cli.{r.module}" in modules}
    assert loaded == {"sbom"}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_registered_summary_is_the_commands_own(name: str) -> None:
    """The row of `chainproof --help` (written in cli.app so listing imports nothing) is the
    first paragraph of the command's help: its docstring, or the sub-app's help."""
    command = load_command(name)
    assert command.name == name
    assert command.help is not None
    assert COMMANDS[name].summary == " ".join(command.help.split("\n\n")[0].split())


def test_every_command_module_is_registered() -> None:
    registered = {r.module for r in COMMANDS.values()}
    commands = set()
    for found in pkgutil.iter_modules(chainproof.cli.__path__):
        if found.name == "app":
            continue
        module = importlib.import_module(f"chainproof.cli.{found.name}")
        if callable(getattr(module, "command", None)) or isinstance(
            getattr(module, "app", None), typer.Typer
        ):
            commands.add(found.name)
    assert commands == registered


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "No such command 'frobnicate'."),
        (["sbon"], "No such command 'sbon'. Did you mean 'sbom'?"),
        (["db", "frob"], "No such command 'frob'."),
    ],
)
def test_unknown_command_is_a_usage_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
