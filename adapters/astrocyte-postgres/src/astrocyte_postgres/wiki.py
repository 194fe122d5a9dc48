"""The PostgreSQL :class:`~astrocyte.spi.WikiStore`: one row per revision of each page.

The newest revision is flagged ``is_current``; a partial index over current rows lets
``get_page`` and ``list_pages`` read one row per page however long the histories grow. An upsert
locks the page's current row (``FOR UPDATE``), so two writers of one page number their revisions
one after the other. Choices the SPI leaves open follow the in-memory reference: ``revised_at`` is
the caller's or the time of the upsert; ``list_pages`` is ordered by ``page_id`` (code points);
``delete_bank`` counts pages, not revisions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import asyncpg

from astrocyte.stores.json_values import json_text
from astrocyte.types import WikiPage
from astrocyte.validation import check_bank_id, check_id
from astrocyte_postgres._conditions import equal_to_given
from astrocyte_postgres._store_base import PostgresStore, affected

_COLUMNS = (
    "bank_id, page_id, revision, kind, title, content, scope, source_ids, cross_links, revised_at, tags, metadata"
)


class PostgresWikiStore(PostgresStore):
    """Wiki pages and their revisions in the schema."""

    holds: ClassVar[str] = "wiki"

    async def upsert_page(self, page: WikiPage, bank_id: str) -> str:
        check_bank_id(bank_id)
        json_text(page.source_ids, "source_ids")
        json_text(page.cross_links, "cross_links")
        async with self.database.writing(bank_id) as connection:
            await connection.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1 || '|' || $2, 0))", bank_id, page.page_id
            )
            newest = await connection.fetchval(
                "SELECT MAX(revision) FROM wiki_revisions WHERE bank_id = $1 AND page_id = $2", bank_id, page.page_id
            )
            await connection.execute(
                "UPDATE wiki_revisions SET is_current = false WHERE bank_id = $1 AND page_id = $2 AND is_current",
                bank_id,
                page.page_id,
            )
            await connection.execute(
                f"INSERT INTO wiki_revisions ({_COLUMNS}, is_current) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, true)",
                bank_id,
                page.page_id,
                (newest or 0) + 1,
                page.kind,
                page.title,
                page.content,
                page.scope,
                list(page.source_ids),
                list(page.cross_links),
                page.revised_at or datetime.now(UTC),
                page.tags,
                page.metadata,
            )
        return page.page_id

    async def get_page(self, page_id: str, bank_id: str) -> WikiPage | None:
        check_bank_id(bank_id)
        check_id(page_id, "page_id")
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                f"SELECT {_COLUMNS} FROM wiki_revisions WHERE bank_id = $1 AND page_id = $2 AND is_current",
                bank_id,
                page_id,
            )
        return None if row is None else _page(row)

    async def list_pages(self, bank_id: str, scope: str | None = None, kind: str | None = None) -> list[WikiPage]:
        check_bank_id(bank_id)
        conditions = equal_to_given(first=1, scope=scope, kind=kind)
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_COLUMNS} FROM wiki_revisions WHERE bank_id = $1 AND is_current AND {conditions.sql()} "
                "ORDER BY page_id",
                bank_id,
                *conditions.parameters,
            )
        return [_page(row) for row in rows]

    async def list_revisions(self, page_id: str, bank_id: str) -> list[WikiPage]:
        check_bank_id(bank_id)
        check_id(page_id, "page_id")
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_COLUMNS} FROM wiki_revisions WHERE bank_id = $1 AND page_id = $2 ORDER BY revision",
                bank_id,
                page_id,
            )
        return [_page(row) for row in rows]

    async def delete_page(self, page_id: str, bank_id: str) -> bool:
        check_bank_id(bank_id)
        check_id(page_id, "page_id")
        async with self.database.writing(bank_id) as connection:
            status = await connection.execute(
                "DELETE FROM wiki_revisions WHERE bank_id = $1 AND page_id = $2", bank_id, page_id
            )
        return affected(status) > 0

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            pages = await connection.fetchval(
                "SELECT COUNT(*) FROM wiki_revisions WHERE bank_id = $1 AND is_current", bank_id
            )
            await connection.execute("DELETE FROM wiki_revisions WHERE bank_id = $1", bank_id)
        return int(pages)


def _page(row: asyncpg.Record) -> WikiPage:
    return WikiPage(**dict(row))
