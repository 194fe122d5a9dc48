"""The SQLite WikiStore of the embedded default: one row per revision of each page.

A page's history is its rows, revision 1 upwards; the newest is flagged ``is_current``, and partial
indexes over the current rows let ``get_page`` and ``list_pages`` read one row per page however
long the histories grow. Choices the SPI leaves open are those of the in-memory reference
(:class:`~astrocyte.stores.memory.wiki.MemoryWikiStore`): the ``bank_id`` argument decides the bank
whatever ``page.bank_id`` says; ``revised_at`` is the caller's or the time of the upsert;
``list_pages`` is ordered by ``page_id`` (code-point order); ``delete_bank`` counts pages, not
revisions.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import ClassVar

from astrocyte.stores.json_values import json_text
from astrocyte.stores.sqlite._columns import decode_metadata, encode_metadata
from astrocyte.stores.sqlite._json_values import from_json
from astrocyte.stores.sqlite._store_base import SqliteStore, equal_to_given
from astrocyte.stores.time_columns import decode_time, encode_time
from astrocyte.types import WikiPage
from astrocyte.validation import check_bank_id, check_id

_INSERT_REVISION = """
INSERT INTO wiki_revisions (bank_id, page_id, revision, is_current, kind, title, content, scope,
                            source_ids, cross_links, revised_at, tags, metadata)
VALUES (:bank_id, :page_id, :revision, 1, :kind, :title, :content, :scope,
        :source_ids, :cross_links, :revised_at, :tags, :metadata)
"""


class SqliteWikiStore(SqliteStore):
    """A WikiStore in the shared SQLite file of ``path`` (``None``: the zero-config default)."""

    holds: ClassVar[str] = "wiki"

    async def upsert_page(self, page: WikiPage, bank_id: str) -> str:
        check_bank_id(bank_id)
        row = {
            "bank_id": bank_id,
            "page_id": page.page_id,
            "kind": page.kind,
            "title": page.title,
            "content": page.content,
            "scope": page.scope,
            "source_ids": json_text(page.source_ids, "source_ids"),
            "cross_links": json_text(page.cross_links, "cross_links"),
            "revised_at": encode_time(page.revised_at or datetime.now(UTC)),
            "tags": json_text(page.tags, "tags"),
            "metadata": encode_metadata(page.metadata),
        }
        key = {"bank_id": bank_id, "page_id": page.page_id}
        with self.database.write() as connection:
            newest = connection.execute(
                "SELECT MAX(revision) FROM wiki_revisions WHERE bank_id = :bank_id AND page_id = :page_id", key
            ).fetchone()[0]
            connection.execute(
                "UPDATE wiki_revisions SET is_current = 0 "
                "WHERE bank_id = :bank_id AND page_id = :page_id AND is_current = 1",
                key,
            )
            connection.execute(_INSERT_REVISION, {**row, "revision": (newest or 0) + 1})
        return page.page_id

    async def get_page(self, page_id: str, bank_id: str) -> WikiPage | None:
        rows = self._read(
            "SELECT * FROM wiki_revisions WHERE bank_id = :bank_id AND page_id = :page_id AND is_current = 1",
            _page_key(page_id, bank_id),
        )
        return _page(rows[0]) if rows else None

    async def list_pages(self, bank_id: str, scope: str | None = None, kind: str | None = None) -> list[WikiPage]:
        check_bank_id(bank_id)
        conditions = ["bank_id = :bank_id", "is_current = 1", *equal_to_given({"scope": scope, "kind": kind})]
        rows = self._read(
            f"SELECT * FROM wiki_revisions WHERE {' AND '.join(conditions)} ORDER BY page_id",
            {"bank_id": bank_id, "scope": scope, "kind": kind},
        )
        return [_page(row) for row in rows]

    async def list_revisions(self, page_id: str, bank_id: str) -> list[WikiPage]:
        rows = self._read(
            "SELECT * FROM wiki_revisions WHERE bank_id = :bank_id AND page_id = :page_id ORDER BY revision",
            _page_key(page_id, bank_id),
        )
        return [_page(row) for row in rows]

    async def delete_page(self, page_id: str, bank_id: str) -> bool:
        key = _page_key(page_id, bank_id)
        with self.database.write() as connection:
            deleted = connection.execute(
                "DELETE FROM wiki_revisions WHERE bank_id = :bank_id AND page_id = :page_id", key
            ).rowcount
        return deleted > 0

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        with self.database.write() as connection:
            pages: int = connection.execute(
                "SELECT COUNT(*) FROM wiki_revisions WHERE bank_id = ? AND is_current = 1", (bank_id,)
            ).fetchone()[0]
            connection.execute("DELETE FROM wiki_revisions WHERE bank_id = ?", (bank_id,))
        return pages


def _page_key(page_id: str, bank_id: str) -> dict[str, str]:
    return {"bank_id": check_bank_id(bank_id), "page_id": check_id(page_id, "page_id")}


def _page(row: sqlite3.Row) -> WikiPage:
    return WikiPage(
        page_id=row["page_id"],
        bank_id=row["bank_id"],
        kind=row["kind"],
        title=row["title"],
        content=row["content"],
        scope=row["scope"],
        source_ids=from_json(row["source_ids"]),
        cross_links=from_json(row["cross_links"]),
        revision=row["revision"],
        revised_at=decode_time(row["revised_at"]),
        tags=from_json(row["tags"]),
        metadata=decode_metadata(row["metadata"]),
    )


__all__ = ["SqliteWikiStore"]
