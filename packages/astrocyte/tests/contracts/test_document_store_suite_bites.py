"""The DocumentStore suite fails stores that break its promises, and passes the honest memory store whole.

Each variant subclasses the memory store and breaks one promise; the scenarios listed with it are the
ones meant to catch that break, and each must fail.
"""

from __future__ import annotations

import pytest

from ._bites import assert_bites, assert_passes_whole, filters_rewritten, unhealthy, without_method
from .conftest import RunContract

_PRELUDE = """
import re
import uuid
from dataclasses import replace
from astrocyte.errors import ValidationError
from astrocyte.stores.memory.documents import MemoryDocumentStore
from astrocyte.text import words
from astrocyte.types import DocumentHit

# Remembers what was written where, so a variant can reach across banks through the public methods.
class Tracking(MemoryDocumentStore):
    def __init__(self):
        super().__init__()
        self.written = {}
    async def store_documents(self, documents, bank_id):
        self.written.setdefault(bank_id, set()).update(document.id for document in documents)
        return await super().store_documents(documents, bank_id)
"""

_EVERY = 10**6  # a limit that fetches every match from the honest store underneath


def _rescorer(score: str) -> str:
    """A store that re-ranks the honest matches by ``score`` (an expression over ``hit`` and ``query``)."""
    return f"""
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        hits = await super().search_fulltext(query, bank_id, {_EVERY}, filters)
        rescored = [replace(hit, score={score}) for hit in hits]
        return sorted(rescored, key=lambda hit: (-hit.score, hit.document_id))[:limit]
"""


def _breaking_filters(change: str) -> str:
    return filters_rewritten("MemoryDocumentStore", "search_fulltext", "query, bank_id", change)


