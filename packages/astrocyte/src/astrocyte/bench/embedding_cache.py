"""An embedding provider that remembers MiniLM's vectors on disk, keyed by (model, text hash).

Retrieval experiments embed the same few thousand texts again and again; on a busy CPU MiniLM
manages a few dozen texts a second, so every run after the first would spend minutes recomputing
identical vectors. This wrapper asks the model only for texts it has not seen, and returns exactly
the vectors the model returned then (float32, as stored). It is a benchmark tool: a query embedded
from the cache costs microseconds, so recall latencies measured with a warm cache exclude the
model (the LoCoMo report says whether a cache was used).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import ClassVar

import numpy as np

from astrocyte.embedders.minilm import DIMENSIONS, MiniLMEmbedder

MODEL = "all-MiniLM-L6-v2"


class CachedMiniLM:
    """:class:`~astrocyte.embedders.minilm.MiniLMEmbedder` with an on-disk cache under ``directory``."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self, directory: str) -> None:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        self._model = MiniLMEmbedder()
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(folder / "embeddings.db", check_same_thread=False, isolation_level=None)
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, digest TEXT, vector BLOB, PRIMARY KEY (model, digest))"
        )

    def dimensions(self) -> int:
        return DIMENSIONS

    async def embed(self, texts: list[str]) -> list[list[float]]:
        digests = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
        found = self._lookup(digests)
        missing = [index for index, digest in enumerate(digests) if digest not in found]
        if missing:
            computed = await self._model.embed([texts[index] for index in missing])
            rows = [
                (digests[index], np.asarray(vector, dtype=np.float32))
                for index, vector in zip(missing, computed, strict=True)
            ]
            self._store(rows)
            found.update(rows)
        vectors: list[list[float]] = [found[digest].tolist() for digest in digests]
        return vectors

    def close(self) -> None:
        self._connection.close()

    def _lookup(self, digests: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(digests))
        with self._lock:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for digest, blob in self._connection.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})", [MODEL, *part]
                ):
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _store(self, rows: list[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            self._connection.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(MODEL, digest, v.tobytes()) for digest, v in rows]
            )
