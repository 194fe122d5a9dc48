"""What every store on the shared SQLite file does alike: open, join transactions, report health, close.

A store holds one reference to the :class:`~astrocyte.stores.sqlite.database.SqliteDatabase` of its
path, so every store of one file shares a connection and therefore transactions: that is what
lets the engine write a memory's rows in all stores as one unit (``transaction_key`` and
``transaction`` are :class:`astrocyte.spi.TransactionalStore`). Reads run on the connection
directly; writes go through :meth:`SqliteDatabase.write`, which joins an open transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import ClassVar

from astrocyte.errors import ProviderUnavailable
from astrocyte.stores.sqlite import default_path
from astrocyte.stores.sqlite.database import SqliteDatabase
from astrocyte.types import HealthStatus


class SqliteStore:
    """Base of the SQLite stores: the database of ``path`` (``None``: the zero-config default file)."""

    SPI_VERSION: ClassVar[int] = 1
    #: What the store keeps, for health messages ("graph", "wiki pages", ...).
    holds: ClassVar[str]

    def __init__(self, path: str | None = None) -> None:
        self._database = SqliteDatabase.acquire(default_path() if path is None else path)
        self._closed = False

    @property
    def database(self) -> SqliteDatabase:
        """The shared database; refused after :meth:`close`, which gave this store's share back."""
        if self._closed:
            raise ProviderUnavailable(f"sqlite:{self._database.path}", f"this {type(self).__name__} is closed")
        return self._database

    def _read(self, sql: str, parameters: Mapping[str, object]) -> list[sqlite3.Row]:
        """The rows of one read-only statement (committed rows, or the caller's own transaction's)."""
        with self.database.reading() as connection:
            return connection.execute(sql, parameters).fetchall()

    def transaction_key(self) -> str:
        return self.database.key

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self.database.transaction()

    def unit_transaction(self) -> AbstractAsyncContextManager[None]:
        """``transaction()`` for a caller that rolls the whole of it back when anything in it fails
        (the engine's write sessions): store calls in it take no savepoints of their own, and once
        one has failed the transaction cannot commit (see :meth:`SqliteDatabase.write`)."""
        return self.database.transaction(undo_each_call=False)

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        try:
            version = self.database.connection.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
        except (sqlite3.Error, ProviderUnavailable) as exc:
            healthy, message = False, f"sqlite {self.holds} at {self._database.path} cannot be read: {exc}"
        else:
            healthy, message = True, f"sqlite {self.holds} at {self._database.path}, schema version {version}"
        return HealthStatus(
            healthy=healthy,
            message=message,
            latency_ms=(time.perf_counter() - started) * 1000,
            last_check_at=datetime.now(UTC),
        )

    async def close(self) -> None:
        """Give back this store's share of the connection (the last store of the file closes it); idempotent."""
        if not self._closed:
            self._closed = True
            self._database.release()


def equal_to_given(filters: Mapping[str, object]) -> list[str]:
    """``column = :column`` for each filter given (not ``None``).

    Optional filters are left out of the statement rather than written as ``:x IS NULL OR x = :x``,
    which would keep the planner from using an index on the column.
    """
    return [f"{column} = :{column}" for column, value in filters.items() if value is not None]
