"""The VectorStore suite fails stores that break its promises, and passes the honest memory store whole.

Each variant subclasses the memory store and breaks one promise; the scenarios listed with it are the
ones meant to catch that break, and each must fail.
"""

from __future__ import annotations

import pytest

from ._bites import assert_bites, assert_passes_whole, filters_rewritten, unhealthy, without_method
from .conftest import RunContract

_PRELUDE = """
import random
import zlib
from dataclasses import replace
from datetime import timedelta
from astrocyte.errors import ValidationError
from astrocyte.stores.memory.vectors import MemoryVectorStore

# Remembers the banks written, so a variant can reach across banks through the public methods.
class BankTracking(MemoryVectorStore):
    def __init__(self):
        super().__init__()
        self.seen = set()
    async def store_vectors(self, items):
        self.seen.update(item.bank_id for item in items)
        return await super().store_vectors(items)
"""

_EVERY = 10**6  # a limit that fetches a whole bank from the honest store underneath


def _breaking_filters(change: str) -> str:
    return filters_rewritten("MemoryVectorStore", "search_similar", "query_vector, bank_id", change)


_BROKEN: dict[str, tuple[str, set[str]]] = {
    "case_folded_banks": (
        """
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        return await super().store_vectors([replace(item, bank_id=item.bank_id.lower()) for item in items])
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        return await super().search_similar(query_vector, bank_id.lower(), limit, filters)
    async def delete(self, ids, bank_id):
        return await super().delete(ids, bank_id.lower())
    async def list_vectors(self, bank_id, offset=0, limit=100):
        return await super().list_vectors(bank_id.lower(), offset, limit)
""",
        {"test_adversarial_banks_are_isolated"},
    ),
    "prefix_matched_banks": (
        f"""
class Broken(BankTracking):
    def _alike(self, bank_id):
        return [other for other in sorted(self.seen) if other.startswith(bank_id)] or [bank_id]
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        hits = []
        for other in self._alike(bank_id):
            hits += await super().search_similar(query_vector, other, limit, filters)
        return sorted(hits, key=lambda hit: -hit.score)[:limit]
    async def list_vectors(self, bank_id, offset=0, limit=100):
        items = []
        for other in self._alike(bank_id):
            items += await super().list_vectors(other, 0, {_EVERY})
        return sorted(items, key=lambda item: item.id)[offset : offset + limit]
""",
        {"test_adversarial_banks_are_isolated"},
    ),
    "delete_ignores_bank": (
        """
class Broken(BankTracking):
    async def delete(self, ids, bank_id):
        removed = await super().delete(ids, bank_id)
        for other in self.seen - {bank_id}:
            removed += await super().delete(ids, other)
        return removed
""",
        {
            "test_delete_through_another_bank_removes_nothing",
            "test_adversarial_banks_are_isolated",
            "test_same_id_in_two_banks_is_two_items",
            "test_unknown_bank_is_empty",
        },
    ),
    "counts_requested_ids": (
        """
class Broken(MemoryVectorStore):
    async def delete(self, ids, bank_id):
        await super().delete(ids, bank_id)
        return len(ids)
""",
        {
            "test_delete_counts_what_it_removed",
            "test_delete_through_another_bank_removes_nothing",
            "test_unknown_bank_is_empty",
        },
    ),
    "shuffled_listing": (
        f"""
class Broken(MemoryVectorStore):
    async def list_vectors(self, bank_id, offset=0, limit=100):
        items = await super().list_vectors(bank_id, 0, {_EVERY})
        random.shuffle(items)
        return items[offset : offset + limit]
""",
        {"test_list_pages_visit_each_item_once", "test_list_order_is_by_id_not_by_insertion"},
    ),
    "insertion_ordered_listing": (
        f"""
class Broken(MemoryVectorStore):
    def __init__(self):
        super().__init__()
        self.arrival = {{}}
    async def store_vectors(self, items):
        for item in items:
            self.arrival.setdefault((item.bank_id, item.id), len(self.arrival))
        return await super().store_vectors(items)
    async def list_vectors(self, bank_id, offset=0, limit=100):
        items = await super().list_vectors(bank_id, 0, {_EVERY})
        items.sort(key=lambda item: self.arrival[(bank_id, item.id)])
        return items[offset : offset + limit]
""",
        {"test_list_order_is_by_id_not_by_insertion"},
    ),
    "no_dimension_check": (
        """
class Broken(MemoryVectorStore):
    def _fit(self, vector):
        size = self.dimensions
        return vector if size is None else (list(vector) + [0.0] * size)[:size]
    async def store_vectors(self, items):
        return await super().store_vectors([replace(item, vector=self._fit(item.vector)) for item in items])
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        return await super().search_similar(self._fit(query_vector), bank_id, limit, filters)
""",
        {
            "test_dimension_mismatch_on_insert_raises",
            "test_mixed_batch_stores_nothing",
            "test_dimension_mismatch_on_query_raises",
        },
    ),
    "stores_batch_item_by_item": (
        """
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        stored = []
        for item in items:
            stored += await super().store_vectors([item])
        return stored
""",
        {"test_mixed_batch_stores_nothing"},
    ),
    "ids_returned_sorted": (
        """
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        return sorted(await super().store_vectors(items))
""",
        {"test_store_returns_ids_in_input_order"},
    ),
    "upsert_keeps_old_version": (
        f"""
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        for item in items:
            for old in await super().list_vectors(item.bank_id, 0, {_EVERY}):
                if old.id == item.id:
                    await super().store_vectors([replace(old, id=old.id + "~previous")])
        return await super().store_vectors(items)
""",
        {"test_upsert_replaces", "test_count_vectors_counts_the_bank"},
    ),
    "loses_layer_and_chunk": (
        """
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        return await super().store_vectors([replace(item, memory_layer=None, chunk_id=None) for item in items])
""",
        {"test_round_trip_preserves_every_field", "test_hits_carry_every_field"},
    ),
    "aliases_caller_objects": (
        """
class Broken(MemoryVectorStore):
    def __init__(self):
        super().__init__()
        self.originals = {}
    async def store_vectors(self, items):
        for item in items:
            self.originals[(item.bank_id, item.id)] = item
        return await super().store_vectors(items)
    async def list_vectors(self, bank_id, offset=0, limit=100):
        return [self.originals[(bank_id, item.id)] for item in await super().list_vectors(bank_id, offset, limit)]
""",
        {"test_stored_items_do_not_alias_caller_objects"},
    ),
    "worst_first": (
        f"""
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        hits = await super().search_similar(query_vector, bank_id, {_EVERY}, filters)
        return hits[::-1][:limit]
""",
        {
            "test_identical_vector_ranks_first",
            "test_scores_in_unit_range_and_non_increasing",
            "test_exact_top_k_equals_brute_force",
            "test_hits_carry_every_field",
        },
    ),
    "ignores_limit": (
        """
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        return await super().search_similar(query_vector, bank_id, limit + 1, filters)
""",
        {"test_limit_respected", "test_exact_top_k_equals_brute_force", "test_hits_carry_every_field"},
    ),
    "approximate_but_declares_exact": (
        f"""
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        hits = await super().search_similar(query_vector, bank_id, {_EVERY}, filters)
        return [hit for hit in hits if zlib.crc32(hit.id.encode()) % 3][:limit]
""",
        {"test_exact_top_k_equals_brute_force"},
    ),
    "scores_rescaled_to_half": (
        """
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        hits = await super().search_similar(query_vector, bank_id, limit, filters)
        return [replace(hit, score=(hit.score + 1) / 2) for hit in hits]
""",
        {
            "test_orthogonal_and_opposite_vectors_score_zero",
            "test_zero_query_scores_zero",
            "test_exact_top_k_equals_brute_force",
        },
    ),
    "zero_query_raises": (
        """
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        if not any(query_vector):
            raise ZeroDivisionError("zero vector")
        return await super().search_similar(query_vector, bank_id, limit, filters)
""",
        {"test_zero_query_scores_zero"},
    ),
    "unknown_bank_raises": (
        """
class Broken(BankTracking):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        if bank_id not in self.seen:
            raise KeyError(bank_id)
        return await super().search_similar(query_vector, bank_id, limit, filters)
""",
        {"test_unknown_bank_is_empty"},
    ),
    "accepts_malformed_bank_ids": (
        """
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        try:
            return await super().search_similar(query_vector, bank_id, limit, filters)
        except ValidationError:
            return []
    async def list_vectors(self, bank_id, offset=0, limit=100):
        try:
            return await super().list_vectors(bank_id, offset, limit)
        except ValidationError:
            return []
""",
        {"test_invalid_bank_id_raises"},
    ),
    "ignores_tags": (
        _breaking_filters("replace(filters, tags=None)"),
        {"test_filter_tags_any", "test_filter_tags_all"},
    ),
    "tag_match_all_as_any": (_breaking_filters('replace(filters, tag_match="any")'), {"test_filter_tags_all"}),
    "ignores_fact_types": (
        _breaking_filters("replace(filters, fact_types=None)"),
        {"test_filter_fact_types", "test_filters_combine_with_and"},
    ),
    "time_range_exclusive": (
        _breaking_filters(
            "replace(filters, time_range=None if filters.time_range is None else "
            "(filters.time_range[0] + timedelta(microseconds=1), filters.time_range[1] - timedelta(microseconds=1)))"
        ),
        {"test_filter_time_range_is_inclusive"},
    ),
    "time_range_keeps_undated": (
        f"""
class Broken(MemoryVectorStore):
    async def search_similar(self, query_vector, bank_id, limit=10, filters=None):
        if filters is None or filters.time_range is None:
            return await super().search_similar(query_vector, bank_id, limit, filters)
        start, end = filters.time_range
        hits = await super().search_similar(query_vector, bank_id, {_EVERY}, replace(filters, time_range=None))
        return [hit for hit in hits if hit.occurred_at is None or start <= hit.occurred_at <= end][:limit]
""",
        {"test_filter_time_range_excludes_undated"},
    ),
    "ignores_metadata": (
        _breaking_filters("replace(filters, metadata_filters=None)"),
        {"test_filter_metadata", "test_filter_session_id", "test_filters_combine_with_and"},
    ),
    "ignores_session_id": (_breaking_filters("replace(filters, session_id=None)"), {"test_filter_session_id"}),
    "ignores_as_of": (
        _breaking_filters("replace(filters, as_of=None)"),
        {"test_filter_as_of", "test_filters_combine_with_and"},
    ),
    "delete_bank_reports_zero": (
        """
class Broken(MemoryVectorStore):
    async def delete_bank(self, bank_id):
        await super().delete_bank(bank_id)
        return 0
""",
        {"test_delete_bank_removes_only_that_bank"},
    ),
    "count_spans_banks": (
        """
class Broken(BankTracking):
    async def count_vectors(self, bank_id):
        total = 0
        for other in self.seen:
            total += await super().count_vectors(other)
        return total
""",
        {"test_count_vectors_counts_the_bank"},
    ),
    "threshold_ignores_the_threshold": (
        """
class Broken(MemoryVectorStore):
    async def search_similar_threshold(self, query_vectors, bank_id, threshold):
        nearest = await self.search_similar_batch(query_vectors, bank_id, 1)
        return [hits[0].id if hits else None for hits in nearest]
""",
        {
            "test_threshold_search_answers_only_items_at_or_above_it",
            "test_threshold_search_forgets_deleted_and_replaced_vectors",
        },
    ),
    "threshold_spans_banks": (
        """
class Broken(BankTracking):
    async def search_similar_threshold(self, query_vectors, bank_id, threshold):
        found = [None] * len(query_vectors)
        for other in sorted(self.seen | {bank_id}):
            answers = await super().search_similar_threshold(query_vectors, other, threshold)
            found = [mine or theirs for mine, theirs in zip(found, answers)]
        return found
""",
        {"test_threshold_search_answers_only_items_at_or_above_it"},
    ),
    "threshold_remembers_old_vectors": (
        """
class Broken(MemoryVectorStore):
    def __init__(self):
        super().__init__()
        self.ever = MemoryVectorStore()
    async def store_vectors(self, items):
        await self.ever.store_vectors([replace(item, id=f"{item.id}#{len(self.ever._banks)}") for item in items])
        await self.ever.store_vectors(items)
        return await super().store_vectors(items)
    async def search_similar_threshold(self, query_vectors, bank_id, threshold):
        found = await self.ever.search_similar_threshold(query_vectors, bank_id, threshold)
        return [None if item_id is None else item_id.split("#")[0] for item_id in found]
""",
        {"test_threshold_search_forgets_deleted_and_replaced_vectors"},
    ),
    "threshold_compares_stored_vectors": (
        """
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        return await super().store_vectors([replace(item, own_vector=None) for item in items])
""",
        {"test_threshold_search_compares_own_vectors"},
    ),
    "own_vector_unchecked": (
        """
class Broken(MemoryVectorStore):
    async def store_vectors(self, items):
        own = [item.own_vector for item in items]
        written = await super().store_vectors([replace(item, own_vector=None) for item in items])
        for item, vector in zip(items, own):
            if vector is not None and len(vector) == len(item.vector):
                await super().store_vectors([replace(item, own_vector=vector)])
        return written
""",
        {"test_threshold_search_refuses_an_own_vector_of_another_dimension"},
    ),
    "threshold_unchecked": (
        """
class Broken(MemoryVectorStore):
    async def search_similar_threshold(self, query_vectors, bank_id, threshold):
        return await super().search_similar_threshold(query_vectors, bank_id, min(max(threshold, 0.01), 1.0))
""",
        {"test_threshold_search_refuses_bad_arguments"},
    ),
    "score_ids_across_banks": (
        """
class Broken(BankTracking):
    async def score_ids(self, query_vector, ids, bank_id):
        scores = {}
        for other in sorted(self.seen):
            scores.update(await super().score_ids(query_vector, ids, other))
        return scores
""",
        {"test_score_ids_scores_the_bank_items_named"},
    ),
    "score_ids_floor_for_unknown_ids": (
        """
class Broken(MemoryVectorStore):
    async def score_ids(self, query_vector, ids, bank_id):
        scores = await super().score_ids(query_vector, ids, bank_id)
        return {item_id: scores.get(item_id, 0.0) for item_id in ids}
""",
        {"test_score_ids_scores_the_bank_items_named"},
    ),
    "score_ids_unchecked": (
        """
class Broken(MemoryVectorStore):
    async def score_ids(self, query_vector, ids, bank_id):
        return await super().score_ids(query_vector, [item_id for item_id in ids if item_id], bank_id)
""",
        {"test_score_ids_refuses_bad_arguments"},
    ),
    "vector_rows_drop_tags": (
        """
class Broken(MemoryVectorStore):
    async def store_vector_rows(self, rows):
        await super().store_vector_rows(replace(rows, tags=[None] * len(rows)))
""",
        {"test_vector_rows_write_what_store_vectors_writes"},
    ),
    "vector_rows_drop_own_vectors": (
        """
class Broken(MemoryVectorStore):
    async def store_vector_rows(self, rows):
        await super().store_vector_rows(replace(rows, own_vectors=None))
""",
        {"test_vector_rows_write_what_store_vectors_writes", "test_threshold_ids_agree_with_search_similar_threshold"},
    ),
    "vector_rows_first_of_a_repeated_id_wins": (
        """
class Broken(MemoryVectorStore):
    async def store_vector_rows(self, rows):
        first = {}
        for position, item_id in enumerate(rows.ids):
            first.setdefault(item_id, position)
        await super().store_vector_rows(rows.taking(sorted(first.values())))
""",
        {"test_vector_rows_replace_a_repeated_id"},
    ),
    "vector_rows_written_before_checked": (
        """
class Broken(MemoryVectorStore):
    async def store_vector_rows(self, rows):
        for position in range(len(rows)):
            try:
                await super().store_vector_rows(rows.taking([position]))
            except ValidationError:
                pass
        await super().store_vector_rows(rows)
""",
        {"test_bad_vector_rows_are_refused_naming_the_field_and_write_nothing"},
    ),
    "vector_rows_reach_other_banks": (
        """
class Broken(BankTracking):
    async def store_vector_rows(self, rows):
        for other in sorted(self.seen - {rows.bank_id}):
            held = {item.id for item in await self.list_vectors(other, 0, 1000)}
            positions = [position for position, item_id in enumerate(rows.ids) if item_id in held]
            if positions:
                await super().store_vector_rows(replace(rows.taking(positions), bank_id=other))
        await super().store_vector_rows(rows)
""",
        {"test_vector_rows_keep_banks_apart"},
    ),
    "threshold_ids_by_stored_vectors": (
        """
class Broken(MemoryVectorStore):
    async def threshold_ids(self, queries, bank_id, threshold):
        nearest = [await self.search_similar(query, bank_id, 1) for query in queries.tolist()]
        return [hits[0].id if hits and hits[0].score >= threshold else None for hits in nearest]
""",
        {"test_threshold_ids_agree_with_search_similar_threshold"},
    ),
    "threshold_ids_unchecked": (
        """
import numpy as np

class Broken(MemoryVectorStore):
    async def threshold_ids(self, queries, bank_id, threshold):
        queries = np.nan_to_num(queries)[:, : self.dimensions]
        return await super().threshold_ids(queries, bank_id, min(max(threshold, 0.01), 1.0))
""",
        {"test_threshold_ids_refuse_bad_arguments"},
    ),
    "reports_unhealthy": (
        unhealthy("MemoryVectorStore"),
        {"test_health_reports_healthy"},
    ),
    "lacks_list_vectors": (
        without_method("MemoryVectorStore", "list_vectors"),
        {"test_satisfies_spi"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    body, must_fail = _BROKEN[variant]
    assert_bites(run_contract("VectorStoreContract", _PRELUDE + body, "Broken()"), variant, must_fail)


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    assert_passes_whole(run_contract("VectorStoreContract", _PRELUDE, "MemoryVectorStore()"))
