"""Store errors with messages that say what is wrong and what to check."""

from __future__ import annotations

from pathlib import Path

from bot.core.errors import UserFacingError

TEXTS: dict[str, dict[str, str]] = {
    "store_unwritable": {
        "en": "I can't save anything right now: my memory storage is read-only or full. "
        "Please tell the bot's admin.",
        "zh": "我现在无法保存任何内容：记忆存储是只读的或已满。请告诉机器人的管理员。",
    },
}


class StoreError(Exception):
    """The memory database cannot be used (not a database, too new, broken)."""


class StoreUnwritable(UserFacingError, StoreError):
    """The database file or its folder cannot be written (read-only, permissions, disk full)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__("store_unwritable", path=str(path))
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return (
            f"the memory database {self.path} cannot be written ({self.reason}); "
            "check that the file and its folder are writable and that the disk has free space"
        )
