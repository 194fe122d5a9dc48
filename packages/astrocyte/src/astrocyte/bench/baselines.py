"""The raw work a recall or a retain costs without Astrocyte, for the ratios every report prints.

- semantic: the query embedded, then one matrix-vector product and a top-k over the same unit
  vectors the store holds (numpy, no framework);
- keyword: one FTS5 ``MATCH`` with BM25 ordering on a bare SQLite table of the same texts;
- retain: the texts embedded and inserted into that bare table with their vector blobs.
The same embedder object is used, so the difference is what the framework adds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.text import words


class RawBaseline:
    """A bare SQLite FTS5 table and a numpy matrix holding the same memories as the engine."""

    def __init__(self, path: Path, embedder: HashingEmbedder) -> None:
        self._embedder = embedder
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.execute("CREATE TABLE memories (id INTEGER PRIMARY KEY, text TEXT, vector BLOB)")
        self._connection.execute(
            "CREATE VIRTUAL TABLE memories_fts USING fts5(text, content='memories', content_rowid='id')"
        )
        self._blocks: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

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
            "INSERT INTO memories_fts (rowid, text) VALUES (?, ?)", list(zip(ids, texts, strict=True))
        )
        self._connection.execute("COMMIT")
        self._blocks.append(vectors)
        self._matrix = None

    def recall(self, query: str, limit: int = 10) -> tuple[list[int], list[int]]:
        """The raw semantic top-k and the raw FTS5 top-k for ``query``."""
        matrix = self._unit_matrix()
        [query_vector] = self._embedder.embed_matrix([query])
        scores = matrix @ query_vector
        best = np.argpartition(-scores, min(limit, len(scores) - 1))[:limit]
        semantic = best[np.argsort(-scores[best])].tolist()
        match = " OR ".join(f'"{word}"' for word in dict.fromkeys(words(query)))
        keyword = [
            row[0]
            for row in self._connection.execute(
                "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY bm25(memories_fts) LIMIT ?",
                (match, limit),
            )
        ]
        return semantic, keyword

    def close(self) -> None:
        self._connection.close()

    def _count(self) -> int:
        return sum(len(block) for block in self._blocks)

    def _unit_matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.concatenate(self._blocks) if self._blocks else np.empty((0, self._embedder.dimensions()))
        return self._matrix
