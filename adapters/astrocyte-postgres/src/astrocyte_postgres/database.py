"""One PostgreSQL schema shared by every store configured on it: pool, migrations and transactions.

Stores of one configuration (DSN, schema, pool settings) share one :class:`PostgresDatabase`
(reference-counted, like the SQLite file of the embedded default), so that a retain's vector,
document and graph rows can land in one transaction: :meth:`PostgresDatabase.transaction` binds a
connection to the running task's context, and every store call made inside it uses that connection.

The asyncpg pool is created on first use, in the event loop that uses it; a store used from
another loop later (tests give each test its own loop; ``SyncAstrocyte`` runs one in a thread) gets
a pool of that loop, and the old one's connections are terminated. The schema is migrated before
the first pool opens (see :mod:`astrocyte_postgres.migrations`).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, cast
from urllib.parse import unquote, urlsplit

import asyncpg

from astrocyte.errors import ProviderUnavailable, ValidationError
from astrocyte.types import HealthStatus
from astrocyte_postgres import migrations
from astrocyte_postgres._codec import register_vector_codec

_SCHEMA_NAME_LIMIT = 63
#: Errors meaning the server cannot be reached or went away (not a bad statement).
_CONNECTION_LOST = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


#: The largest ``hnsw.ef_search`` pgvector accepts.
MAX_EF_SEARCH = 1000


def check_ef_search(value: object, name: str) -> int:
    """An HNSW candidate list size (``hnsw.ef_search``) that pgvector accepts: 1 to 1,000. Checked
    with the configuration, since a larger one would fail only when a connection is set up or a
    threshold query runs."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EF_SEARCH:
        raise ValidationError(name, f"must be an integer from 1 to {MAX_EF_SEARCH} (pgvector's limit), got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """What a store's configuration says about its database (the same for every store kind)."""

    dsn: str
    schema: str = "astrocyte"
    pool_min_size: int = 1
    pool_max_size: int = 10
    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    hnsw_ef_search: int = 64
    row_level_security: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.dsn, str) or not self.dsn.strip():
            raise ValidationError("dsn", "must be a PostgreSQL URI such as postgresql://user:${PG_PASSWORD}@host/db")
        if (
            not isinstance(self.schema, str)
            or not self.schema
            or len(self.schema) > _SCHEMA_NAME_LIMIT
            or not all(char.isascii() and (char.isalnum() or char == "_") for char in self.schema)
            or self.schema[0].isdigit()
        ):
            raise ValidationError(
                "schema", f"{self.schema!r} is not a schema name; use up to 63 letters, digits and '_'"
            )
        for name in ("pool_min_size", "pool_max_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValidationError(name, f"must be an integer >= 1, got {value!r}")
        check_ef_search(self.hnsw_ef_search, "hnsw_ef_search")
        if self.pool_min_size > self.pool_max_size:
            raise ValidationError("pool_min_size", "must not exceed pool_max_size")
        for name in ("connect_timeout", "command_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValidationError(name, f"must be a number of seconds > 0, got {value!r}")

    @property
    def backend(self) -> str:
        """How errors and health name the database: host, port, database and schema, never credentials."""
        return f"postgres:{describe_dsn(self.dsn)}/{self.schema}"


def describe_dsn(dsn: str) -> str:
    """``host:port/database`` of a DSN (a socket folder counts as the host); the password never appears."""
    parts = urlsplit(dsn)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    host = parts.hostname or unquote(query.get("host", "")) or "localhost"
    port = f":{parts.port}" if parts.port else ""
    database = parts.path.lstrip("/") or unquote(query.get("dbname", ""))
    return f"{host}{port}/{database}"


class PostgresDatabase:
    """The pool of one configuration (DSN, schema, pool settings), shared by every store of it in this process."""

    _shared: ClassVar[dict[Settings, PostgresDatabase]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._users = 0
        self._pool: asyncpg.Pool | None = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._opening: asyncio.Lock | None = None
        self._migrated = False
        self._current: ContextVar[_Transaction | None] = ContextVar(f"astrocyte_pg_{id(self)}", default=None)

    # ------------------------------------------------------------------------------ sharing

    @classmethod
    def acquire(cls, settings: Settings) -> PostgresDatabase:
        """The database of exactly these settings, shared by every store configured with them."""
        key = settings
        with cls._registry_lock:
            shared = cls._shared.get(key)
            if shared is None:
                shared = cls._shared[key] = cls(settings)
            shared._users += 1
            return shared

    async def release(self) -> None:
        """One user is done; the last one closes the pool. A release beyond the last does nothing."""
        with self._registry_lock:
            if self._users <= 0:
                return
            self._users -= 1
            if self._users > 0:
                return
            if self._shared.get(self.settings) is self:
                del self._shared[self.settings]
        pool, self._pool = self._pool, None
        if pool is not None:
            if self._pool_loop is asyncio.get_running_loop():
                await pool.close()
            else:
                pool.terminate()

    @property
    def key(self) -> str:
        """The ``transaction_key`` of its stores: equal exactly when they share this database object."""
        return f"{self.settings.backend}#{id(self)}"

    @property
    def backend(self) -> str:
        return self.settings.backend

    # ------------------------------------------------------------------------------ connections

    async def pool(self) -> asyncpg.Pool:
        """The pool of the running event loop, created (and the schema migrated) on first use."""
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._pool_loop is loop:
            return self._pool
        if self._opening is None or self._pool_loop is not loop:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._pool is not None and self._pool_loop is loop:
                return self._pool
            if self._pool is not None:
                self._pool.terminate()  # made by a loop that is gone or elsewhere: its sockets are useless here
                self._pool = None
            self._pool_loop = loop
            if not self._migrated:
                await self.migrate()
            self._pool = await self._connecting(self._create_pool())
        return self._pool

    async def _create_pool(self) -> asyncpg.Pool:
        settings = self.settings
        probe = await self.connect()
        try:
            extension_schema = await migrations.extension_schema(probe)
        finally:
            await probe.close()

        async def prepare(connection: asyncpg.Connection) -> None:
            await register_vector_codec(connection, extension_schema)
            await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")

        # Startup settings, not SET: the pool runs RESET ALL whenever a connection comes back to it.
        pool = await asyncpg.create_pool(
            settings.dsn,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            timeout=settings.connect_timeout,
            command_timeout=settings.command_timeout,
            init=prepare,
            reset=_keep_session,
            server_settings={
                "search_path": f"{quote_identifier(settings.schema)}, {quote_identifier(extension_schema)}",
                "hnsw.ef_search": str(settings.hnsw_ef_search),
                "hnsw.iterative_scan": "strict_order",
            },
        )
        assert pool is not None
        return pool

    async def connect(self) -> asyncpg.Connection:
        """One plain connection outside the pool (migrations, administration)."""
        connection: asyncpg.Connection = await self._connecting(
            asyncpg.connect(
                self.settings.dsn, timeout=self.settings.connect_timeout, command_timeout=self.settings.command_timeout
            )
        )
        return connection

    async def _connecting(self, attempt: Any) -> Any:
        """Await a connection attempt; failures to reach the server become ProviderUnavailable."""
        try:
            return await attempt
        except _CONNECTION_LOST as exc:
            raise ProviderUnavailable(
                self.backend, f"cannot connect: {_without_secrets(exc, self.settings.dsn)}"
            ) from None
        except asyncpg.InvalidAuthorizationSpecificationError as exc:
            raise ProviderUnavailable(
                self.backend, f"login refused: {_without_secrets(exc, self.settings.dsn)}"
            ) from None

    async def migrate(self) -> list[int]:
        """Apply the packaged migrations not yet recorded in this schema; returns the versions applied now."""
        connection = await self.connect()
        try:
            applied = await migrations.migrate(connection, self.settings.schema)
        finally:
            await connection.close()
        self._migrated = True
        return applied

    # ------------------------------------------------------------------------------ transactions

    @asynccontextmanager
    async def reading(self, bank_id: str | None = None) -> AsyncIterator[asyncpg.Connection]:
        """A connection to read with: the open transaction's, or one from the pool.

        With ``row_level_security`` the read runs in a transaction that sets ``astrocyte.bank_id``,
        which the bank policies of migration 007 compare every row with.
        """
        current = self._current.get()
        if current is not None:
            async with current.lock:
                await self._scope(current.connection, bank_id)
                yield current.connection
            return
        if self.settings.row_level_security and bank_id is not None:
            async with self.writing(bank_id) as connection:
                yield connection
            return
        async with self._pooled() as connection:
            yield connection

    @asynccontextmanager
    async def reading_with(self, bank_id: str | None, setting: str) -> AsyncIterator[asyncpg.Connection]:
        """A connection to read with under ``setting`` (a ``SET LOCAL`` statement), undone afterwards.

        The read runs in a transaction of its own (a savepoint inside an open one) that is rolled
        back, not committed: a transaction-local setting made in a savepoint that is released lasts
        until the enclosing transaction ends, and would carry over into that transaction's later reads.
        """
        async with self._in_transaction(bank_id, _rolled_back) as connection:
            await connection.execute(setting)
            yield connection

    @asynccontextmanager
    async def writing(self, bank_id: str | None = None) -> AsyncIterator[asyncpg.Connection]:
        """A connection inside a transaction: a savepoint of the open one, or a transaction of its own.

        A store call that fails inside an open transaction rolls back to its savepoint, so it leaves
        nothing behind even when the caller catches the error and carries on.
        """
        async with self._in_transaction(bank_id, _committed) as connection:
            yield connection

    @asynccontextmanager
    async def _in_transaction(
        self, bank_id: str | None, ending: Callable[[asyncpg.Connection], AbstractAsyncContextManager[Any]]
    ) -> AsyncIterator[asyncpg.Connection]:
        """A connection inside ``ending(connection)`` (a transaction, or a savepoint of the open one),
        scoped to ``bank_id``."""
        current = self._current.get()
        if current is not None:
            async with current.lock, ending(current.connection):
                await self._scope(current.connection, bank_id)
                yield current.connection
            return
        async with self._pooled() as connection, ending(connection):
            await self._scope(connection, bank_id)
            yield connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One transaction that every store call of this database made inside it joins (nests)."""
        if self._current.get() is not None:
            yield  # an inner transaction joins the outer one
            return
        async with self._pooled() as connection, connection.transaction():
            token = self._current.set(_Transaction(connection, asyncio.Lock()))
            try:
                yield
            finally:
                self._current.reset(token)

    @asynccontextmanager
    async def _pooled(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; losing the server while it is in use becomes ProviderUnavailable."""
        pool = await self.pool()
        try:
            connection = await pool.acquire(timeout=self.settings.connect_timeout)
        except _CONNECTION_LOST as exc:
            raise ProviderUnavailable(
                self.backend, f"cannot connect: {_without_secrets(exc, self.settings.dsn)}"
            ) from None
        try:
            yield cast(asyncpg.Connection, connection)  # the pool's proxy forwards every Connection method
        except TimeoutError:
            raise ProviderUnavailable(
                self.backend, f"no answer within the command timeout ({self.settings.command_timeout} s)"
            ) from None
        except _CONNECTION_LOST as exc:
            raise ProviderUnavailable(
                self.backend, f"lost the connection: {_without_secrets(exc, self.settings.dsn)}"
            ) from None
        finally:
            await pool.release(connection)

    async def _scope(self, connection: asyncpg.Connection, bank_id: str | None) -> None:
        if self.settings.row_level_security and bank_id is not None:
            await connection.execute("SELECT set_config('astrocyte.bank_id', $1, true)", bank_id)

    # ------------------------------------------------------------------------------ health

    async def health(self, holds: str) -> HealthStatus:
        """Whether the schema answers, and how long one round trip took."""
        started = time.perf_counter()
        try:
            async with self.reading() as connection:
                version = await connection.fetchval("SELECT MAX(version) FROM schema_migrations")
        except (ProviderUnavailable, asyncpg.PostgresError, OSError) as exc:
            healthy, message = False, f"{holds} at {self.backend} cannot be read: {exc}"
        else:
            healthy, message = True, f"{holds} at {self.backend}, schema version {version}"
        return HealthStatus(
            healthy=healthy,
            message=message,
            latency_ms=(time.perf_counter() - started) * 1000,
            last_check_at=datetime.now(UTC),
        )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset when a connection comes back: nothing to undo, so no round trip.

    asyncpg's default reset (``RESET ALL``, ``UNLISTEN``, unlocking advisory locks) costs a round
    trip per store call; the stores leave no session state behind: their settings are
    transaction-local (``set_config(..., true)``, ``SET LOCAL``) and they take only
    transaction-level advisory locks.
    """


def _committed(connection: asyncpg.Connection) -> AbstractAsyncContextManager[Any]:
    """A transaction (or savepoint) committed when its block ends, rolled back when it raises."""
    transaction: AbstractAsyncContextManager[Any] = connection.transaction()
    return transaction


@asynccontextmanager
async def _rolled_back(connection: asyncpg.Connection) -> AsyncIterator[None]:
    """A transaction (or savepoint) that is always rolled back: for reads under a temporary setting."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield
    finally:
        await transaction.rollback()


@dataclass
class _Transaction:
    """The connection of an open transaction and the lock that keeps two tasks from using it at once."""

    connection: asyncpg.Connection
    lock: asyncio.Lock


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _without_secrets(error: BaseException, dsn: str) -> str:
    """The error's text with the DSN's password (if any) blanked, should a driver ever echo it."""
    text = f"{type(error).__name__}: {error}"
    password = urlsplit(dsn).password
    return text.replace(password, "***") if password else text
