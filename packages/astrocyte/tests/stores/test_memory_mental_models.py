"""MemoryMentalModelStore: the MentalModelStore contract suite, plus this store's own choices."""

from __future__ import annotations

from typing import Any

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.mental_models import MemoryMentalModelStore
from astrocyte.testing.contracts import MentalModelStoreContract
from astrocyte.testing.contracts.mental_model_store import model

BANK = "memory-mental-model-tests"


class TestMemoryMentalModelStoreContract(MentalModelStoreContract):
    @pytest.fixture
    def store(self) -> MemoryMentalModelStore:
        return MemoryMentalModelStore()


@pytest.fixture
def store() -> MemoryMentalModelStore:
    return MemoryMentalModelStore()


async def test_upsert_keeps_the_callers_refreshed_at(store: MemoryMentalModelStore) -> None:
    await store.upsert(model("m", BANK), BANK)
    stored = await store.get("m", BANK)
    assert stored is not None
    assert stored.refreshed_at is None


async def test_edits_leave_refreshed_at_and_sources_alone(store: MemoryMentalModelStore) -> None:
    await store.upsert(model("m", BANK, source_ids=("s1",)), BANK)
    await store.update_via_ops("m", BANK, [{"op": "set_content", "value": "New."}])
    stored = await store.get("m", BANK)
    assert stored is not None
    assert (stored.refreshed_at, stored.source_ids, stored.revision) == (None, ("s1",), 2)


async def test_refresh_with_no_new_sources_still_counts_as_a_refresh(store: MemoryMentalModelStore) -> None:
    await store.upsert(model("m", BANK, source_ids=("s1",)), BANK)
    refreshed = await store.refresh("m", BANK, [])
    assert refreshed is not None
    assert (refreshed.source_ids, refreshed.revision) == (("s1",), 2)
    assert refreshed.refreshed_at is not None


@pytest.mark.parametrize(
    ("source_ids", "field"), [("s1", "new_source_ids"), (None, "new_source_ids"), (["ok", ""], "new_source_ids[1]")]
)
async def test_malformed_source_ids_are_rejected_by_name(
    store: MemoryMentalModelStore, source_ids: Any, field: str
) -> None:
    await store.upsert(model("m", BANK), BANK)
    with pytest.raises(ValidationError) as raised:
        await store.refresh("m", BANK, source_ids)
    assert raised.value.field == field


async def test_a_batch_that_is_not_a_list_is_rejected_before_the_lookup(store: MemoryMentalModelStore) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.update_via_ops("missing", BANK, {"op": "set"})  # type: ignore[arg-type]
    assert raised.value.field == "operations_json"


@pytest.mark.parametrize("model_id", ["", "x" * 513])
async def test_malformed_model_ids_are_rejected_by_name(store: MemoryMentalModelStore, model_id: str) -> None:
    calls = (
        lambda: store.get(model_id, BANK),
        lambda: store.delete(model_id, BANK),
        lambda: store.update_via_ops(model_id, BANK, []),
        lambda: store.refresh(model_id, BANK, []),
    )
    for call in calls:
        with pytest.raises(ValidationError) as raised:
            await call()
        assert raised.value.field == "model_id"


async def test_health_counts_banks_and_models(store: MemoryMentalModelStore) -> None:
    await store.upsert(model("m", BANK), BANK)
    await store.upsert(model("m", BANK), BANK)
    await store.upsert(model("n", BANK), BANK)
    await store.get("m", "never-written")
    assert (await store.health()).message == "in-memory mental model store: 1 banks, 2 models"
