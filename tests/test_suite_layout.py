"""The test suite's own shape: test modules share helpers through helper modules, never through each other."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_test_modules(path: Path) -> set[str]:
    """The modules of this tests package that `path` imports (absolute or relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "tests" if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}  # `from tests import test_x`
    return {m for m in found if m.startswith("tests.")}


def test_no_test_module_imports_another_test_module() -> None:
    modules = sorted(TESTS.glob("test_*.py"))
    assert modules
    offenders = {
        p.name: sorted(m for m in _imported_test_modules(p) if m.split(".")[1].startswith("test_"))
        for p in modules
    }
    assert {name: found for name, found in offenders.items() if found} == {}
