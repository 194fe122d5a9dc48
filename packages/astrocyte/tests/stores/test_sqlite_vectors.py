"""SqliteVectorStore: the whole VectorStore contract, plus what only the SQLite file promises."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from astrocyte.errors import ProviderUnavailable, ValidationError
from astrocyte.stores.sqlite._matrix import BankMatrix
from astrocyte.stores.sqlite.database import SqliteDatabase, packaged_migrations
from astrocyte.stores.sqlite.vectors import SqliteVectorStore
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte.types import VectorFilters, VectorHit, VectorItem, VectorStoreCapabilities

from ._sqlite_support import Aborted, abort_after


class TestSqliteVectorStoreContract(VectorStoreContract):
    """A fresh private in-memory database per scenario, its dimension fixed by the first write."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteVectorStore]:
        store = SqliteVectorStore(":memory:")
        yield store
        await store.close()


class TestSharedFileSqliteVectorStoreContract(VectorStoreContract):
    """One store on one file for every scenario, as a long-lived deployment has, fixed to another dimension."""

    dimensions = 12

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteVectorStore]:
        store = SqliteVectorStore(str(tmp_path_factory.mktemp("vectors") / "astrocyte.db"), dimensions=12)
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: SqliteVectorStore) -> SqliteVectorStore:
        return shared_store


# ---------------------------------------------------------------------------------------- helpers


def _item(bank_id: str, item_id: str, vector: list[float], **fields: Any) -> VectorItem:
    return VectorItem(id=item_id, bank_id=bank_id, vector=vector, text=f"memory {item_id}", **fields)


def _ids(hits: list[VectorHit]) -> list[str]:
    return [hit.id for hit in hits]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "astrocyte.db")


@pytest.fixture
async def store(db_path: str) -> AsyncIterator[SqliteVectorStore]:
    store = SqliteVectorStore(db_path)
    yield store
    await store.close()


# ---------------------------------------------------------------------------------------- the file


async def test_reopened_file_keeps_vectors_and_dimension(db_path: str) -> None:
    first = SqliteVectorStore(db_path)
    await first.store_vectors([_item("b", "kept", [0.6, 0.8, 0.0], tags=["t"], metadata={"k": 1})])
    await first.close()

    again = SqliteVectorStore(db_path)
    assert again.dimensions == 3
    (listed,) = await again.list_vectors("b")
    assert (listed.id, listed.tags, listed.metadata) == ("kept", ["t"], {"k": 1})
    assert _ids(await again.search_similar([0.6, 0.8, 0.0], "b")) == ["kept"]
    with pytest.raises(ValidationError) as raised:
        await again.store_vectors([_item("b", "wider", [1.0, 0.0, 0.0, 0.0])])
    assert raised.value.field == "items[0].vector"
    with pytest.raises(ValidationError) as raised:
        await again.search_similar([1.0, 0.0], "b")
    assert raised.value.field == "query_vector"
    await again.close()


async def test_a_configured_dimension_must_match_the_file(db_path: str) -> None:
    first = SqliteVectorStore(db_path)
    await first.store_vectors([_item("b", "x", [1.0, 0.0, 0.0])])
    with pytest.raises(ValidationError) as raised:
        SqliteVectorStore(db_path, dimensions=4)
    assert raised.value.field == "dimensions"
    matching = SqliteVectorStore(db_path, dimensions=3)
    assert matching.dimensions == 3
    await matching.close()
    await first.close()


async def test_a_configured_dimension_binds_before_any_write(db_path: str) -> None:
    store = SqliteVectorStore(db_path, dimensions=4)
    with pytest.raises(ValidationError) as raised:
        await store.store_vectors([_item("b", "x", [1.0, 0.0, 0.0])])
    assert raised.value.field == "items[0].vector"
    assert store.dimensions == 4
    assert await store.count_vectors("b") == 0
    await store.close()


