"""The PostgreSQL :class:`~astrocyte.spi.SourceStore`: provenance documents and chunks, soft-deleted.

A deleted document keeps its row (and its chunks theirs) with ``deleted_at`` stamped, for audit;
every read and every deduplication sees live rows only, as the in-memory reference, with the same
orderings (documents newest first, then by id; chunks by index, then id) and the same pick among
equal chunk hashes (the smallest id). ``delete_bank`` erases the bank's rows for good. A unique
partial index keeps one live document per hash and bank even when two processes store the same
content at once: the loser's insert does nothing and it returns the winner's id.
``store_chunks`` checks every chunk's document before writing any chunk.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from astrocyte.errors import ValidationError
from astrocyte.types import SourceChunk, SourceDocument
from astrocyte.validation import check_bank_id, check_id, check_positive_int
from astrocyte_postgres._store_base import PostgresStore, only_bank

_DOCUMENT_COLUMNS = "bank_id, id, title, source_uri, content_hash, content_type, metadata, created_at"
_CHUNK_COLUMNS = "bank_id, id, document_id, chunk_index, text, content_hash, metadata, created_at"

_UPSERT_DOCUMENT = f"""
INSERT INTO source_documents ({_DOCUMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (bank_id, id) DO UPDATE SET
    title = excluded.title, source_uri = excluded.source_uri, content_hash = excluded.content_hash,
    content_type = excluded.content_type, metadata = excluded.metadata, created_at = excluded.created_at,
    deleted_at = NULL
"""

_UPSERT_CHUNK = f"""
INSERT INTO source_chunks ({_CHUNK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (bank_id, id) DO UPDATE SET
    document_id = excluded.document_id, chunk_index = excluded.chunk_index, text = excluded.text,
    content_hash = excluded.content_hash, metadata = excluded.metadata, created_at = excluded.created_at,
    deleted_at = NULL
"""

_LIVE_DOCUMENT_WITH_HASH = (
    "SELECT id FROM source_documents WHERE bank_id = $1 AND content_hash = $2 AND deleted_at IS NULL"
)


class PostgresSourceStore(PostgresStore):
    """Source documents and chunks in the schema."""

    holds = "sources"

    async def store_document(self, document: SourceDocument) -> str:
        check_bank_id(document.bank_id)
        check_id(document.id, "id")
        if document.content_hash is not None:
            check_id(document.content_hash, "content_hash")
        values = [getattr(document, name) for name in _DOCUMENT_COLUMNS.split(", ")]
        values[-1] = values[-1] or datetime.now(UTC)
        async with self.database.writing(document.bank_id) as connection:
            if document.content_hash is not None:
                # Serialise the writers of one hash, so the check below and the insert see one another.
                await connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1 || '|' || $2, 1))",
                    document.bank_id,
                    document.content_hash,
                )
                existing = await connection.fetchval(_LIVE_DOCUMENT_WITH_HASH, document.bank_id, document.content_hash)
                if existing is not None:
                    return str(existing)
            await connection.execute(_UPSERT_DOCUMENT, *values)
        return document.id

    async def get_document(self, document_id: str, bank_id: str) -> SourceDocument | None:
        return await self._one_document("id = $2", check_bank_id(bank_id), check_id(document_id, "document_id"))

    async def find_document_by_hash(self, content_hash: str, bank_id: str) -> SourceDocument | None:
        return await self._one_document(
            "content_hash = $2", check_bank_id(bank_id), check_id(content_hash, "content_hash")
        )

    async def _one_document(self, condition: str, bank_id: str, value: str) -> SourceDocument | None:
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                f"SELECT {_DOCUMENT_COLUMNS} FROM source_documents "
                f"WHERE bank_id = $1 AND {condition} AND deleted_at IS NULL",
                bank_id,
                value,
            )
        return None if row is None else SourceDocument(**dict(row))

    async def list_documents(self, bank_id: str, *, limit: int = 100) -> list[SourceDocument]:
        check_bank_id(bank_id)
        check_positive_int(limit, "limit")
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_DOCUMENT_COLUMNS} FROM source_documents WHERE bank_id = $1 AND deleted_at IS NULL "
                "ORDER BY created_at DESC, id LIMIT $2",
                bank_id,
                limit,
            )
        return [SourceDocument(**dict(row)) for row in rows]

    async def delete_document(self, document_id: str, bank_id: str) -> bool:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        now = datetime.now(UTC)
        async with self.database.writing(bank_id) as connection:
            hidden = await connection.fetchval(
                "UPDATE source_documents SET deleted_at = $3 WHERE bank_id = $1 AND id = $2 AND deleted_at IS NULL "
                "RETURNING true",
                bank_id,
                document_id,
                now,
            )
            await connection.execute(
                "UPDATE source_chunks SET deleted_at = $3 "
                "WHERE bank_id = $1 AND document_id = $2 AND deleted_at IS NULL",
                bank_id,
                document_id,
                now,
            )
        return bool(hidden)

    async def store_chunks(self, chunks: list[SourceChunk]) -> list[str]:
        for index, chunk in enumerate(chunks):
            check_bank_id(chunk.bank_id, f"chunks[{index}].bank_id")
            check_id(chunk.id, f"chunks[{index}].id")
            if chunk.content_hash is not None:
                check_id(chunk.content_hash, f"chunks[{index}].content_hash")
        if not chunks:
            return []
        now = datetime.now(UTC)
        async with self.database.writing(only_bank(chunk.bank_id for chunk in chunks)) as connection:
            await _check_documents_are_live(connection, chunks)
            return [await _store_chunk(connection, chunk, now) for chunk in chunks]

    async def get_chunk(self, chunk_id: str, bank_id: str) -> SourceChunk | None:
        check_bank_id(bank_id)
        check_id(chunk_id, "chunk_id")
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                f"SELECT {_CHUNK_COLUMNS} FROM source_chunks WHERE bank_id = $1 AND id = $2 AND deleted_at IS NULL",
                bank_id,
                chunk_id,
            )
        return None if row is None else SourceChunk(**dict(row))

    async def list_chunks(self, document_id: str, bank_id: str) -> list[SourceChunk]:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_CHUNK_COLUMNS} FROM source_chunks WHERE bank_id = $1 AND document_id = $2 "
                "AND deleted_at IS NULL ORDER BY chunk_index, id",
                bank_id,
                document_id,
            )
        return [SourceChunk(**dict(row)) for row in rows]

    async def find_chunk_by_hash(self, content_hash: str, bank_id: str) -> SourceChunk | None:
        check_bank_id(bank_id)
        check_id(content_hash, "content_hash")
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                f"SELECT {_CHUNK_COLUMNS} FROM source_chunks WHERE bank_id = $1 AND content_hash = $2 "
                "AND deleted_at IS NULL ORDER BY id LIMIT 1",
                bank_id,
                content_hash,
            )
        return None if row is None else SourceChunk(**dict(row))

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            live = await connection.fetchval(
                "SELECT COUNT(*) FROM source_documents WHERE bank_id = $1 AND deleted_at IS NULL", bank_id
            )
            await connection.execute("DELETE FROM source_chunks WHERE bank_id = $1", bank_id)
            await connection.execute("DELETE FROM source_documents WHERE bank_id = $1", bank_id)
        return int(live)


async def _check_documents_are_live(connection: asyncpg.Connection, chunks: list[SourceChunk]) -> None:
    """Raise ``ValidationError`` naming the first chunk whose document is not live in the chunk's bank."""
    wanted = list(dict.fromkeys((chunk.bank_id, chunk.document_id) for chunk in chunks))
    rows = await connection.fetch(
        "SELECT d.bank_id, d.id FROM unnest($1::text[], $2::text[]) AS w(bank_id, id) "
        "JOIN source_documents AS d ON d.bank_id = w.bank_id AND d.id = w.id AND d.deleted_at IS NULL",
        [bank_id for bank_id, _ in wanted],
        [document_id for _, document_id in wanted],
    )
    live = {(row["bank_id"], row["id"]) for row in rows}
    for index, chunk in enumerate(chunks):
        if (chunk.bank_id, chunk.document_id) not in live:
            raise ValidationError(
                f"chunks[{index}].document_id",
                f"{chunk.document_id!r} is no live document of bank {chunk.bank_id!r}; store the document first",
            )


async def _store_chunk(connection: asyncpg.Connection, chunk: SourceChunk, now: datetime) -> str:
    """Store one chunk, or return the id of the live chunk of its document with the same hash."""
    if chunk.content_hash is not None:
        existing = await connection.fetchval(
            "SELECT id FROM source_chunks WHERE bank_id = $1 AND content_hash = $2 AND document_id = $3 "
            "AND deleted_at IS NULL ORDER BY id LIMIT 1",
            chunk.bank_id,
            chunk.content_hash,
            chunk.document_id,
        )
        if existing is not None:
            return str(existing)
    values = [getattr(chunk, name) for name in _CHUNK_COLUMNS.split(", ")]
    values[-1] = values[-1] or now
    await connection.execute(_UPSERT_CHUNK, *values)
    return chunk.id
