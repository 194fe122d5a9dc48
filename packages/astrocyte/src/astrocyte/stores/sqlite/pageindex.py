"""The SQLite :class:`~astrocyte.spi.PageIndexStore`: documents, section trees and section search.

Trees are checked whole with :mod:`astrocyte.pageindex_tree` before the old tree is replaced, in
one write transaction, so a bad tree leaves the saved one as it was. Search scores sections
exactly as :mod:`astrocyte.pageindex_scoring` defines (and as the in-memory store does), so the
two stores rank alike, ties included (by document id, then line).

Why not FTS5's ``bm25()``: it tokenises differently from :func:`astrocyte.text.words` (diacritics,
underscores) and uses another inverse document frequency, so it would rank differently from the
in-memory store. Instead, saving a tree writes each section's word counts to ``pageindex_terms``,
and a search reads only the postings of the query's words (one indexed lookup per word) with the
section count and total length of the sections searched (one aggregate), then scores in numpy.
With a query embedding it also reads the embedded sections searched, since any of them may be
found by meaning alone, and takes their cosine similarity in one matrix product.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.pageindex_scoring import (
    Floats,
    blended,
    checked_search,
    posting_keyword_scores,
    section_terms,
)
from astrocyte.pageindex_tree import check_dimensions, check_tree
from astrocyte.stores.sqlite._columns import record_columns, record_from_row
from astrocyte.stores.sqlite._json_values import id_list
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.types import PageIndexDocument, PageIndexSection, PageIndexSectionHit
from astrocyte.validation import check_bank_id, check_id
from astrocyte.vectors import cosine_scores, normalise_rows, top_k

_DOCUMENT_COLUMNS = "bank_id, id, source_id, md_text, reference_date, built_at, title, metadata"
_SECTION_COLUMNS = (
    "document_id, line_num, node_id, title, summary, summary_embedding, speaker, session_date, parent_node, depth, "
    "occurred_start, occurred_end, session_id"
)

_UPSERT_DOCUMENT = f"""
INSERT INTO pageindex_documents ({_DOCUMENT_COLUMNS})
VALUES (:bank_id, :id, :source_id, :md_text, :reference_date, :built_at, :title, :metadata)
ON CONFLICT (bank_id, id) DO UPDATE SET
    source_id = excluded.source_id, md_text = excluded.md_text, reference_date = excluded.reference_date,
    built_at = excluded.built_at, title = excluded.title, metadata = excluded.metadata
"""

_INSERT_SECTION = f"""
INSERT INTO pageindex_sections (bank_id, {_SECTION_COLUMNS}, word_count)
VALUES (:bank_id, :document_id, :line_num, :node_id, :title, :summary, :summary_embedding, :speaker, :session_date,
        :parent_node, :depth, :occurred_start, :occurred_end, :session_id, :word_count)
"""

#: The statements of a search, each over the sections it covers: ``{scope}`` is filled with
#: :func:`_scope`, so that a search of one document reads that document's rows only.
_COUNT = "SELECT COUNT(*), TOTAL(word_count) FROM pageindex_sections AS sections WHERE {scope}"

_POSTINGS = """
SELECT terms.word, terms.document_id, terms.line_num, terms.occurrences, sections.word_count
FROM pageindex_terms AS terms
JOIN pageindex_sections AS sections
  ON sections.bank_id = terms.bank_id AND sections.document_id = terms.document_id
 AND sections.line_num = terms.line_num