@pytest.mark.parametrize("dimensions", [0, -3, True, 2.5])
def test_constructor_refuses_a_bad_dimension(dimensions: object) -> None:
    with pytest.raises(ValidationError) as raised:
        SqliteVectorStore(":memory:", dimensions=dimensions)  # type: ignore[arg-type]
    assert raised.value.field == "dimensions"


async def test_a_refused_first_batch_does_not_fix_the_dimension(store: SqliteVectorStore) -> None:
    with pytest.raises(ValidationError):
        await store.store_vectors([_item("b", "x", [1.0, 0.0]), _item("b", "y", [1.0, 0.0, 0.0])])
    assert store.dimensions is None
    await store.store_vectors([_item("b", "z", [1.0, 0.0, 0.0])])
    assert store.dimensions == 3


async def test_vectors_read_back_as_written(store: SqliteVectorStore) -> None:
    """Not normalised: an exported vector re-imports bit for bit."""
    written = np.float32([3.0, 4.0, 0.1]).tolist()
    await store.store_vectors([_item("b", "x", written)])
    (listed,) = await store.list_vectors("b")
    assert listed.vector == written
    (hit,) = await store.search_similar([6.0, 8.0, 0.2], "b")
    assert hit.score == pytest.approx(1.0, abs=1e-6)


async def test_retained_at_is_stamped_at_write_time_when_absent(store: SqliteVectorStore) -> None:
    given = datetime(2020, 5, 1, tzinfo=UTC)
    before = datetime.now(UTC)
    await store.store_vectors([_item("b", "stamped", [1.0, 0.0]), _item("b", "given", [0.0, 1.0], retained_at=given)])
    after = datetime.now(UTC)
    listed = {item.id: item for item in await store.list_vectors("b")}
    stamped = listed["stamped"].retained_at
    assert stamped is not None
    assert before - timedelta(microseconds=1) <= stamped <= after
    assert listed["given"].retained_at == given
    as_of = VectorFilters(as_of=before - timedelta(seconds=1))
    assert _ids(await store.search_similar([1.0, 1.0], "b", 10, as_of)) == ["given"]


async def test_strings_sqlite_cannot_hold_are_refused_by_field(store: SqliteVectorStore) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.store_vectors(
            [_item("b", "fine", [1.0, 0.0]), _item("b", "bad", [0.0, 1.0], tags=["ok", "\ud800"])]
        )
    assert raised.value.field == "items[1].tags"
    assert await store.count_vectors("b") == 0


def test_capabilities_declare_the_truth() -> None:
    store = SqliteVectorStore(":memory:")
    assert store.capabilities() == VectorStoreCapabilities(
        filter_tag_match_all=True,
        exact_search=True,
        delete_bank=True,
        count=True,
        batch_search=True,
        transactional=True,
        threshold_search=True,
        id_scores=True,
        vector_rows=True,
    )
    asyncio.run(store.close())


async def test_close_is_idempotent_and_final(db_path: str) -> None:
    store = SqliteVectorStore(db_path)
    other = SqliteVectorStore(db_path)
    await store.close()
    await store.close()
    with pytest.raises(ProviderUnavailable):
        await store.list_vectors("b")
    await other.store_vectors([_item("b", "x", [1.0])])  # the shared connection is still open for the other
    assert await other.count_vectors("b") == 1
    await other.close()


async def test_health_names_the_file(store: SqliteVectorStore, db_path: str) -> None:
    status = await store.health()
    assert status.healthy
    assert db_path in (status.message or "")


# ---------------------------------------------------------------------------------------- the matrix cache


