"""The SQLite :class:`~astrocyte.spi.SourceStore`: provenance documents and chunks, soft-deleted.

A deleted document keeps its row (and its chunks theirs) with ``deleted_at`` stamped, for audit;
every read and every deduplication sees live rows only, so through the SPI it behaves as the
in-memory reference (:class:`~astrocyte.stores.memory.sources.MemorySourceStore`), which drops
them: same orderings (documents newest first, then by id; chunks by index, then id) and the same
pick among equal chunk hashes (the smallest id). ``delete_bank`` erases the bank's rows for good.

``store_chunks`` is all or nothing even inside a caller's transaction: it checks every chunk's
document before writing any chunk, so a bad batch raises before the first insert.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from astrocyte.errors import ValidationError
from astrocyte.stores.sqlite._columns import record_columns, record_from_row
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.stores.time_columns import encode_time
from astrocyte.types import SourceChunk, SourceDocument
from astrocyte.validation import check_bank_id, check_id, check_positive_int

_DOCUMENT_COLUMNS = "bank_id, id, title, source_uri, content_hash, content_type, metadata, created_at"
_CHUNK_COLUMNS = "bank_id, id, document_id, chunk_index, text, content_hash, metadata, created_at"

_UPSERT_DOCUMENT = f"""
INSERT INTO source_documents ({_DOCUMENT_COLUMNS})
VALUES (:bank_id, :id, :title, :source_uri, :content_hash, :content_type, :metadata, :created_at)
ON CONFLICT (bank_id, id) DO UPDATE SET
    title = excluded.title, source_uri = excluded.source_uri, content_hash = excluded.content_hash,
    content_type = excluded.content_type, metadata = excluded.metadata, created_at = excluded.created_at,
    deleted_at = NULL
"""

_UPSERT_CHUNK = f"""
INSERT INTO source_chunks ({_CHUNK_COLUMNS})
VALUES (:bank_id, :id, :document_id, :chunk_index, :text, :content_hash, :metadata, :created_at)
ON CONFLICT (bank_id, id) DO UPDATE SET
    document_id = excluded.document_id, chunk_index = excluded.chunk_index, text = excluded.text,
    content_hash = excluded.content_hash, metadata = excluded.metadata, created_at = excluded.created_at,
    deleted_at = NULL
"""

_LIVE_DOCUMENT = "SELECT id FROM source_documents WHERE bank_id = :bank_id AND id = :id AND deleted_at IS NULL"
_LIVE_DOCUMENT_WITH_HASH = """
SELECT id FROM source_documents WHERE bank_id = :bank_id AND content_hash = :content_hash AND deleted_at IS NULL
"""
_LIVE_CHUNK_OF_DOCUMENT_WITH_HASH = """
SELECT id FROM source_chunks
WHERE bank_id = :bank_id AND content_hash = :content_hash AND document_id = :document_id AND deleted_at IS NULL
ORDER BY id LIMIT 1
"""


def _document(row: sqlite3.Row) -> SourceDocument:
    return record_from_row(SourceDocument, row, times=("created_at",))


def _chunk(row: sqlite3.Row) -> SourceChunk:
    return record_from_row(SourceChunk, row, times=("created_at",))


def _now() -> int | None:
    return encode_time(datetime.now(UTC))


def _stamped_columns(record: SourceDocument | SourceChunk, now: int | None) -> dict[str, Any]:
    """The record's column values, ``created_at`` being ``now`` when the caller left it empty."""
    columns = record_columns(record, times=("created_at",))
    if columns["created_at"] is None:
        columns["created_at"] = now
    return columns


