"""The SQLite :class:`~astrocyte.spi.KnowledgeStore`: four tables of the shared file (migration 012).

Each write is one transaction (:meth:`SqliteDatabase.write`), so a forced update (save the new
adapter, remove the replaced one, move its artifacts) lands whole or not at all. An adapter is one
row: its JSON document (:mod:`astrocyte.knowledge.codec`), float32 vector blobs and outcome
counters, which ``record_outcome`` increments in SQL rather than read-modify-write.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from astrocyte.errors import Conflict
from astrocyte.knowledge.codec import adapter_document, run_document, run_from_document, vector_blob
from astrocyte.knowledge.records import AdapterWrite, RunState, StoredAdapter, StoredArtifact
from astrocyte.knowledge.rows import (
    ARTIFACT_ROW,
    BUMP_REVISION,
    SELECT_ADAPTERS,
    SELECT_ARTIFACTS,
    adapter_from_row,
    artifact_columns,
)
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.stores.time_columns import decode_time, encode_time


def _adapter(row: sqlite3.Row) -> StoredAdapter:
    return adapter_from_row(json.loads(row["record"]), tuple(row))


def _artifact(row: sqlite3.Row) -> StoredArtifact:
    values = dict(row)
    values["content"] = bytes(values["content"])
    values["created_at"] = decode_time(values["created_at"])
    return StoredArtifact(**values)


def _placeholders(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


class SqliteKnowledgeStore(SqliteStore):
    """Knowledge adapters, artifacts and runs in the SQLite file at ``path``."""

    holds = "knowledge adapters"

    async def save_adapters(self, writes: list[AdapterWrite]) -> None:
        with self.database.write() as connection:
            for write in writes:
                self._save(connection, write.adapter, write.replacing)

    def _save(self, connection: sqlite3.Connection, adapter: StoredAdapter, replacing: str | None) -> None:
        clash = connection.execute(
            f"{SELECT_ADAPTERS} WHERE space_id = ? AND slug = ? AND adapter_id NOT IN (?, ?)",
            (adapter.space_id, adapter.slug, adapter.adapter_id, replacing or adapter.adapter_id),
        ).fetchone()
        if clash is not None:
            raise Conflict(f"slug {adapter.slug!r} is taken in space {adapter.space_id!r}", existing=_adapter(clash))
        counts = connection.execute(
            "SELECT successes, failures FROM knowledge_adapters WHERE adapter_id = ?", (adapter.adapter_id,)
        ).fetchone()
        if replacing is not None and replacing != adapter.adapter_id:
            old = connection.execute(
                "SELECT successes, failures FROM knowledge_adapters WHERE adapter_id = ? AND space_id = ?",
                (replacing, adapter.space_id),
            ).fetchone()
            if old is not None:
                counts = counts or old
                self._remove(connection, replacing, keep_artifacts=True)
                connection.execute(
                    "UPDATE knowledge_artifacts SET adapter_id = ? WHERE adapter_id = ?",
                    (adapter.adapter_id, replacing),
                )
        vectors = adapter.vectors
        connection.execute(
            "INSERT OR REPLACE INTO knowledge_adapters (adapter_id, space_id, slug, record, dimensions, "
            "title_vector, text_vector, pattern_vectors, successes, failures) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                adapter.adapter_id,
                adapter.space_id,
                adapter.slug,
                json.dumps(adapter_document(adapter), ensure_ascii=False),
                len(vectors.title),
                vector_blob([vectors.title]),
                vector_blob([vectors.text]),
                vector_blob(vectors.patterns),
                counts[0] if counts else 0,
                counts[1] if counts else 0,
            ),
        )
        connection.execute("DELETE FROM knowledge_layers WHERE adapter_id = ?", (adapter.adapter_id,))
        connection.execute(BUMP_REVISION)
        connection.executemany(
            "INSERT INTO knowledge_layers (layer_id, adapter_id) VALUES (?, ?)",
            [(layer.layer_id, adapter.adapter_id) for layer in adapter.layers],
        )

    @staticmethod
    def _remove(connection: sqlite3.Connection, adapter_id: str, *, keep_artifacts: bool = False) -> int:
        removed = connection.execute("DELETE FROM knowledge_adapters WHERE adapter_id = ?", (adapter_id,)).rowcount
        connection.execute("DELETE FROM knowledge_layers WHERE adapter_id = ?", (adapter_id,))
        if not keep_artifacts:
            connection.execute("DELETE FROM knowledge_artifacts WHERE adapter_id = ?", (adapter_id,))
        return int(removed)

    async def get_adapter(self, adapter_id: str) -> StoredAdapter | None:
        rows = self._read(f"{SELECT_ADAPTERS} WHERE adapter_id = :id", {"id": adapter_id})
        return _adapter(rows[0]) if rows else None

    async def find_adapters(self, space_ids: list[str], *, slug: str | None = None) -> list[StoredAdapter]:
        if not space_ids:
            return []
        sql = f"{SELECT_ADAPTERS} WHERE space_id IN ({_placeholders(space_ids)})"
        parameters = list(space_ids)
        if slug is not None:
            sql += " AND slug = ?"
            parameters.append(slug)
        rows = self.database.connection.execute(sql + " ORDER BY space_id, adapter_id", parameters).fetchall()
        return [_adapter(row) for row in rows]

    async def adapter_of_layer(self, layer_id: str) -> StoredAdapter | None:
        rows = self._read(
            f"{SELECT_ADAPTERS} WHERE adapter_id = (SELECT adapter_id FROM knowledge_layers WHERE layer_id = :id)",
            {"id": layer_id},
        )
        return _adapter(rows[0]) if rows else None

    async def delete_adapter(self, adapter_id: str) -> bool:
        with self.database.write() as connection:
            connection.execute(BUMP_REVISION)
            return self._remove(connection, adapter_id) > 0

    async def record_outcome(self, adapter_id: str, *, success: bool) -> None:
        column = "successes" if success else "failures"
        with self.database.write() as connection:
            connection.execute(BUMP_REVISION)
            connection.execute(
                f"UPDATE knowledge_adapters SET {column} = {column} + 1 WHERE adapter_id = ?", (adapter_id,)
            )

    async def save_artifact(self, artifact: StoredArtifact) -> None:
        with self.database.write() as connection:
            clash = connection.execute(
                f"{SELECT_ARTIFACTS} WHERE adapter_id = ? AND name = ? AND artifact_id != ?",
                (artifact.adapter_id, artifact.name, artifact.artifact_id),
            ).fetchone()
            if clash is not None:
                raise Conflict(f"artifact {artifact.name!r} already exists on this adapter", existing=_artifact(clash))
            connection.execute(BUMP_REVISION)
            values = {**artifact_columns(artifact), "created_at": encode_time(artifact.created_at)}
            connection.execute(
                f"INSERT OR REPLACE INTO knowledge_artifacts ({ARTIFACT_ROW}) "
                f"VALUES ({', '.join(':' + name for name in values)})",
                values,
            )

    async def list_artifacts(self, adapter_id: str) -> list[StoredArtifact]:
        rows = self._read(f"{SELECT_ARTIFACTS} WHERE adapter_id = :id ORDER BY name", {"id": adapter_id})
        return [_artifact(row) for row in rows]

    async def find_artifacts(
        self, space_ids: list[str], *, artifact_id: str | None = None, slug: str | None = None
    ) -> list[StoredArtifact]:
        if not space_ids:
            return []
        sql = f"{SELECT_ARTIFACTS} WHERE space_id IN ({_placeholders(space_ids)})"
        parameters: list[str] = list(space_ids)
        for column, value in (("artifact_id", artifact_id), ("slug", slug)):
            if value is not None:
                sql += f" AND {column} = ?"
                parameters.append(value)
        rows = self.database.connection.execute(sql + " ORDER BY space_id, artifact_id", parameters).fetchall()
        return [_artifact(row) for row in rows]

    async def revision(self) -> int:
        return int(self._read("SELECT value FROM knowledge_revision", {})[0]["value"])

    async def save_run(self, run: RunState) -> None:
        with self.database.write() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO knowledge_runs (run_id, expires_at, record) VALUES (?, ?, ?)",
                (run.run_id, encode_time(run.expires_at), json.dumps(run_document(run), ensure_ascii=False)),
            )

    async def get_run(self, run_id: str) -> RunState | None:
        rows = self._read("SELECT record FROM knowledge_runs WHERE run_id = :id", {"id": run_id})
        return run_from_document(json.loads(rows[0]["record"])) if rows else None

    async def delete_expired_runs(self, now: datetime) -> int:
        with self.database.write() as connection:
            return int(
                connection.execute("DELETE FROM knowledge_runs WHERE expires_at < ?", (encode_time(now),)).rowcount
            )


__all__ = ["SqliteKnowledgeStore"]
