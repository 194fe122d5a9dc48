"""Migrations: an old schema upgrades in place, two processes migrating at once take turns, the CLI reports."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime

import asyncpg

from astrocyte.types import VectorItem
from astrocyte_postgres.admin import apply_migrations
from astrocyte_postgres.migrations import LOCK_KEY, packaged
from astrocyte_postgres.vectors import PostgresVectorStore

from .conftest import fresh_schema

NEWEST = packaged()[-1].version


async def _versions(dsn: str, schema: str) -> list[int]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(f'SELECT version FROM "{schema}".schema_migrations ORDER BY version')
    finally:
        await connection.close()
    return [row["version"] for row in rows]


async def _write_one_vector(dsn: str, schema: str, *then: str) -> None:
    """Fix the schema's dimension at 3 and store one vector ("m1" of bank "old") in plain SQL, then run ``then``."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'SET search_path TO "{schema}", public')
        await connection.execute("INSERT INTO vector_settings (dimensions) VALUES (3)")
        await connection.execute("ALTER TABLE vectors ALTER COLUMN embedding TYPE vector(3)")
        await connection.execute(
            "INSERT INTO vectors (bank_id, id, embedding, text, retained_at) "
            "VALUES ('old', 'm1', '[1,0,0]', 'kept', $1)",
            datetime(2024, 1, 1, tzinfo=UTC),
        )
        await connection.execute("INSERT INTO vector_banks VALUES ('old', 1)")
        for statement in then:
            await connection.execute(statement)
    finally:
        await connection.close()


async def test_a_schema_of_the_first_migration_upgrades_with_its_data(pg_dsn: str) -> None:
    schema = fresh_schema("upgrade")
    assert await apply_migrations(pg_dsn, schema, up_to=1) == [1]
    await _write_one_vector(pg_dsn, schema)  # what a deployment of version 1 wrote
    assert await _versions(pg_dsn, schema) == [1]

    store = PostgresVectorStore(pg_dsn, schema)  # opening the store migrates to the newest version
    try:
        (hit,) = await store.search_similar([1.0, 0.0, 0.0], "old")
        assert (hit.id, hit.text) == ("m1", "kept")
        await store.store_vectors([VectorItem(id="m2", bank_id="old", vector=[0.0, 1.0, 0.0], text="new")])
        assert await store.count_vectors("old") == 2
    finally:
        await store.close()
    assert await _versions(pg_dsn, schema) == list(range(1, NEWEST + 1))
    assert await apply_migrations(pg_dsn, schema) == []


async def test_a_schema_before_own_vectors_gets_the_column_and_an_index_like_its_own(pg_dsn: str) -> None:
    """Migration 9 types ``own_embedding`` like ``embedding`` and mirrors the HNSW index on it; old rows
    are then compared by their vector, new ones by their own."""
    schema = fresh_schema("own")
    assert await apply_migrations(pg_dsn, schema, up_to=8) == list(range(1, 9))
    # what a deployment of version 8 wrote, its index as that version built it
    await _write_one_vector(
        pg_dsn,
        schema,
        "CREATE INDEX vectors_hnsw ON vectors USING hnsw ((embedding::halfvec(3)) halfvec_cosine_ops) "
        "WITH (m = 12, ef_construction = 40)",
    )

    store = PostgresVectorStore(pg_dsn, schema)
    try:
        assert await store.search_similar_threshold([[1.0, 0.0, 0.0]], "old", 0.99) == ["m1"]
        await store.store_vectors(
            [VectorItem(id="m2", bank_id="old", vector=[0.0, 1.0, 0.0], own_vector=[0.0, 0.0, 1.0], text="new")]
        )
        found = await store.search_similar_threshold([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], "old", 0.99)
        assert found == ["m2", None]
        assert [item.own_vector for item in await store.list_vectors("old")] == [None, [0.0, 0.0, 1.0]]
    finally:
        await store.close()
    connection = await asyncpg.connect(pg_dsn)
    try:
        rows = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'vectors_%hnsw'",
            schema,
        )
        column_type = await connection.fetchval(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attname = 'own_embedding'",
            f'"{schema}".vectors',
        )
    finally:
        await connection.close()
    definitions = {row["indexname"]: row["indexdef"] for row in rows}
    own = definitions["vectors_own_hnsw"]
    for part in ("COALESCE(own_embedding, embedding)", "halfvec(3)", "m='12'", "ef_construction='40'"):
        assert part in own, own
    assert column_type == "vector(3)"


def start(command: list[str]) -> subprocess.Popen[str]:
    """A process started without waiting for it (the test then watches it from the database)."""
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def test_two_processes_migrating_at_once_take_turns(pg_dsn: str) -> None:
    """Both processes are made to wait on the migration lock together; one applies everything, the other nothing."""
    schema = fresh_schema("race")
    command = [sys.executable, "-m", "astrocyte_postgres.cli", "migrate", "--dsn", pg_dsn, "--schema", schema]
    holder = await asyncpg.connect(pg_dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        runs = [start(command) for _ in range(2)]
        for _ in range(600):  # until both wait for the lock (or a minute has passed)
            waiting = await holder.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if waiting == 2 or any(run.poll() is not None for run in runs):
                break
            await asyncio.sleep(0.1)
        assert waiting == 2, [run.communicate() for run in runs]
    finally:
        await holder.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
        await holder.close()
    outputs = [await asyncio.to_thread(run.communicate, timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = sorted(out.strip().rsplit(": ", 1)[-1] for out, _ in outputs)
    assert said == [f"applied {list(range(1, NEWEST + 1))}", "up to date"]
    assert await _versions(pg_dsn, schema) == list(range(1, NEWEST + 1))
