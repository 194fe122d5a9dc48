"""SqliteDatabase: one shared connection per file, nesting transactions, and migrations in order."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from astrocyte.errors import ProviderUnavailable
from astrocyte.stores.sqlite.database import MEMORY, Migration, SqliteDatabase, packaged_migrations

from ._sqlite_support import Aborted, abort_after

_NOTES = Migration(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")
_TAGS = Migration(2, "tags", "CREATE TABLE note_tags (note INTEGER NOT NULL REFERENCES notes (id), tag TEXT NOT NULL);")


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "astrocyte.db")


@pytest.fixture
def database(path: str) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(path, migrations=[_NOTES])
    yield database
    database.close()


def _bodies(path: str) -> list[str]:
    """What another connection sees committed in ``notes``."""
    with sqlite3.connect(path) as reader:
        return [row[0] for row in reader.execute("SELECT body FROM notes ORDER BY id")]


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _note(connection: sqlite3.Connection, body: str) -> None:
    connection.execute("INSERT INTO notes (body) VALUES (?)", (body,))


# ---------------------------------------------------------------------------------------- transactions


def test_nested_writes_commit_together_when_the_outermost_ends(database: SqliteDatabase, path: str) -> None:
    with database.write() as outer:
        _note(outer, "outer")
        with database.write() as inner:
            _note(inner, "inner")
        assert _bodies(path) == []  # nothing is visible to others before the outermost commits
    assert _bodies(path) == ["outer", "inner"]


def _write_then_fail(database: SqliteDatabase, *bodies: str) -> None:
    """Note ``bodies`` in nested writes, one level each, and raise :class:`Aborted` from the innermost."""
    with database.write() as connection:
        _note(connection, bodies[0])
        if len(bodies) > 1:
            _write_then_fail(database, *bodies[1:])
        raise Aborted


def test_an_error_rolls_back_everything_it_passes_through(database: SqliteDatabase, path: str) -> None:
    with pytest.raises(Aborted):
        _write_then_fail(database, "outer", "inner")
    assert _bodies(path) == []
    assert not database.connection.in_transaction
    with database.write() as again:  # the database takes new transactions afterwards
        _note(again, "after")
    assert _bodies(path) == ["after"]


def test_an_inner_error_caught_outside_undoes_only_the_inner_writes(database: SqliteDatabase, path: str) -> None:
    with database.write() as outer:
        _note(outer, "before")
        with pytest.raises(Aborted):
            _write_then_fail(database, "failed", "failed too")
        _note(outer, "after")
    assert _bodies(path) == ["before", "after"]


async def test_transaction_is_write_for_async_callers(database: SqliteDatabase, path: str) -> None:
    async with database.transaction():
        with database.write() as connection:
            _note(connection, "kept")

    async def note_dropped() -> None:
        with database.write() as connection:
            _note(connection, "dropped")

    with pytest.raises(Aborted):
        await abort_after(database.transaction, note_dropped)
    assert _bodies(path) == ["kept"]


def _savepoints_taken(database: SqliteDatabase) -> list[str]:
    """Trace the statements of ``database``'s connection; the list fills with each SAVEPOINT issued."""
    taken: list[str] = []
    database.connection.set_trace_callback(lambda sql: taken.append(sql) if sql.startswith("SAVEPOINT") else None)
    return taken


def test_a_unit_transaction_commits_nested_writes_without_savepoints(database: SqliteDatabase, path: str) -> None:
    taken = _savepoints_taken(database)
    with database.write(undo_each_call=False) as outer:
        _note(outer, "outer")
        with database.write() as inner:
            _note(inner, "inner")
            with database.write() as innermost:
                _note(innermost, "innermost")
    assert _bodies(path) == ["outer", "inner", "innermost"]
    assert taken == []
    with database.write() as outer, database.write() as inner:  # the next transaction undoes each call again
        _note(inner, "next")
    assert taken == ["SAVEPOINT astrocyte_1"]


def _go_on_after_a_failed_call(database: SqliteDatabase, then: str) -> None:
    """In a unit transaction, let a nested call fail, catch it, and go on: note ``then`` (the outer
    connection) or write it through a new nested call (``"nested"``)."""
    with database.write(undo_each_call=False) as outer:
        _note(outer, "before")
        with pytest.raises(Aborted):
            _write_then_fail(database, "failed")
        if then == "nested":
            with database.write() as later:
                _note(later, "never")
        else:
            _note(outer, then)


def test_a_unit_transaction_whose_call_failed_cannot_commit(database: SqliteDatabase, path: str) -> None:
    with pytest.raises(RuntimeError, match="undone only as a whole") as refused:
        _go_on_after_a_failed_call(database, "after")
    assert isinstance(refused.value.__cause__, Aborted)
    assert _bodies(path) == []
    assert not database.connection.in_transaction
    with database.write() as again:  # nothing of the failure stays with the database
        _note(again, "again")
    assert _bodies(path) == ["again"]


