"""The threshold index: near duplicates missed no more often than its stated bound, answers always
exact, and kept in step with the writes and deletes of both in-process stores once a bank is large
enough to use it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from astrocyte.bench.corpus import sentences
from astrocyte.bench.near_duplicates import perturbed
from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.stores.memory.vectors import MemoryVectorStore
from astrocyte.stores.sqlite.vectors import SqliteVectorStore
from astrocyte.stores.threshold_index import (
    EXACT_BELOW,
    MAX_MISS,
    ThresholdIndex,
    _hashed,
    _Run,
    miss_bound,
    rows_at_least,
)
from astrocyte.types import VectorItem
from astrocyte.vectors import FloatMatrix, normalise_rows

THRESHOLD = 0.95


@pytest.fixture(scope="module")
def corpus() -> FloatMatrix:
    """Hashing vectors of the benchmark's sentences: similar to each other (shared names, places and
    frequent words) the way real memories are, which is what makes candidates plentiful."""
    return normalise_rows(HashingEmbedder(384).embed_matrix(sentences(4500)).astype(np.float32))


def test_the_default_threshold_runs_on_the_index_within_its_bound() -> None:
    assert miss_bound(THRESHOLD) < MAX_MISS
    assert miss_bound(0.98) < 1e-4
    assert miss_bound(0.8) > MAX_MISS  # such thresholds are compared exactly


def test_near_duplicates_are_missed_less_often_than_the_bound(corpus: FloatMatrix) -> None:
    bank, fresh = corpus[:4000], corpus[4000:]
    index = ThresholdIndex()
    for start in range(0, len(bank), 1000):  # in batches, as retain adds them
        index.add(np.arange(start, start + 1000), bank[start : start + 1000])
    near = perturbed(bank[::2], THRESHOLD + 1e-4, 0.99, seed=5)
    exact = rows_at_least(bank, None, near, THRESHOLD, None)
    found = rows_at_least(bank, None, near, THRESHOLD, index)
    assert (exact >= 0).all()
    misses = int(np.count_nonzero(found < 0))
    assert misses / len(near) <= miss_bound(THRESHOLD), f"{misses} of {len(near)} near duplicates missed"
    answered = found[found >= 0]
    assert (np.einsum("ij,ij->i", bank[answered], near[found >= 0]) >= THRESHOLD).all()
    # Fresh sentences have no near duplicate: the index answers exactly what the product answers.
    assert rows_at_least(bank, None, fresh, THRESHOLD, index).tolist() == [-1] * len(fresh)
    # Identical vectors share every key: never missed.
    assert rows_at_least(bank, None, bank[:300], THRESHOLD, index).tolist() == list(range(300))


def test_dead_rows_are_never_answered(corpus: FloatMatrix) -> None:
    bank = corpus[:2000]
    index = ThresholdIndex()
    index.add(np.arange(len(bank)), bank)
    live = np.ones(len(bank), dtype=np.bool_)
    live[:100] = False
    for used in (index, None):
        found = rows_at_least(bank, live, bank[:200], THRESHOLD, used)
        assert found[:100].tolist() == [-1] * 100
        assert found[100:].tolist() == list(range(100, 200))


def test_ties_go_to_the_earliest_row_from_the_index_as_compared_exactly(corpus: FloatMatrix) -> None:
    bank = np.concatenate([corpus[:3000], corpus[:3000]])  # every row twice
    index = ThresholdIndex()
    index.add(np.arange(3000, 6000), bank[3000:])  # the later copies indexed first
    index.add(np.arange(3000), bank[:3000])
    near = perturbed(bank[:500], THRESHOLD + 1e-3, 0.99, seed=7)
    for used in (index, None):
        assert rows_at_least(bank, None, near, THRESHOLD, used).tolist() == list(range(500))


def test_rows_queried_then_added_are_indexed_as_any_others(corpus: FloatMatrix) -> None:
    """The index reuses the signatures of queried rows when they are added (retain looks a batch up,
    then stores it), remembering a bounded number: rows added after more queries than that, some
    remembered and some not, are found all the same."""
    bank = corpus[:4400]
    index = ThresholdIndex()
    index.add(np.arange(1000), bank[:1000])
    for start in [*range(1000, 4400, 200)] * 2:  # more rows queried than are remembered
        assert rows_at_least(bank[:1000], None, bank[start : start + 200], 1.0, index).tolist() == [-1] * 200
    index.add(np.arange(1000, 4400), bank[1000:])
    near = perturbed(bank[::11], THRESHOLD + 1e-3, 0.99, seed=8)
    assert rows_at_least(bank, None, near, THRESHOLD, index).tolist() == list(range(0, 4400, 11))


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryVectorStore()
        return
    sqlite_store = SqliteVectorStore(str(tmp_path / "vectors.db"))
    yield sqlite_store
    await sqlite_store.close()


async def test_a_large_bank_stays_in_step_with_deletes_and_replacements(store: Any) -> None:
    """Past ``EXACT_BELOW`` rows the store answers from its index; deleting, replacing and moving
    rows (the memory store fills a hole with its last row) must reach the index too."""
    dimensions, count = 32, EXACT_BELOW + 200
    vectors = normalise_rows(np.random.default_rng(3).standard_normal((count, dimensions)).astype(np.float32))
    await store.store_vectors([_item("bank", index, vectors[index]) for index in range(count)])
    await store.store_vectors([_item("other", 0, vectors[1])])
    queries = [vectors[index].tolist() for index in (0, 1, 2, 3, count - 1)]
    assert await store.search_similar_threshold(queries, "bank", THRESHOLD) == ["m0", "m1", "m2", "m3", f"m{count - 1}"]
    await store.delete(["m1", "m2"], "bank")  # in the memory store, the last row moves into m1's place
    replacement = normalise_rows(np.random.default_rng(4).standard_normal((1, dimensions)).astype(np.float32))[0]
    await store.store_vectors([VectorItem(id="m3", bank_id="bank", vector=replacement.tolist(), text="again")])
    fresh = [*queries, replacement.tolist()]
    assert await store.search_similar_threshold(fresh, "bank", THRESHOLD) == [
        "m0",
        None,
        None,
        None,
        f"m{count - 1}",
        "m3",
    ]
    assert await store.search_similar_threshold([vectors[1].tolist()], "other", THRESHOLD) == ["m0"]


def _item(bank_id: str, index: int, vector: FloatMatrix) -> VectorItem:
    return VectorItem(id=f"m{index}", bank_id=bank_id, vector=vector.tolist(), text=f"memory {index}")


async def test_a_large_bank_is_checked_by_its_own_vectors(store: Any) -> None:
    """Past ``EXACT_BELOW`` rows the index hashes the own vectors and verifies candidates against them
    (the SQLite store reads those from its file): near an own vector is a hit, near the stored vector
    is not, and a replaced own vector answers by its new value only."""
    dimensions, count = 32, EXACT_BELOW + 200
    generator = np.random.default_rng(5)
    stored = normalise_rows(generator.standard_normal((count, dimensions)).astype(np.float32))
    own = normalise_rows(generator.standard_normal((count, dimensions)).astype(np.float32))
    items = [
        VectorItem(id=f"m{row}", bank_id="bank", vector=stored[row].tolist(), own_vector=own[row].tolist(), text="t")
        for row in range(count)
    ]
    await store.store_vectors(items[:1000])  # small: compared exactly (the SQLite store holds its own vectors)
    assert await store.search_similar_threshold([own[3].tolist(), stored[3].tolist()], "bank", THRESHOLD) == [
        "m3",
        None,
    ]
    await store.store_vectors(items[1000:])  # past EXACT_BELOW: from the index
    near = perturbed(own[:50], THRESHOLD + 0.02, 0.99, seed=6)
    assert await store.search_similar_threshold(near.tolist(), "bank", THRESHOLD) == [f"m{row}" for row in range(50)]
    assert await store.search_similar_threshold(stored[:50].tolist(), "bank", THRESHOLD) == [None] * 50
    moved = normalise_rows(generator.standard_normal((1, dimensions)).astype(np.float32))[0]
    await store.store_vectors(
        [VectorItem(id="m7", bank_id="bank", vector=stored[7].tolist(), own_vector=moved.tolist(), text="t")]
    )
    await store.delete(["m8"], "bank")
    found = await store.search_similar_threshold([own[7].tolist(), moved.tolist(), own[8].tolist()], "bank", THRESHOLD)
    assert found == [None, "m7", None]


async def test_rows_written_between_queries_are_found(store: Any) -> None:
    """Rows written after the index was built are hashed later (the SQLite store folds them in at the
    next query, or at once when more than 8,192 wait): every write's rows are found, however many."""
    dimensions, first, later = 32, EXACT_BELOW + 200, 9000
    vectors = normalise_rows(np.random.default_rng(8).standard_normal((first + later, dimensions)).astype(np.float32))
    await store.store_vectors([_item("bank", index, vectors[index]) for index in range(first)])
    assert await store.search_similar_threshold([vectors[0].tolist()], "bank", THRESHOLD) == ["m0"]  # builds it
    for start in range(first, first + later, 1500):  # six writes, no query between them
        await store.store_vectors([_item("bank", index, vectors[index]) for index in range(start, start + 1500)])
    probes = list(range(first, first + later, 97))
    near = perturbed(vectors[probes], THRESHOLD + 0.02, 0.99, seed=9)
    assert await store.search_similar_threshold(near.tolist(), "bank", THRESHOLD) == [f"m{row}" for row in probes]


