"""The core never imports a platform library (discord, telegram, aiohttp)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"discord", "telegram", "aiohttp"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_and_generators_import_no_platform_library() -> None:
    files = [*(ROOT / "bot" / "core").rglob("*.py"), *(ROOT / "bot" / "memory").rglob("*.py")]
    assert files
    offenders = {str(f.relative_to(ROOT)): _imports(f) & FORBIDDEN for f in files if _imports(f) & FORBIDDEN}
    assert offenders == {}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_core_reaches_memory_only_through_its_ports() -> None:
    """bot/core codes against bot/core/ports.py; only the ports name bot.memory (for its record types)."""
    offenders = {
        str(f.relative_to(ROOT)): sorted(m for m in _imported_modules(f) if m.startswith("bot.memory"))
        for f in (ROOT / "bot" / "core").rglob("*.py")
        if f.name != "ports.py"
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    ports = _imported_modules(ROOT / "bot" / "core" / "ports.py")
    assert {m for m in ports if m.startswith("bot.memory")} <= {"bot.memory.records"}
