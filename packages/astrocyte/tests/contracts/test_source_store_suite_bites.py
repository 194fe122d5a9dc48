"""The SourceStore suite fails stores that break its promises, and passes the honest memory store."""

from __future__ import annotations

import textwrap

import pytest

# Imported here, in the parent process, because pytester forgets modules first imported inside a run
# and numpy (which these import) refuses to be imported a second time.
import astrocyte.stores.memory.sources
import astrocyte.testing.contracts.source_store  # noqa: F401

from ._bank_variants import case_blind_banks
from .conftest import RunContract

_IMPORT = "from astrocyte.stores.memory.sources import MemorySourceStore\n"

#: variant -> (source of a broken ``Broken`` subclass, scenarios that must fail against it)
_BROKEN: dict[str, tuple[str, set[str]]] = {
    "hash_lookup_searches_every_bank": (
        """
        class Broken(MemorySourceStore):
            async def find_document_by_hash(self, content_hash, bank_id):
                for other in [bank_id, *sorted(self._banks._states)]:
                    found = await super().find_document_by_hash(content_hash, other)
                    if found is not None:
                        return found
                return None
        """,
        {"test_lookups_stay_in_their_bank"},
    ),
    "dedups_across_banks": (
        """
        class Broken(MemorySourceStore):
            async def store_document(self, document):
                for bank in self._banks:
                    if document.content_hash in bank.document_by_hash:
                        return bank.document_by_hash[document.content_hash]
                return await super().store_document(document)
        """,
        {"test_same_hash_in_another_bank_is_a_separate_document", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "bank_ids_ignore_case": (
        case_blind_banks("sources", "MemorySourceStore", "_SourceBank"),
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "no_deduplication": (
        """
        import dataclasses
        class Broken(MemorySourceStore):
            async def store_document(self, document):
                self._banks.for_write(document.bank_id).documents[document.id] = dataclasses.replace(document)
                return document.id
        """,
        {"test_same_hash_returns_the_existing_id_and_stores_nothing", "test_dedup_and_delete_match_a_model"},
    ),
    "delete_only_hides_from_get": (
        """
        class Broken(MemorySourceStore):
            def __init__(self):
                super().__init__()
                self._hidden = set()
            async def delete_document(self, document_id, bank_id):
                live = await self.get_document(document_id, bank_id) is not None
                self._hidden.add((bank_id, document_id))
                return live
            async def get_document(self, document_id, bank_id):
                if (bank_id, document_id) in self._hidden:
                    return None
                return await super().get_document(document_id, bank_id)
        """,
        {
            "test_deleted_document_is_hidden_from_every_read",
            "test_same_content_after_delete_is_stored_anew",
            "test_dedup_and_delete_match_a_model",
        },
    ),
    "delete_leaves_chunks": (
        """
        class Broken(MemorySourceStore):
            async def delete_document(self, document_id, bank_id):
                bank = self._banks.for_read(bank_id)
                document = bank.documents.pop(document_id, None)
                if document is not None and document.content_hash is not None:
                    del bank.document_by_hash[document.content_hash]
                return document is not None
        """,
        {"test_deleted_document_is_hidden_from_every_read", "test_same_content_after_delete_is_stored_anew"},
    ),
    "delete_always_true": (
        """
        class Broken(MemorySourceStore):
            async def delete_document(self, document_id, bank_id):
                await super().delete_document(document_id, bank_id)
                return True
        """,
        {"test_delete_reports_whether_a_live_document_was_removed", "test_dedup_and_delete_match_a_model"},
    ),
    "lists_oldest_first": (
        """
        class Broken(MemorySourceStore):
            async def list_documents(self, bank_id, *, limit=100):
                return list(reversed(await super().list_documents(bank_id, limit=10_000)))[:limit]
        """,
        {"test_list_documents_newest_first", "test_list_documents_limit"},
    ),
    "ties_in_insert_order": (
        """
        class Broken(MemorySourceStore):
            async def list_documents(self, bank_id, *, limit=100):
                documents = list(self._banks.for_read(bank_id).documents.values())
                documents.sort(key=lambda document: document.created_at, reverse=True)
                return documents[:limit]
        """,
        {"test_list_documents_breaks_ties_by_id"},
    ),
    "ignores_limit": (
        """
        class Broken(MemorySourceStore):
            async def list_documents(self, bank_id, *, limit=100):
                return await super().list_documents(bank_id)
        """,
        {"test_list_documents_limit"},
    ),
    "chunks_in_insert_order": (
        """
        class Broken(MemorySourceStore):
            async def list_chunks(self, document_id, bank_id):
                bank = self._banks.for_read(bank_id)
                return [chunk for chunk in bank.chunks.values() if chunk.document_id == document_id]
        """,
        {"test_list_chunks_ordered_by_chunk_index"},
    ),
    "no_chunk_deduplication": (
        """
        class Broken(MemorySourceStore):
            def _store_chunk(self, chunk):
                self._banks.for_write(chunk.bank_id).put_chunk(chunk)
                return chunk.id
        """,
        {"test_chunk_with_known_hash_returns_the_existing_id"},
    ),
    "chunk_dedup_ignores_document": (
        """
        class Broken(MemorySourceStore):
            def _store_chunk(self, chunk):
                bank = self._banks.for_write(chunk.bank_id)
                for chunk_id in bank.chunks_by_hash.get(chunk.content_hash, ()):
                    return chunk_id
                return super()._store_chunk(chunk)
        """,
        {"test_same_chunk_hash_in_another_document_is_stored"},
    ),
    "accepts_orphan_chunks": (
        """
        class Broken(MemorySourceStore):
            async def store_chunks(self, chunks):
                return [self._store_chunk(chunk) for chunk in chunks]
        """,
        {"test_chunks_of_a_missing_document_are_rejected_whole"},
    ),
    "writes_chunks_before_checking": (
        """
        from astrocyte.errors import ValidationError
        class Broken(MemorySourceStore):
            async def store_chunks(self, chunks):
                ids = []
                for chunk in chunks:
                    if chunk.document_id not in self._banks.for_read(chunk.bank_id).documents:
                        raise ValidationError("document_id", "unknown document")
                    ids.append(self._store_chunk(chunk))
                return ids
        """,
        {"test_chunks_of_a_missing_document_are_rejected_whole"},
    ),
    "delete_bank_counts_chunks": (
        """
        class Broken(MemorySourceStore):
            async def delete_bank(self, bank_id):
                removed = self._banks.drop(bank_id)
                return 0 if removed is None else len(removed.documents) + len(removed.chunks)
        """,
        {"test_delete_bank_counts_documents_and_spares_other_banks", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "delete_bank_by_prefix": (
        """
        class Broken(MemorySourceStore):
            async def delete_bank(self, bank_id):
                doomed = [name for name in self._banks._states if name.startswith(bank_id)]
                return sum(len(self._banks.drop(name).documents) for name in doomed)
        """,
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "hands_out_stored_objects": (
        """
        class Broken(MemorySourceStore):
            async def get_document(self, document_id, bank_id):
                return self._banks.for_read(bank_id).documents.get(document_id)
        """,
        {"test_stored_state_is_not_shared_with_callers"},
    ),
    "empty_batch_fails": (
        """
        class Broken(MemorySourceStore):
            async def store_chunks(self, chunks):
                if not chunks:
                    raise ValueError("nothing to store")
                return await super().store_chunks(chunks)
        """,
        {"test_empty_chunk_batch_is_a_no_op"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("SourceStoreContract", _IMPORT + textwrap.dedent(source), "Broken()")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract("SourceStoreContract", _IMPORT, "MemorySourceStore()")
    assert not outcome.failed, sorted(outcome.failed)
    assert not outcome.skipped
    assert "test_dedup_and_delete_match_a_model" in outcome.passed
