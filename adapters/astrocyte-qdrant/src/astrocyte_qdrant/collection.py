"""The parts of a store that do not depend on what its points hold: creation on first write, deletes
by id and by bank, health, closing. The vector and document stores each own one :class:`Collection`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from astrocyte.errors import ConfigError, Problem
from astrocyte.stores.arguments import checked_ids
from astrocyte.types import HealthStatus
from astrocyte.validation import check_bank_id, check_positive_int
from astrocyte_qdrant import conditions, payloads
from astrocyte_qdrant.backend import Backend, Layout, NewPoint


class Collection:
    """A backend plus its layout; creates the collection (or shard) the first time it is written."""

    def __init__(self, backend: Backend, layout: Layout, *, batch_size: int, dimensions: int | None = None) -> None:
        self.backend = backend
        self._batch_size = check_positive_int(batch_size, "batch_size")
        self._layout = layout
        self._configured = dimensions
        self._size: int | None = None
        self._size_read = False
        self._exists = False
        self._creating = asyncio.Lock()

    async def exists(self) -> bool:
        """Whether the collection exists yet; remembered once true, so reads stop asking."""
        if not self._exists:
            self._exists = await self.backend.exists()
        return self._exists

    async def dimensions(self) -> int | None:
        """The dimension every vector must have: the collection's, else the configured one, else ``None``.

        A configured dimension that differs from an existing collection's is a configuration error:
        the collection cannot hold vectors of another size.
        """
        if not self._size_read:
            self._size = await self.backend.dense_size()
            self._size_read = True
        if self._configured is not None and self._size is not None and self._size != self._configured:
            raise ConfigError(
                f"{self.backend.name} holds vectors of {self._size} dimensions",
                [
                    Problem(
                        "vector_store_config.dimensions",
                        f"is {self._configured}; use {self._size}, "
                        f"or another collection for {self._configured}-d vectors",
                    )
                ],
            )
        return self._size if self._size is not None else self._configured

    async def ready(self, dense_size: int | None = None) -> None:
        """Create the collection (with a dense vector of ``dense_size`` when given) unless it exists."""
        if self._exists and self._size_read and (dense_size is None or self._size == dense_size):
            return
        async with self._creating:
            if not await self.backend.exists():
                await self.backend.create(self._layout, dense_size)
            elif dense_size is not None and await self.backend.dense_size() is None:
                await self.backend.add_dense(dense_size)
            self._size, self._size_read = dense_size if dense_size is not None else self._size, True
            self._exists = True

    async def write(self, points: Sequence[NewPoint]) -> None:
        """Upsert ``points`` in requests of ``batch_size`` (call :meth:`ready` first)."""
        for start in range(0, len(points), self._batch_size):
            await self.backend.upsert(points[start : start + self._batch_size])

    async def remove(self, ids: list[str], bank_id: str, field: str) -> int:
        """Delete the ids found in ``bank_id``; returns how many there were."""
        check_bank_id(bank_id)
        wanted = dict.fromkeys(checked_ids(ids, field))
        if not wanted or not await self.exists():
            return 0
        by_point = {payloads.point_id(bank_id, item_id): item_id for item_id in wanted}
        found = [
            point_id
            for point_id, record in zip(by_point, await self._records(list(by_point)), strict=True)
            if record is not None and payloads.belongs(record, bank_id, by_point[point_id])
        ]
        if found:
            await self.backend.delete(found)
        return len(found)

    async def remove_bank(self, bank_id: str) -> int:
        check_bank_id(bank_id)
        if not await self.exists():
            return 0
        in_bank = conditions.in_bank(bank_id)
        count = await self.backend.count(in_bank)
        if count:
            await self.backend.delete_where(in_bank)
        return count

    async def health(self, what: str) -> HealthStatus:
        started = time.perf_counter()
        try:
            await self.backend.check()
        except Exception as problem:
            return HealthStatus(False, f"{what} on {self.backend.name}: {problem}", None, datetime.now(UTC))
        latency = (time.perf_counter() - started) * 1000
        return HealthStatus(True, f"{what} on {self.backend.name}", latency, datetime.now(UTC))

    async def _records(self, point_ids: list[str]) -> list[dict[str, object] | None]:
        """The payload of each point id, in order (``None`` where there is no such point)."""
        found = {
            payloads.point_id(record.payload[payloads.BANK], record.payload[payloads.ID]): record.payload
            for record in await self.backend.retrieve(point_ids)
        }
        return [found.get(point_id) for point_id in point_ids]
