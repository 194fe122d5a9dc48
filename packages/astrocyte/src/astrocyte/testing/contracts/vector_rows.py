"""Contract scenarios of the ``vector_rows`` ability (:class:`astrocyte.spi.VectorRowsStore`).

Retain hands a store that declares ``vector_rows`` its batches as :class:`VectorRows` (columns, the
vectors as float32 blocks) instead of :class:`~astrocyte.types.VectorItem` lists. The promise is
that nothing a reader can see depends on which of the two ways a batch came: every scenario writes
through ``store_vector_rows`` and checks the result against ``store_vectors`` given
``rows.items()``, read back through the SPI. :class:`~astrocyte.testing.contracts.VectorStoreContract`
inherits these scenarios; a store that does not declare the ability skips them, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    StoreContractSuite,
    near_vector,
    requires,
    unit_vectors,
)
from astrocyte.types import VectorItem

_EVERYTHING = 1000  # a listing limit above any bank these scenarios write
_RETAINED = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
#: Fields of a listed item that must not depend on the way it was written.
_FIELDS = ("text", "metadata", "tags", "fact_type", "occurred_at", "memory_layer", "retained_at", "chunk_id")


def _float32(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32)


class VectorRowsScenarios(StoreContractSuite):
    """Scenarios for stores declaring ``vector_rows``; mixed into the vector store suite."""

    dimensions: ClassVar[int]

    def vector_rows(self, bank_id: str, ids: list[str], *, seed: int, own: bool = False) -> VectorRows:
        """A batch of ``ids`` with every column varied: unicode text, metadata of each JSON kind,
        tags or none, dated and undated; own vectors when ``own``."""
        count = len(ids)
        return VectorRows(
            bank_id=bank_id,
            ids=ids,
            texts=[f"row {index} of {seed}: ünïcode ✓ 'quoted'" for index in range(count)],
            metadata=[
                None if index % 3 == 2 else {"source": "chat", "count": index, "weight": 0.5, "pinned": True, "x": None}
                for index in range(count)
            ],
            tags=[None if index % 2 else ["common", f"tag-{index}"] for index in range(count)],
            occurred_at=[None if index % 4 == 3 else _RETAINED - timedelta(days=index) for index in range(count)],
            retained_at=_RETAINED,
            vectors=_float32(unit_vectors(count, self.dimensions, seed=seed) * 3.0),  # not unit: stores may normalise
            own_vectors=_float32(unit_vectors(count, self.dimensions, seed=seed + 1)) if own else None,
        )

    async def listed_items(self, store: Any, bank_id: str) -> dict[str, VectorItem]:
        return {entry.id: entry for entry in await store.list_vectors(bank_id, 0, _EVERYTHING)}

    def assert_same_items(self, got: dict[str, VectorItem], expected: dict[str, VectorItem]) -> None:
        """Two listings hold the same items: every field equal, vectors equal to float32 precision."""
        assert set(got) == set(expected)
        for item_id, item in got.items():
            other = expected[item_id]
            for name in _FIELDS:
                assert getattr(item, name) == getattr(other, name), f"{item_id!r}: {name} differs"
            np.testing.assert_allclose(item.vector, other.vector, rtol=1e-6, atol=1e-7, err_msg=f"{item_id!r}: vector")
            assert (item.own_vector is None) == (other.own_vector is None), f"{item_id!r}: own_vector"
            if item.own_vector is not None and other.own_vector is not None:
                np.testing.assert_allclose(item.own_vector, other.own_vector, rtol=1e-6, atol=1e-7)

    @requires("vector_rows")
    async def test_vector_rows_write_what_store_vectors_writes(self, store: Any, bank: str, other_bank: str) -> None:
        """store_vector_rows writes what store_vectors writes given ``rows.items()``: listed back, every
        field is equal and each vector equal to float32 precision, with and without own vectors, and a
        search ranks and scores both banks alike."""
        plain = self.vector_rows(bank, list(ADVERSARIAL_IDS), seed=61)
        with_own = self.vector_rows(bank, [f"own-{index}" for index in range(5)], seed=63, own=True)
        for rows in (plain, with_own):
            assert await store.store_vector_rows(rows) is None
            await store.store_vectors(replace(rows, bank_id=other_bank).items())
        by_rows, by_items = await self.listed_items(store, bank), await self.listed_items(store, other_bank)
        self.assert_same_items(by_rows, by_items)
        for rows in (plain, with_own):
            for position, item_id in enumerate(rows.ids):
                assert by_rows[item_id].text == rows.texts[position]
                assert by_rows[item_id].tags == rows.tags[position]
                assert by_rows[item_id].retained_at == _RETAINED
        query = unit_vectors(1, self.dimensions, seed=65)[0].tolist()
        hits_by_rows = await store.search_similar(query, bank, 5)
        hits_by_items = await store.search_similar(query, other_bank, 5)
        assert [hit.id for hit in hits_by_rows] == [hit.id for hit in hits_by_items]
        assert [hit.score for hit in hits_by_rows] == pytest.approx([hit.score for hit in hits_by_items], abs=1e-6)
        await store.store_vector_rows(plain.taking([]))  # an empty batch: a no-op
        assert set(await self.listed_items(store, bank)) == set(by_rows)

    @requires("vector_rows")
    async def test_vector_rows_replace_a_repeated_id(self, store: Any, bank: str) -> None:
        """A row whose id the bank holds replaces that item (vector, text, labels), as store_vectors
        would; an id given twice in one batch is one item, the later row."""
        await store.store_vectors(
            [VectorItem(id="m0", bank_id=bank, vector=[1.0] * self.dimensions, text="old", tags=["old"])]
        )
        rows = self.vector_rows(bank, ["m0", "m1", "m1"], seed=71)
        await store.store_vector_rows(rows)
        listed = await self.listed_items(store, bank)
        assert sorted(listed) == ["m0", "m1"]
        await store.store_vectors(replace(rows.taking([0, 2]), bank_id=f"{bank}-expected").items())
        self.assert_same_items(listed, await self.listed_items(store, f"{bank}-expected"))
        (best,) = await store.search_similar(rows.vectors[0].tolist(), bank, 1)
        assert (best.id, best.text) == ("m0", rows.texts[0])
        assert best.score == pytest.approx(1.0, abs=1e-5)

    @requires("vector_rows")
    @pytest.mark.parametrize(("first", "second"), ADVERSARIAL_BANK_PAIRS[:3])
    async def test_vector_rows_keep_banks_apart(
        self, store: Any, bank_named: Callable[[str], str], capabilities: Any, first: str, second: str
    ) -> None:
        """Rows written to one bank are neither listed, found nor replace anything in a look-alike
        bank holding the same ids."""
        one, two = bank_named(first), bank_named(second)
        await store.store_vector_rows(self.vector_rows(two, ["shared", "only-two"], seed=81))
        before = await self.listed_items(store, two)
        rows = self.vector_rows(one, ["shared", "only-one"], seed=83)
        await store.store_vector_rows(rows)
        assert sorted(await self.listed_items(store, one)) == ["only-one", "shared"]
        self.assert_same_items(await self.listed_items(store, two), before)
        hits = await store.search_similar(rows.vectors[0].tolist(), two, _EVERYTHING)
        assert {hit.id for hit in hits} <= {"shared", "only-two"}
        assert all(hit.text == before[hit.id].text for hit in hits)
        if capabilities.threshold_search:
            assert await store.threshold_ids(rows.vectors[1:], two, 0.999) == [None]

    @requires("vector_rows")
    async def test_bad_vector_rows_are_refused_naming_the_field_and_write_nothing(self, store: Any, bank: str) -> None:
        """A batch with a vector of another width, NaN or infinity, a column of another length, a
        non-float32 block, a blank text or an invalid id or bank raises ValidationError naming the
        field; nothing of it is written, not even its valid rows, and the item it would replace stays."""
        await store.store_vectors([VectorItem(id="m0", bank_id=bank, vector=[1.0] * self.dimensions, text="kept")])
        before = await self.listed_items(store, bank)
        good = self.vector_rows(bank, ["m0", "new", "other"], seed=91, own=True)
        assert good.own_vectors is not None
        nan, inf = good.vectors.copy(), good.own_vectors.copy()
        nan[2, 0] = np.nan
        inf[1, -1] = np.inf
        wide = _float32(np.ones((3, self.dimensions + 1)))
        cases: dict[str, tuple[VectorRows, str]] = {
            "wider vectors": (replace(good, vectors=wide), "rows.vectors"),
            "wider own vectors": (replace(good, own_vectors=wide), "rows.own_vectors"),
            "NaN in a vector": (replace(good, vectors=nan), "rows.vectors"),
            "infinity in an own vector": (replace(good, own_vectors=inf), "rows.own_vectors"),
            "float64 vectors": (replace(good, vectors=good.vectors.astype(np.float64)), "rows.vectors"),
            "a vector short": (replace(good, vectors=good.vectors[:2]), "rows.vectors"),
            "a text short": (replace(good, texts=good.texts[:2]), "rows.texts"),
            "a tag list short": (replace(good, tags=good.tags[:2]), "rows.tags"),
            "a metadata entry extra": (replace(good, metadata=[*good.metadata, None]), "rows.metadata"),
            "a date short": (replace(good, occurred_at=good.occurred_at[:1]), "rows.occurred_at"),
            "a blank text": (replace(good, texts=["fine", " \t", "fine"]), "rows.texts"),
            "an id with NUL": (replace(good, ids=["m0", "n\x00", "other"]), "rows.ids"),
            "an invalid bank": (replace(good, bank_id="no spaces allowed"), "bank_id"),
        }
        for case, (rows, field) in cases.items():
            with pytest.raises(ValidationError) as refused:
                await store.store_vector_rows(rows)
            assert refused.value.field == field, case
            self.assert_same_items(await self.listed_items(store, bank), before)

    @requires("vector_rows", "threshold_search")
    async def test_threshold_ids_agree_with_search_similar_threshold(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """threshold_ids answers each query of a float32 matrix as search_similar_threshold answers its
        list: own vectors compared, another bank's items never named, a replaced vector forgotten."""
        rows = self.vector_rows(bank, [f"m{index}" for index in range(10)], seed=101, own=True)
        assert rows.own_vectors is not None
        await store.store_vector_rows(rows)
        await store.store_vector_rows(self.vector_rows(other_bank, ["elsewhere"], seed=103))
        elsewhere = (await store.list_vectors(other_bank))[0].vector
        replacement = self.vector_rows(bank, ["m4"], seed=105)
        await store.store_vector_rows(replacement)
        own = rows.own_vectors
        queries = _float32(
            np.array(
                [
                    own[1],  # identical to an own vector
                    near_vector(own[2], 0.99, seed=1),
                    near_vector(own[3], 0.9, seed=2),  # below the threshold
                    rows.vectors[5] / 3.0,  # the stored (not own) vector of an item that has an own one
                    own[4],  # the own vector m4 had before it was replaced
                    replacement.vectors[0],  # m4's vector now (its own, having none)
                    elsewhere,  # a duplicate in the other bank only
                ]
            )
        )
        as_lists = await store.search_similar_threshold(queries.tolist(), bank, 0.95)
        assert await store.threshold_ids(queries, bank, 0.95) == as_lists
        assert as_lists == ["m1", "m2", None, None, None, "m4", None]
        assert await store.threshold_ids(queries[:0], bank, 0.95) == []
        assert await store.threshold_ids(queries[:2], f"{bank}-nothing-here", 0.95) == [None, None]

    @requires("vector_rows", "threshold_search")
    async def test_threshold_ids_refuse_bad_arguments(self, store: Any, bank: str) -> None:
        """Queries of another width or not finite are refused naming ``queries``, a threshold outside
        (0, 1] naming ``threshold``, an invalid bank naming ``bank_id``."""
        await store.store_vector_rows(self.vector_rows(bank, ["m0"], seed=111))
        query = _float32(unit_vectors(1, self.dimensions, seed=112))
        bad_queries = (_float32(np.ones((1, self.dimensions + 1))), _float32(np.full((1, self.dimensions), np.nan)))
        for queries in bad_queries:
            with pytest.raises(ValidationError) as refused:
                await store.threshold_ids(queries, bank, 0.95)
            assert refused.value.field == "queries"
        for threshold in (0.0, 1.5, float("nan")):
            with pytest.raises(ValidationError) as refused:
                await store.threshold_ids(query, bank, threshold)
            assert refused.value.field == "threshold"
        with pytest.raises(ValidationError) as refused:
            await store.threshold_ids(query, "bad bank!", 0.95)
        assert refused.value.field == "bank_id"
