"""Per-user memory: records and errors here; the SQLite backend in `bot.memory.sqlite` (ports in bot/core/ports.py)."""