@pytest.mark.parametrize("size", [1, 100, 70_016])
def test_a_run_finds_exactly_the_entries_of_each_key(size: int) -> None:
    """A run's directory finds every entry of a needle's key and no other (crowded keys, keys sharing
    high bits, needles matching nothing), in the order of a stable sort by key; merging two runs
    gives the run of their entries, the lower run's first among equal keys."""
    generator = np.random.default_rng(size)
    keys = np.concatenate([generator.integers(0, 1 << 26, size), np.full(90, 12_345), np.arange(64) << 20])
    keys = keys.astype(np.uint32)
    positions = np.arange(len(keys), dtype=np.int32)
    needles = np.concatenate([keys[generator.integers(0, len(keys), 3000)], generator.integers(0, 1 << 26, 3000)])
    needles = needles.astype(np.uint32)
    half = len(keys) // 2
    for run in (
        _Run.of(keys, positions),
        _Run.of(keys[:half], positions[:half]).merged(_Run.of(keys[half:], positions[half:])),
    ):
        asked, held = run.matches(_hashed(needles))
        by_key = np.argsort(keys, kind="stable")
        low, high = np.searchsorted(keys[by_key], needles), np.searchsorted(keys[by_key], needles, side="right")
        expected = [int(position) for first, last in zip(low, high, strict=True) for position in by_key[first:last]]
        assert held.tolist() == expected
        assert np.array_equal(keys[held], needles[asked])
