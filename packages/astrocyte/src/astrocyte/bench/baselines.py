"""The raw work a recall or a retain costs without Astrocyte, for the ratios every report prints.

- recall (:meth:`RawBaseline.recall`), the store work of a recall done bare, on one connection: the
  query embedded; one matrix-vector product and a top-``fetch`` over the same unit vectors the store
  holds (numpy); the same FTS5 statements the SQLite document store issues for the same words and
  ``fetch`` (its bounded plan, :mod:`astrocyte.stores.sqlite._keyword_plan`, run on a bare table of
  the same texts); then the texts of the rows both found, in one statement. It gets the parallelism
  the store gets: the product is split across the same threads
  (:mod:`astrocyte.parallel_scores`), and from the size at which the store searches in worker
  threads (``THREADED_SEARCH_ROWS``) the semantic part runs in a thread beside the FTS5 statements,
  as recall's legs do;
- naive recall (:meth:`RawBaseline.naive_recall`), what a bare application would write first: the
  top ``limit`` by numpy and one FTS5 ``MATCH ... ORDER BY bm25 LIMIT`` over every matching row (on
  a query holding a word found in most rows, that ranks most of the table);
- retain: the texts embedded and inserted into that bare table with their vector blobs.
The same embedder object is used, so the difference is what the framework adds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.parallel_scores import score_columns
from astrocyte.stores.sqlite import _keyword_plan as keyword_plan
from astrocyte.stores.sqlite.database import THREADED_SEARCH_ROWS
from astrocyte.stores.sqlite.documents import query_words
from astrocyte.text import words
from astrocyte.vectors import top_k

#: The store's ranking statement on a single-bank file, on the bare table (named as the store names
#: its index, so that the plan's statements and statistics reads apply unchanged).
_RANKING = (
    "SELECT rowid AS row_id, bm25(documents_fts) AS bm25 FROM documents_fts "
    "WHERE documents_fts MATCH ? ORDER BY {order} LIMIT ?"
)


class RawBaseline:
    """A bare SQLite FTS5 table and a numpy matrix holding the same memories as the engine."""

    def __init__(self, path: Path, embedder: HashingEmbedder) -> None:
        self._embedder = embedder
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.execute("CREATE TABLE memories (id INTEGER PRIMARY KEY, text TEXT, vector BLOB)")
        self._connection.execute(  # the store's tokenizer (migration 009), so both index the same words
            "CREATE VIRTUAL TABLE documents_fts USING fts5(text, content='memories', content_rowid='id', "
            "tokenize = \"porter unicode61 remove_diacritics 2 tokenchars '_'\")"
        )
        self._term_counts = keyword_plan.TermCounts()
        self._blocks: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-semantic")

    def retain(self, texts: Sequence[str]) -> None:
        """Embed and insert ``texts`` in one transaction (what a bare application would do)."""
        vectors = self._embedder.embed_matrix(list(texts))
        start = self._count()
        ids = range(start, start + len(texts))
        self._connection.execute("BEGIN")
        self._connection.executemany(
            "INSERT INTO memories VALUES (?, ?, ?)",
            [(row_id, text, vector.tobytes()) for row_id, text, vector in zip(ids, texts, vectors, strict=True)],
        )
        self._connection.executemany(
            "INSERT INTO documents_fts (rowid, text) VALUES (?, ?)", list(zip(ids, texts, strict=True))
        )
        self._connection.execute("COMMIT")
        self._blocks.append(vectors)
        self._matrix = None

    def recall(self, query: str, fetch: int) -> list[sqlite3.Row]:
        """The store work of a recall fetching ``fetch`` candidates per leg, done bare: the rows found."""
        matrix = self._unit_matrix()
        if len(matrix) < THREADED_SEARCH_ROWS:
            semantic = self._semantic(matrix, query, fetch)
            found = [row["row_id"] for row in self._keyword(query, fetch)]
        else:
            beside = self._thread.submit(self._semantic, matrix, query, fetch)
            found = [row["row_id"] for row in self._keyword(query, fetch)]
            semantic = beside.result()
        return self._connection.execute(
            "SELECT id, text FROM memories WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(dict.fromkeys(semantic + found))),),
        ).fetchall()

    def _semantic(self, matrix: np.ndarray, query: str, fetch: int) -> list[int]:
        [query_vector] = self._embedder.embed_matrix([query])
        best: list[int] = top_k(score_columns(matrix, query_vector[None, :])[:, 0], fetch).tolist()
        return best

    def naive_recall(self, query: str, limit: int = 10) -> tuple[list[int], list[int]]:
        """The naive semantic top-k and the unbounded FTS5 top-k for ``query``."""
        matrix = self._unit_matrix()
        [query_vector] = self._embedder.embed_matrix([query])
        scores = matrix @ query_vector
        best = np.argpartition(-scores, min(limit, len(scores) - 1))[:limit]
        semantic = best[np.argsort(-scores[best])].tolist()
        match = " OR ".join(f'"{word}"' for word in dict.fromkeys(words(query)))
        keyword = [
            row[0]
            for row in self._connection.execute(
                "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? ORDER BY bm25(documents_fts) LIMIT ?",
                (match, limit),
            )
        ]
        return semantic, keyword

    def _keyword(self, query: str, fetch: int) -> list[sqlite3.Row]:
        """The keyword plan of the SQLite document store for ``query``, on the bare table."""
        connection = self._connection
        found = query_words(query)
        if not found:
            return []

        def run(expression: str, order: str, count: int) -> list[sqlite3.Row]:
            return connection.execute(_RANKING.format(order=order), (expression, count)).fetchall()

        rows = keyword_plan.table_rows(connection)
        counts = self._term_counts.of(connection, found, rows)
        return keyword_plan.search(found, counts, rows, fetch, run)

    def close(self) -> None:
        self._thread.shutdown()
        self._connection.close()

    def _count(self) -> int:
        return sum(len(block) for block in self._blocks)

    def _unit_matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.concatenate(self._blocks) if self._blocks else np.empty((0, self._embedder.dimensions()))
        return self._matrix
