"""The embedded default's :class:`~astrocyte.spi.DocumentStore`: memory text ranked by SQLite FTS5's BM25.

The text lives once, in ``documents``; ``documents_fts`` indexes it (triggers keep the two in step
inside the writing transaction, so a rolled-back write leaves no stray index entries). A user's
query is never handed to FTS5 as query syntax: it is cut into words, each quoted as an FTS5 string,
and joined with ``OR``, so quotes, operators and punctuation are only separators, as in the
in-memory store. Words are cut where :func:`astrocyte.text.words` cuts them but keep their case:
FTS5 folds case itself, and Python's ``casefold`` would turn ``ß`` into ``ss``, a word the index
never holds.

FTS5's ``bm25()`` is negative, lower being better; hits carry its negation, so ``score >= 0`` and
higher is better. Its statistics (document count, average length, how many documents hold a word)
are those of the whole file, not of one bank: ranking within a bank is still BM25's, but a word
common in other banks weighs less here too.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from astrocyte.stores.arguments import check_documents, checked_ids
from astrocyte.stores.searches import checked_fulltext_search
from astrocyte.stores.sqlite import _keyword_plan as keyword_plan
from astrocyte.stores.sqlite._columns import decode_metadata, encode_metadata
from astrocyte.stores.sqlite._item_rows import (
    Conditions,
    add_label_conditions,
    decode_tags,
    encode_tags,
    name_unstorable,
    newest_row_id,
    replace_tags,
    upserted_row_ids,
)
from astrocyte.stores.sqlite._json_values import id_list
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.types import Document, DocumentFilters, DocumentHit, DocumentStoreCapabilities
from astrocyte.validation import check_bank_id, check_id

_WORD = re.compile(r"\w+")

_UPSERT = """
INSERT INTO documents (bank_id, id, text, metadata, tags) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (bank_id, id) DO UPDATE SET text = excluded.text, metadata = excluded.metadata, tags = excluded.tags
"""

#: A batch read of at most this many documents by id runs inline: a few index probes, shorter than a
#: thread hand-off.
INLINE_DOCUMENTS = 1000

# The ranked rows by primary key. ``+bank_id`` keeps SQLite off the (bank_id, id) index: through it,
# the bank check would read every row of the bank (58 ms at 100k memories) instead of the 40 asked for.
_RANKED_ROWS = (
    "SELECT row_id, id, text, metadata, tags FROM documents "
    "WHERE row_id IN (SELECT value FROM json_each(?2)) AND +bank_id = ?1"
)


class SqliteDocumentStore(SqliteStore):
    """Documents of every bank in one SQLite file (``path``; ``None``: the zero-config default file).

    Beyond the published methods it offers a batched ``store_documents`` and joins the
    transactions of the other stores of its file (:class:`astrocyte.spi.TransactionalStore`).
    """

    holds = "documents"

    def __init__(self, path: str | None = None) -> None:
        super().__init__(path)
        self._term_counts = keyword_plan.TermCounts()

    def capabilities(self) -> DocumentStoreCapabilities:
        return DocumentStoreCapabilities(
            filter_tag_match_all=True, batch_store=True, transactional=True, batch_get=True
        )

    async def store_document(self, document: Document, bank_id: str) -> str:
        (stored,) = await self.store_documents([document], bank_id)
        return stored

    async def store_documents(self, documents: list[Document], bank_id: str) -> list[str]:
        """Upsert every document into ``bank_id``; returns their ids in input order.

        The whole batch is checked before anything is written, so a bad document stores nothing.
        """
        check_documents(documents, bank_id)
        if not documents:
            return []
        # Upserting only the last document of each id ends as upserting all in order would (same
        # values, same row ids), and each row is written once: a new row is indexed after the batch
        # (below), so a second upsert of it would ask the index to delete text it does not hold yet.
        last = {document.id: document for document in documents}
        with self.database.write() as connection:
            newest = newest_row_id(connection, "documents")
            try:
                connection.executemany(_UPSERT, [_row(bank_id, document) for document in last.values()])
            except UnicodeEncodeError:
                name_unstorable(documents, ("id", "tags", "metadata"), "documents")
                raise
            row_ids = upserted_row_ids(connection, "documents", newest, [(bank_id, key) for key in last])[bank_id]
            # New rows take row ids above every earlier one (INTEGER PRIMARY KEY without AUTOINCREMENT
            # picks MAX + 1); replaced rows were re-indexed by their update trigger (migration 014).
            connection.executemany(
                "INSERT INTO documents_fts (rowid, text) VALUES (?, ?)",
                [(row_ids[key], document.text) for key, document in last.items() if row_ids[key] > newest],
            )
            replace_tags(
                connection, "document_tags", bank_id, [(row_ids[key], document.tags) for key, document in last.items()]
            )
        return [document.id for document in documents]

    async def search_fulltext(
        self,
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: DocumentFilters | None = None,
    ) -> list[DocumentHit]:
        words = query_words(checked_fulltext_search(query, bank_id, limit, filters))
        if not words:
            return []
        conditions = Conditions()
        if filters is not None:
            add_label_conditions(
                conditions,
                alias="d",
                tag_table="document_tags",
                bank_id=bank_id,
                tags=filters.tags,
                tag_match=filters.tag_match,
                metadata=filters.metadata_filters,
            )
        # In a worker thread whatever the index's size: SQLite releases the GIL while it ranks, so the
        # FTS5 statements run beside the other recall legs' Python work (docs/benchmarks.md).
        return await self.database.read(
            lambda connection: _search(connection, words, bank_id, limit, conditions, self._term_counts)
        )

    async def get_document(self, document_id: str, bank_id: str) -> Document | None:
        check_bank_id(bank_id)
        check_id(document_id, "document_id")
        rows = self._read(
            "SELECT id, text, metadata, tags FROM documents WHERE bank_id = :bank_id AND id = :id",
            {"bank_id": bank_id, "id": document_id},
        )
        row = rows[0] if rows else None
        return None if row is None else Document(id=row["id"], **_labelled_text(row))

    async def get_documents(self, document_ids: list[str], bank_id: str) -> list[Document]:
        """The documents of ``document_ids`` that the bank holds, in that order, each once: one statement."""
        check_bank_id(bank_id)
        wanted = dict.fromkeys(checked_ids(document_ids, "document_ids"))
        if not wanted:
            return []
        rows = await self.database.read(
            lambda connection: connection.execute(
                "SELECT id, text, metadata, tags FROM documents "
                "WHERE bank_id = ? AND id IN (SELECT value FROM json_each(?))",
                (bank_id, id_list(wanted)),
            ).fetchall(),
            inline=len(wanted) <= INLINE_DOCUMENTS,
        )
        by_id = {row["id"]: row for row in rows}
        return [Document(id=key, **_labelled_text(by_id[key])) for key in wanted if key in by_id]

    async def delete_documents(self, document_ids: list[str], bank_id: str) -> int:
        check_bank_id(bank_id)
        for position, document_id in enumerate(document_ids):
            check_id(document_id, f"document_ids[{position}]")
        if not document_ids:
            return 0
        with self.database.write() as connection:
            deleted: int = connection.execute(
                "DELETE FROM documents WHERE bank_id = ? AND id IN (SELECT value FROM json_each(?))",
                (bank_id, id_list(document_ids)),
            ).rowcount
        return deleted

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        with self.database.write() as connection:
            deleted: int = connection.execute("DELETE FROM documents WHERE bank_id = ?", (bank_id,)).rowcount
        return deleted


def query_words(query: str) -> list[str]:
    """The distinct words of ``query`` (first spelling kept), each to be quoted as an FTS5 string.

    A word never contains ``"``, so nothing the user typed is read as an operator, a column filter
    or a prefix query.
    """
    distinct: dict[str, str] = {}
    for word in _WORD.findall(query):
        distinct.setdefault(word.casefold(), word)
    return list(distinct.values())


def _row(bank_id: str, document: Document) -> tuple[str, str, str, str | None, str | None]:
    return bank_id, document.id, document.text, encode_metadata(document.metadata), encode_tags(document.tags)


def _labelled_text(row: sqlite3.Row) -> dict[str, Any]:
    """The text, metadata and tags of a row, as a document and a hit both carry them."""
    return {"text": row["text"], "metadata": decode_metadata(row["metadata"]), "tags": decode_tags(row["tags"])}


def _search(
    connection: sqlite3.Connection,
    words: list[str],
    bank_id: str,
    limit: int,
    conditions: Conditions,
    term_counts: keyword_plan.TermCounts,
) -> list[DocumentHit]:
    """The best ``limit`` hits of ``words`` in ``bank_id``: ranked by :mod:`._keyword_plan`, then read."""
    if conditions.clauses or _other_banks(connection, bank_id):
        ranking = (
            "SELECT d.row_id AS row_id, bm25(documents_fts) AS bm25 "
            "FROM documents_fts JOIN documents AS d ON d.row_id = documents_fts.rowid "
            f"WHERE documents_fts MATCH ? AND d.bank_id = ? AND {conditions.sql()} ORDER BY {{order}} LIMIT ?"
        )
        parameters: list[Any] = [bank_id, *conditions.parameters]
    else:  # the bank is alone in the file: rank the index without a lookup of each row's bank
        ranking = (
            "SELECT rowid AS row_id, bm25(documents_fts) AS bm25 FROM documents_fts "
            "WHERE documents_fts MATCH ? ORDER BY {order} LIMIT ?"
        )
        parameters = []

    def run(expression: str, order: str, count: int) -> list[sqlite3.Row]:
        return connection.execute(ranking.format(order=order), [expression, *parameters, count]).fetchall()

    rows_in_table = keyword_plan.table_rows(connection)
    counts = term_counts.of(connection, words, rows_in_table)
    ranked = keyword_plan.search(words, counts, rows_in_table, limit, run)
    if not ranked:
        return []
    found = connection.execute(_RANKED_ROWS, (bank_id, json.dumps([row["row_id"] for row in ranked]))).fetchall()
    by_row_id = {row["row_id"]: row for row in found}
    return [
        DocumentHit(document_id=row["id"], score=max(0.0, -score), **_labelled_text(row))
        for row, score in ((by_row_id.get(each["row_id"]), each["bm25"]) for each in ranked)
        if row is not None
    ]


def _other_banks(connection: sqlite3.Connection, bank_id: str) -> bool:
    """Whether the file holds documents of any bank but ``bank_id`` (two probes of the unique index)."""
    return (
        connection.execute(
            "SELECT 1 FROM documents WHERE bank_id < ? OR bank_id > ? LIMIT 1", (bank_id, bank_id)
        ).fetchone()
        is not None
    )
