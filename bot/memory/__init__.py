"""Per-user memory in SQLite: `bot.memory.store.Store` (one writer task, group commit, WAL readers)."""
