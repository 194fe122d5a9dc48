"""pgvector's ``vector`` type in its binary wire format, encoded and decoded with numpy.

The format is two unsigned 16-bit integers (dimension, unused) and the components as big-endian
float32. Binary avoids printing and parsing 384 decimal numbers per row, which the text format
costs on every write and every ``list_vectors``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import asyncpg
import numpy as np

_HEADER = struct.Struct(">HH")


def encode_vector(vector: Sequence[float] | np.ndarray | bytes) -> bytes:
    """A vector in the wire format; ``bytes`` are taken as already encoded (see :func:`packed`)."""
    if isinstance(vector, bytes):
        return vector
    values = np.asarray(vector, dtype=">f4")
    return _HEADER.pack(len(values), 0) + values.tobytes()


def packed(vectors: Sequence[Sequence[float]] | np.ndarray) -> list[bytes]:
    """Vectors encoded ahead, for a ``vector[]`` parameter: asyncpg would read nested lists as a 2-D array.

    The batch is converted to big-endian float32 at once, then cut into rows.
    """
    if len(vectors) == 0:
        return []
    matrix = np.asarray(vectors, dtype=">f4")
    header = _HEADER.pack(matrix.shape[1], 0)
    return [header + row.tobytes() for row in matrix]


def decode_vector(data: bytes) -> list[float]:
    dimensions, _ = _HEADER.unpack_from(data)
    values: list[float] = np.frombuffer(data, dtype=">f4", count=dimensions, offset=_HEADER.size).tolist()
    return values


async def register_vector_codec(connection: asyncpg.Connection, schema: str) -> None:
    """Teach ``connection`` the ``vector`` type of the extension installed in ``schema``."""
    await connection.set_type_codec(
        "vector", schema=schema, encoder=encode_vector, decoder=decode_vector, format="binary"
    )