class SqliteSourceStore(SqliteStore):
    """Source documents and chunks in the SQLite file at ``path``."""

    holds = "sources"

    async def store_document(self, document: SourceDocument) -> str:
        check_bank_id(document.bank_id)
        check_id(document.id, "id")
        with self.database.write() as connection:
            if document.content_hash is not None:
                parameters = {
                    "bank_id": document.bank_id,
                    "content_hash": check_id(document.content_hash, "content_hash"),
                }
                existing = connection.execute(_LIVE_DOCUMENT_WITH_HASH, parameters).fetchone()
                if existing is not None:
                    return str(existing["id"])
            connection.execute(_UPSERT_DOCUMENT, _stamped_columns(document, _now()))
        return document.id

    async def get_document(self, document_id: str, bank_id: str) -> SourceDocument | None:
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM source_documents "
            "WHERE bank_id = :bank_id AND id = :id AND deleted_at IS NULL",
            {"bank_id": check_bank_id(bank_id), "id": check_id(document_id, "document_id")},
        )
        return _document(rows[0]) if rows else None

    async def find_document_by_hash(self, content_hash: str, bank_id: str) -> SourceDocument | None:
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM source_documents "
            "WHERE bank_id = :bank_id AND content_hash = :content_hash AND deleted_at IS NULL",
            {"bank_id": check_bank_id(bank_id), "content_hash": check_id(content_hash, "content_hash")},
        )
        return _document(rows[0]) if rows else None

    async def list_documents(self, bank_id: str, *, limit: int = 100) -> list[SourceDocument]:
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM source_documents WHERE bank_id = :bank_id AND deleted_at IS NULL "
            "ORDER BY created_at DESC, id LIMIT :limit",
            {"bank_id": check_bank_id(bank_id), "limit": check_positive_int(limit, "limit")},
        )
        return [_document(row) for row in rows]

    async def delete_document(self, document_id: str, bank_id: str) -> bool:
        parameters = {"bank_id": check_bank_id(bank_id), "id": check_id(document_id, "document_id"), "now": _now()}
        with self.database.write() as connection:
            hidden = connection.execute(
                "UPDATE source_documents SET deleted_at = :now "
                "WHERE bank_id = :bank_id AND id = :id AND deleted_at IS NULL",
                parameters,
            ).rowcount
            connection.execute(
                "UPDATE source_chunks SET deleted_at = :now "
                "WHERE bank_id = :bank_id AND document_id = :id AND deleted_at IS NULL",
                parameters,
            )
        return hidden > 0

    async def store_chunks(self, chunks: list[SourceChunk]) -> list[str]:
        for index, chunk in enumerate(chunks):
            check_bank_id(chunk.bank_id, f"chunks[{index}].bank_id")
            check_id(chunk.id, f"chunks[{index}].id")
            if chunk.content_hash is not None:
                check_id(chunk.content_hash, f"chunks[{index}].content_hash")
        now = _now()
        with self.database.write() as connection:
            self._check_documents_are_live(connection, chunks)
            return [self._store_chunk(connection, chunk, now) for chunk in chunks]

    @staticmethod
    def _check_documents_are_live(connection: sqlite3.Connection, chunks: list[SourceChunk]) -> None:
        """Raise ``ValidationError`` naming the first chunk whose document is not live in the chunk's bank."""
        live: set[tuple[str, str]] = set()
        for index, chunk in enumerate(chunks):
            key = (chunk.bank_id, chunk.document_id)
            if key in live:
                continue
            if connection.execute(_LIVE_DOCUMENT, {"bank_id": chunk.bank_id, "id": chunk.document_id}).fetchone():
                live.add(key)
                continue
            raise ValidationError(
                f"chunks[{index}].document_id",
                f"{chunk.document_id!r} is no live document of bank {chunk.bank_id!r}; store the document first",
            )

    @staticmethod
    def _store_chunk(connection: sqlite3.Connection, chunk: SourceChunk, now: int | None) -> str:
        """Store one chunk, or return the id of the live chunk of its document with the same hash."""
        if chunk.content_hash is not None:
            existing = connection.execute(
                _LIVE_CHUNK_OF_DOCUMENT_WITH_HASH,
                {"bank_id": chunk.bank_id, "content_hash": chunk.content_hash, "document_id": chunk.document_id},
            ).fetchone()
            if existing is not None:
                return str(existing["id"])
        connection.execute(_UPSERT_CHUNK, _stamped_columns(chunk, now))
        return chunk.id

    async def get_chunk(self, chunk_id: str, bank_id: str) -> SourceChunk | None:
        rows = self._read(
            f"SELECT {_CHUNK_COLUMNS} FROM source_chunks WHERE bank_id = :bank_id AND id = :id AND deleted_at IS NULL",
            {"bank_id": check_bank_id(bank_id), "id": check_id(chunk_id, "chunk_id")},
        )
        return _chunk(rows[0]) if rows else None

    async def list_chunks(self, document_id: str, bank_id: str) -> list[SourceChunk]:
        rows = self._read(
            f"SELECT {_CHUNK_COLUMNS} FROM source_chunks "
            "WHERE bank_id = :bank_id AND document_id = :document_id AND deleted_at IS NULL ORDER BY chunk_index, id",
            {"bank_id": check_bank_id(bank_id), "document_id": check_id(document_id, "document_id")},
        )
        return [_chunk(row) for row in rows]

    async def find_chunk_by_hash(self, content_hash: str, bank_id: str) -> SourceChunk | None:
        rows = self._read(
            f"SELECT {_CHUNK_COLUMNS} FROM source_chunks "
            "WHERE bank_id = :bank_id AND content_hash = :content_hash AND deleted_at IS NULL ORDER BY id LIMIT 1",
            {"bank_id": check_bank_id(bank_id), "content_hash": check_id(content_hash, "content_hash")},
        )
        return _chunk(rows[0]) if rows else None

    async def delete_bank(self, bank_id: str) -> int:
        parameters = {"bank_id": check_bank_id(bank_id)}
        with self.database.write() as connection:
            (live,) = connection.execute(
                "SELECT COUNT(*) FROM source_documents WHERE bank_id = :bank_id AND deleted_at IS NULL", parameters
            ).fetchone()
            connection.execute("DELETE FROM source_chunks WHERE bank_id = :bank_id", parameters)
            connection.execute("DELETE FROM source_documents WHERE bank_id = :bank_id", parameters)
        return int(live)
