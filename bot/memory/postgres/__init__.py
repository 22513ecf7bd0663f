"""The memory port on PostgreSQL (asyncpg), for several bot processes sharing one store."""

from bot.memory.postgres.memory import PostgresMemory

__all__ = ["PostgresMemory"]
