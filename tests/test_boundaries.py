"""Import boundaries: the core never imports a platform library; generators/ and personas/ never import bot/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"discord", "telegram", "aiohttp"}


def _imports(path: Path) -> set[str]:
    """Top-level package of every absolute import in `path`, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _offenders(folders: list[Path], forbidden: set[str]) -> dict[str, set[str]]:
    files = [f for folder in folders for f in folder.rglob("*.py")]
    assert files, folders
    return {str(f.relative_to(ROOT)): bad for f in files if (bad := _imports(f) & forbidden)}


def test_core_and_memory_import_no_platform_library() -> None:
    assert _offenders([ROOT / "bot" / "core", ROOT / "bot" / "memory"], PLATFORM_LIBRARIES) == {}


def test_generators_and_personas_import_nothing_from_bot() -> None:
    assert _offenders([ROOT / "generators", ROOT / "personas"], {"bot"}) == {}


def test_the_scan_sees_function_level_imports(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from bot.settings import Settings\n    import aiohttp.web\n")
    assert _imports(src) == {"bot", "aiohttp"}


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
