"""Deleting the user's files (avatars, postcards) safely: only files under the data directory."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def delete_files(paths: list[str], data_dir: Path) -> int:
    """Delete files that live under `data_dir`; returns how many were removed."""
    root = data_dir.resolve()
    removed = 0
    for path in paths:
        p = Path(path)
        try:
            if p.resolve().is_relative_to(root) and p.is_file():
                p.unlink()
                removed += 1
        except OSError:
            log.warning("could not delete a file", exc_info=True)
    return removed


async def delete_files_async(paths: list[str], data_dir: Path) -> int:
    """`delete_files` off the event loop."""
    return await asyncio.to_thread(delete_files, paths, data_dir)