async def test_cache_is_right_after_a_rollback_inside_database_write(store: SqliteVectorStore) -> None:
    await store.store_vectors([_item("b", "kept", [1.0, 0.0, 0.0]), _item("b", "doomed", [0.0, 1.0, 0.0])])
    assert _ids(await store.search_similar([1.0, 1.0, 1.0], "b", 10)) == ["kept", "doomed"]  # the cache is loaded

    async def write_then_look() -> None:
        await store.store_vectors([_item("b", "ghost", [0.0, 0.0, 1.0]), _item("b", "kept", [0.0, 0.0, -1.0])])
        await store.delete(["doomed"], "b")
        inside = await store.search_similar([0.0, 0.0, 1.0], "b", 10)
        assert {hit.id: hit.score for hit in inside} == {"ghost": 1.0, "kept": 0.0}  # the transaction sees its writes

    with pytest.raises(Aborted):
        await abort_after(store.database.transaction, write_then_look)

    hits = await store.search_similar([0.0, 0.0, 1.0], "b", 10)
    assert sorted(_ids(hits)) == ["doomed", "kept"]
    assert {hit.id: hit.score for hit in hits} == {"doomed": 0.0, "kept": 0.0}
    assert _ids(await store.search_similar([1.0, 0.0, 0.0], "b", 1)) == ["kept"]


async def test_cache_is_right_when_a_later_write_follows_a_rollback(store: SqliteVectorStore) -> None:
    """The rolled-back change must not resurface once a committed write has moved the bank on again."""
    await store.store_vectors([_item("b", "base", [1.0, 0.0])])
    await store.search_similar([1.0, 0.0], "b")
    with contextlib.suppress(Aborted):
        await abort_after(store.transaction, lambda: store.store_vectors([_item("b", "ghost", [0.0, 1.0])]))
    await store.store_vectors([_item("b", "real", [0.0, 1.0])])
    assert sorted(_ids(await store.search_similar([0.0, 1.0], "b", 10))) == ["base", "real"]


async def test_cache_is_right_after_delete_bank_rolls_back(store: SqliteVectorStore) -> None:
    await store.store_vectors([_item("b", f"m{index}", [1.0, float(index)]) for index in range(3)])
    await store.search_similar([1.0, 0.0], "b")
    with contextlib.suppress(Aborted):
        await abort_after(store.transaction, lambda: _delete_bank(store, "b"))
    assert sorted(_ids(await store.search_similar([1.0, 0.0], "b", 10))) == ["m0", "m1", "m2"]


async def _delete_bank(store: SqliteVectorStore, bank_id: str) -> None:
    assert await store.delete_bank(bank_id) == 3
    assert await store.search_similar([1.0, 0.0], bank_id) == []


async def test_a_failed_store_call_inside_a_transaction_leaves_nothing(store: SqliteVectorStore) -> None:
    """A refused batch inside an outer transaction the caller keeps going with stores nothing of its own."""
    async with store.transaction():
        await store.store_vectors([_item("b", "first", [1.0, 0.0])])
        with pytest.raises(ValidationError) as raised:  # raised by SQLite on the second row, after the first
            await store.store_vectors(
                [_item("b", "second", [0.0, 1.0]), _item("b", "third", [0.0, 1.0], metadata={"k": "\udfff"})]
            )
        assert raised.value.field == "items[1].metadata"
    assert _ids(await store.list_vectors("b")) == ["first"]
    assert await store.count_vectors("b") == 1
    assert _ids(await store.search_similar([0.0, 1.0], "b", 10)) == ["first"]


async def test_a_row_id_reused_after_a_delete_gets_its_new_vector(store: SqliteVectorStore) -> None:
    """SQLite gives a new row the id of a deleted last row; the cache must not keep the old vector for it."""
    await store.store_vectors([_item("b", "a", [1.0, 0.0]), _item("b", "b", [0.0, 1.0])])
    await store.search_similar([1.0, 0.0], "b")
    await store.delete(["b"], "b")
    await store.store_vectors([_item("b", "c", [-1.0, 0.0])])
    hits = await store.search_similar([-1.0, 0.0], "b", 10)
    assert [(hit.id, round(hit.score, 6)) for hit in hits] == [("c", 1.0), ("a", 0.0)]


