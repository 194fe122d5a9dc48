"""SqliteMentalModelStore: the MentalModelStore contract on a private in-memory database and on one
shared file, plus what only a database can get wrong: reopening, rolling back, documents that JSON
cannot hold, and answering exactly like the in-memory reference."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.mental_models import MemoryMentalModelStore
from astrocyte.stores.sqlite.mental_models import SqliteMentalModelStore
from astrocyte.testing.contracts._support import PROPERTY_SETTINGS
from astrocyte.testing.contracts.mental_model_store import MentalModelStoreContract, full_model, model
from astrocyte.types import MentalModel

from ._sqlite_support import Aborted, abort_after, shared_file_store

BANK = "sqlite-mental-model-tests"


class TestSqliteMentalModelStoreInMemory(MentalModelStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteMentalModelStore]:
        store = SqliteMentalModelStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqliteMentalModelStore)


class TestSqliteMentalModelStoreSharedFile(MentalModelStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqliteMentalModelStore) -> SqliteMentalModelStore:
        return shared_store


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "models.db")


@pytest.fixture
async def store() -> AsyncIterator[SqliteMentalModelStore]:
    store = SqliteMentalModelStore(":memory:")
    yield store
    await store.close()


async def test_models_survive_reopening_the_file(path: str) -> None:
    first = SqliteMentalModelStore(path)
    await first.upsert(full_model("zoe", BANK), BANK)
    await first.update_via_ops("zoe", BANK, [{"op": "append", "path": "drinks.avoid", "value": "milk"}])
    written = await first.get("zoe", BANK)
    await first.close()

    reopened = SqliteMentalModelStore(path)
    try:
        stored = await reopened.get("zoe", BANK)
        assert stored == written
        assert stored is not None
        assert stored.revision == 2
    finally:
        await reopened.close()


async def test_a_rolled_back_transaction_keeps_the_model_as_it_was(store: SqliteMentalModelStore) -> None:
    await store.upsert(model("m", BANK, structured_doc={"k": 1}), BANK)
    before = await store.get("m", BANK)

    async def edit() -> None:
        await store.update_via_ops("m", BANK, [{"op": "set", "path": "k", "value": 2}])
        await store.refresh("m", BANK, ["s1"])
        await store.upsert(model("other", BANK), BANK)

    with pytest.raises(Aborted):
        await abort_after(store.transaction, edit)
    assert await store.get("m", BANK) == before
    assert [item.model_id for item in await store.list(BANK)] == ["m"]


@pytest.mark.parametrize(
    "document",
    [{"pair": ("a", "b")}, {1: "integer key"}, {"when": datetime(2024, 1, 1, tzinfo=UTC)}, {"x": float("nan")}],
    ids=["tuple", "integer-key", "datetime", "nan"],
)
async def test_documents_that_json_cannot_hold_exactly_are_refused(
    store: SqliteMentalModelStore, document: dict[Any, Any]
) -> None:
    with pytest.raises(ValidationError) as raised:
        await store.upsert(model("m", BANK, structured_doc=document), BANK)
    assert raised.value.field == "structured_doc"
    assert await store.get("m", BANK) is None


async def test_an_edit_that_json_cannot_hold_changes_nothing(store: SqliteMentalModelStore) -> None:
    await store.upsert(model("m", BANK, structured_doc={"k": 1}), BANK)
    with pytest.raises(ValidationError) as raised:
        await store.update_via_ops("m", BANK, [{"op": "set", "path": "k", "value": {2, 3}}])
    assert raised.value.field == "structured_doc"
    stored = await store.get("m", BANK)
    assert stored is not None
    assert (stored.structured_doc, stored.revision) == ({"k": 1}, 1)


async def test_naive_source_timestamps_are_read_as_utc(store: SqliteMentalModelStore) -> None:
    await store.upsert(model("m", BANK, source_timestamps={"s1": datetime(2024, 2, 1, 12, 0)}), BANK)
    stored = await store.get("m", BANK)
    assert stored is not None
    assert stored.source_timestamps == {"s1": datetime(2024, 2, 1, 12, 0, tzinfo=UTC)}


_MODEL_IDS = st.sampled_from(["m1", "m2"])
_KINDS = ["general", "preference"]
_SOURCES = st.lists(st.sampled_from(["s1", "s2", "s3"]), max_size=3)
_OPERATIONS = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["set", "append", "delete"]), "path": st.sampled_from(["a", "a.b", "c"])},
        optional={"value": st.sampled_from([1, "x", [1], {}])},
    ),
    max_size=3,
)
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("upsert"), _MODEL_IDS, st.sampled_from([None, "team"]), st.sampled_from(_KINDS), _SOURCES),
        st.tuples(st.just("edit"), _MODEL_IDS, _OPERATIONS),
        st.tuples(st.just("refresh"), _MODEL_IDS, _SOURCES),
        st.tuples(st.just("delete"), _MODEL_IDS),
    ),
    max_size=10,
)


def _unstamped(found: MentalModel | None) -> MentalModel | None:
    """The model without its refresh time, which each store stamps from its own clock."""
    return None if found is None else replace(found, refreshed_at=None)


async def _history(store: Any, bank: str, steps: list[tuple[Any, ...]]) -> list[Any]:
    """Every answer the store gives while and after applying ``steps``."""
    answers: list[Any] = []
    for kind, model_id, *arguments in steps:
        if kind == "upsert":
            scope, model_kind, sources = arguments
            upserted = model(model_id, bank, scope=scope, kind=model_kind, source_ids=tuple(dict.fromkeys(sources)))
            answers.append(await store.upsert(upserted, bank))
        elif kind == "edit":
            answers.append(await store.update_via_ops(model_id, bank, arguments[0]))
        elif kind == "refresh":
            answers.append(_unstamped(await store.refresh(model_id, bank, arguments[0])))
        else:
            answers.append(await store.delete(model_id, bank))
    answers += [_unstamped(await store.get(model_id, bank)) for model_id in ("m1", "m2")]
    for scope in (None, "team"):
        for kind in (None, "general"):
            answers.append([_unstamped(found) for found in await store.list(bank, scope=scope, kind=kind)])
    answers.append(await store.delete_bank(bank))
    return answers


@PROPERTY_SETTINGS
@given(steps=_STEPS)
@example(steps=[("upsert", "m1", "team", "general", ["s2", "s3"]), ("refresh", "m1", ["s1", "s3"]), ("edit", "m1", [])])
async def test_answers_exactly_like_the_memory_store(
    store: SqliteMentalModelStore, steps: list[tuple[Any, ...]]
) -> None:
    """Random upserts, edits, refreshes and deletes give the reference's models, reports and listings."""
    bank = f"diff-{uuid.uuid4().hex[:12]}"
    assert await _history(store, bank, steps) == await _history(MemoryMentalModelStore(), bank, steps)