def test_a_unit_transaction_refuses_writes_after_a_failed_call(database: SqliteDatabase, path: str) -> None:
    with pytest.raises(RuntimeError, match="undone only as a whole"):
        _go_on_after_a_failed_call(database, "nested")
    assert _bodies(path) == []


async def test_a_unit_transaction_rolls_back_whole_when_it_raises(database: SqliteDatabase, path: str) -> None:
    async def note_then_fail() -> None:
        with database.write() as connection:
            _note(connection, "dropped")
        _write_then_fail(database, "failed")

    with pytest.raises(Aborted):
        async with database.transaction(undo_each_call=False):
            await note_then_fail()
    assert _bodies(path) == []
    async with database.transaction(undo_each_call=False):
        with database.write() as connection:
            _note(connection, "kept")
    assert _bodies(path) == ["kept"]


def test_a_failed_commit_leaves_no_transaction_open(path: str) -> None:
    deferred = Migration(
        2,
        "deferred",
        "CREATE TABLE child (parent INTEGER REFERENCES notes (id) DEFERRABLE INITIALLY DEFERRED);",
    )
    database = SqliteDatabase(path, migrations=[_NOTES, deferred])
    with pytest.raises(sqlite3.IntegrityError), database.write() as connection:
        connection.execute("INSERT INTO child (parent) VALUES (42)")  # checked only at COMMIT
    assert not database.connection.in_transaction
    with database.write() as connection:
        _note(connection, "next")
    assert _bodies(path) == ["next"]
    database.close()


# ---------------------------------------------------------------------------------------- sharing


def test_acquire_shares_one_database_per_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first = SqliteDatabase.acquire(str(path))
    second = SqliteDatabase.acquire(str(tmp_path / "folder" / ".." / "shared.db"))
    other = SqliteDatabase.acquire(str(tmp_path / "other.db"))
    assert first is second
    assert first.key == second.key == f"sqlite:{path.resolve()}"
    assert other is not first
    assert other.key != first.key
    for database in (first, second, other):
        database.release()


def test_in_memory_databases_are_never_shared() -> None:
    first, second = SqliteDatabase.acquire(MEMORY), SqliteDatabase.acquire(MEMORY)
    assert first is not second
    assert first.key != second.key
    with first.write() as connection:
        connection.execute("CREATE TABLE only_here (x)")
    assert "only_here" not in _tables(second.connection)
    first.release()
    second.release()


def test_the_last_release_closes_the_connection(path: str) -> None:
    first = SqliteDatabase.acquire(path)
    second = SqliteDatabase.acquire(path)
    first.release()
    second.connection.execute("SELECT 1")  # still open for the remaining user
    second.release()
    with pytest.raises(sqlite3.ProgrammingError):
        second.connection.execute("SELECT 1")
    reopened = SqliteDatabase.acquire(path)
    assert reopened is not first
    reopened.connection.execute("SELECT 1")
    reopened.release()


def test_a_release_too_many_leaves_a_newer_database_alone(path: str) -> None:
    old = SqliteDatabase.acquire(path)
    old.release()
    current = SqliteDatabase.acquire(path)
    old.release()  # one release too many
    assert SqliteDatabase.acquire(path) is current  # still registered ...
    current.connection.execute("SELECT 1")  # ... and open
    current.release()
    current.release()


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(ProviderUnavailable) as raised:
        SqliteDatabase.acquire(str(garbage))
    assert raised.value.backend == f"sqlite:{garbage.resolve()}"
    with pytest.raises(ProviderUnavailable):  # nothing half-made was registered
        SqliteDatabase.acquire(str(garbage))


# ---------------------------------------------------------------------------------------- migrations


def test_packaged_migrations_are_numbered_in_order() -> None:
    migrations = packaged_migrations()
    versions = [migration.version for migration in migrations]
    assert versions == sorted(set(versions))
    assert (migrations[0].version, migrations[0].name) == (1, "memories")


def test_migrations_apply_in_order_once(path: str, database: SqliteDatabase) -> None:
    assert database.schema_version() == 1
    assert database.migrate([_NOTES, _TAGS]) == [2]  # the second needs the first's table
    assert database.migrate([_NOTES, _TAGS]) == []
    assert database.schema_version() == 2
    reopened = SqliteDatabase(path, migrations=[_NOTES, _TAGS])
    rows = reopened.connection.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [tuple(row) for row in rows] == [(1, "notes"), (2, "tags")]
    reopened.close()


def test_a_new_file_gets_every_migration(path: str) -> None:
    database = SqliteDatabase(path, migrations=[_NOTES, _TAGS])
    assert database.schema_version() == 2
    assert {"notes", "note_tags"} <= _tables(database.connection)
    database.close()


