"""The SQLite memory backend: one repository per concern sharing one writer thread (group commit, WAL)."""

from bot.memory.sqlite.memory import SqliteMemory
from bot.memory.sqlite.writer import Tx

__all__ = ["SqliteMemory", "Tx"]
