"""The PostgreSQL :class:`~astrocyte.spi.KnowledgeStore`: four tables of migration 008.

Rows are the SQLite store's (:mod:`astrocyte.knowledge.codec`): an adapter's document in a
``jsonb`` column, its vectors as float32 blobs (searched in the process, so no index here), its
outcome counters as columns that ``record_outcome`` increments in SQL. Every write is one
transaction (a savepoint inside an open one) that first bumps the ``knowledge_revision`` row: that
is the revision other processes see, and its row lock makes writers take turns, so a slug or
artifact name checked free cannot be taken by another process before the write commits, and a
forced update (save, remove the replaced adapter, move its artifacts) lands whole or not at all.
Knowledge is scoped by space, not bank, so row-level security (bank policies) does not cover it.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import asyncpg

from astrocyte.errors import Conflict
from astrocyte.knowledge.codec import adapter_document, run_document, run_from_document, vector_blob
from astrocyte.knowledge.records import AdapterWrite, RunState, StoredAdapter, StoredArtifact
from astrocyte.knowledge.rows import (
    ARTIFACT_ROW,
    BUMP_REVISION,
    SELECT_ADAPTERS,
    SELECT_ARTIFACTS,
    adapter_from_row,
    artifact_columns,
)
from astrocyte_postgres._store_base import PostgresStore, affected

_SAVE_ADAPTER = """
INSERT INTO knowledge_adapters (adapter_id, space_id, slug, record, dimensions, title_vector, text_vector,
    pattern_vectors, successes, failures)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (adapter_id) DO UPDATE SET
    space_id = excluded.space_id, slug = excluded.slug, record = excluded.record, dimensions = excluded.dimensions,
    title_vector = excluded.title_vector, text_vector = excluded.text_vector,
    pattern_vectors = excluded.pattern_vectors, successes = excluded.successes, failures = excluded.failures
