"""What every PostgreSQL store does alike: its settings, the shared database, health and closing.

Stores of one configuration (DSN, schema, pool settings) share a :class:`~astrocyte_postgres.database.PostgresDatabase`,
and so transactions: ``transaction_key`` and ``transaction`` are
:class:`astrocyte.spi.TransactionalStore`, which the engine uses to write a whole retain at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import ClassVar

from astrocyte.errors import ProviderUnavailable
from astrocyte.types import HealthStatus
from astrocyte_postgres.database import PostgresDatabase, Settings


class PostgresStore:
    """Base of the PostgreSQL stores; every keyword is a ``<kind>_config`` key of ``astrocyte.yaml``.

    ``dsn`` is a libpq URI (``postgresql://user:${PG_PASSWORD}@host:5432/db``; the core config
    substitutes the variable), ``schema`` the schema holding this tenant's tables (created and
    migrated on first use). Pool sizes and timeouts (seconds) go to asyncpg; ``hnsw_ef_search`` is
    the HNSW candidate list size of every search; ``row_level_security`` makes every statement set
    ``astrocyte.bank_id`` for the bank policies (see the package README).
    """

    SPI_VERSION: ClassVar[int] = 1
    #: What the store keeps, for health messages ("graph", "wiki pages", ...).
    holds: ClassVar[str]

    def __init__(
        self,
        dsn: str,
        schema: str = "astrocyte",
        *,
        pool_min_size: int = 1,
        pool_max_size: int = 10,
        connect_timeout: float = 10.0,
        command_timeout: float = 60.0,
        hnsw_ef_search: int = 64,
        row_level_security: bool = False,
    ) -> None:
        settings = Settings(
            dsn=dsn,
            schema=schema,
            pool_min_size=pool_min_size,
            pool_max_size=pool_max_size,
            connect_timeout=connect_timeout,
            command_timeout=command_timeout,
            hnsw_ef_search=hnsw_ef_search,
            row_level_security=row_level_security,
        )
        self._database = PostgresDatabase.acquire(settings)
        self._closed = False

    @property
    def database(self) -> PostgresDatabase:
        """The shared database; refused after :meth:`close`, which gave this store's share back."""
        if self._closed:
            raise ProviderUnavailable(self._database.backend, f"this {type(self).__name__} is closed")
        return self._database

    def transaction_key(self) -> str:
        return self.database.key

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self.database.transaction()

    async def health(self) -> HealthStatus:
        return await self.database.health(f"postgres {self.holds}")

    async def close(self) -> None:
        """Give back this store's share of the pool (the last store of the schema closes it); idempotent."""
        if not self._closed:
            self._closed = True
            await self._database.release()


def affected(status: str) -> int:
    """The row count of a command status such as ``DELETE 3``."""
    return int(status.rsplit(" ", 1)[-1])


def only_bank(bank_ids: Iterable[str]) -> str | None:
    """The one bank a batch writes into, or ``None`` when it spans several (row-level security then
    needs one call per bank, since a transaction names one bank)."""
    distinct = set(bank_ids)
    return distinct.pop() if len(distinct) == 1 else None
