"""The SQLite MentalModelStore of the embedded default: one row per model, its newest state.

Edits read, change and write a model inside one write transaction, so two processes editing one
model cannot lose each other's revision; what an operation means is
:func:`astrocyte.mental_model_ops.apply_operations`, the definition every backend shares. Choices
the SPI leaves open are those of the in-memory reference
(:class:`~astrocyte.stores.memory.mental_models.MemoryMentalModelStore`): the ``bank_id`` argument
decides the bank; ``upsert`` keeps the caller's ``refreshed_at``; edits leave ``refreshed_at`` and
the sources alone; ``list`` is ordered by ``model_id`` (code-point order).

``structured_doc`` is kept as JSON, so it must hold JSON values only (objects with string keys,
lists, text, numbers, booleans, null); anything else raises ``ValidationError`` naming the field
rather than coming back changed.
"""

from __future__ import annotations

import builtins
import sqlite3
from datetime import UTC, datetime
from typing import Any, ClassVar

from astrocyte.mental_model_ops import apply_operations, check_operations
from astrocyte.stores.arguments import checked_ids
from astrocyte.stores.json_values import json_text
from astrocyte.stores.sqlite._json_values import from_json
from astrocyte.stores.sqlite._store_base import SqliteStore, equal_to_given
from astrocyte.stores.time_columns import decode_time, encode_time
from astrocyte.types import MentalModel
from astrocyte.validation import as_utc, check_bank_id, check_id

_UPSERT = """
INSERT INTO mental_models (bank_id, model_id, title, content, scope, kind, source_ids, revision,
                           refreshed_at, structured_doc, source_timestamps)
VALUES (:bank_id, :model_id, :title, :content, :scope, :kind, :source_ids, 1,
        :refreshed_at, :structured_doc, :source_timestamps)
ON CONFLICT (bank_id, model_id) DO UPDATE SET
    title = excluded.title, content = excluded.content, scope = excluded.scope, kind = excluded.kind,
    source_ids = excluded.source_ids, revision = mental_models.revision + 1,
    refreshed_at = excluded.refreshed_at, structured_doc = excluded.structured_doc,
    source_timestamps = excluded.source_timestamps
RETURNING revision
"""

_SELECT_ONE = "SELECT * FROM mental_models WHERE bank_id = :bank_id AND model_id = :model_id"


class SqliteMentalModelStore(SqliteStore):
    """A MentalModelStore in the shared SQLite file of ``path`` (``None``: the zero-config default)."""

    holds: ClassVar[str] = "mental models"

    async def upsert(self, model: MentalModel, bank_id: str) -> int:
        check_bank_id(bank_id)
        row = {
            "bank_id": bank_id,
            "model_id": model.model_id,
            "title": model.title,
            "content": model.content,
            "scope": model.scope,
            "kind": model.kind,
            "source_ids": json_text(list(model.source_ids), "source_ids"),
            "refreshed_at": encode_time(model.refreshed_at),
            "structured_doc": json_text(model.structured_doc, "structured_doc"),
            "source_timestamps": _timestamps_text(model.source_timestamps),
        }
        with self.database.write() as connection:
            revision: int = connection.execute(_UPSERT, row).fetchone()[0]
        return revision

    async def get(self, model_id: str, bank_id: str) -> MentalModel | None:
        rows = self._read(_SELECT_ONE, _model_key(model_id, bank_id))
        return _model(rows[0]) if rows else None

    async def list(self, bank_id: str, *, scope: str | None = None, kind: str | None = None) -> list[MentalModel]:
        check_bank_id(bank_id)
        conditions = ["bank_id = :bank_id", *equal_to_given({"scope": scope, "kind": kind})]
        rows = self._read(
            f"SELECT * FROM mental_models WHERE {' AND '.join(conditions)} ORDER BY model_id",
            {"bank_id": bank_id, "scope": scope, "kind": kind},
        )
        return [_model(row) for row in rows]

    async def delete(self, model_id: str, bank_id: str) -> bool:
        key = _model_key(model_id, bank_id)
        with self.database.write() as connection:
            deleted = connection.execute(
                "DELETE FROM mental_models WHERE bank_id = :bank_id AND model_id = :model_id", key
            ).rowcount
        return deleted > 0

    async def update_via_ops(
        self, model_id: str, bank_id: str, operations_json: builtins.list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]] | None:
        key = _model_key(model_id, bank_id)
        operations = check_operations(operations_json)
        with self.database.write() as connection:
            row = connection.execute(_SELECT_ONE, key).fetchone()
            if row is None:
                return None
            outcome = apply_operations(from_json(row["structured_doc"]), row["content"], operations)
            if not outcome.changed:
                return row["revision"], outcome.summary()
            connection.execute(
                "UPDATE mental_models SET structured_doc = :structured_doc, content = :content, "
                "revision = revision + 1 WHERE bank_id = :bank_id AND model_id = :model_id",
                {
                    **key,
                    "structured_doc": json_text(outcome.structured_doc, "structured_doc"),
                    "content": outcome.content,
                },
            )
        return row["revision"] + 1, outcome.summary()

    async def refresh(self, model_id: str, bank_id: str, new_source_ids: builtins.list[str]) -> MentalModel | None:
        key = _model_key(model_id, bank_id)
        additions = checked_ids(new_source_ids, "new_source_ids")
        with self.database.write() as connection:
            row = connection.execute(_SELECT_ONE, key).fetchone()
            if row is None:
                return None
            source_ids = list(dict.fromkeys([*from_json(row["source_ids"]), *additions]))
            refreshed = connection.execute(
                "UPDATE mental_models SET source_ids = :source_ids, revision = revision + 1, "
                "refreshed_at = :refreshed_at WHERE bank_id = :bank_id AND model_id = :model_id RETURNING *",
                {**key, "source_ids": json_text(source_ids, "source_ids"), "refreshed_at": encode_time(_now())},
            ).fetchone()
        return _model(refreshed)

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        with self.database.write() as connection:
            deleted: int = connection.execute("DELETE FROM mental_models WHERE bank_id = ?", (bank_id,)).rowcount
        return deleted


def _now() -> datetime:
    return datetime.now(UTC)


def _model_key(model_id: str, bank_id: str) -> dict[str, str]:
    return {"bank_id": check_bank_id(bank_id), "model_id": check_id(model_id, "model_id")}


def _timestamps_text(timestamps: dict[str, datetime] | None) -> str | None:
    """Source timestamps as a JSON object of source id -> microseconds since the epoch."""
    if timestamps is None:
        return None
    micros = {
        source_id: encode_time(as_utc(moment, f"source_timestamps[{source_id!r}]"))
        for source_id, moment in timestamps.items()
    }
    return json_text(micros, "source_timestamps")


def _timestamps(micros: dict[str, int]) -> dict[str, datetime]:
    """Source timestamps back from their microseconds (which are never null inside the object)."""
    return {source_id: moment for source_id, value in micros.items() if (moment := decode_time(value)) is not None}


def _model(row: sqlite3.Row) -> MentalModel:
    timestamps = from_json(row["source_timestamps"])
    return MentalModel(
        model_id=row["model_id"],
        bank_id=row["bank_id"],
        title=row["title"],
        content=row["content"],
        scope=row["scope"],
        source_ids=tuple(from_json(row["source_ids"])),
        revision=row["revision"],
        refreshed_at=decode_time(row["refreshed_at"]),
        kind=row["kind"],
        structured_doc=from_json(row["structured_doc"]),
        source_timestamps=None if timestamps is None else _timestamps(timestamps),
    )


__all__ = ["SqliteMentalModelStore"]