def test_a_failing_migration_leaves_the_schema_unchanged(database: SqliteDatabase) -> None:
    broken = Migration(2, "broken", "CREATE TABLE half (x);\nINSERT INTO no_such_table VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        database.migrate([_NOTES, broken])
    assert database.schema_version() == 1
    assert "half" not in _tables(database.connection)
    assert not database.connection.in_transaction
    assert database.migrate([_NOTES, _TAGS]) == [2]


def test_a_migration_breaking_a_constraint_is_not_taken_as_applied(database: SqliteDatabase) -> None:
    """Only the failure of its own schema_migrations row means another connection applied a migration."""
    clashing = Migration(2, "clashing", "CREATE TABLE once (x UNIQUE);\nINSERT INTO once VALUES (1), (1);")
    with pytest.raises(sqlite3.IntegrityError):
        database.migrate([_NOTES, clashing])
    assert database.schema_version() == 1
    assert "once" not in _tables(database.connection)


def test_a_migration_applied_concurrently_is_applied_once(path: str, database: SqliteDatabase) -> None:
    """Another connection migrating while this one holds the write lock finds the migration applied."""
    racer = SqliteDatabase(path, migrations=[])
    waiting = threading.Event()
    racer.connection.set_trace_callback(lambda statement: waiting.set() if "BEGIN IMMEDIATE" in statement else None)
    applied: list[list[int]] = []
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            applied.append(racer.migrate([_NOTES, _TAGS]))
        except BaseException as exc:  # reported by the assertions below
            errors.append(exc)

    thread = threading.Thread(target=migrate)
    with database.write() as connection:
        connection.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, 'tags', 'now')")
        connection.execute(_TAGS.sql)
        thread.start()
        assert waiting.wait(timeout=60)  # the racer read version 1 and now waits for the write lock
    thread.join(timeout=60)
    assert errors == []
    assert applied == [[]]
    assert racer.schema_version() == 2
    assert racer.connection.execute("SELECT COUNT(*) FROM schema_migrations WHERE version = 2").fetchone()[0] == 1
    racer.close()


def test_two_connections_migrating_a_new_file_at_once_both_succeed(path: str) -> None:
    """Whichever connection wins each migration, both end on the newest schema without an error."""
    barrier = threading.Barrier(2)
    results: list[object] = []

    def open_and_migrate() -> None:
        barrier.wait()
        try:
            database = SqliteDatabase(path, migrations=[_NOTES, _TAGS])
            results.append(database.schema_version())
            database.close()
        except BaseException as exc:  # reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=open_and_migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [2, 2]


# ---------------------------------------------------------------------------------------- checkpoints


def _bodies_in_main_file(path: str, tmp_path: Path) -> list[str]:
    """What the database file holds without its write-ahead log: what checkpoints copied into it."""
    copy = tmp_path / "main-file-only.db"
    copy.write_bytes(Path(path).read_bytes())
    try:
        return _bodies(str(copy))
    except sqlite3.OperationalError:  # not even the table was copied yet
        return []
    finally:
        copy.unlink()


def test_commits_reach_the_database_file_without_waiting_for_the_log_to_fill(path: str, tmp_path: Path) -> None:
    # The writer's own automatic checkpoint waits for thousands of pages; a small commit reaches the
    # main file only through the checkpoint thread, which the commit wakes.
    database = SqliteDatabase.acquire(path)
    with database.write() as connection:
        connection.execute(_NOTES.sql)
        _note(connection, "copied")
    deadline = time.monotonic() + 30
    while _bodies_in_main_file(path, tmp_path) != ["copied"]:
        assert time.monotonic() < deadline, "no checkpoint copied the commit into the database file"
        time.sleep(0.01)
    assert _bodies(path) == ["copied"]
    database.release()


def _checkpoint_threads(path: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == f"astrocyte-checkpoint:{path}"]


def test_release_stops_the_checkpoint_thread(path: str) -> None:
    database = SqliteDatabase.acquire(path)
    with database.write() as connection:
        connection.execute(_NOTES.sql)
    for body in ("one", "two", "three"):
        with database.write() as connection:
            _note(connection, body)
    assert _checkpoint_threads(path)
    database.release()
    assert not _checkpoint_threads(path)
    assert _bodies(path) == ["one", "two", "three"]


def test_close_stops_the_checkpoint_thread_of_a_database_made_directly(path: str) -> None:
    """A database made without ``acquire`` counts no users, so ``release`` leaves it open: ``close`` ends it."""
    database = SqliteDatabase(path, migrations=[_NOTES])
    with database.write() as connection:
        _note(connection, "kept")
    assert _checkpoint_threads(path)
    database.release()
    assert _checkpoint_threads(path)
    database.close()
    database.close()
    assert not _checkpoint_threads(path)
    assert _bodies(path) == ["kept"]
