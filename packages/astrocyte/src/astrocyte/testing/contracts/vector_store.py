"""Contract suite for :class:`astrocyte.spi.VectorStore`.

Every scenario writes into banks of its own (the ``bank`` fixtures), so the suite can run against one
long-lived backend shared by all tests. Vectors have ``dimensions`` components (8 unless an adapter
fixed to another dimension overrides the class attribute). Searches that should find every match
demand completeness only of stores that declare ``exact_search``; an approximate store must still
return nothing that breaks a filter or crosses a bank.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import VectorStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    basis_vector,
    near_vector,
    requires,
    unit_vectors,
)
from astrocyte.testing.contracts.vector_rows import VectorRowsScenarios
from astrocyte.types import Metadata, VectorFilters, VectorHit, VectorItem

# The "explain" phase is left out: against a real backend its hundreds of extra examples cost
# minutes, and the shrunk failing example already says what broke.
_EVERYTHING = 1000  # a search limit above any bank this suite writes
_START = datetime(2024, 3, 1, tzinfo=UTC)
_PAYLOAD_FIELDS = ("text", "metadata", "fact_type", "occurred_at", "memory_layer", "retained_at", "chunk_id")


def _day(number: int) -> datetime:
    return _START + timedelta(days=number)


def _ids(found: Iterable[VectorHit | VectorItem]) -> list[str]:
    return [entry.id for entry in found]


@dataclass(frozen=True)
class _Labelled:
    """One memory of a filter corpus: its id and labels, its days counted from ``_START``."""

    id: str
    tags: list[str] | None
    fact_type: str | None
    occurred_day: int | None
    retained_day: int
    metadata: Metadata | None


# Tags, fact types, days and metadata chosen so every filter below keeps a different subset.
_CORPUS = (
    _Labelled("red", ["red"], "world", 1, 1, {"topic": "a", "session_id": "s1"}),
    _Labelled("blue", ["blue"], "experience", 2, 2, {"topic": "b", "session_id": "s2"}),
    _Labelled("both", ["red", "blue"], "opinion", 3, 3, {"topic": "a", "rank": 1, "session_id": "s1"}),
    _Labelled("green", ["green"], "world", None, 4, {"topic": "a"}),
    _Labelled("plain", None, None, 5, 5, None),
)

# Two matches of tags=["red"], fact_types=["world", "opinion"], days 1-3 and topic "a", and one decoy
# failing each single condition, so a store that ignores any one condition keeps a decoy.
_COMBINED = (
    _Labelled("match", ["red"], "world", 2, 2, {"topic": "a"}),
    _Labelled("late-match", ["red", "blue"], "opinion", 3, 5, {"topic": "a"}),
    _Labelled("no-tag", ["blue"], "world", 2, 2, {"topic": "a"}),
    _Labelled("no-fact", ["red"], "experience", 2, 2, {"topic": "a"}),
    _Labelled("no-time", ["red"], "world", 4, 2, {"topic": "a"}),
    _Labelled("undated", ["red"], "world", None, 2, {"topic": "a"}),
    _Labelled("no-topic", ["red"], "world", 2, 2, {"topic": "b"}),
)


class VectorStoreContract(VectorRowsScenarios):
    """The promises of :class:`~astrocyte.spi.VectorStore`; subclass it and define a ``store`` fixture.

    The scenarios of the ``vector_rows`` ability come from :class:`VectorRowsScenarios`.
    """

    protocol = VectorStore
    #: Dimension of every vector the suite writes; override it for a store fixed to another one.
    dimensions: ClassVar[int] = 8

    # ------------------------------------------------------------------ helpers

    def basis(self, index: int) -> list[float]:
        return basis_vector(index, self.dimensions)

    def item(self, bank_id: str, item_id: str, vector: list[float] | None = None, **fields: Any) -> VectorItem:
        fields.setdefault("text", f"memory {item_id}")
        return VectorItem(id=item_id, bank_id=bank_id, vector=vector or self.basis(0), **fields)

    async def listed(self, store: Any, bank_id: str) -> dict[str, VectorItem]:
        return {entry.id: entry for entry in await store.list_vectors(bank_id, 0, _EVERYTHING)}

    async def filtered(self, store: Any, bank_id: str, **conditions: Any) -> set[str]:
        hits = await store.search_similar([1.0] * self.dimensions, bank_id, _EVERYTHING, VectorFilters(**conditions))
        return set(_ids(hits))

    async def check_filters(
        self,
        store: Any,
        bank_id: str,
        capabilities: Any,
        *cases: tuple[dict[str, Any], set[str]],
        corpus: Iterable[_Labelled] = _CORPUS,
    ) -> None:
        """Store ``corpus``, then check that each case's conditions keep the expected ids."""
        await self.store_labelled(store, bank_id, corpus)
        for conditions, expected in cases:
            self.assert_found(await self.filtered(store, bank_id, **conditions), expected, capabilities, conditions)

    async def store_labelled(self, store: Any, bank_id: str, entries: Iterable[_Labelled]) -> None:
        """Store ``entries`` with distinct basis vectors, so any all-positive query scores each above 0."""
        await store.store_vectors(
            [
                self.item(
                    bank_id,
                    entry.id,
                    self.basis(index),
                    tags=entry.tags,
                    fact_type=entry.fact_type,
                    occurred_at=None if entry.occurred_day is None else _day(entry.occurred_day),
                    retained_at=_day(entry.retained_day),
                    metadata=entry.metadata,
                )
                for index, entry in enumerate(entries)
            ]
        )

    def assert_found(self, found: set[str], expected: set[str], capabilities: Any, context: object = "") -> None:
        """Nothing outside ``expected``; all of it from an exact store, some of it from any store."""
        assert found <= expected, f"{context}: hits that should have been excluded: {sorted(found - expected)}"
        if capabilities.exact_search:
            assert found == expected, f"{context}: an exact store missed {sorted(expected - found)}"
        elif expected:
            assert found, f"{context}: nothing found, expected some of {sorted(expected)}"

    # ------------------------------------------------------------------ protocol, health, empty input

    async def test_empty_inputs_are_no_ops(self, store: Any, bank: str) -> None:
        """Storing no items returns [] and deleting no ids returns 0."""
        assert await store.store_vectors([]) == []
        assert await store.delete([], bank) == 0
        assert await store.list_vectors(bank) == []

    async def test_invalid_bank_id_raises(self, store: Any) -> None:
        """A malformed bank id raises ValidationError (a ValueError) on search, list and delete."""
        for bad in ("", "has space", "slash/bank", "x" * 129):
            with pytest.raises(ValueError):
                await store.search_similar(self.basis(0), bad)
            with pytest.raises(ValueError):
                await store.list_vectors(bad)
            with pytest.raises(ValueError):
                await store.delete(["id"], bad)

    # ------------------------------------------------------------------ writes

    async def test_round_trip_preserves_every_field(self, store: Any, bank: str) -> None:
        """list_vectors returns each stored item with every field as written, adversarial ids included."""
        vectors = unit_vectors(len(ADVERSARIAL_IDS), self.dimensions, seed=11)
        written = {
            item_id: self.item(
                bank,
                item_id,
                vectors[index].tolist(),
                text=f"text {index} with ünïcode ✓ and 'quotes'",
                metadata={"source": "chat", "count": index, "weight": 0.5, "pinned": True, "note": None},
                tags=["common", f"tag-{index}"],
                fact_type="experience",
                occurred_at=_day(index),
                memory_layer="raw",
                retained_at=_day(index + 30),
                chunk_id=f"chunk-{index}",
            )
            for index, item_id in enumerate(ADVERSARIAL_IDS)
        }
        await store.store_vectors(list(written.values()))
        listed = await self.listed(store, bank)
        assert set(listed) == set(written)
        for item_id, original in written.items():
            got = listed[item_id]
            assert got.bank_id == bank
            for name in _PAYLOAD_FIELDS:
                assert getattr(got, name) == getattr(original, name), f"{item_id!r}: {name} changed"
            assert sorted(got.tags or ()) == sorted(original.tags or ())
            np.testing.assert_allclose(got.vector, original.vector, atol=1e-5)

    async def test_hits_carry_every_field(self, store: Any, bank: str) -> None:
        """A search hit carries the item's text, metadata, tags, fact type, times, layer and chunk id."""
        original = self.item(
            bank,
            "carried",
            self.basis(2),
            metadata={"k": "v"},
            tags=["t"],
            fact_type="world",
            occurred_at=_day(1),
            memory_layer="compiled",
            retained_at=_day(2),
            chunk_id="chunk-x",
        )
        await store.store_vectors([original, self.item(bank, "other", self.basis(3))])
        hits = await store.search_similar(self.basis(2), bank, limit=1)
        assert _ids(hits) == ["carried"]
        for name in _PAYLOAD_FIELDS:
            assert getattr(hits[0], name) == getattr(original, name), f"hit {name} differs"
        assert hits[0].tags == ["t"]

    async def test_store_returns_ids_in_input_order(self, store: Any, bank: str) -> None:
        """store_vectors returns the ids of its items in the order they were given."""
        order = ["zeta", "alpha", "Mid", "beta"]
        assert await store.store_vectors([self.item(bank, item_id) for item_id in order]) == order

    async def test_upsert_replaces(self, store: Any, bank: str) -> None:
        """Storing an existing id again replaces that item: one item, the new text, vector and tags."""
        await store.store_vectors([self.item(bank, "same", self.basis(0), text="first version", tags=["old"])])
        await store.store_vectors([self.item(bank, "same", self.basis(1), text="second version", tags=["new"])])
        listed = await store.list_vectors(bank)
        assert _ids(listed) == ["same"]
        assert listed[0].text == "second version"
        assert listed[0].tags == ["new"]
        best = await store.search_similar(self.basis(1), bank, limit=5)
        assert _ids(best) == ["same"]
        assert best[0].text == "second version"
        assert best[0].score == pytest.approx(1.0, abs=1e-3)

    async def test_stored_items_do_not_alias_caller_objects(self, store: Any, bank: str) -> None:
        """Mutating an item after storing it, or a result after reading it, changes nothing stored."""
        item = self.item(bank, "alias", self.basis(0), metadata={"k": "v"}, tags=["t"])
        await store.store_vectors([item])
        assert item.metadata is not None
        assert item.tags is not None
        item.metadata["k"] = "changed"
        item.tags.append("extra")
        item.vector[1] = 5.0
        item.text = "changed"
        (listed,) = await store.list_vectors(bank)
        listed.metadata["k"] = "mutated"
        listed.tags.append("mutated")
        (hit,) = await store.search_similar(self.basis(0), bank, limit=1)
        hit.metadata["k"] = "mutated"
        hit.tags.append("mutated")
        (again,) = await store.list_vectors(bank)
        assert again.text == "memory alias"
        assert again.metadata == {"k": "v"}
        assert again.tags == ["t"]
        np.testing.assert_allclose(again.vector, self.basis(0), atol=1e-5)

    # ------------------------------------------------------------------ dimensions

    async def test_dimension_mismatch_on_insert_raises(self, store: Any, bank: str) -> None:
        """A vector of another dimension raises ValidationError (a ValueError) and is not stored."""
        await store.store_vectors([self.item(bank, "good")])
        for size in (self.dimensions + 1, self.dimensions - 1):
            with pytest.raises(ValueError):
                await store.store_vectors([self.item(bank, f"bad-{size}", [1.0] * size)])
        assert set(await self.listed(store, bank)) == {"good"}

    async def test_mixed_batch_stores_nothing(self, store: Any, bank: str, other_bank: str) -> None:
        """A batch with one vector of the wrong dimension stores none of its items, in any bank."""
        await store.store_vectors([self.item(bank, "good")])
        batch = [
            self.item(bank, "fine-before"),
            self.item(other_bank, "fine-elsewhere"),
            self.item(bank, "wrong", [1.0] * (self.dimensions + 1)),
            self.item(bank, "fine-after"),
        ]
        with pytest.raises(ValueError):
            await store.store_vectors(batch)
        assert set(await self.listed(store, bank)) == {"good"}
        assert await store.list_vectors(other_bank) == []

    async def test_dimension_mismatch_on_query_raises(self, store: Any, bank: str) -> None:
        """A query vector of another dimension raises ValidationError (a ValueError)."""
        await store.store_vectors([self.item(bank, "good")])
        for size in (self.dimensions + 1, self.dimensions - 1):
            with pytest.raises(ValueError):
                await store.search_similar([1.0] * size, bank)

    # ------------------------------------------------------------------ similarity

    async def test_identical_vector_ranks_first(self, store: Any, bank: str) -> None:
        """Searching with a stored vector returns that item first, scoring about 1."""
        vectors = unit_vectors(12, self.dimensions, seed=3)
        await store.store_vectors([self.item(bank, f"v{index}", row.tolist()) for index, row in enumerate(vectors)])
        for index in (0, 5, 11):
            hits = await store.search_similar(vectors[index].tolist(), bank, limit=3)
            assert hits[0].id == f"v{index}"
            assert hits[0].score == pytest.approx(1.0, abs=1e-3)

    async def test_scores_in_unit_range_and_non_increasing(self, store: Any, bank: str) -> None:
        """Scores lie in [0, 1] and never increase down the list, whatever the vectors' lengths."""
        vectors = unit_vectors(20, self.dimensions, seed=5) * np.linspace(0.1, 10.0, 20)[:, None]
        await store.store_vectors([self.item(bank, f"v{index}", row.tolist()) for index, row in enumerate(vectors)])
        for query in unit_vectors(3, self.dimensions, seed=6) * 3.0:
            scores = [hit.score for hit in await store.search_similar(query.tolist(), bank, limit=20)]
            assert scores
            assert all(0.0 <= score <= 1.0 + 1e-6 for score in scores)
            assert all(later <= earlier + 1e-6 for earlier, later in pairwise(scores))

    async def test_limit_respected(self, store: Any, bank: str) -> None:
        """search_similar never returns more than limit hits."""
        vectors = unit_vectors(12, self.dimensions, seed=8)
        await store.store_vectors([self.item(bank, f"v{index}", row.tolist()) for index, row in enumerate(vectors)])
        for limit in (1, 5):
            hits = await store.search_similar(self.basis(0), bank, limit=limit)
            assert 1 <= len(hits) <= limit

    @requires("exact_search")
    async def test_exact_top_k_equals_brute_force(self, store: Any, bank: str) -> None:
        """A store declaring exact_search returns the k truly most similar items, with their cosine scores."""
        raw = unit_vectors(40, self.dimensions, seed=13) * np.linspace(0.2, 5.0, 40)[:, None]
        await store.store_vectors([self.item(bank, f"v{index}", row.tolist()) for index, row in enumerate(raw)])
        unit = raw / np.linalg.norm(raw, axis=1, keepdims=True)
        limit = 5
        for query in unit_vectors(4, self.dimensions, seed=14) * 2.5:
            truth = np.clip(unit @ (query / np.linalg.norm(query)), 0.0, 1.0)
            hits = await store.search_similar(query.tolist(), bank, limit=limit)
            assert len(hits) == limit
            returned = np.array([truth[int(hit.id[1:])] for hit in hits])
            np.testing.assert_allclose(np.sort(returned)[::-1], np.sort(truth)[::-1][:limit], atol=1e-5)
            np.testing.assert_allclose([hit.score for hit in hits], returned, atol=1e-4)

    async def test_orthogonal_and_opposite_vectors_score_zero(self, store: Any, bank: str) -> None:
        """Cosine is clamped to [0, 1]: an orthogonal or opposite vector scores about 0."""
        opposite = [-value for value in self.basis(0)]
        await store.store_vectors([self.item(bank, "axis", self.basis(0)), self.item(bank, "opposite", opposite)])
        scores = {hit.id: hit.score for hit in await store.search_similar(self.basis(1), bank, limit=5)}
        assert all(score == pytest.approx(0.0, abs=1e-5) for score in scores.values())
        scores = {hit.id: hit.score for hit in await store.search_similar(self.basis(0), bank, limit=5)}
        assert scores["axis"] == pytest.approx(1.0, abs=1e-3)
        assert scores.get("opposite", 0.0) == pytest.approx(0.0, abs=1e-5)

    async def test_zero_query_scores_zero(self, store: Any, bank: str) -> None:
        """A zero query vector does not raise; whatever it returns scores 0."""
        await store.store_vectors([self.item(bank, "axis", self.basis(0)), self.item(bank, "other", self.basis(1))])
        hits = await store.search_similar([0.0] * self.dimensions, bank, limit=5)
        assert all(hit.score == pytest.approx(0.0, abs=1e-6) for hit in hits)

    # ------------------------------------------------------------------ deletes and unknown banks

    async def test_delete_counts_what_it_removed(self, store: Any, bank: str) -> None:
        """delete returns how many items it removed: missing ids are not counted, repeated ids once."""
        await store.store_vectors([self.item(bank, item_id) for item_id in ("a", "b", "c")])
        assert await store.delete(["a", "a", "missing", "b"], bank) == 2
        assert set(await self.listed(store, bank)) == {"c"}
        assert await store.delete(["a"], bank) == 0

    async def test_delete_through_another_bank_removes_nothing(self, store: Any, bank: str, other_bank: str) -> None:
        """Deleting an id through a bank that does not hold it removes nothing anywhere."""
        await store.store_vectors([self.item(bank, "kept")])
        assert await store.delete(["kept"], other_bank) == 0
        assert set(await self.listed(store, bank)) == {"kept"}
        assert _ids(await store.search_similar(self.basis(0), bank, limit=1)) == ["kept"]

    async def test_unknown_bank_is_empty(self, store: Any, bank: str, bank_named: Callable[[str], str]) -> None:
        """A bank never written to searches and lists as [] and deletes 0, whatever else the store holds."""
        await store.store_vectors([self.item(bank, "elsewhere")])
        unknown = bank_named("-never-written")
        assert await store.search_similar(self.basis(0), unknown) == []
        assert await store.list_vectors(unknown) == []
        assert await store.delete(["elsewhere"], unknown) == 0

    @requires("delete_bank")
    async def test_delete_bank_removes_only_that_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """delete_bank removes every item of the bank, returns how many, and leaves other banks whole."""
        await store.store_vectors([self.item(bank, f"m{index}") for index in range(3)])
        await store.store_vectors([self.item(other_bank, f"m{index}") for index in range(2)])
        assert await store.delete_bank(bank) == 3
        assert await store.list_vectors(bank) == []
        assert set(await self.listed(store, other_bank)) == {"m0", "m1"}
        assert await store.delete_bank(bank) == 0

    @requires("count")
    async def test_count_vectors_counts_the_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """count_vectors counts the bank's items: upserts do not add, deletes subtract, other banks never count."""
        await store.store_vectors([self.item(bank, f"m{index}") for index in range(3)])
        await store.store_vectors([self.item(other_bank, "m0"), self.item(bank, "m0", text="replaced")])
        assert await store.count_vectors(bank) == 3
        await store.delete(["m1"], bank)
        assert await store.count_vectors(bank) == 2
        assert await store.count_vectors(other_bank) == 1

    @requires("batch_search")
    async def test_batch_search_equals_one_search_per_query(self, store: Any, bank: str, other_bank: str) -> None:
        """search_similar_batch gives, for each query in order, what search_similar gives for it alone."""
        vectors = unit_vectors(15, self.dimensions, seed=17)
        await store.store_vectors(
            [
                self.item(bank, f"m{index}", vector.tolist(), tags=["odd" if index % 2 else "even"])
                for index, vector in enumerate(vectors)
            ]
        )
        await store.store_vectors([self.item(other_bank, "elsewhere", vectors[0].tolist())])
        queries = [*unit_vectors(5, self.dimensions, seed=18).tolist(), vectors[3].tolist()]
        for filters in (None, VectorFilters(tags=["odd"])):
            batched = await store.search_similar_batch(queries, bank, 4, filters)
            singles = [await store.search_similar(query, bank, 4, filters) for query in queries]
            assert [_ids(hits) for hits in batched] == [_ids(hits) for hits in singles]
            for batch_hits, single_hits in zip(batched, singles, strict=True):
                assert [hit.score for hit in batch_hits] == pytest.approx([hit.score for hit in single_hits], abs=1e-5)
        assert await store.search_similar_batch([], bank, 4) == []
        assert await store.search_similar_batch(queries[:2], f"{bank}-nothing-here", 4) == [[], []]
        with pytest.raises(ValueError):
            await store.search_similar_batch([[1.0] * (self.dimensions + 1)], bank, 4)

    @requires("threshold_search")
    async def test_threshold_search_answers_only_items_at_or_above_it(
        self, store: Any, bank: str, other_bank: str, capabilities: Any
    ) -> None:
        """search_similar_threshold names, per query, an item of the bank scoring at least the threshold,
        and None when none does: never a weaker item, never another bank's; identical vectors are found."""
        vectors = unit_vectors(12, self.dimensions, seed=31)
        await store.store_vectors([self.item(bank, f"m{index}", row.tolist()) for index, row in enumerate(vectors)])
        elsewhere = unit_vectors(1, self.dimensions, seed=32)[0]
        await store.store_vectors([self.item(other_bank, "elsewhere", elsewhere.tolist())])
        queries = [
            vectors[3].tolist(),  # identical: always found
            near_vector(vectors[5], 0.99, seed=1),
            near_vector(vectors[7], 0.9, seed=2),  # below the threshold
            elsewhere.tolist(),  # a duplicate in the other bank only
        ]
        found = await store.search_similar_threshold(queries, bank, 0.95)
        assert len(found) == len(queries)
        for query, answer in zip(queries, found, strict=True):
            scores = {f"m{index}": float(vector @ query) for index, vector in enumerate(vectors)}
            qualifying = {item_id for item_id, score in scores.items() if score >= 0.95 - 1e-5}
            assert answer is None or answer in qualifying, f"{answer} scores below 0.95"
            if qualifying and (query is queries[0] or capabilities.exact_search):
                assert answer is not None, f"missed one of {sorted(qualifying)}"
        assert found[0] == "m3"
        assert await store.search_similar_threshold([], bank, 0.95) == []
        assert await store.search_similar_threshold(queries[:2], f"{bank}-nothing-here", 0.95) == [None, None]

    @requires("threshold_search")
    async def test_threshold_search_forgets_deleted_and_replaced_vectors(self, store: Any, bank: str) -> None:
        """A deleted item is never answered again, and an item stored again under its id is found by its
        new vector, not its old one."""
        vectors = unit_vectors(6, self.dimensions, seed=41)
        await store.store_vectors([self.item(bank, f"m{index}", row.tolist()) for index, row in enumerate(vectors)])
        await store.delete(["m1"], bank)
        replacement = unit_vectors(1, self.dimensions, seed=42)[0]
        await store.store_vectors([self.item(bank, "m2", replacement.tolist())])
        found = await store.search_similar_threshold(
            [vectors[1].tolist(), vectors[2].tolist(), replacement.tolist(), vectors[4].tolist()], bank, 0.999
        )
        assert found == [None, None, "m2", "m4"]

    @requires("threshold_search")
    async def test_threshold_search_compares_own_vectors(self, store: Any, bank: str) -> None:
        """An item with an ``own_vector`` is found by it, not by its stored (contextual) vector; an item
        without one by its vector; list_vectors gives the own vector back (same direction), or None."""
        vectors = unit_vectors(6, self.dimensions, seed=51)
        with_own = replace(self.item(bank, "own", vectors[0].tolist()), own_vector=vectors[1].tolist())
        await store.store_vectors([with_own, self.item(bank, "plain", vectors[2].tolist())])
        found = await store.search_similar_threshold(
            [vectors[0].tolist(), vectors[1].tolist(), near_vector(vectors[1], 0.99, seed=3), vectors[2].tolist()],
            bank,
            0.95,
        )
        assert found == [None, "own", "own", "plain"]
        listed = {item.id: item for item in await store.list_vectors(bank, 0, _EVERYTHING)}
        assert listed["plain"].own_vector is None
        own_vector = np.asarray(listed["own"].own_vector, dtype=np.float64)
        assert float(own_vector @ vectors[1]) / float(np.linalg.norm(own_vector)) == pytest.approx(1.0, abs=1e-5)
        # Stored again without an own vector, the item is found by its vector once more.
        await store.store_vectors([self.item(bank, "own", vectors[0].tolist())])
        assert await store.search_similar_threshold([vectors[0].tolist(), vectors[1].tolist()], bank, 0.95) == [
            "own",
            None,
        ]
        assert (await store.list_vectors(bank, 0, _EVERYTHING))[0].own_vector is None

    @requires("threshold_search")
    async def test_threshold_search_refuses_an_own_vector_of_another_dimension(self, store: Any, bank: str) -> None:
        """An ``own_vector`` whose dimension differs from the store's is refused naming it; nothing is written."""
        item = replace(self.item(bank, "m0"), own_vector=[1.0] * (self.dimensions + 1))
        with pytest.raises(ValidationError) as refused:
            await store.store_vectors([self.item(bank, "m1"), item])
        assert refused.value.field == "items[1].own_vector"
        assert await store.list_vectors(bank, 0, _EVERYTHING) == []

    @requires("threshold_search")
    async def test_threshold_search_refuses_an_own_vector_made_non_finite(self, store: Any, bank: str) -> None:
        """An ``own_vector`` changed to hold NaN after the item was built is refused naming it, as a
        ``vector`` would be; nothing is written."""
        item = replace(self.item(bank, "m0"), own_vector=list(self.basis(1)))
        assert item.own_vector is not None
        item.own_vector[0] = float("nan")
        with pytest.raises(ValidationError) as refused:
            await store.store_vectors([self.item(bank, "m1"), item])
        assert refused.value.field == "items[1].own_vector"
        assert await store.list_vectors(bank, 0, _EVERYTHING) == []

    @requires("threshold_search")
    async def test_threshold_search_refuses_bad_arguments(self, store: Any, bank: str) -> None:
        """A query of another dimension, or a threshold outside (0, 1], is refused naming the field."""
        await store.store_vectors([self.item(bank, "m0")])
        with pytest.raises(ValueError):
            await store.search_similar_threshold([[1.0] * (self.dimensions + 1)], bank, 0.95)
        for threshold in (0.0, 1.5, -0.5, float("nan")):
            with pytest.raises(ValidationError) as refused:
                await store.search_similar_threshold([self.basis(0)], bank, threshold)
            assert refused.value.field == "threshold"
        with pytest.raises(ValidationError):
            await store.search_similar_threshold([self.basis(0)], "bad bank!", 0.95)

    # ------------------------------------------------------------------ scores of given ids

    @requires("id_scores")
    async def test_score_ids_scores_the_bank_items_named(self, store: Any, bank: str, other_bank: str) -> None:
        """score_ids gives each named item of the bank the cosine ``search_similar`` would give it, from
        its stored vector; ids the bank does not hold (unknown, deleted, or another bank's) are left
        out; an id named twice is scored once; a replaced item is scored by its new vector."""
        vectors = unit_vectors(8, self.dimensions, seed=51)
        await store.store_vectors([self.item(bank, f"m{index}", row.tolist()) for index, row in enumerate(vectors)])
        await store.store_vectors([self.item(other_bank, "elsewhere", vectors[0].tolist())])
        await store.delete(["m6"], bank)
        replacement = unit_vectors(1, self.dimensions, seed=52)[0]
        await store.store_vectors([self.item(bank, "m7", replacement.tolist())])
        query = unit_vectors(1, self.dimensions, seed=53)[0].tolist()
        named = ["m2", "m0", "elsewhere", "unknown", "m6", "m7", "m2", *ADVERSARIAL_IDS[:2]]
        scores = await store.score_ids(query, named, bank)
        expected = {hit.id: hit.score for hit in await store.search_similar(query, bank, _EVERYTHING)}
        assert set(scores) == {"m0", "m2", "m7"}
        for item_id, score in scores.items():
            assert score == pytest.approx(expected[item_id], abs=1e-5)
            assert 0.0 <= score <= 1.0
        assert scores["m7"] == pytest.approx(max(0.0, float(replacement @ np.asarray(query))), abs=1e-5)
        assert await store.score_ids(query, [], bank) == {}
        assert await store.score_ids(query, ["m0"], f"{bank}-nothing-here") == {}
        assert set(await store.score_ids(query, ["elsewhere", "m0"], other_bank)) == {"elsewhere"}

    @requires("id_scores")
    async def test_score_ids_refuses_bad_arguments(self, store: Any, bank: str) -> None:
        """A query of another dimension, a bad bank id or a bad id is refused naming the field."""
        await store.store_vectors([self.item(bank, "m0")])
        with pytest.raises(ValueError):
            await store.score_ids([1.0] * (self.dimensions + 1), ["m0"], bank)
        with pytest.raises(ValidationError) as refused:
            await store.score_ids(self.basis(0), ["m0", ""], bank)
        assert refused.value.field == "ids[1]"
        with pytest.raises(ValidationError):
            await store.score_ids(self.basis(0), ["m0"], "bad bank!")

    # ------------------------------------------------------------------ listing

    async def test_list_pages_visit_each_item_once(self, store: Any, bank: str) -> None:
        """Paging list_vectors with offset and limit visits every item exactly once, in the full listing's order."""
        ids = [*ADVERSARIAL_IDS, "B", "a", "A", *(f"item-{index:02d}" for index in range(13))]
        await store.store_vectors([self.item(bank, item_id) for item_id in ids])
        full = _ids(await store.list_vectors(bank, 0, _EVERYTHING))
        for size in (1, 5, 7):
            paged: list[str] = []
            for offset in range(0, len(ids) + size, size):
                paged += _ids(await store.list_vectors(bank, offset, size))
            assert paged == full
        assert sorted(full) == sorted(ids)
        assert await store.list_vectors(bank, len(ids), 10) == []

    async def test_list_order_is_by_id_not_by_insertion(self, store: Any, bank: str, other_bank: str) -> None:
        """Two banks holding the same ids, written in opposite orders, list them in the same order."""
        ids = ["kiwi", "apple", "Mango", "banana", "cherry", "10", "9"]
        await store.store_vectors([self.item(bank, item_id) for item_id in ids])
        await store.store_vectors([self.item(other_bank, item_id) for item_id in reversed(ids)])
        first = _ids(await store.list_vectors(bank))
        assert first == _ids(await store.list_vectors(other_bank))
        assert first == _ids(await store.list_vectors(bank))

    # ------------------------------------------------------------------ filters

    @requires("filter_tags")
    async def test_filter_tags_any(self, store: Any, bank: str, capabilities: Any) -> None:
        """filters.tags keeps the items carrying any of the tags."""
        await self.check_filters(
            store,
            bank,
            capabilities,
            ({"tags": ["red"]}, {"red", "both"}),
            ({"tags": ["red", "green"]}, {"red", "both", "green"}),
        )

    @requires("filter_tags", "filter_tag_match_all")
    async def test_filter_tags_all(self, store: Any, bank: str, capabilities: Any) -> None:
        """tag_match="all" keeps only the items carrying every one of the tags."""
        await self.check_filters(
            store,
            bank,
            capabilities,
            ({"tags": ["red", "blue"], "tag_match": "all"}, {"both"}),
            ({"tags": ["red", "green"], "tag_match": "all"}, set()),
        )

    @requires("filter_fact_types")
    async def test_filter_fact_types(self, store: Any, bank: str, capabilities: Any) -> None:
        """filters.fact_types keeps the items whose fact type is one of them."""
        await self.check_filters(
            store,
            bank,
            capabilities,
            ({"fact_types": ["world"]}, {"red", "green"}),
            ({"fact_types": ["world", "opinion"]}, {"red", "green", "both"}),
        )

    @requires("filter_time_range")
    async def test_filter_time_range_is_inclusive(self, store: Any, bank: str, capabilities: Any) -> None:
        """time_range keeps items with start <= occurred_at <= end, both bounds included."""
        await self.check_filters(
            store,
            bank,
            capabilities,
            ({"time_range": (_day(2), _day(3))}, {"blue", "both"}),
            ({"time_range": (_day(3), _day(3))}, {"both"}),
            ({"time_range": (_day(2) + timedelta(seconds=1), _day(3) - timedelta(seconds=1))}, set()),
        )

    @requires("filter_time_range")
    async def test_filter_time_range_excludes_undated(self, store: Any, bank: str, capabilities: Any) -> None:
        """Any time_range excludes items without occurred_at."""
        await self.check_filters(
            store, bank, capabilities, ({"time_range": (_day(-400), _day(400))}, {"red", "blue", "both", "plain"})
        )

    @requires("filter_metadata")
    async def test_filter_metadata(self, store: Any, bank: str, capabilities: Any) -> None:
        """metadata_filters keeps items whose metadata has every given key with the given value."""
        await self.check_filters(
            store,
            bank,
            capabilities,
            ({"metadata_filters": {"topic": "a"}}, {"red", "both", "green"}),
            ({"metadata_filters": {"topic": "a", "rank": 1}}, {"both"}),
            ({"metadata_filters": {"topic": "z"}}, set()),
        )

    @requires("filter_metadata")
    async def test_filter_session_id(self, store: Any, bank: str, capabilities: Any) -> None:
        """session_id filters like metadata_filters={"session_id": ...}, together with other metadata."""
        await self.check_filters(
            store,
            bank,
            capabilities,
            ({"session_id": "s1"}, {"red", "both"}),
            ({"session_id": "s1", "metadata_filters": {"rank": 1}}, {"both"}),
        )

    @requires("filter_as_of")
    async def test_filter_as_of(self, store: Any, bank: str, capabilities: Any) -> None:
        """as_of keeps only items retained at or before that instant."""
        await self.check_filters(
            store, bank, capabilities, ({"as_of": _day(2)}, {"red", "blue"}), ({"as_of": _day(0)}, set())
        )

    @requires("filter_tags", "filter_fact_types", "filter_time_range", "filter_metadata", "filter_as_of")
    async def test_filters_combine_with_and(self, store: Any, bank: str, capabilities: Any) -> None:
        """Several conditions in one VectorFilters must all hold."""
        conditions: dict[str, Any] = {
            "tags": ["red"],
            "fact_types": ["world", "opinion"],
            "time_range": (_day(1), _day(3)),
            "metadata_filters": {"topic": "a"},
        }
        await self.check_filters(
            store,
            bank,
            capabilities,
            (conditions, {"match", "late-match"}),
            ({**conditions, "as_of": _day(3)}, {"match"}),
            corpus=_COMBINED,
        )

    # ------------------------------------------------------------------ isolation

    @pytest.mark.parametrize(("first", "second"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_banks_are_isolated(
        self, store: Any, bank_named: Callable[[str], str], capabilities: Any, first: str, second: str
    ) -> None:
        """Banks whose ids differ by case, a prefix or a wildcard never see or delete each other's items."""
        banks = {bank_named(first): {"shared", "only-first"}, bank_named(second): {"shared", "only-second"}}
        await store.store_vectors(
            [
                self.item(bank_id, item_id, text=f"{item_id} in {bank_id}")
                for bank_id, ids in banks.items()
                for item_id in ids
            ]
        )
        for bank_id, ids in banks.items():
            listed = await self.listed(store, bank_id)
            assert set(listed) == ids
            assert {entry.text for entry in listed.values()} == {f"{item_id} in {bank_id}" for item_id in ids}
            hits = await store.search_similar(self.basis(0), bank_id, limit=_EVERYTHING)
            self.assert_found(set(_ids(hits)), ids, capabilities)
            assert all(hit.text.endswith(f" in {bank_id}") for hit in hits)
        one, two = banks
        assert await store.delete(["shared", "only-second"], one) == 1
        assert set(await self.listed(store, one)) == {"only-first"}
        assert set(await self.listed(store, two)) == {"shared", "only-second"}

    async def test_same_id_in_two_banks_is_two_items(self, store: Any, bank: str, other_bank: str) -> None:
        """One id stored in two banks is two independent items."""
        await store.store_vectors([self.item(bank, "twin", self.basis(0), text="in the first bank")])
        await store.store_vectors([self.item(other_bank, "twin", self.basis(1), text="in the second bank")])
        (first,) = await store.list_vectors(bank)
        (second,) = await store.list_vectors(other_bank)
        assert (first.text, second.text) == ("in the first bank", "in the second bank")
        np.testing.assert_allclose(second.vector, self.basis(1), atol=1e-5)
        assert await store.delete(["twin"], bank) == 1
        assert _ids(await store.list_vectors(other_bank)) == ["twin"]

    # ------------------------------------------------------------------ properties against a plain model

    @PROPERTY_SETTINGS
    @given(
        pair=st.sampled_from(ADVERSARIAL_BANK_PAIRS),
        operations=st.lists(
            st.tuples(
                st.booleans(), st.sampled_from((0, 1)), st.sampled_from(("a", "A", "b", "a b", "é")), st.integers(0, 3)
            ),
            max_size=16,
        ),
    )
    async def test_isolation_matches_model(
        self,
        store: Any,
        bank_named: Callable[[str], str],
        capabilities: Any,
        pair: tuple[str, str],
        operations: list[tuple[bool, int, str, int]],
    ) -> None:
        """Any sequence of upserts and deletes across two look-alike banks leaves each bank as a dict model says."""
        token = uuid.uuid4().hex[:8]
        banks = (bank_named(f"{token}{pair[0]}"), bank_named(f"{token}{pair[1]}"))
        model: tuple[dict[str, str], dict[str, str]] = ({}, {})
        for is_delete, side, item_id, version in operations:
            if is_delete:
                expected = int(model[side].pop(item_id, None) is not None)
                assert await store.delete([item_id], banks[side]) == expected
            else:
                text = f"{item_id} v{version} side {side}"
                model[side][item_id] = text
                await store.store_vectors([self.item(banks[side], item_id, self.basis(version), text=text)])
        for side, bank_id in enumerate(banks):
            listed = await self.listed(store, bank_id)
            assert {item_id: entry.text for item_id, entry in listed.items()} == model[side]
            hits = await store.search_similar([1.0] * self.dimensions, bank_id, limit=_EVERYTHING)
            self.assert_found(set(_ids(hits)), set(model[side]), capabilities)

    @requires("filter_tags", "filter_fact_types", "filter_time_range", "filter_metadata", "filter_as_of")
    @PROPERTY_SETTINGS
    @given(
        corpus=st.lists(
            st.builds(
                _Labelled,
                id=st.just(""),
                tags=st.none() | st.lists(st.sampled_from(("red", "green", "blue")), max_size=3, unique=True),
                fact_type=st.none() | st.sampled_from(("world", "experience")),
                occurred_day=st.none() | st.integers(0, 6),
                retained_day=st.integers(0, 6),
                metadata=st.none()
                | st.dictionaries(st.sampled_from(("topic", "session_id")), st.sampled_from(("a", "b"))),
            ),
            min_size=1,
            max_size=10,
        ),
        tags=st.none() | st.lists(st.sampled_from(("red", "green", "blue")), min_size=1, max_size=2, unique=True),
        tag_match=st.sampled_from(("any", "all")),
        fact_types=st.none() | st.lists(st.sampled_from(("world", "experience", "opinion")), min_size=1, max_size=2),
        days=st.none() | st.tuples(st.integers(0, 6), st.integers(0, 6)).map(sorted),
        topic=st.none() | st.sampled_from(("a", "b")),
        session_id=st.none() | st.sampled_from(("a", "b")),
        as_of=st.none() | st.integers(0, 6),
    )
    async def test_filters_match_model(
        self,
        store: Any,
        bank_named: Callable[[str], str],
        capabilities: Any,
        corpus: list[_Labelled],
        tags: list[str] | None,
        tag_match: str,
        fact_types: list[str] | None,
        days: list[int] | None,
        topic: str | None,
        session_id: str | None,
        as_of: int | None,
    ) -> None:
        """Any combination of filters keeps exactly the items a plain-Python reading of VectorFilters keeps."""
        if not capabilities.filter_tag_match_all:
            tag_match = "any"
        bank_id = bank_named(uuid.uuid4().hex[:8])
        corpus = [replace(entry, id=f"m{index}") for index, entry in enumerate(corpus)]
        await self.store_labelled(store, bank_id, corpus)
        metadata = None if topic is None else {"topic": topic}

        def keeps(entry: _Labelled) -> bool:
            present = set(entry.tags or ())
            wanted_metadata = {**(metadata or {}), **({} if session_id is None else {"session_id": session_id})}
            return (
                (tags is None or (present >= set(tags) if tag_match == "all" else bool(present & set(tags))))
                and (fact_types is None or entry.fact_type in fact_types)
                and (days is None or (entry.occurred_day is not None and days[0] <= entry.occurred_day <= days[1]))
                and all((entry.metadata or {}).get(key) == value for key, value in wanted_metadata.items())
                and (as_of is None or entry.retained_day <= as_of)
            )

        found = await self.filtered(
            store,
            bank_id,
            tags=tags,
            tag_match=tag_match,
            fact_types=fact_types,
            time_range=None if days is None else (_day(days[0]), _day(days[1])),
            metadata_filters=metadata,
            session_id=session_id,
            as_of=None if as_of is None else _day(as_of),
        )
        self.assert_found(found, {entry.id for entry in corpus if keeps(entry)}, capabilities)
