"""The PostgreSQL :class:`~astrocyte.spi.DocumentStore`: ``tsvector`` + GIN, ranked by BM25 in SQL.

The search vector is ``to_tsvector(text_search_config, text)``, written with the row. The default
configuration, ``simple``, folds case and does no stemming, so a word matches itself only, as in
the in-memory and SQLite stores; a language configuration (``english``, ...) adds stemming and
stop words. A user's query is never handed to PostgreSQL as query syntax: its words are run
through ``to_tsvector`` like a document and the resulting lexemes are OR-ed, so quotes, operators
and punctuation are only separators.

Ranking is Okapi BM25 (k1 = 1.2, b = 0.75): PostgreSQL's own ``ts_rank_cd`` has no inverse
document frequency, so a rare word would weigh no more than a common one. Term frequencies come
from the tsvector's positions; the bank's document count and total length are kept per bank in
``document_banks`` by every write; document frequencies are GIN lookups, one per query word.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from astrocyte.errors import ValidationError
from astrocyte.stores.arguments import check_documents, checked_ids
from astrocyte.stores.searches import checked_fulltext_search
from astrocyte.types import Document, DocumentFilters, DocumentHit, DocumentStoreCapabilities
from astrocyte.validation import check_bank_id, check_id
from astrocyte_postgres._conditions import Conditions, add_labels, json_texts
from astrocyte_postgres._store_base import PostgresStore

_WORD = re.compile(r"\w+")
_K1 = 1.2
_B = 0.75

# $1 bank, $2 config, $3.. columns. "OFFSET 0" keeps the lateral subquery whole: flattened,
# to_tsvector would run twice per row (once for the search column, once for the length), the
# costliest part of a document write.
_BATCH = """
WITH batch AS (
    SELECT u.i, u.t, u.m::jsonb AS m,
           CASE WHEN u.g IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.g::jsonb)) END AS g,
           v.search, (SELECT coalesce(sum(cardinality(positions)), 0) FROM unnest(v.search)) AS length
    FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(i, t, m, g)
    CROSS JOIN LATERAL (SELECT to_tsvector($2::regconfig, u.t) AS search OFFSET 0) AS v
)"""

# Grows the bank's counts by the rows of ``written`` less ``{replaced}`` rows of ``{replaced_length}``
# words. The proposed row is checked before the conflict is found, so it never goes below zero (a
# replacing write can shorten a bank whose row exists already; a bank without one replaces nothing).
_COUNT_WRITTEN = """
grown AS (
    SELECT count(*) - {replaced} AS documents, coalesce(sum(length), 0) - {replaced_length} AS total_length
    FROM written
),
counted AS (
    INSERT INTO document_banks (bank_id, documents, total_length)
    SELECT $1, greatest(documents, 0), greatest(total_length, 0) FROM grown
    ON CONFLICT (bank_id) DO UPDATE SET
        documents = document_banks.documents + (SELECT documents FROM grown),
        total_length = document_banks.total_length + (SELECT total_length FROM grown)
)"""

# New documents only: the rows whose id the bank holds already are skipped; returns the ids written
# (a first import, the usual retain, never looks its ids up beyond the insert's own conflict check).
_INSERT_NEW = f"""{_BATCH},
written AS (
    INSERT INTO documents (bank_id, id, text, metadata, tags, search, length)
    SELECT $1, i, t, m, g, search, length FROM batch
    ON CONFLICT (bank_id, id) DO NOTHING
    RETURNING id, length
),
{_COUNT_WRITTEN.format(replaced=0, replaced_length=0)}
SELECT id FROM written
"""

#: The rows a replacing write will overwrite, locked until the transaction ends, with their lengths.
_LOCK_REPLACED = """
SELECT count(*), coalesce(sum(length), 0)
FROM (SELECT length FROM documents WHERE bank_id = $1 AND id = ANY($2::text[]) FOR UPDATE) AS locked
"""

# Replace (or insert) the given documents; $7 and $8: how many rows they replace and their length,
# read (and locked) beforehand. (Read in the same statement, a locking read of rows the statement
# itself updates would skip them, and the counts would keep the replaced rows.)
_REPLACE = f"""{_BATCH},
written AS (
    INSERT INTO documents (bank_id, id, text, metadata, tags, search, length)
    SELECT $1, i, t, m, g, search, length FROM batch
    ON CONFLICT (bank_id, id) DO UPDATE SET
        text = excluded.text, metadata = excluded.metadata, tags = excluded.tags,
        search = excluded.search, length = excluded.length
    RETURNING length
),{_COUNT_WRITTEN.format(replaced="$7", replaced_length="$8")}
SELECT
"""

_SHRINK = """
WITH gone AS (DELETE FROM documents WHERE bank_id = $1 AND id = ANY($2::text[]) RETURNING length)
UPDATE document_banks SET documents = documents - (SELECT count(*) FROM gone),
                          total_length = total_length - (SELECT coalesce(sum(length), 0) FROM gone)