WHERE {scope} AND terms.word IN (SELECT value FROM json_each(:words))
"""

_EMBEDDED = """
SELECT sections.document_id, sections.line_num, sections.summary_embedding FROM pageindex_sections AS sections
WHERE {scope} AND sections.summary_embedding IS NOT NULL
"""

_DIMENSIONS = """
SELECT length(summary_embedding) / 4 FROM pageindex_sections
WHERE bank_id = :bank_id AND summary_embedding IS NOT NULL AND (:excluding IS NULL OR document_id <> :excluding)
LIMIT 1
"""

SectionKey = tuple[str, int]


_DOCUMENT_TIMES = ("reference_date", "built_at")
_SECTION_TIMES = ("session_date", "occurred_start", "occurred_end")
_SECTION_VECTORS = ("summary_embedding",)


def _document(row: sqlite3.Row) -> PageIndexDocument:
    return record_from_row(PageIndexDocument, row, times=_DOCUMENT_TIMES)


def _section(row: sqlite3.Row) -> PageIndexSection:
    return record_from_row(PageIndexSection, row, times=_SECTION_TIMES, vectors=_SECTION_VECTORS)


class SqlitePageIndexStore(SqliteStore):
    """Page-index documents, section trees and their word postings in the SQLite file at ``path``."""

    holds = "page index"

    async def save_document(self, document: PageIndexDocument) -> str:
        check_bank_id(document.bank_id)
        check_id(document.id, "id")
        check_id(document.source_id, "source_id")
        with self.database.write() as connection:
            connection.execute(_UPSERT_DOCUMENT, record_columns(document, times=_DOCUMENT_TIMES))
        return document.id

    async def get_document(self, document_id: str, bank_id: str) -> PageIndexDocument | None:
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM pageindex_documents WHERE bank_id = :bank_id AND id = :id",
            {"bank_id": check_bank_id(bank_id), "id": check_id(document_id, "document_id")},
        )
        return _document(rows[0]) if rows else None

    async def find_document_by_source(self, source_id: str, bank_id: str) -> PageIndexDocument | None:
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM pageindex_documents "
            "WHERE bank_id = :bank_id AND source_id = :source_id ORDER BY id LIMIT 1",
            {"bank_id": check_bank_id(bank_id), "source_id": check_id(source_id, "source_id")},
        )
        return _document(rows[0]) if rows else None

    async def list_documents(self, bank_id: str) -> list[PageIndexDocument]:
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM pageindex_documents WHERE bank_id = :bank_id ORDER BY id",
            {"bank_id": check_bank_id(bank_id)},
        )
        return [_document(row) for row in rows]

    async def delete_document(self, document_id: str, bank_id: str) -> bool:
        parameters = {"bank_id": check_bank_id(bank_id), "id": check_id(document_id, "document_id")}
        with self.database.write() as connection:
            self._clear_tree(connection, parameters)
            removed = connection.execute(
                "DELETE FROM pageindex_documents WHERE bank_id = :bank_id AND id = :id", parameters
            ).rowcount
        return removed > 0

    async def save_sections(self, document_id: str, sections: list[PageIndexSection], bank_id: str) -> int:
        parameters = {"bank_id": check_bank_id(bank_id), "id": check_id(document_id, "document_id")}
        with self.database.write() as connection:
            saved = connection.execute(
                "SELECT 1 FROM pageindex_documents WHERE bank_id = :bank_id AND id = :id", parameters
            ).fetchone()
            if saved is None:
                raise ValidationError(
                    "document_id",
                    f"{document_id!r} is not a saved document of bank {bank_id!r}; save the document first",
                )
            check_tree(document_id, sections)
            check_dimensions(sections, self._dimensions(bank_id, excluding=document_id))
            self._clear_tree(connection, parameters)
            self._insert_tree(connection, bank_id, sections)
        return len(sections)

    @staticmethod
    def _clear_tree(connection: sqlite3.Connection, parameters: dict[str, str]) -> None:
        """Delete the sections and postings of the document ``parameters`` name (``bank_id``, ``id``)."""
        for table in ("pageindex_terms", "pageindex_sections"):
            connection.execute(f"DELETE FROM {table} WHERE bank_id = :bank_id AND document_id = :id", parameters)

    @staticmethod
    def _insert_tree(connection: sqlite3.Connection, bank_id: str, sections: Sequence[PageIndexSection]) -> None:
        terms = [section_terms(section) for section in sections]
        connection.executemany(
            _INSERT_SECTION,
            [
                {
                    **record_columns(section, times=_SECTION_TIMES, vectors=_SECTION_VECTORS),
                    "bank_id": bank_id,
                    "word_count": counts.total(),
                }
                for section, counts in zip(sections, terms, strict=True)
            ],
        )
        connection.executemany(
            "INSERT INTO pageindex_terms (bank_id, word, document_id, line_num, occurrences) VALUES (?, ?, ?, ?, ?)",
            [
                (bank_id, word, section.document_id, section.line_num, occurrences)
                for section, counts in zip(sections, terms, strict=True)
                for word, occurrences in counts.items()
            ],
        )

    def _dimensions(self, bank_id: str, excluding: str | None = None) -> int | None:
        """The dimension of the bank's section embeddings (outside document ``excluding``), if it has any."""
        rows = self._read(_DIMENSIONS, {"bank_id": bank_id, "excluding": excluding})
        return int(rows[0][0]) if rows else None

    async def load_skeleton(self, document_id: str, bank_id: str) -> list[PageIndexSection]:
        rows = self._read(
            f"SELECT {_SECTION_COLUMNS} FROM pageindex_sections "
            "WHERE bank_id = :bank_id AND document_id = :document_id ORDER BY line_num",
            {"bank_id": check_bank_id(bank_id), "document_id": check_id(document_id, "document_id")},
        )
        return [_section(row) for row in rows]

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
        searched_words = checked_search(query, top_k, query_embedding, document_id, lambda: self._dimensions(bank_id))
        scope, parameters = _scope(document_id), {"bank_id": bank_id, "document_id": document_id}
        ((section_count, total_length),) = self._read(_COUNT.format(scope=scope), parameters)
        if section_count == 0:
            return []
        postings = []
        if searched_words:
            postings = self._read(_POSTINGS.format(scope=scope), {**parameters, "words": id_list(searched_words)})
        embedded = [] if query_embedding is None else self._read(_EMBEDDED.format(scope=scope), parameters)
        keys = sorted({(row["document_id"], row["line_num"]) for row in (*postings, *embedded)})
        position_of = {key: position for position, key in enumerate(keys)}
        keyword = posting_keyword_scores(postings, position_of, section_count, total_length / section_count)
        cosine = None if query_embedding is None else _cosine(embedded, position_of, query_embedding)
        return self._best_hits(keys, blended(keyword, cosine), top_k, bank_id)

    def _best_hits(self, keys: list[SectionKey], scores: Floats, limit: int, bank_id: str) -> list[PageIndexSectionHit]:
        """The ``limit`` best sections with a positive score, best first (ties in ``keys`` order)."""
        positive = np.flatnonzero(scores > 0)
        hits = []
        for position in positive[top_k(scores[positive], limit)]:
            document_id, line_num = keys[position]
            ((node_id, title, summary),) = self._read(
                "SELECT node_id, title, summary FROM pageindex_sections "
                "WHERE bank_id = :bank_id AND document_id = :document_id AND line_num = :line_num",
                {"bank_id": bank_id, "document_id": document_id, "line_num": line_num},
            )
            hits.append(
                PageIndexSectionHit(
                    document_id=document_id,
                    line_num=line_num,
                    node_id=node_id,
                    title=title,
                    score=float(scores[position]),
                    summary=summary,
                )
            )
        return hits

    async def delete_bank(self, bank_id: str) -> int:
        parameters = {"bank_id": check_bank_id(bank_id)}
        with self.database.write() as connection:
            for table in ("pageindex_terms", "pageindex_sections"):
                connection.execute(f"DELETE FROM {table} WHERE bank_id = :bank_id", parameters)
            removed = connection.execute("DELETE FROM pageindex_documents WHERE bank_id = :bank_id", parameters)
        return int(removed.rowcount)


def _scope(document_id: str | None) -> str:
    """The condition on ``sections`` that selects what a search covers: the bank, or one of its documents."""
    if document_id is None:
        return "sections.bank_id = :bank_id"
    return "sections.bank_id = :bank_id AND sections.document_id = :document_id"


def _cosine(embedded: list[sqlite3.Row], position_of: dict[SectionKey, int], query_embedding: list[float]) -> Floats:
    """The clamped cosine similarity of each candidate section with the query (0 for those without embedding)."""
    cosine = np.zeros(len(position_of))
    if embedded:
        blobs = b"".join(row["summary_embedding"] for row in embedded)
        matrix = np.frombuffer(blobs, dtype=np.float32).reshape(len(embedded), len(query_embedding))
        positions = [position_of[(row["document_id"], row["line_num"])] for row in embedded]
        cosine[positions] = cosine_scores(normalise_rows(matrix), query_embedding)
    return cosine
