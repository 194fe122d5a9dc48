"""The PostgreSQL :class:`~astrocyte.spi.MentalModelStore`: one row per model, its newest state.

Edits read the row ``FOR UPDATE``, change it and write it in one transaction, so two processes
editing one model cannot lose each other's revision; what an operation means is
:func:`astrocyte.mental_model_ops.apply_operations`, the definition every backend shares. Choices
the SPI leaves open follow the in-memory reference: ``upsert`` keeps the caller's
``refreshed_at``; edits leave ``refreshed_at`` and the sources alone; ``list`` is ordered by
``model_id``. ``structured_doc`` is jsonb, so it must hold JSON values only; anything else raises
``ValidationError`` naming the field rather than coming back changed.
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any, ClassVar

import asyncpg

from astrocyte.mental_model_ops import apply_operations, check_operations
from astrocyte.stores.arguments import checked_ids
from astrocyte.stores.json_values import json_text
from astrocyte.stores.time_columns import decode_time, encode_time
from astrocyte.types import MentalModel
from astrocyte.validation import as_utc, check_bank_id, check_id
from astrocyte_postgres._conditions import equal_to_given
from astrocyte_postgres._store_base import PostgresStore, affected

_COLUMNS = (
    "model_id, bank_id, title, content, scope, kind, source_ids, revision, refreshed_at, structured_doc, "
    "source_timestamps"
)

_UPSERT = f"""
INSERT INTO mental_models ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10)
ON CONFLICT (bank_id, model_id) DO UPDATE SET
    title = excluded.title, content = excluded.content, scope = excluded.scope, kind = excluded.kind,
    source_ids = excluded.source_ids, revision = mental_models.revision + 1,
    refreshed_at = excluded.refreshed_at, structured_doc = excluded.structured_doc,
    source_timestamps = excluded.source_timestamps
RETURNING revision
"""

_SELECT_FOR_UPDATE = f"SELECT {_COLUMNS} FROM mental_models WHERE bank_id = $1 AND model_id = $2 FOR UPDATE"


class PostgresMentalModelStore(PostgresStore):
    """Mental models in the schema."""

    holds: ClassVar[str] = "mental models"

    async def upsert(self, model: MentalModel, bank_id: str) -> int:
        check_bank_id(bank_id)
        json_text(list(model.source_ids), "source_ids")
        json_text(model.structured_doc, "structured_doc")
        async with self.database.writing(bank_id) as connection:
            revision: int = await connection.fetchval(
                _UPSERT,
                model.model_id,
                bank_id,
                model.title,
                model.content,
                model.scope,
                model.kind,
                list(model.source_ids),
                model.refreshed_at,
                model.structured_doc,
                _encode_timestamps(model.source_timestamps),
            )
        return revision

    async def get(self, model_id: str, bank_id: str) -> MentalModel | None:
        key = _model_key(model_id, bank_id)
        async with self.database.reading(bank_id) as connection:
            row = await connection.fetchrow(
                f"SELECT {_COLUMNS} FROM mental_models WHERE bank_id = $1 AND model_id = $2", *key
            )
        return None if row is None else _model(row)

    async def list(self, bank_id: str, *, scope: str | None = None, kind: str | None = None) -> list[MentalModel]:
        check_bank_id(bank_id)
        conditions = equal_to_given(first=1, scope=scope, kind=kind)
        async with self.database.reading(bank_id) as connection:
            rows = await connection.fetch(
                f"SELECT {_COLUMNS} FROM mental_models WHERE bank_id = $1 AND {conditions.sql()} ORDER BY model_id",
                bank_id,
                *conditions.parameters,
            )
        return [_model(row) for row in rows]

    async def delete(self, model_id: str, bank_id: str) -> bool:
        key = _model_key(model_id, bank_id)
        async with self.database.writing(bank_id) as connection:
            status = await connection.execute("DELETE FROM mental_models WHERE bank_id = $1 AND model_id = $2", *key)
        return affected(status) > 0

    async def update_via_ops(
        self, model_id: str, bank_id: str, operations_json: builtins.list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]] | None:
        key = _model_key(model_id, bank_id)
        operations = check_operations(operations_json)
        async with self.database.writing(bank_id) as connection:
            row = await connection.fetchrow(_SELECT_FOR_UPDATE, *key)
            if row is None:
                return None
            outcome = apply_operations(row["structured_doc"], row["content"], operations)
            if not outcome.changed:
                return row["revision"], outcome.summary()
            json_text(outcome.structured_doc, "structured_doc")
            await connection.execute(
                "UPDATE mental_models SET structured_doc = $3, content = $4, revision = revision + 1 "
                "WHERE bank_id = $1 AND model_id = $2",
                *key,
                outcome.structured_doc,
                outcome.content,
            )
        return row["revision"] + 1, outcome.summary()

    async def refresh(self, model_id: str, bank_id: str, new_source_ids: builtins.list[str]) -> MentalModel | None:
        key = _model_key(model_id, bank_id)
        additions = checked_ids(new_source_ids, "new_source_ids")
        async with self.database.writing(bank_id) as connection:
            row = await connection.fetchrow(_SELECT_FOR_UPDATE, *key)
            if row is None:
                return None
            source_ids = builtins.list(dict.fromkeys([*row["source_ids"], *additions]))
            refreshed = await connection.fetchrow(
                "UPDATE mental_models SET source_ids = $3, revision = revision + 1, refreshed_at = $4 "
                f"WHERE bank_id = $1 AND model_id = $2 RETURNING {_COLUMNS}",
                *key,
                source_ids,
                datetime.now(UTC),
            )
        assert refreshed is not None  # the row is locked FOR UPDATE by this transaction
        return _model(refreshed)

    async def delete_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        async with self.database.writing(bank_id) as connection:
            return affected(await connection.execute("DELETE FROM mental_models WHERE bank_id = $1", bank_id))


def _model_key(model_id: str, bank_id: str) -> tuple[str, str]:
    return check_bank_id(bank_id), check_id(model_id, "model_id")


def _encode_timestamps(timestamps: dict[str, datetime] | None) -> dict[str, int | None] | None:
    """Source timestamps as an object of source id -> microseconds since the epoch."""
    if timestamps is None:
        return None
    return {
        source_id: encode_time(as_utc(moment, f"source_timestamps[{source_id!r}]"))
        for source_id, moment in timestamps.items()
    }


def _model(row: asyncpg.Record) -> MentalModel:
    values = dict(row)
    timestamps = values.pop("source_timestamps")
    return MentalModel(
        **values,
        source_timestamps=None
        if timestamps is None
        else {source_id: moment for source_id, micros in timestamps.items() if (moment := decode_time(micros))},
    )