WHERE bank_id = $1
RETURNING (SELECT count(*) FROM gone)
"""

# $1 config, $2 words, $3 bank, $4 limit, then the filters' parameters.
_SEARCH = f"""
WITH terms AS (
    SELECT lexeme, ('''' || replace(lexeme, '''', '''''') || '''')::tsquery AS query
    FROM unnest(to_tsvector($1::regconfig, $2))
),
bank AS (
    SELECT documents, greatest(total_length::float8 / greatest(documents, 1), 1) AS average_length
    FROM document_banks WHERE bank_id = $3
),
weights AS (
    SELECT terms.lexeme, ln(1 + (bank.documents - frequency.n + 0.5) / (frequency.n + 0.5)) AS idf
    FROM terms CROSS JOIN bank
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM documents WHERE bank_id = $3 AND search @@ terms.query
    ) AS frequency
),
any_term AS (SELECT string_agg(query::text, ' | ')::tsquery AS query FROM terms)
SELECT d.id, d.text, d.metadata, d.tags,
       (SELECT sum(weights.idf * cardinality(term.positions) * {_K1 + 1}
                   / (cardinality(term.positions) + {_K1} * (1 - {_B} + {_B} * d.length / bank.average_length)))
        FROM unnest(d.search) AS term JOIN weights ON weights.lexeme = term.lexeme) AS score
FROM documents AS d CROSS JOIN bank
WHERE d.bank_id = $3 AND d.search @@ (SELECT * FROM any_term) AND {{conditions}}
ORDER BY score DESC, d.id
LIMIT $4
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
        return DocumentStoreCapabilities(
            filter_tag_match_all=True, batch_store=True, transactional=True, batch_get=True
        )

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
            written = {row[0] for row in await connection.fetch(_INSERT_NEW, *self._columns(bank_id, latest))}
            present = [document for document in latest if document.id not in written]
            if present:  # the rows the bank held already: replaced, their old lengths taken off its counts
                columns = self._columns(bank_id, present)
                replaced, replaced_length = await connection.fetchrow(_LOCK_REPLACED, bank_id, columns[2]) or (0, 0)
                await connection.execute(_REPLACE, *columns, replaced, replaced_length)
        return [document.id for document in documents]

    def _columns(self, bank_id: str, documents: list[Document]) -> list[Any]:
        """The parameters of ``_INSERT_NEW`` and ``_REPLACE`` (its first six) for ``documents``."""
        return [
            bank_id,
            self._config,
            [document.id for document in documents],
            [document.text for document in documents],
            json_texts(document.metadata for document in documents),
            json_texts(document.tags for document in documents),
        ]

    async def search_fulltext(
        self,
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: DocumentFilters | None = None,
    ) -> list[DocumentHit]:
        words = " ".join(_WORD.findall(checked_fulltext_search(query, bank_id, limit, filters)))
        if not words:
            return []
        conditions = Conditions(first=4)
        if filters is not None:
            add_labels(conditions, filters.tags, filters.tag_match, filters.metadata_filters)
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                _SEARCH.format(conditions=conditions.sql()),
                self._config,
                words,
                bank_id,
                limit,
                *conditions.parameters,
            )
        return [
            DocumentHit(document_id=row["id"], score=max(0.0, row["score"] or 0.0), **_labelled_text(row))
            for row in rows
        ]

    async def get_document(self, document_id: str, bank_id: str) -> Document | None:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                "SELECT id, text, metadata, tags FROM documents WHERE bank_id = $1 AND id = $2", bank_id, document_id
            )
        return None if row is None else Document(id=row["id"], **_labelled_text(row))

    async def get_documents(self, document_ids: list[str], bank_id: str) -> list[Document]:
        """The documents of ``document_ids`` the bank holds, in that order, each once: one statement
        (declared ``batch_get``)."""
        check_bank_id(bank_id)
        wanted = list(dict.fromkeys(checked_ids(document_ids, "document_ids")))
        if not wanted:
            return []
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                "SELECT id, text, metadata, tags FROM documents WHERE bank_id = $1 AND id = ANY($2::text[])",
                bank_id,
                wanted,
            )
        found = {row["id"]: Document(id=row["id"], **_labelled_text(row)) for row in rows}
        return [found[document_id] for document_id in wanted if document_id in found]

    async def delete_documents(self, document_ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        for position, document_id in enumerate(document_ids):
            check_id(document_id, f"document_ids[{position}]")
        if not document_ids:
            return 0
        async with self.database.writing(bank_id) as connection:
            removed = await connection.fetchval(_SHRINK, bank_id, list(document_ids))
        return int(removed or 0)

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            removed = await connection.fetchval(
                "WITH gone AS (DELETE FROM documents WHERE bank_id = $1 RETURNING 1), "
                "forgotten AS (DELETE FROM document_banks WHERE bank_id = $1) SELECT count(*) FROM gone",
                bank_id,
            )
        return int(removed)


def _labelled_text(row: asyncpg.Record) -> dict[str, Any]:
    return {"text": row["text"], "metadata": row["metadata"], "tags": row["tags"]}
