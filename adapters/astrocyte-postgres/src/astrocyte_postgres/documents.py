"""The PostgreSQL :class:`~astrocyte.spi.DocumentStore`: ``tsvector`` + GIN, ranked by ``ts_rank_cd``.

The search vector is ``to_tsvector(text_search_config, text)``, written with the row. The default
configuration, ``simple``, folds case and does no stemming, so a word matches itself only, as in
the in-memory and SQLite stores; a language configuration (``english``, ...) adds stemming and
stop words. A user's query is never handed to PostgreSQL as query syntax: it is cut into words,
each quoted as a lexeme and joined with ``|`` (OR), so quotes, operators and punctuation are only
separators. ``ts_rank_cd`` (cover density) is >= 0, higher is better.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import check_documents
from astrocyte.types import Document, DocumentFilters, DocumentHit, DocumentStoreCapabilities
from astrocyte.validation import check_bank_id, check_id, check_positive_int
from astrocyte_postgres._conditions import Conditions, add_labels, json_texts
from astrocyte_postgres._store_base import PostgresStore, affected

_WORD = re.compile(r"\w+")

_UPSERT = """
INSERT INTO documents (bank_id, id, text, metadata, tags, search)
SELECT $1, i, t, m::jsonb, CASE WHEN g IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(g::jsonb)) END,
       to_tsvector($2::regconfig, t)
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(i, t, m, g)
ON CONFLICT (bank_id, id) DO UPDATE SET
    text = excluded.text, metadata = excluded.metadata, tags = excluded.tags, search = excluded.search
"""


class PostgresDocumentStore(PostgresStore):
    """Documents of every bank in one schema; ``text_search_config`` names the PostgreSQL configuration."""

    holds = "documents"

    def __init__(self, dsn: str, schema: str = "astrocyte", *, text_search_config: str = "simple", **settings: Any):
        if not isinstance(text_search_config, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", text_search_config):
            raise ValidationError(
                "text_search_config", f"{text_search_config!r} is not a text search configuration name (e.g. simple)"
            )
        self._config = text_search_config
        super().__init__(dsn, schema, **settings)

    def capabilities(self) -> DocumentStoreCapabilities:
        return DocumentStoreCapabilities(filter_tag_match_all=True, batch_store=True, transactional=True)

    async def store_document(self, document: Document, bank_id: str) -> str:
        (stored,) = await self.store_documents([document], bank_id)
        return stored

    async def store_documents(self, documents: list[Document], bank_id: str) -> list[str]:
        """Upsert every document into ``bank_id`` in one statement; returns their ids in input order."""
        check_documents(documents, bank_id)
        if not documents:
            return []
        latest = list({document.id: document for document in documents}.values())  # the last one wins
        async with self.database.writing(bank_id) as connection:
            await connection.execute(
                _UPSERT,
                bank_id,
                self._config,
                [document.id for document in latest],
                [document.text for document in latest],
                json_texts(document.metadata for document in latest),
                json_texts(document.tags for document in latest),
            )
        return [document.id for document in documents]

    async def search_fulltext(
        self,
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: DocumentFilters | None = None,
    ) -> list[DocumentHit]:
        check_bank_id(bank_id)
        check_positive_int(limit, "limit")
        if not isinstance(query, str):
            raise ValidationError("query", f"must be a string, got {type(query).__name__}")
        if filters is not None and not isinstance(filters, DocumentFilters):
            raise ValidationError("filters", f"must be a DocumentFilters, got {type(filters).__name__}")
        expression = match_expression(query)
        if expression is None:
            return []
        conditions = Conditions(first=4)
        if filters is not None:
            add_labels(conditions, filters.tags, filters.tag_match, filters.metadata_filters)
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                "SELECT id, text, metadata, tags, ts_rank_cd(search, query) AS rank "
                "FROM documents, to_tsquery($1::regconfig, $2) AS query "
                f"WHERE bank_id = $3 AND search @@ query AND {conditions.sql()} ORDER BY rank DESC, id LIMIT $4",
                self._config,
                expression,
                bank_id,
                limit,
                *conditions.parameters,
            )
        return [DocumentHit(document_id=row["id"], score=max(0.0, row["rank"]), **_labelled_text(row)) for row in rows]

    async def get_document(self, document_id: str, bank_id: str) -> Document | None:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                "SELECT id, text, metadata, tags FROM documents WHERE bank_id = $1 AND id = $2", bank_id, document_id
            )
        return None if row is None else Document(id=row["id"], **_labelled_text(row))

    async def delete_documents(self, document_ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        for position, document_id in enumerate(document_ids):
            check_id(document_id, f"document_ids[{position}]")
        if not document_ids:
            return 0
        async with self.database.writing(bank_id) as connection:
            return affected(
                await connection.execute(
                    "DELETE FROM documents WHERE bank_id = $1 AND id = ANY($2)", bank_id, list(document_ids)
                )
            )

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            return affected(await connection.execute("DELETE FROM documents WHERE bank_id = $1", bank_id))


def match_expression(query: str) -> str | None:
    """``query`` as a ``to_tsquery`` expression matching any of its words, or ``None`` when it has none.

    Each word is a quoted lexeme (a word never contains a quote), so nothing the user typed is read
    as an operator, a weight or a prefix match.
    """
    distinct: dict[str, str] = {}
    for word in _WORD.findall(query):
        distinct.setdefault(word.casefold(), word)  # PostgreSQL folds case itself; casefold() would turn ß into ss
    return " | ".join(f"'{word}'" for word in distinct.values()) or None


def _labelled_text(row: asyncpg.Record) -> dict[str, Any]:
    return {"text": row["text"], "metadata": row["metadata"], "tags": row["tags"]}
