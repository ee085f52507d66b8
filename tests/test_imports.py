"""The import graph is a contract: chainproof's own modules are imported at the top of each
file (so the tops show the real graph), and function-local imports are kept for the heavy
third-party libraries listed in tests/test_startup.py. The layers themselves are checked by
import-linter (`lint-imports`, contract in pyproject.toml)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "chainproof"
ROOT = SRC.parent.parent


def _function_local_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    found.append((node.lineno, "." * node.level + (node.module or "")))
                elif isinstance(node, ast.Import):
                    found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_no_chainproof_module_is_imported_inside_a_function() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line} imports {module}"
        for path in sorted(SRC.rglob("*.py"))
        for line, module in _function_local_imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.startswith(("chainproof", "."))
    ]
    assert offenders == []


def test_function_local_imports_are_heavy_libraries_only() -> None:
    from tests.test_startup import HEAVY_LIBRARIES

    offenders = [
        f"{path.relative_to(SRC)}:{line} imports {module}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "_probe.py"  # runs inside the inspected interpreter, on its own
        for line, module in _function_local_imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0] not in HEAVY_LIBRARIES
    ]
    assert offenders == []


def test_no_two_public_classes_share_a_name() -> None:
    defined: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                defined.setdefault(node.name, []).append(str(path.relative_to(SRC)))
    assert {name: where for name, where in defined.items() if len(where) > 1} == {}


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is in requirements/dev.txt"
    return subprocess.run(
        [lint, "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    shutil.copytree(
        SRC, tmp_path / "src" / "chainproof", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layer_contract_holds(tree_copy: Path) -> None:
    done = _lint_imports(tree_copy)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        # signing and verify never import each other
        (
            "signing/signer.py",
            "import chainproof.verify.engine",
            "chainproof.signing is not allowed to import chainproof.verify",
        ),
        # a format never imports a stage
        (
            "formats/osv.py",
            "import chainproof.audit.db",
            "chainproof.formats is not allowed to import chainproof.audit",
        ),
        # core never imports formats
        (
            "models.py",
            "import chainproof.formats.intoto",
            "chainproof.models is not allowed to import chainproof.formats",
        ),
    ],
)
def test_a_planted_violation_breaks_the_contract(
    tree_copy: Path, module: str, planted: str, broken: str
) -> None:
    path = tree_copy / "src" / "chainproof" / module
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n{planted}  # planted\n", encoding="utf-8"
    )
    done = _lint_imports(tree_copy)
    assert done.returncode != 0
    assert broken in done.stdout