async def test_score_ids_follows_an_id_deleted_and_stored_again(store: SqliteVectorStore) -> None:
    """The matrix remembers the row of each id it met; a deleted id comes back under a new row, and
    its old row may go to another id: score_ids must score each id by its own vector."""
    others = [_item("b", f"other{index}", [1.0, 0.0]) for index in range(4)]  # no compaction for one delete
    await store.store_vectors([*others, _item("b", "a", [1.0, 0.0]), _item("b", "b", [0.0, 1.0])])
    await store.search_similar([1.0, 0.0], "b")  # the search reads (and remembers) every row
    assert await store.score_ids([0.0, 1.0], ["a", "b"], "b") == pytest.approx({"a": 0.0, "b": 1.0})
    await store.delete(["b"], "b")
    await store.store_vectors([_item("b", "c", [0.0, 1.0])])  # SQLite gives "c" the row "b" had
    assert await store.score_ids([0.0, 1.0], ["a", "b", "c"], "b") == pytest.approx({"a": 0.0, "c": 1.0})
    await store.store_vectors([_item("b", "b", [1.0, 0.0])])
    assert await store.score_ids([1.0, 0.0], ["b", "c"], "b") == pytest.approx({"b": 1.0, "c": 0.0})


async def test_many_deletes_and_upserts_agree_with_brute_force(store: SqliteVectorStore) -> None:
    """Interleaved writes (compactions and revived rows included) keep search equal to brute force."""
    generator = np.random.default_rng(5)
    model: dict[str, np.ndarray] = {}
    for step in range(30):
        ids = [f"m{index}" for index in generator.choice(40, size=8, replace=False)]
        if step % 3 == 2:
            await store.delete(ids, "b")
            for item_id in ids:
                model.pop(item_id, None)
        else:
            vectors = generator.normal(size=(len(ids), 4))
            await store.store_vectors(
                [_item("b", item_id, row.tolist()) for item_id, row in zip(ids, vectors, strict=True)]
            )
            model.update(zip(ids, vectors, strict=True))
        query = generator.normal(size=4)
        hits = await store.search_similar(query.tolist(), "b", 100, VectorFilters(fact_types=None))
        expected = {
            item_id: max(0.0, float(vector @ query / np.linalg.norm(vector) / np.linalg.norm(query)))
            for item_id, vector in model.items()
        }
        assert {hit.id: hit.score for hit in hits} == pytest.approx(expected, abs=1e-5)
        every = [f"m{index}" for index in range(40)]  # the ids the matrix has met, and the others
        assert await store.score_ids(query.tolist(), every, "b") == pytest.approx(expected, abs=1e-5)


async def test_two_stores_of_one_file_see_each_others_writes(db_path: str) -> None:
    one, two = SqliteVectorStore(db_path), SqliteVectorStore(db_path)
    assert one.transaction_key() == two.transaction_key()
    await one.store_vectors([_item("b", "from-one", [1.0, 0.0])])
    assert _ids(await two.search_similar([1.0, 0.0], "b")) == ["from-one"]
    await two.store_vectors([_item("b", "from-two", [0.0, 1.0])])
    await two.delete(["from-one"], "b")
    assert _ids(await one.search_similar([1.0, 1.0], "b", 10)) == ["from-two"]
    await one.close()
    await two.close()


