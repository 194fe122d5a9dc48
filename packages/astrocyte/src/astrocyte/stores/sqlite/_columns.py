"""How DTO values become SQLite column values and back, exactly.

- Datetimes are integers of microseconds since the Unix epoch (UTC), as
  :mod:`astrocyte.stores.time_columns` defines them.
- Metadata is JSON text: its values are scalars, which JSON round-trips exactly (floats included).
- Vectors are float32 blobs, as the design fixes for every stored embedding; a value that float32
  holds exactly reads back equal.

Tables whose columns are named as their DTO's fields convert whole records with
:func:`record_columns` and :func:`record_from_row`, naming only the fields that need encoding.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from astrocyte.stores.time_columns import decode_time, encode_time
from astrocyte.types import Metadata

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record")


def encode_metadata(metadata: Metadata | None) -> str | None:
    return None if metadata is None else json.dumps(metadata, ensure_ascii=False, allow_nan=False)


def decode_metadata(text: str | None) -> Metadata | None:
    """The metadata of a column's JSON text: a new dict each call (callers may change it), decoded
    once per distinct text (:func:`_decoded`)."""
    if text is None:
        return None
    return dict(_decoded(text))


@functools.lru_cache(maxsize=8192)
def _decoded(text: str) -> Metadata:
    """Recall reads the metadata of the same memories over and over (~120 candidates a recall, in
    every leg): a dict lookup and a copy of flat values cost about an eighth of ``json.loads``. Keyed by the
    text itself, so it is never stale; never handed out, only copied."""
    metadata: Metadata = json.loads(text)
    return metadata


def encode_vector(vector: Sequence[float] | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


def decode_vector(blob: bytes | None) -> list[float] | None:
    if blob is None:
        return None
    values: list[float] = np.frombuffer(blob, dtype=np.float32).tolist()
    return values


def record_columns(
    record: DataclassInstance, *, times: Iterable[str] = (), vectors: Iterable[str] = ()
) -> dict[str, Any]:
    """The column values of a DTO whose fields are named as its table's columns, ready to bind by name.

    ``times`` and ``vectors`` name the fields to encode as such; a ``metadata`` field is encoded as JSON.
    """
    values = {field.name: getattr(record, field.name) for field in fields(record)}
    return _converted(values, (times, encode_time), (vectors, encode_vector), (["metadata"], encode_metadata))


def record_from_row(
    dto: Callable[..., Record], row: sqlite3.Row, *, times: Iterable[str] = (), vectors: Iterable[str] = ()
) -> Record:
    """The DTO of a row whose columns are named as its fields: the inverse of :func:`record_columns`."""
    values = dict(zip(row.keys(), row, strict=True))
    return dto(**_converted(values, (times, decode_time), (vectors, decode_vector), (["metadata"], decode_metadata)))


def _converted(values: dict[str, Any], *conversions: tuple[Iterable[str], Callable[[Any], Any]]) -> dict[str, Any]:
    """``values`` with each named entry that is present passed through its conversion."""
    for names, convert in conversions:
        for name in names:
            if name in values:
                values[name] = convert(values[name])
    return values
