"""One SQLite file shared by every store configured on it: connection, schema and transactions.

The embedded default keeps vectors, documents, the graph and the rest in one file, so that a
retain's rows can land in one transaction. Stores therefore do not open their own connections:
they :meth:`SqliteDatabase.acquire` the database of a path, which every store of that path shares
(reference-counted; the last :meth:`release` closes it). ``":memory:"`` is never shared: each
acquire gets a private in-memory database, which is what tests of one store want.

Writes go through :meth:`SqliteDatabase.write`, a transaction that nests: the outermost one issues
``BEGIN IMMEDIATE`` (taking the write lock up front, so two processes never deadlock upgrading a
read lock) and commits or rolls back; inner ones join it, each as a savepoint, so that a failed
store call is undone alone. The engine opens the outermost one around a whole retain through
:meth:`transaction` with ``undo_each_call=False``: it rolls the whole unit back whenever anything in
it fails, so its store calls need no savepoints of their own. A savepoint copies every page it
changes that existed when it began into a sub-journal (SQLite's undo log), and freeing it on release
costs again: 3-10 % of a retain at 100k memories, paired (docs/benchmarks.md, session 7).

Reads go through :meth:`reading` (inline) or :meth:`read` (in a worker thread). Inside the caller's
own open transaction they use the writing connection, so a writer reads its own rows and never
suspends mid-transaction. Everyone else reads on a pooled read-only connection of the file: in WAL
mode it sees committed rows only (never the half of a retain still in flight), and several reads
run at once, on threads, while SQLite releases the GIL (what makes recall's strategies concurrent).
An in-memory database has no second connection: there everything uses the one connection.

The schema is a sequence of numbered SQL files in ``migrations/`` (``001_memories.sql``, ...),
applied in order, each in its own transaction together with its row in ``schema_migrations``. The
row is inserted first, so when two processes migrate one file at once the second one's insert
fails on the primary key, it rolls back, and it finds the migration applied.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from astrocyte.errors import ProviderUnavailable
from astrocyte.stores.sqlite._checkpoints import WRITER_AUTOCHECKPOINT_PAGES, Checkpointer

MEMORY = ":memory:"
#: A vector search over a bank matrix of fewer rows than this runs inline: it takes less time than a
#: hand-off to a worker thread and back, and than it could overlap with the other recall legs
#: (measured in docs/benchmarks.md, "Short reads inline"; keyword reads are always threaded, the
#: graph ranking, bounded whatever the bank's size, always inline).
THREADED_SEARCH_ROWS = 20_000
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"(\d{3})_([a-z0-9_]+)\.sql")


#: How long a connection waits for another one's lock before it fails (SQLite's busy_timeout).
_BUSY_TIMEOUT_MS = 10_000


def _enter_wal(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL, waiting for another connection that is switching the same new file.

    SQLite answers SQLITE_BUSY at once, without calling the busy handler, to a connection that would
    have to upgrade its lock while another one converts the file (waiting could deadlock the two),
    so ``busy_timeout`` alone does not cover two processes opening a new file at the same moment:
    retry for as long as the busy timeout would have waited.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def packaged_migrations() -> list[Migration]:
    """The migrations shipped in ``astrocyte/stores/sqlite/migrations``, in version order."""
    migrations = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match is not None:
            migrations.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version number: {versions}")
    return migrations


class SqliteDatabase:
    """A shared connection to one SQLite file, migrated to the newest schema when acquired."""

    _shared: ClassVar[dict[Path, SqliteDatabase]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str | Path, migrations: list[Migration] | None = None) -> None:
        self.path = str(path)
        self._users = 0
        self._depth = 0
        self._owner: asyncio.Task[Any] | None = None
        self._undo_each_call = True  # the open transaction's: nested writes are savepoints
        self._failed_call: BaseException | None = None  # a nested write that failed in a unit transaction
        self._lock = threading.RLock()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closing = False
        self._after_commit: list[Callable[[], None]] = []
        self.commit_lock = threading.RLock()
        """Held around a COMMIT and the callbacks that follow it, so in-process caches of committed
        state (the vector matrices) change together with what read connections see."""
        try:
            if self.path != MEMORY:
                Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(
                Path(self.path).expanduser() if self.path != MEMORY else MEMORY,
                isolation_level=None,  # autocommit: transactions are explicit, see write()
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as exc:
            raise ProviderUnavailable(f"sqlite:{self.path}", f"cannot open the database: {exc}") from exc
        self.connection.row_factory = sqlite3.Row
        self._checkpoints = None if self.path == MEMORY else Checkpointer(Path(self.path).expanduser())
        try:
            self.connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            _enter_wal(self.connection)
            # A 64 MB page cache (SQLite's default is 2 MB): a retain inserts into indexes keyed by
            # content-hash ids (vectors, documents, graph mentions) at random places, which at 100k
            # memories span some 20 MB; with 2 MB most inserts first read their page back from the
            # file (graph mentions measured 40 % slower). Checkpoints run on a thread of their own.
            for pragma in (
                "synchronous = NORMAL",
                "foreign_keys = ON",
                "temp_store = MEMORY",
                "cache_size = -65536",
                f"wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}",
            ):
                self.connection.execute(f"PRAGMA {pragma}")
            self.migrate(packaged_migrations() if migrations is None else migrations)
        except sqlite3.Error as exc:  # not a database, unreadable, or a migration failed: nothing is left open
            self.connection.close()
            raise ProviderUnavailable(f"sqlite:{self.path}", f"cannot prepare the database: {exc}") from exc

    # ------------------------------------------------------------------------------ sharing

    @classmethod
    def acquire(cls, path: str | Path) -> SqliteDatabase:
        """The database of ``path``, shared with every other user of the same file."""
        if str(path) == MEMORY:
            database = cls(MEMORY)
            database._users = 1
            return database
        key = Path(path).expanduser().resolve()
        with cls._registry_lock:
            shared = cls._shared.get(key)
            if shared is None:
                shared = cls._shared[key] = cls(key)
            shared._users += 1
            return shared

    def release(self) -> None:
        """One user is done; the last one closes the connection.

        A release beyond the last does nothing: it must not evict a newer database of the same path
        from the registry, nor close a connection twice.
        """
        with self._registry_lock:
            if self._users <= 0:
                return
            self._users -= 1
            if self._users > 0:
                return
            if self.path != MEMORY and self._shared.get(Path(self.path)) is self:
                del self._shared[Path(self.path)]
        self.close()

    def close(self) -> None:
        """Close the connections and stop the checkpoint thread, whoever else holds this database.

        :meth:`release` calls it for the last user of a shared database; a database made directly
        (not through :meth:`shared`) has no users to count, so its owner calls this. Closing twice
        is harmless.
        """
        with self._readers_lock:
            readers, self._readers = self._readers, []
            self._closing = True  # a read connection still in use is closed when given back
        for reader in readers:
            reader.close()
        if self._checkpoints is not None:
            self._checkpoints.close()
        self.connection.close()

    @property
    def key(self) -> str:
        """What stores report as their ``transaction_key``: equal exactly when they share this file."""
        return f"sqlite:{self.path}" if self.path != MEMORY else f"sqlite:{MEMORY}:{id(self)}"

    # ------------------------------------------------------------------------------ reads

    def in_own_transaction(self) -> bool:
        """Whether the caller (this asyncio task, or plain synchronous code) has a transaction open."""
        return self._depth > 0 and _current_task() is self._owner

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads in this thread: the writing one inside the caller's own
        transaction (or for ``:memory:``), else a pooled read-only one seeing committed rows only."""
        if self.path == MEMORY or self.in_own_transaction():
            yield self.connection
            return
        reader = self._take_reader()
        try:
            yield reader
        finally:
            with self._readers_lock:
                pooled = not self._closing
                if pooled:
                    self._readers.append(reader)
            if not pooled:
                reader.close()

    async def read(self, work: Callable[[sqlite3.Connection], T], *, inline: bool = False) -> T:
        """``work(connection)`` as :meth:`reading` picks it: in a worker thread on a read connection, so
        other reads (and numpy) run meanwhile; inline within the caller's own transaction, which must
        not suspend.

        ``inline=True`` runs it on the read connection in this thread: for reads the caller knows to be
        short, where handing them to a thread and back costs more than running beside others gains.
        They see exactly what a threaded read sees (committed rows only).
        """
        if self.path == MEMORY or self.in_own_transaction():
            return work(self.connection)
        if inline:
            return self._read_on_reader(work)
        return await asyncio.to_thread(self._read_on_reader, work)

    def _read_on_reader(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self.reading() as connection:
            return work(connection)

    def _take_reader(self) -> sqlite3.Connection:
        with self._readers_lock:
            if self._readers:
                return self._readers.pop()
        try:
            reader = sqlite3.connect(Path(self.path).expanduser(), isolation_level=None, check_same_thread=False)
            reader.row_factory = sqlite3.Row
            # A 32 MB page cache (SQLite's default is 2 MB): recall's index probes into a bank of 100k
            # memories (graph mentions, documents by id) then mostly hit memory; measured 13 % faster.
            for pragma in (
                f"busy_timeout = {_BUSY_TIMEOUT_MS}",
                "temp_store = MEMORY",
                "query_only = ON",
                "cache_size = -32768",
            ):
                reader.execute(f"PRAGMA {pragma}")
        except sqlite3.Error as exc:
            raise ProviderUnavailable(f"sqlite:{self.path}", f"cannot open a read connection: {exc}") from exc
        return reader

    # ------------------------------------------------------------------------------ transactions

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction commits (never if it, or the savepoint
        that registered it, rolls back); must be called inside :meth:`write`."""
        self._after_commit.append(callback)

    @contextmanager
    def write(self, *, undo_each_call: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outermost, which commits or rolls back.

        A nested call is a savepoint: when it raises, its own writes are undone even if an outer
        caller catches the error and goes on, so a store call that fails leaves nothing behind.
        ``undo_each_call=False`` (taken by the outermost call only) makes the transaction one unit
        instead: nested calls join it without savepoints, and once one of them has failed the whole
        transaction can only roll back (a later write, or ending it normally, raises and rolls back),
        so here too nothing of a failed call is ever committed.
        """
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._owner = _current_task()
                self._undo_each_call, self._failed_call = undo_each_call, None
            elif _current_task() is not self._owner:
                raise RuntimeError(
                    f"a write to {self.path} from another asyncio task while a transaction is open: the "
                    "transaction's owner awaited something that suspends (only store calls may run inside it)"
                )
            else:
                self._refuse_after_failure()
            # None: the outermost call; "": a call joining a unit transaction without a savepoint
            savepoint = None if outermost else f"astrocyte_{self._depth}" if self._undo_each_call else ""
            if savepoint is None:
                self.connection.execute("BEGIN IMMEDIATE")
            elif savepoint:
                self.connection.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            pending = len(self._after_commit)
            try:
                yield self.connection
                if outermost:
                    self._refuse_after_failure()
            except BaseException as failure:
                self._depth -= 1
                del self._after_commit[pending:]
                if savepoint == "":
                    self._failed_call = self._failed_call or failure
                else:
                    self._undo(savepoint)
                if outermost:
                    self._failed_call = None  # let go of its traceback
                raise
            self._depth -= 1
            if savepoint != "":
                self._finish(savepoint)

    def _refuse_after_failure(self) -> None:
        """In a unit transaction, refuse to go on once a store call in it has failed."""
        if self._failed_call is not None:
            raise RuntimeError(
                f"a write to {self.path} failed inside a transaction that is undone only as a whole "
                f"({type(self._failed_call).__name__}: {self._failed_call}); it is rolled back"
            ) from self._failed_call

    def _finish(self, savepoint: str | None) -> None:
        if savepoint is not None:
            self.connection.execute(f"RELEASE {savepoint}")
            return
        callbacks, self._after_commit = self._after_commit, []
        with self.commit_lock:
            try:
                self.connection.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (a deferred constraint, a full disk) can leave the transaction open;
                # roll it back so the next write() can begin one.
                self._undo(None)
                raise
            if self._checkpoints is not None:
                self._checkpoints.committed()
            for callback in callbacks:
                callback()

    def _undo(self, savepoint: str | None) -> None:
        # SQLite rolls a transaction back by itself after some errors (a full disk, an I/O error);
        # then there is nothing left to undo, and trying would hide the original error.
        if not self.connection.in_transaction:
            return
        if savepoint is None:
            self.connection.execute("ROLLBACK")
        else:
            self.connection.execute(f"ROLLBACK TO {savepoint}")
            self.connection.execute(f"RELEASE {savepoint}")

    @asynccontextmanager
    async def transaction(self, *, undo_each_call: bool = True) -> AsyncIterator[None]:
        """:meth:`write` for async callers; the engine opens it around every store call of one retain
        (with ``undo_each_call=False``: see :meth:`write`).

        The connection is shared by every coroutine of the process, so a transaction must not
        suspend: inside it the engine awaits only SQLite store calls, which never yield to the event
        loop, and so no other task can run (and write) until it ends. A write from another task
        while it is open would silently join it; :meth:`write` refuses that loudly instead.
        """
        with self.write(undo_each_call=undo_each_call):
            yield

    # ------------------------------------------------------------------------------ schema

    def applied_versions(self) -> set[int]:
        """Every migration version recorded in this file (a gap is applied, whatever came later)."""
        self._ensure_migrations_table()
        return {int(row[0]) for row in self.connection.execute("SELECT version FROM schema_migrations")}

    def schema_version(self) -> int:
        """The newest migration applied to this file (0 for a new file)."""
        self._ensure_migrations_table()
        row = self.connection.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self, migrations: list[Migration]) -> list[int]:
        """Apply every migration newer than the file's schema; returns the versions applied now."""
        self._ensure_migrations_table()
        applied_now = []
        for migration in migrations:
            if migration.version in self.applied_versions():
                continue
            stamp = datetime.now(UTC).isoformat()
            script = (
                "BEGIN IMMEDIATE;\n"
                f"INSERT INTO schema_migrations (version, name, applied_at) "
                f"VALUES ({migration.version}, '{migration.name}', '{stamp}');\n"
                f"{migration.sql}\n;COMMIT;"
            )
            try:
                self.connection.executescript(script)
            except sqlite3.IntegrityError:
                self.connection.execute("ROLLBACK")
                if self._applied(migration.version):
                    continue  # another connection applied it first: its row's insert is what failed
                raise  # the migration's own statements broke a constraint
            except sqlite3.Error:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                raise
            applied_now.append(migration.version)
        return applied_now

    def _applied(self, version: int) -> bool:
        row = self.connection.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone()
        return row is not None

    def _ensure_migrations_table(self) -> None:
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )


def search_runs_inline(rows: int | None) -> bool:
    """Whether a search over ``rows`` rows (``None``: not known yet, so maybe many) runs inline."""
    return rows is not None and rows < THREADED_SEARCH_ROWS


def _current_task() -> asyncio.Task[Any] | None:
    """The running asyncio task, or ``None`` outside an event loop (plain synchronous use)."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None
