"""The in-memory vector store: the whole VectorStore contract, plus what only this store promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.vectors import MemoryVectorStore
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte.types import VectorFilters, VectorItem, VectorStoreCapabilities


class TestMemoryVectorStoreContract(VectorStoreContract):
    """A fresh store per scenario, its dimension fixed by the first write."""

    @pytest.fixture
    def store(self) -> MemoryVectorStore:
        return MemoryVectorStore()


class TestSharedMemoryVectorStoreContract(VectorStoreContract):
    """One store for every scenario, as a long-lived backend would be, fixed to another dimension."""

    dimensions = 12

    @pytest.fixture(scope="class")
    @classmethod
    def store(cls) -> MemoryVectorStore:
        return MemoryVectorStore(dimensions=12)


def _item(bank_id: str, item_id: str, vector: list[float], **fields: object) -> VectorItem:
    return VectorItem(id=item_id, bank_id=bank_id, vector=vector, text=f"memory {item_id}", **fields)  # type: ignore[arg-type]


async def test_constructor_dimension_applies_to_the_first_write() -> None:
    store = MemoryVectorStore(dimensions=4)
    with pytest.raises(ValidationError) as raised:
        await store.store_vectors([_item("b", "x", [1.0, 0.0, 0.0])])
    assert raised.value.field == "items[0].vector"
    assert await store.list_vectors("b") == []
    assert store.dimensions == 4


@pytest.mark.parametrize("dimensions", [0, -3, True, 2.5])
def test_constructor_refuses_a_bad_dimension(dimensions: object) -> None:
    with pytest.raises(ValidationError):
        MemoryVectorStore(dimensions=dimensions)  # type: ignore[arg-type]


async def test_a_refused_first_batch_does_not_fix_the_dimension() -> None:
    store = MemoryVectorStore()
    with pytest.raises(ValidationError):
        await store.store_vectors([_item("b", "x", [1.0, 0.0]), _item("b", "y", [1.0, 0.0, 0.0])])
    assert store.dimensions is None
    await store.store_vectors([_item("b", "z", [1.0, 0.0, 0.0])])
    assert store.dimensions == 3


async def test_retained_at_is_stamped_at_write_time_when_absent() -> None:
    store = MemoryVectorStore()
    given = datetime(2020, 5, 1, tzinfo=UTC)
    before = datetime.now(UTC)
    await store.store_vectors([_item("b", "stamped", [1.0, 0.0]), _item("b", "given", [0.0, 1.0], retained_at=given)])
    after = datetime.now(UTC)
    listed = {item.id: item for item in await store.list_vectors("b")}
    stamped = listed["stamped"].retained_at
    assert stamped is not None
    assert before <= stamped <= after
    assert listed["given"].retained_at == given
    as_of_before = await store.search_similar([1.0, 1.0], "b", 10, VectorFilters(as_of=before - timedelta(seconds=1)))
    assert [hit.id for hit in as_of_before] == ["given"]


async def test_vectors_come_back_unit_length_in_the_same_direction() -> None:
    store = MemoryVectorStore()
    await store.store_vectors([_item("b", "long", [3.0, 4.0]), _item("b", "zero", [0.0, 0.0])])
    listed = {item.id: item.vector for item in await store.list_vectors("b")}
    np.testing.assert_allclose(listed["long"], [0.6, 0.8], atol=1e-6)
    assert listed["zero"] == [0.0, 0.0]


async def test_capabilities_declare_the_optional_abilities() -> None:
    declared = MemoryVectorStore().capabilities()
    assert declared == VectorStoreCapabilities(
        filter_tag_match_all=True,
        exact_search=True,
        delete_bank=True,
        count=True,
        batch_search=True,
        threshold_search=True,
        id_scores=True,
        vector_rows=True,
    )


async def test_deletes_keep_every_column_aligned() -> None:
    """Swap-remove moves the last row into the hole: its vector and every filter column must move with it."""
    store = MemoryVectorStore()
    moments = [datetime(2024, 1, day + 1, tzinfo=UTC) for day in range(6)]
    await store.store_vectors(
        [
            _item("b", f"m{index}", np.eye(6)[index].tolist(), fact_type=f"kind-{index}", occurred_at=moments[index])
            for index in range(6)
        ]
    )
    assert await store.delete(["m1", "m3"], "b") == 2
    for index in (0, 2, 4, 5):
        (hit,) = await store.search_similar(np.eye(6)[index].tolist(), "b", 1)
        assert hit.id == f"m{index}"
        assert hit.score == pytest.approx(1.0)
        by_kind = await store.search_similar([1.0] * 6, "b", 10, VectorFilters(fact_types=[f"kind-{index}"]))
        assert [hit.id for hit in by_kind] == [f"m{index}"]
        in_time = await store.search_similar(
            [1.0] * 6, "b", 10, VectorFilters(time_range=(moments[index], moments[index]))
        )
        assert [hit.id for hit in in_time] == [f"m{index}"]
    assert await store.count_vectors("b") == 4


async def test_many_small_writes_grow_the_bank() -> None:
    store = MemoryVectorStore()
    for index in range(100):
        await store.store_vectors([_item("b", f"m{index:03d}", [1.0, float(index)])])
    assert await store.count_vectors("b") == 100
    assert [item.id for item in await store.list_vectors("b", 95, 10)] == [f"m{index:03d}" for index in range(95, 100)]


async def test_emptied_bank_is_forgotten() -> None:
    store = MemoryVectorStore()
    await store.store_vectors([_item("b", "only", [1.0, 0.0])])
    await store.delete(["only"], "b")
    assert (await store.health()).message == "in-memory vector store: 0 banks, 0 vectors, dimensions 2"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda store: store.search_similar([1.0, 0.0], "b", 0), "limit"),
        (lambda store: store.search_similar([1.0, float("nan")], "b"), "query_vector"),
        (lambda store: store.search_similar([1e39, 0.0], "b"), "query_vector"),
        (lambda store: store.list_vectors("b", -1), "offset"),
        (lambda store: store.list_vectors("b", 0, 0), "limit"),
        (lambda store: store.delete(["ok", ""], "b"), "ids[1]"),
        (lambda store: store.store_vectors(["not an item"]), "items[0]"),
    ],
)
async def test_bad_arguments_name_their_field(call: Any, field: str) -> None:
    store = MemoryVectorStore(dimensions=2)
    with pytest.raises(ValidationError) as raised:
        await call(store)
    assert raised.value.field == field


async def test_vector_mutated_to_nan_after_construction_is_refused() -> None:
    store = MemoryVectorStore()
    item = _item("b", "x", [1.0, 0.0])
    item.vector[1] = float("nan")
    with pytest.raises(ValidationError) as raised:
        await store.store_vectors([item])
    assert raised.value.field == "items[0].vector"


async def test_empty_vector_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        await MemoryVectorStore().store_vectors([_item("b", "x", [])])
    assert raised.value.field == "items[0].vector"