_BROKEN: dict[str, tuple[str, set[str]]] = {
    "case_folded_banks": (
        """
class Broken(MemoryDocumentStore):
    async def store_documents(self, documents, bank_id):
        return await super().store_documents(documents, bank_id.lower())
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        return await super().search_fulltext(query, bank_id.lower(), limit, filters)
    async def get_document(self, document_id, bank_id):
        return await super().get_document(document_id, bank_id.lower())
    async def delete_documents(self, document_ids, bank_id):
        return await super().delete_documents(document_ids, bank_id.lower())
    async def delete_bank(self, bank_id):
        return await super().delete_bank(bank_id.lower())
""",
        {"test_adversarial_banks_are_isolated"},
    ),
    "prefix_matched_banks": (
        """
class Broken(Tracking):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        hits = []
        for other in sorted(self.written):
            if other.startswith(bank_id):
                hits += await super().search_fulltext(query, other, limit, filters)
        return sorted(hits, key=lambda hit: -hit.score)[:limit]
""",
        {"test_adversarial_banks_are_isolated"},
    ),
    "delete_ignores_bank": (
        """
class Broken(Tracking):
    async def delete_documents(self, document_ids, bank_id):
        removed = await super().delete_documents(document_ids, bank_id)
        for other in set(self.written) - {bank_id}:
            removed += await super().delete_documents(document_ids, other)
        return removed
""",
        {
            "test_delete_through_another_bank_removes_nothing",
            "test_adversarial_banks_are_isolated",
            "test_same_id_in_two_banks_is_two_documents",
            "test_unknown_bank_is_empty",
        },
    ),
    "get_ignores_bank": (
        """
class Broken(Tracking):
    async def get_document(self, document_id, bank_id):
        found = await super().get_document(document_id, bank_id)
        for other in sorted(self.written):
            found = found or await super().get_document(document_id, other)
        return found
""",
        {"test_get_unknown_id_returns_none", "test_unknown_bank_is_empty"},
    ),
    "counts_requested_ids": (
        """
class Broken(MemoryDocumentStore):
    async def delete_documents(self, document_ids, bank_id):
        await super().delete_documents(document_ids, bank_id)
        return len(document_ids)
""",
        {
            "test_delete_documents_counts_what_it_removed",
            "test_delete_through_another_bank_removes_nothing",
            "test_unknown_bank_is_empty",
        },
    ),
    "delete_bank_reports_zero": (
        """
class Broken(MemoryDocumentStore):
    async def delete_bank(self, bank_id):
        await super().delete_bank(bank_id)
        return 0
""",
        {"test_delete_bank_removes_only_that_bank", "test_adversarial_banks_are_isolated"},
    ),
    "upsert_appends": (
        """
class Broken(MemoryDocumentStore):
    async def store_documents(self, documents, bank_id):
        merged = []
        for document in documents:
            old = await self.get_document(document.id, bank_id)
            merged.append(document if old is None else replace(document, text=old.text + " " + document.text))
        return await super().store_documents(merged, bank_id)
""",
        {"test_upsert_replaces_text"},
    ),
    "minus_read_as_not": (
        """
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        excluded = {token[1:].casefold() for token in query.split() if token.startswith("-")}
        kept = " ".join(token for token in query.split() if not token.startswith("-"))
        hits = await super().search_fulltext(kept, bank_id, limit, filters)
        return [hit for hit in hits if not excluded & set(words(hit.text))]
""",
        {"test_query_syntax_never_raises"},
    ),
    "raises_on_unbalanced_syntax": (
        """
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        if query.count('"') % 2 or query.count("(") != query.count(")"):
            raise RuntimeError("fts5: syntax error")
        return await super().search_fulltext(query, bank_id, limit, filters)
""",
        {"test_query_syntax_never_raises"},
    ),
    "ranked_by_id": (
        f"""
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        hits = await super().search_fulltext(query, bank_id, {_EVERY}, filters)
        return sorted(hits, key=lambda hit: hit.document_id)[:limit]
""",
        {
            "test_more_matching_words_rank_higher",
            "test_rarer_word_ranks_higher",
            "test_scores_non_negative_and_non_increasing",
        },
    ),
    "matching_words_without_idf": (
        _rescorer("float(len(set(words(query)) & set(words(hit.text))))"),
        {"test_rarer_word_ranks_higher"},
    ),
    "ignores_limit": (
        """
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        return await super().search_fulltext(query, bank_id, limit + 1, filters)
""",
        {"test_limit_respected"},
    ),
    "ignores_tags": (
        _breaking_filters("replace(filters, tags=None)"),
        {"test_filter_tags_any", "test_filter_tags_all"},
    ),
    "tag_match_all_as_any": (_breaking_filters('replace(filters, tag_match="any")'), {"test_filter_tags_all"}),
    "ignores_metadata": (_breaking_filters("replace(filters, metadata_filters=None)"), {"test_filter_metadata"}),
    "aliases_caller_objects": (
        """
class Broken(MemoryDocumentStore):
    def __init__(self):
        super().__init__()
        self.originals = {}
    async def store_documents(self, documents, bank_id):
        for document in documents:
            self.originals[(bank_id, document.id)] = document
        return await super().store_documents(documents, bank_id)
    async def get_document(self, document_id, bank_id):
        found = await super().get_document(document_id, bank_id)
        return None if found is None else self.originals[(bank_id, document_id)]
""",
        {"test_stored_documents_do_not_alias_caller_objects"},
    ),
    "case_sensitive_words": (
        """
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        hits = await super().search_fulltext(query, bank_id, limit, filters)
        asked = set(re.findall(r"\\w+", query))
        return [hit for hit in hits if asked & set(re.findall(r"\\w+", hit.text))]
""",
        {"test_unicode_words_match"},
    ),
    "ascii_only_words": (
        """
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        ascii_query = " ".join(re.findall(r"[A-Za-z0-9]+", query))
        return await super().search_fulltext(ascii_query, bank_id, limit, filters)
""",
        {"test_unicode_words_match"},
    ),
    "wordless_query_lists_everything": (
        """
class Broken(Tracking):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        if words(query):
            return await super().search_fulltext(query, bank_id, limit, filters)
        found = [await self.get_document(document_id, bank_id) for document_id in sorted(self.written.get(bank_id, ()))]
        return [DocumentHit(document_id=doc.id, text=doc.text, score=0.0) for doc in found if doc][:limit]
""",
        {"test_query_without_words_returns_empty"},
    ),
    "returns_generated_id": (
        """
class Broken(MemoryDocumentStore):
    async def store_document(self, document, bank_id):
        await super().store_document(document, bank_id)
        return uuid.uuid4().hex
""",
        {"test_store_document_returns_its_id"},
    ),
    "loses_metadata": (
        """
class Broken(MemoryDocumentStore):
    async def store_documents(self, documents, bank_id):
        return await super().store_documents([replace(doc, metadata=None) for doc in documents], bank_id)
""",
        {"test_round_trip_preserves_every_field", "test_hits_contain_a_query_word", "test_filter_metadata"},
    ),
    "batch_ids_reversed": (
        """
class Broken(MemoryDocumentStore):
    async def store_documents(self, documents, bank_id):
        return list(reversed(await super().store_documents(documents, bank_id)))
""",
        {"test_store_documents_batch"},
    ),
    "accepts_malformed_bank_ids": (
        """
class Broken(MemoryDocumentStore):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        try:
            return await super().search_fulltext(query, bank_id, limit, filters)
        except ValidationError:
            return []
""",
        {"test_invalid_bank_id_raises"},
    ),
    "unknown_bank_raises": (
        """
class Broken(Tracking):
    async def search_fulltext(self, query, bank_id, limit=10, filters=None):
        if bank_id not in self.written:
            raise KeyError(bank_id)
        return await super().search_fulltext(query, bank_id, limit, filters)
""",
        {"test_unknown_bank_is_empty"},
    ),
    "reports_unhealthy": (
        unhealthy("MemoryDocumentStore"),
        {"test_health_reports_healthy"},
    ),
    "lacks_delete_bank": (
        without_method("MemoryDocumentStore", "delete_bank"),
        {"test_satisfies_spi"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    body, must_fail = _BROKEN[variant]
    assert_bites(run_contract("DocumentStoreContract", _PRELUDE + body, "Broken()"), variant, must_fail)


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    assert_passes_whole(run_contract("DocumentStoreContract", _PRELUDE, "MemoryDocumentStore()"))
