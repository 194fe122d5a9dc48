"""The PostgreSQL :class:`~astrocyte.spi.PageIndexStore`: documents, section trees and section search.

Trees are checked whole with :mod:`astrocyte.pageindex_tree` before the old tree is replaced, in
one transaction, so a bad tree leaves the saved one as it was. Search scores sections exactly as
:mod:`astrocyte.pageindex_scoring` defines, like the in-memory and SQLite stores, so all three
rank alike, ties included: saving a tree writes each section's word counts to
``pageindex_terms``, and a search reads only the postings of the query's words (an index lookup
per word) with the section count and total length of what it searches, then scores in numpy
(the keyword part is the SQLite store's own function). With a query embedding it also reads the
embedded sections searched and takes their cosine similarity in one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.pageindex_scoring import Floats, blended, checked_search, posting_keyword_scores, section_terms
from astrocyte.pageindex_tree import check_dimensions, check_tree
from astrocyte.types import PageIndexDocument, PageIndexSection, PageIndexSectionHit
from astrocyte.validation import check_bank_id, check_id
from astrocyte.vectors import cosine_scores, normalise_rows, top_k
from astrocyte_postgres._store_base import PostgresStore, affected

_DOCUMENT_COLUMNS = "bank_id, id, source_id, md_text, reference_date, built_at, title, metadata"
_SECTION_COLUMNS = (
    "document_id, line_num, node_id, title, summary, summary_embedding, speaker, session_date, parent_node, depth, "
    "occurred_start, occurred_end, session_id"
)

_UPSERT_DOCUMENT = f"""
INSERT INTO pageindex_documents ({_DOCUMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (bank_id, id) DO UPDATE SET
    source_id = excluded.source_id, md_text = excluded.md_text, reference_date = excluded.reference_date,
    built_at = excluded.built_at, title = excluded.title, metadata = excluded.metadata
"""

_INSERT_SECTION = f"""
INSERT INTO pageindex_sections (bank_id, {_SECTION_COLUMNS}, word_count)
VALUES ($1, $2, $3, $4, $5, $6, $7::real[], $8, $9, $10, $11, $12, $13, $14, $15)
"""

#: What a search covers: the bank ($1), or one of its documents ($2) when one is named.
_SCOPE = "sections.bank_id = $1 AND ($2::text IS NULL OR sections.document_id = $2)"
_COUNT = f"SELECT count(*), coalesce(sum(word_count), 0) FROM pageindex_sections AS sections WHERE {_SCOPE}"
_POSTINGS = f"""
SELECT terms.word, terms.document_id, terms.line_num, terms.occurrences, sections.word_count
FROM pageindex_terms AS terms
JOIN pageindex_sections AS sections
  ON sections.bank_id = terms.bank_id AND sections.document_id = terms.document_id
 AND sections.line_num = terms.line_num
WHERE {_SCOPE} AND terms.bank_id = $1 AND terms.word = ANY($3::text[])
"""
_EMBEDDED = f"""
SELECT sections.document_id, sections.line_num, sections.summary_embedding FROM pageindex_sections AS sections
WHERE {_SCOPE} AND sections.summary_embedding IS NOT NULL
"""
_DIMENSIONS = """
SELECT cardinality(summary_embedding) FROM pageindex_sections
WHERE bank_id = $1 AND summary_embedding IS NOT NULL AND ($2::text IS NULL OR document_id <> $2)
LIMIT 1
"""

SectionKey = tuple[str, int]


class PostgresPageIndexStore(PostgresStore):
    """Page-index documents, section trees and their word postings in the schema."""

    holds = "page index"

    async def save_document(self, document: PageIndexDocument) -> str:
        check_bank_id(document.bank_id)
        check_id(document.id, "id")
        check_id(document.source_id, "source_id")
        async with self.database.writing(document.bank_id) as connection:
            await connection.execute(
                _UPSERT_DOCUMENT, *(getattr(document, name) for name in _DOCUMENT_COLUMNS.split(", "))
            )
        return document.id

    async def get_document(self, document_id: str, bank_id: str) -> PageIndexDocument | None:
        return await self._one_document("id = $2", check_bank_id(bank_id), check_id(document_id, "document_id"))

    async def find_document_by_source(self, source_id: str, bank_id: str) -> PageIndexDocument | None:
        return await self._one_document("source_id = $2", check_bank_id(bank_id), check_id(source_id, "source_id"))

    async def _one_document(self, condition: str, bank_id: str, value: str) -> PageIndexDocument | None:
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                f"SELECT {_DOCUMENT_COLUMNS} FROM pageindex_documents WHERE bank_id = $1 AND {condition} "
                "ORDER BY id LIMIT 1",
                bank_id,
                value,
            )
        return None if row is None else PageIndexDocument(**dict(row))

    async def list_documents(self, bank_id: str) -> list[PageIndexDocument]:
        check_bank_id(bank_id)
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_DOCUMENT_COLUMNS} FROM pageindex_documents WHERE bank_id = $1 ORDER BY id", bank_id
            )
        return [PageIndexDocument(**dict(row)) for row in rows]

    async def delete_document(self, document_id: str, bank_id: str) -> bool:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        async with self.database.writing(bank_id) as connection:
            await _clear_tree(connection, bank_id, document_id)
            status = await connection.execute(
                "DELETE FROM pageindex_documents WHERE bank_id = $1 AND id = $2", bank_id, document_id
            )
        return affected(status) > 0

    async def save_sections(self, document_id: str, sections: list[PageIndexSection], bank_id: str) -> int:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        async with self.database.writing(bank_id) as connection:
            saved = await connection.fetchval(
                "SELECT 1 FROM pageindex_documents WHERE bank_id = $1 AND id = $2", bank_id, document_id
            )
            if saved is None:
                raise ValidationError(
                    "document_id",
                    f"{document_id!r} is not a saved document of bank {bank_id!r}; save the document first",
                )
            check_tree(document_id, sections)
            check_dimensions(sections, await _dimensions(connection, bank_id, excluding=document_id))
            await _clear_tree(connection, bank_id, document_id)
            await _insert_tree(connection, bank_id, sections)
        return len(sections)

    async def load_skeleton(self, document_id: str, bank_id: str) -> list[PageIndexSection]:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_SECTION_COLUMNS} FROM pageindex_sections WHERE bank_id = $1 AND document_id = $2 "
                "ORDER BY line_num",
                bank_id,
                document_id,
            )
        return [PageIndexSection(**dict(row)) for row in rows]

    async def search_sections(
        self,
        query: str,
        bank_id: str,
        *,
        query_embedding: list[float] | None = None,
        top_k: int = 20,
        document_id: str | None = None,
    ) -> list[PageIndexSectionHit]:
        check_bank_id(bank_id)
        async with self.database.reading(bank_id) as connection:
            dimensions = None if query_embedding is None else await _dimensions(connection, bank_id)
            searched_words = checked_search(query, top_k, query_embedding, document_id, lambda: dimensions)
            counted = await connection.fetchrow(_COUNT, bank_id, document_id)
            assert counted is not None  # an aggregate always yields one row
            section_count, total_length = counted
            if section_count == 0:
                return []
            postings: list[Any] = []
            if searched_words:
                postings = list(await connection.fetch(_POSTINGS, bank_id, document_id, sorted(searched_words)))
            embedded: list[Any] = []
            if query_embedding is not None:
                embedded = list(await connection.fetch(_EMBEDDED, bank_id, document_id))
            keys = sorted({(row["document_id"], row["line_num"]) for row in (*postings, *embedded)})
            position_of = {key: position for position, key in enumerate(keys)}
            keyword = posting_keyword_scores(postings, position_of, section_count, float(total_length) / section_count)
            cosine = None if query_embedding is None else _cosine(embedded, position_of, query_embedding)
            return await _best_hits(connection, bank_id, keys, blended(keyword, cosine), top_k)

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            for table in ("pageindex_terms", "pageindex_sections"):
                await connection.execute(f"DELETE FROM {table} WHERE bank_id = $1", bank_id)
            return affected(await connection.execute("DELETE FROM pageindex_documents WHERE bank_id = $1", bank_id))


async def _clear_tree(connection: asyncpg.Connection, bank_id: str, document_id: str) -> None:
    for table in ("pageindex_terms", "pageindex_sections"):
        await connection.execute(f"DELETE FROM {table} WHERE bank_id = $1 AND document_id = $2", bank_id, document_id)


async def _insert_tree(connection: asyncpg.Connection, bank_id: str, sections: Sequence[PageIndexSection]) -> None:
    terms = [section_terms(section) for section in sections]
    await connection.executemany(
        _INSERT_SECTION,
        [
            (
                bank_id,
                *(getattr(section, name) for name in _SECTION_COLUMNS.split(", ")),
                counts.total(),
            )
            for section, counts in zip(sections, terms, strict=True)
        ],
    )
    postings = [
        (word, section.document_id, section.line_num, occurrences)
        for section, counts in zip(sections, terms, strict=True)
        for word, occurrences in counts.items()
    ]
    await connection.execute(
        "INSERT INTO pageindex_terms (bank_id, word, document_id, line_num, occurrences) "
        "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::integer[], $5::integer[])",
        bank_id,
        *([posting[index] for posting in postings] for index in range(4)),
    )


async def _dimensions(connection: asyncpg.Connection, bank_id: str, excluding: str | None = None) -> int | None:
    """The dimension of the bank's section embeddings (outside document ``excluding``), if it has any."""
    found = await connection.fetchval(_DIMENSIONS, bank_id, excluding)
    return None if found is None else int(found)


def _cosine(embedded: list[Any], position_of: dict[SectionKey, int], query_embedding: list[float]) -> Floats:
    """The clamped cosine similarity of each candidate section with the query (0 for those without embedding)."""
    cosine = np.zeros(len(position_of))
    if embedded:
        matrix = np.array([row["summary_embedding"] for row in embedded], dtype=np.float32)
        positions = [position_of[(row["document_id"], row["line_num"])] for row in embedded]
        cosine[positions] = cosine_scores(normalise_rows(matrix), query_embedding)
    return cosine


async def _best_hits(
    connection: asyncpg.Connection, bank_id: str, keys: list[SectionKey], scores: Floats, limit: int
) -> list[PageIndexSectionHit]:
    """The ``limit`` best sections with a positive score, best first (ties in ``keys`` order)."""
    positive = np.flatnonzero(scores > 0)
    chosen = [keys[position] for position in positive[top_k(scores[positive], limit)]]
    score_of = {keys[position]: float(scores[position]) for position in positive}
    rows = await connection.fetch(
        "SELECT document_id, line_num, node_id, title, summary FROM pageindex_sections "
        "WHERE bank_id = $1 AND (document_id, line_num) IN (SELECT * FROM unnest($2::text[], $3::integer[]))",
        bank_id,
        [document_id for document_id, _ in chosen],
        [line_num for _, line_num in chosen],
    )
    found = {(row["document_id"], row["line_num"]): row for row in rows}
    return [PageIndexSectionHit(score=score_of[key], **dict(found[key])) for key in chosen if key in found]
