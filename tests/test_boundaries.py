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


def test_image_and_landmark_generators_import_nothing_from_bot() -> None:
    files = [
        *(ROOT / "generators" / "images").rglob("*.py"),
        *(ROOT / "generators" / "landmarks").rglob("*.py"),
    ]
    assert files
    offenders = {str(f.relative_to(ROOT)) for f in files if "bot" in _imports(f)}
    assert offenders == set()