def _in_another_process(db_path: str, statements: str) -> None:
    """Run ``statements`` (awaiting on ``store``, a SqliteVectorStore of ``db_path``) in a new process."""
    script = (
        "import asyncio, sys\n"
        "from astrocyte.stores.sqlite.vectors import SqliteVectorStore\n"
        "from astrocyte.types import VectorItem\n"
        "async def main():\n"
        "    store = SqliteVectorStore(sys.argv[1])\n"
        + "".join(f"    {line}\n" for line in statements.splitlines())
        + "    await store.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script, db_path], check=True, timeout=120)


async def test_another_process_writing_the_file_is_seen(db_path: str) -> None:
    store = SqliteVectorStore(db_path)
    await store.store_vectors([_item("b", "mine", [1.0, 0.0])])
    assert _ids(await store.search_similar([1.0, 1.0], "b", 10)) == ["mine"]  # the cache is loaded
    _in_another_process(
        db_path,
        "await store.store_vectors([VectorItem(id='theirs', bank_id='b', vector=[0.0, 1.0], text='t')])\n"
        "await store.delete(['mine'], 'b')",
    )
    assert _ids(await store.search_similar([1.0, 1.0], "b", 10)) == ["theirs"]
    await store.close()


async def test_a_rolled_back_version_is_never_current_again(db_path: str) -> None:
    """After a rollback, another process's write must not make the rolled-back cache look current."""
    store = SqliteVectorStore(db_path)
    await store.store_vectors([_item("b", "base", [1.0, 0.0])])
    await store.search_similar([1.0, 0.0], "b")
    with contextlib.suppress(Aborted):
        await abort_after(store.transaction, lambda: store.store_vectors([_item("b", "ghost", [0.0, 1.0])]))
    _in_another_process(
        db_path, "await store.store_vectors([VectorItem(id='theirs', bank_id='b', vector=[1.0, 0.0], text='t')])"
    )
    hits = await store.search_similar([0.0, 1.0], "b", 10)  # the ghost's vector would score 1
    assert {hit.id: hit.score for hit in hits} == {"base": 0.0, "theirs": 0.0}
    await store.close()


async def test_stores_of_two_files_are_independent(tmp_path: Path) -> None:
    one = SqliteVectorStore(str(tmp_path / "one.db"))
    two = SqliteVectorStore(str(tmp_path / "two.db"))
    assert one.transaction_key() != two.transaction_key()
    await one.store_vectors([_item("b", "x", [1.0, 0.0, 0.0])])
    await two.store_vectors([_item("b", "x", [1.0, 0.0])])  # another file fixes its own dimension
    assert await two.search_similar([1.0, 0.0], "b") != []
    assert (await one.list_vectors("b"))[0].vector == [1.0, 0.0, 0.0]
    await two.delete_bank("b")
    assert await one.count_vectors("b") == 1
    await one.close()
    await two.close()


async def test_in_memory_stores_are_private(tmp_path: Path) -> None:
    one, two = SqliteVectorStore(":memory:"), SqliteVectorStore(":memory:")
    assert one.transaction_key() != two.transaction_key()
    await one.store_vectors([_item("b", "x", [1.0])])
    assert await two.count_vectors("b") == 0
    await one.close()
    await two.close()


async def test_the_memories_migration_runs_once(db_path: str) -> None:
    store = SqliteVectorStore(db_path)
    database = store.database
    rows = database.connection.execute("SELECT version, name, applied_at FROM schema_migrations").fetchall()
    applied = {row["version"]: (row["name"], row["applied_at"]) for row in rows}
    assert applied[1][0] == "memories"
    assert database.schema_version() >= 1
    await store.store_vectors([_item("b", "x", [1.0])])
    assert database.migrate(packaged_migrations()) == []
    await store.close()

    again = SqliteVectorStore(db_path)
    rows = again.database.connection.execute("SELECT version, name, applied_at FROM schema_migrations").fetchall()
    assert {row["version"]: (row["name"], row["applied_at"]) for row in rows} == applied
    assert await again.count_vectors("b") == 1
    await again.close()


# ---------------------------------------------------------------------------------------- filters in SQL


async def test_metadata_filters_match_keys_sql_paths_cannot_name(store: SqliteVectorStore) -> None:
    odd = {'a"b': "quote", "a.b": "dot", "$[0]": "path", "": None}
    odd.pop("")
    await store.store_vectors(
        [
            _item("b", "odd", [1.0, 0.0], metadata=odd),
            _item("b", "plain", [0.0, 1.0], metadata={"a": {"b": 1}}.get("x")),
        ]
    )
    for key, value in odd.items():
        found = await store.search_similar([1.0, 1.0], "b", 10, VectorFilters(metadata_filters={key: value}))
        assert _ids(found) == ["odd"], key


async def test_metadata_filters_compare_as_json(store: SqliteVectorStore) -> None:
    await store.store_vectors(
        [
            _item("b", "true", [1.0, 0.0], metadata={"v": True}),
            _item("b", "one", [1.0, 0.1], metadata={"v": 1}),
            _item("b", "one-point-oh", [1.0, 0.2], metadata={"v": 1.0}),
            _item("b", "text-one", [1.0, 0.3], metadata={"v": "1"}),
            _item("b", "null", [1.0, 0.4], metadata={"v": None}),
            _item("b", "absent", [1.0, 0.5], metadata={"w": 1}),
            _item("b", "tenth", [1.0, 0.6], metadata={"v": 0.1}),
            _item("b", "huge", [1.0, 0.7], metadata={"v": 2**70}),
            _item("b", "escaped", [1.0, 0.8], metadata={"v": 'é "quoted" \\ \n 🧠'}),
            _item("b", "inside", [1.0, 0.9], metadata={"w": "é", "v": "x"}),
        ]
    )

    async def matching(value: object) -> set[str]:
        hits = await store.search_similar([1.0, 0.0], "b", 10, VectorFilters(metadata_filters={"v": value}))  # type: ignore[dict-item]
        return set(_ids(hits))

    assert await matching(True) == {"true"}
    assert await matching(1) == {"one", "one-point-oh"}
    assert await matching(1.0) == {"one", "one-point-oh"}
    assert await matching("1") == {"text-one"}
    assert await matching(None) == {"null"}
    assert await matching(0.1) == {"tenth"}
    assert await matching(2**70) == {"huge"}
    assert await matching('é "quoted" \\ \n 🧠') == {"escaped"}
    assert await matching("é") == set()  # present in the row, but under another key


# ---------------------------------------------------------------------------------------- the bank matrix itself


def _matrix(row_ids: list[int], rows: list[list[float]]) -> BankMatrix:
    unit = np.array(rows, dtype=np.float32)
    return BankMatrix(1, np.array(row_ids, dtype=np.int64), unit)


def _ranked(matrix: BankMatrix, query: list[float], limit: int = 10, candidates: list[int] | None = None) -> list[int]:
    positions = None if candidates is None else matrix.positions(np.array(candidates, dtype=np.int64))
    [ranked] = matrix.best(np.array([query], dtype=np.float32), limit, positions)
    return ranked.row_ids.tolist()


def test_matrix_rows_are_kept_in_row_id_order_whatever_order_they_come_in() -> None:
    matrix = _matrix([30, 10], [[1.0, 0.0], [0.0, 1.0]])
    added = np.array([[0.6, 0.8], [0.8, 0.6]], dtype=np.float32)
    matrix.upsert(np.array([20, 5], dtype=np.int64), added, added)
    assert _ranked(matrix, [1.0, 0.0]) == [30, 5, 20, 10]
    assert matrix.positions(np.array([5, 10, 20, 30, 99], dtype=np.int64)).tolist() == [0, 1, 2, 3]


def test_matrix_dead_rows_are_never_ranked_and_come_back_when_written_again() -> None:
    matrix = _matrix([1, 2, 3, 4, 5, 6, 7, 8], [[1.0, float(index)] for index in range(8)])
    matrix.remove(np.array([2, 99], dtype=np.int64))
    assert len(matrix) == 7
    assert 2 not in _ranked(matrix, [1.0, 0.0])
    assert _ranked(matrix, [1.0, 0.0], candidates=[1, 2, 3]) == [1, 3]
    again = np.array([[1.0, 0.0]], dtype=np.float32)
    matrix.upsert(np.array([2], dtype=np.int64), again, again)
    assert len(matrix) == 8
    assert _ranked(matrix, [1.0, 0.0], limit=2) == [1, 2]


def test_matrix_compacts_once_a_quarter_is_dead() -> None:
    matrix = _matrix([1, 2, 3, 4], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    matrix.remove(np.array([1, 3], dtype=np.int64))
    assert len(matrix) == 2
    assert matrix.positions(np.array([2, 4], dtype=np.int64)).tolist() == [0, 1]  # rows moved up: compacted
    assert _ranked(matrix, [1.0, 0.0]) == [4, 2]


def test_matrix_many_candidates_are_scored_like_few() -> None:
    """Above a quarter of the bank the whole matrix is scored and the candidates picked out: same answer."""
    generator = np.random.default_rng(3)
    matrix = _matrix(list(range(100)), generator.normal(size=(100, 5)).tolist())
    query = generator.normal(size=5).tolist()
    everything = _ranked(matrix, query, limit=100)
    for chosen in (everything[::7], everything[::2]):
        assert _ranked(matrix, query, limit=100, candidates=chosen) == [row for row in everything if row in chosen]


# ---------------------------------------------------------------------------------------- own vectors


async def test_a_file_of_the_schema_before_own_vectors_is_migrated_and_its_rows_checked_by_their_vector(
    tmp_path: Path,
) -> None:
    """Rows written before migration 13 have no own vector: threshold queries compare their stored
    vector, list_vectors gives None, and new rows keep theirs beside the old ones."""
    path = tmp_path / "old.db"
    previous = SqliteDatabase(path, migrations=[m for m in packaged_migrations() if m.version < 13])
    connection = previous.connection
    connection.execute("INSERT INTO vector_dimensions (singleton, dimensions) VALUES (1, 2)")
    connection.execute("INSERT INTO vectors (row_id, bank_id, id, retained_at) VALUES (1, 'b', 'old', 0)")
    connection.execute(
        "INSERT INTO vector_contents (row_id, vector, text) VALUES (1, ?, 'memory old')",
        (np.array([0.6, 0.8], dtype=np.float32).tobytes(),),
    )
    connection.execute("INSERT INTO vector_banks (bank_id, version) VALUES ('b', 7)")
    assert previous.schema_version() == 12
    previous.close()

    store = SqliteVectorStore(str(path))
    assert store.database.schema_version() == packaged_migrations()[-1].version
    assert await store.search_similar_threshold([[0.6, 0.8]], "b", 0.99) == ["old"]
    [old] = await store.list_vectors("b")
    assert (old.vector, old.own_vector) == (pytest.approx([0.6, 0.8]), None)
    await store.store_vectors([_item("b", "new", [1.0, 0.0], own_vector=[0.0, 1.0])])
    assert await store.search_similar_threshold([[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]], "b", 0.99) == [
        "old",
        "new",
        None,
    ]
    await store.close()


async def test_own_vectors_round_trip_as_written_and_a_cached_matrix_follows_them(store: SqliteVectorStore) -> None:
    """The own vector comes back bit for bit (float32 as written); a threshold query after writes made
    through the cached matrix (its index kept in step) answers like one on a freshly loaded matrix."""
    own = [0.1, 0.7]
    await store.store_vectors([_item("b", "m1", [1.0, 0.0], own_vector=own)])
    assert await store.search_similar_threshold([[0.0, 1.0]], "b", 0.9) == ["m1"]  # loads the matrix
    await store.store_vectors([_item("b", "m2", [0.0, 1.0], own_vector=[1.0, 0.0]), _item("b", "m3", [0.6, 0.8])])
    await store.delete(["m1"], "b")
    cached = await store.search_similar_threshold([[1.0, 0.0], [0.6, 0.8], [0.1, 0.7]], "b", 0.99)
    assert cached == ["m2", "m3", None]
    listed = {item.id: item.own_vector for item in await store.list_vectors("b")}
    assert listed == {"m2": [1.0, 0.0], "m3": None}
    await store.store_vectors([_item("b", "m4", [0.0, 1.0], own_vector=own)])
    [m4] = [item for item in await store.list_vectors("b") if item.id == "m4"]
    assert m4.own_vector == np.array(own, dtype=np.float32).tolist()


# ---------------------------------------------------------------------------------------- vector rows


def _rows(listed: list[list[float]], own: list[list[float]] | None = None, **changes: Any) -> VectorRows:
    count = len(listed)
    fields: dict[str, Any] = {
        "bank_id": "b",
        "ids": [f"m{index}" for index in range(count)],
        "texts": [f"memory {index}" for index in range(count)],
        "metadata": [{"k": index} if index % 2 else None for index in range(count)],
        "tags": [["t", f"t{index}"] if index % 2 else None for index in range(count)],
        "occurred_at": [datetime(2024, 1, 1 + index, tzinfo=UTC) if index % 2 else None for index in range(count)],
        "retained_at": datetime(2025, 1, 1, tzinfo=UTC),
        "vectors": np.array(listed, dtype=np.float32),
        "own_vectors": None if own is None else np.array(own, dtype=np.float32),
    }
    return VectorRows(**(fields | changes))


@pytest.mark.parametrize("own", [None, [[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]]])
async def test_vector_rows_are_stored_as_their_items_would_be(own: list[list[float]] | None) -> None:
    """store_vector_rows writes what store_vectors writes for the same memories as vector items, and
    threshold_ids answers as search_similar_threshold does."""
    rows = _rows([[0.3, 0.1], [0.2, 0.9], [1.0, 1.0]], own)
    by_items, by_rows = SqliteVectorStore(":memory:"), SqliteVectorStore(":memory:")
    await by_items.store_vectors(rows.items())
    await by_rows.store_vector_rows(rows)
    assert await by_rows.list_vectors("b") == await by_items.list_vectors("b")
    queries = [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [0.7, 0.7]]
    expected = await by_items.search_similar_threshold(queries, "b", 0.99)
    assert expected.count(None) < len(queries)
    assert await by_rows.threshold_ids(np.array(queries, dtype=np.float32), "b", 0.99) == expected
    assert await by_rows.search_similar_threshold(queries, "b", 0.99) == expected
    await by_items.close()
    await by_rows.close()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vectors": np.array([[0.1, float("nan")], [0.2, 0.3]], dtype=np.float32)}, "rows.vectors"),
        ({"own_vectors": np.array([[0.1, 0.2], [float("inf"), 0.3]], dtype=np.float32)}, "rows.own_vectors"),
        ({"vectors": np.array([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4]], dtype=np.float32)}, "rows.vectors"),
        ({"vectors": np.array([[0.1, 0.2], [0.2, 0.3]], dtype=np.float64)}, "rows.vectors"),
        ({"texts": ["memory", " "]}, "rows.texts"),
        ({"ids": ["m0", "m\x00"]}, "rows.ids"),
        ({"tags": [None]}, "rows.tags"),
        ({"bank_id": "no spaces"}, "bank_id"),
        ({"metadata": [None, {"k": "lone \ud800"}]}, "rows.metadata[1]"),
        ({"tags": [["lone \udfff"], None]}, "rows.tags[0]"),
        ({"texts": ["memory", "lone \ud800"]}, "rows.texts"),
        ({"ids": ["m0", "lone \ud800"]}, "rows.ids"),
    ],
)
async def test_bad_vector_rows_are_refused_by_field_and_write_nothing(
    store: SqliteVectorStore, changes: dict[str, Any], field: str
) -> None:
    await store.store_vectors([_item("b", "first", [1.0, 0.0])])  # fixes the dimension at 2
    with pytest.raises(ValidationError) as raised:
        await store.store_vector_rows(_rows([[0.1, 0.2], [0.3, 0.4]], [[0.1, 0.2], [0.3, 0.4]], **changes))
    assert raised.value.field == field
    assert await store.count_vectors("b") == 1


async def test_threshold_queries_as_a_matrix_must_match_the_file(store: SqliteVectorStore) -> None:
    await store.store_vectors([_item("b", "first", [1.0, 0.0])])
    for queries in ([[1.0, 0.0, 0.0]], [[float("nan"), 0.0]]):
        with pytest.raises(ValidationError) as raised:
            await store.threshold_ids(np.array(queries, dtype=np.float32), "b", 0.9)
        assert raised.value.field == "queries"
    with pytest.raises(ValidationError):
        await store.threshold_ids(np.array([[1.0, 0.0]], dtype=np.float32), "b", 1.5)
