"""The schema as numbered SQL files (``migrations/001_memories.sql``, ...), applied in order.

Each file runs in its own transaction together with its row in ``schema_migrations``, so a file
is applied whole or not at all. The whole run holds a session advisory lock, so two processes
migrating one database at once take turns: the second finds every file applied by the first and
applies nothing. The lock is one for the whole database, not per schema, because ``CREATE
EXTENSION vector`` is database-wide and two schemas migrating at once would race on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

#: pg_advisory_lock key of migrations: the first 8 bytes of "astrocyt" as a big-endian integer.
LOCK_KEY = int.from_bytes(b"astrocyt", "big") & 0x7FFF_FFFF_FFFF_FFFF
_NAME = re.compile(r"(\d{3})_([a-z0-9_]+)\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def packaged() -> list[Migration]:
    """The migrations shipped in ``astrocyte_postgres/migrations``, in version order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _NAME.fullmatch(entry.name)
        if match is not None:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    return found


async def extension_schema(connection: asyncpg.Connection) -> str:
    """The schema holding pgvector's ``vector`` type (the extension exists once migrations ran)."""
    schema: str | None = await connection.fetchval(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'"
    )
    if schema is None:
        raise asyncpg.UndefinedObjectError("the pgvector extension is not installed: run `astrocyte-postgres migrate`")
    return schema.strip('"')


async def migrate(connection: asyncpg.Connection, schema: str, *, up_to: int | None = None) -> list[int]:
    """Apply the packaged migrations (up to version ``up_to``) missing from ``schema``; returns those applied."""
    quoted = '"' + schema.replace('"', '""') + '"'
    if not await _pending(connection, schema, up_to):
        return []  # nothing to do: no lock, no DDL, so a role that owns nothing may start stores too
    await connection.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        await connection.execute(f'SET search_path TO {quoted}, "{await extension_schema(connection)}"')
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in await connection.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for migration in packaged():
            if migration.version in done or (up_to is not None and migration.version > up_to):
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", migration.version, migration.name
                )
            applied.append(migration.version)
        return applied
    finally:
        await connection.execute("RESET search_path")
        await connection.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def _pending(connection: asyncpg.Connection, schema: str, up_to: int | None) -> bool:
    """Whether ``schema`` lacks any packaged migration (up to ``up_to``), read without taking the lock."""
    table = await connection.fetchval("SELECT to_regclass(format('%I.schema_migrations', $1::text))", schema)
    if table is None:
        return True
    done = {row[0] for row in await connection.fetch(f"SELECT version FROM {table}")}
    return any(migration.version not in done for migration in packaged() if up_to is None or migration.version <= up_to)