"""

_SAVE_ARTIFACT = f"""
INSERT INTO knowledge_artifacts ({ARTIFACT_ROW}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (artifact_id) DO UPDATE SET
    adapter_id = excluded.adapter_id, space_id = excluded.space_id, name = excluded.name, slug = excluded.slug,
    mime_type = excluded.mime_type, sha256 = excluded.sha256, content = excluded.content,
    created_at = excluded.created_at
"""


def _adapter(row: asyncpg.Record) -> StoredAdapter:
    return adapter_from_row(row["record"], tuple(row))


def _artifact(row: asyncpg.Record) -> StoredArtifact:
    return StoredArtifact(**dict(row))


class PostgresKnowledgeStore(PostgresStore):
    """Knowledge adapters, artifacts and runs in the schema."""

    holds: ClassVar[str] = "knowledge adapters"

    async def save_adapters(self, writes: list[AdapterWrite]) -> None:
        if not writes:
            return
        async with self.database.writing() as connection:
            await connection.execute(BUMP_REVISION)
            for write in writes:
                await self._save(connection, write.adapter, write.replacing)

    async def _save(self, connection: asyncpg.Connection, adapter: StoredAdapter, replacing: str | None) -> None:
        clash = await connection.fetchrow(
            f"{SELECT_ADAPTERS} WHERE space_id = $1 AND slug = $2 AND adapter_id <> ALL($3::text[])",
            adapter.space_id,
            adapter.slug,
            [adapter.adapter_id, replacing or adapter.adapter_id],
        )
        if clash is not None:
            raise Conflict(f"slug {adapter.slug!r} is taken in space {adapter.space_id!r}", existing=_adapter(clash))
        counts = await connection.fetchrow(
            "SELECT successes, failures FROM knowledge_adapters WHERE adapter_id = $1", adapter.adapter_id
        )
        if replacing is not None and replacing != adapter.adapter_id:
            old = await connection.fetchrow(
                "DELETE FROM knowledge_adapters WHERE adapter_id = $1 AND space_id = $2 RETURNING successes, failures",
                replacing,
                adapter.space_id,
            )
            if old is not None:
                counts = counts or old
                await connection.execute("DELETE FROM knowledge_layers WHERE adapter_id = $1", replacing)
                await connection.execute(
                    "UPDATE knowledge_artifacts SET adapter_id = $1 WHERE adapter_id = $2",
                    adapter.adapter_id,
                    replacing,
                )
        vectors = adapter.vectors
        await connection.execute(
            _SAVE_ADAPTER,
            adapter.adapter_id,
            adapter.space_id,
            adapter.slug,
            adapter_document(adapter),
            len(vectors.title),
            vector_blob([vectors.title]),
            vector_blob([vectors.text]),
            vector_blob(vectors.patterns),
            counts["successes"] if counts else 0,
            counts["failures"] if counts else 0,
        )
        await connection.execute("DELETE FROM knowledge_layers WHERE adapter_id = $1", adapter.adapter_id)
        await connection.execute(
            "INSERT INTO knowledge_layers (layer_id, adapter_id) SELECT unnest($1::text[]), $2",
            [layer.layer_id for layer in adapter.layers],
            adapter.adapter_id,
        )

    async def _fetch(self, sql: str, *parameters: object) -> list[asyncpg.Record]:
        async with self.database.reading() as connection:
            rows: list[asyncpg.Record] = await connection.fetch(sql, *parameters)
        return rows

    async def get_adapter(self, adapter_id: str) -> StoredAdapter | None:
        rows = await self._fetch(f"{SELECT_ADAPTERS} WHERE adapter_id = $1", adapter_id)
        return _adapter(rows[0]) if rows else None

    async def find_adapters(self, space_ids: list[str], *, slug: str | None = None) -> list[StoredAdapter]:
        if not space_ids:
            return []
        rows = await self._fetch(
            f"{SELECT_ADAPTERS} WHERE space_id = ANY($1::text[]) AND ($2::text IS NULL OR slug = $2) "
            "ORDER BY space_id, adapter_id",
            space_ids,
            slug,
        )
        return [_adapter(row) for row in rows]

    async def adapter_of_layer(self, layer_id: str) -> StoredAdapter | None:
        rows = await self._fetch(
            f"{SELECT_ADAPTERS} WHERE adapter_id = (SELECT adapter_id FROM knowledge_layers WHERE layer_id = $1)",
            layer_id,
        )
        return _adapter(rows[0]) if rows else None

    async def delete_adapter(self, adapter_id: str) -> bool:
        async with self.database.writing() as connection:
            await connection.execute(BUMP_REVISION)
            removed = affected(
                await connection.execute("DELETE FROM knowledge_adapters WHERE adapter_id = $1", adapter_id)
            )
            await connection.execute("DELETE FROM knowledge_layers WHERE adapter_id = $1", adapter_id)
            await connection.execute("DELETE FROM knowledge_artifacts WHERE adapter_id = $1", adapter_id)
        return removed > 0

    async def record_outcome(self, adapter_id: str, *, success: bool) -> None:
        column = "successes" if success else "failures"
        async with self.database.writing() as connection:
            await connection.execute(BUMP_REVISION)
            await connection.execute(
                f"UPDATE knowledge_adapters SET {column} = {column} + 1 WHERE adapter_id = $1", adapter_id
            )

    async def save_artifact(self, artifact: StoredArtifact) -> None:
        async with self.database.writing() as connection:
            await connection.execute(BUMP_REVISION)
            clash = await connection.fetchrow(
                f"{SELECT_ARTIFACTS} WHERE adapter_id = $1 AND name = $2 AND artifact_id <> $3",
                artifact.adapter_id,
                artifact.name,
                artifact.artifact_id,
            )
            if clash is not None:
                raise Conflict(f"artifact {artifact.name!r} already exists on this adapter", existing=_artifact(clash))
            await connection.execute(_SAVE_ARTIFACT, *artifact_columns(artifact).values())

    async def list_artifacts(self, adapter_id: str) -> list[StoredArtifact]:
        rows = await self._fetch(f"{SELECT_ARTIFACTS} WHERE adapter_id = $1 ORDER BY name", adapter_id)
        return [_artifact(row) for row in rows]

    async def find_artifacts(
        self, space_ids: list[str], *, artifact_id: str | None = None, slug: str | None = None
    ) -> list[StoredArtifact]:
        if not space_ids:
            return []
        rows = await self._fetch(
            f"{SELECT_ARTIFACTS} WHERE space_id = ANY($1::text[]) AND ($2::text IS NULL OR artifact_id = $2) "
            "AND ($3::text IS NULL OR slug = $3) ORDER BY space_id, artifact_id",
            space_ids,
            artifact_id,
            slug,
        )
        return [_artifact(row) for row in rows]

    async def revision(self) -> int:
        [row] = await self._fetch("SELECT value FROM knowledge_revision")
        return int(row["value"])

    async def save_run(self, run: RunState) -> None:
        async with self.database.writing() as connection:
            await connection.execute(
                "INSERT INTO knowledge_runs (run_id, expires_at, record) VALUES ($1, $2, $3) "
                "ON CONFLICT (run_id) DO UPDATE SET expires_at = excluded.expires_at, record = excluded.record",
                run.run_id,
                run.expires_at,
                run_document(run),
            )

    async def get_run(self, run_id: str) -> RunState | None:
        rows = await self._fetch("SELECT record FROM knowledge_runs WHERE run_id = $1", run_id)
        return run_from_document(rows[0]["record"]) if rows else None

    async def delete_expired_runs(self, now: datetime) -> int:
        async with self.database.writing() as connection:
            return affected(await connection.execute("DELETE FROM knowledge_runs WHERE expires_at < $1", now))


__all__ = ["PostgresKnowledgeStore"]
