"""Contract suite for :class:`astrocyte.spi.SourceStore`: provenance documents and their chunks.

Every scenario works in banks made for it (``bank``, ``other_bank``, ``bank_named``), so the suite
runs against a long-lived backend that already holds data. Timestamps are whole seconds in UTC so
that backends storing milliseconds round-trip them exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import SourceStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    StoreContractSuite,
)
from astrocyte.types import SourceChunk, SourceDocument

_WHEN = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def _document(bank_id: str, document_id: str, content_hash: str | None = None, **fields: Any) -> SourceDocument:
    fields.setdefault("created_at", _WHEN)
    return SourceDocument(id=document_id, bank_id=bank_id, content_hash=content_hash, **fields)


def _chunk(
    bank_id: str, document_id: str, chunk_id: str, index: int, content_hash: str | None = None, **fields: Any
) -> SourceChunk:
    fields.setdefault("text", f"chunk {index} of {document_id}")
    fields.setdefault("created_at", _WHEN)
    return SourceChunk(
        id=chunk_id, bank_id=bank_id, document_id=document_id, chunk_index=index, content_hash=content_hash, **fields
    )


async def _document_with_chunks(store: Any, bank_id: str, document_id: str, content_hash: str) -> list[SourceChunk]:
    """Store a document and two chunks of it; return the chunks as sent."""
    await store.store_document(_document(bank_id, document_id, content_hash))
    chunks = [
        _chunk(bank_id, document_id, f"{document_id}#{index}", index, f"{content_hash}/{index}") for index in range(2)
    ]
    assert await store.store_chunks(chunks) == [chunk.id for chunk in chunks]
    return chunks


#: One step of the dedup/delete property: ("store", document id, content hash) or ("delete", document id, None).
_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["store", "delete"]),
        st.sampled_from(["d0", "d1", "d2"]),
        st.sampled_from(["h0", "h1", None]),
    ),
    max_size=12,
)


class SourceStoreContract(StoreContractSuite):
    protocol = SourceStore

    async def test_document_round_trips_every_field(self, store: Any, bank: str) -> None:
        """A stored document reads back equal in every field, by id and by hash."""
        document = SourceDocument(
            id="doc-1",
            bank_id=bank,
            title="Quarterly report",
            source_uri="file:///reports/q1.pdf",
            content_hash="sha256:abc",
            content_type="application/pdf",
            metadata={"pages": 12, "ratio": 0.5, "draft": False, "owner": "ana", "note": None},
            created_at=_WHEN,
        )
        assert await store.store_document(document) == "doc-1"
        assert await store.get_document("doc-1", bank) == document
        assert await store.find_document_by_hash("sha256:abc", bank) == document

    async def test_unknown_document_reads_as_none(self, store: Any, bank: str) -> None:
        """Unknown ids and hashes give None, not an error."""
        assert await store.get_document("missing", bank) is None
        assert await store.find_document_by_hash("missing-hash", bank) is None
        assert await store.list_documents(bank) == []

    async def test_same_hash_returns_the_existing_id_and_stores_nothing(self, store: Any, bank: str) -> None:
        """A second document with a live document's hash gets that document's id and is not stored."""
        first = _document(bank, "first", "same-hash", title="first")
        assert await store.store_document(first) == "first"
        assert await store.store_document(_document(bank, "second", "same-hash", title="second")) == "first"
        assert await store.get_document("second", bank) is None
        assert await store.get_document("first", bank) == first
        assert [document.id for document in await store.list_documents(bank)] == ["first"]

    async def test_documents_without_hash_are_not_deduplicated(self, store: Any, bank: str) -> None:
        """Documents with no content_hash are distinct documents."""
        assert await store.store_document(_document(bank, "one")) == "one"
        assert await store.store_document(_document(bank, "two")) == "two"
        assert {document.id for document in await store.list_documents(bank)} == {"one", "two"}

    async def test_store_document_upserts_by_id(self, store: Any, bank: str) -> None:
        """Storing an id again replaces that document."""
        await store.store_document(_document(bank, "doc", "hash-1", title="old"))
        replacement = _document(bank, "doc", "hash-2", title="new")
        assert await store.store_document(replacement) == "doc"
        assert await store.get_document("doc", bank) == replacement
        assert await store.find_document_by_hash("hash-2", bank) == replacement
        assert await store.find_document_by_hash("hash-1", bank) is None
        assert [document.id for document in await store.list_documents(bank)] == ["doc"]

    async def test_same_hash_in_another_bank_is_a_separate_document(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """Deduplication never crosses banks: each bank keeps its own document for a hash."""
        assert await store.store_document(_document(bank, "mine", "shared", title="mine")) == "mine"
        assert await store.store_document(_document(other_bank, "theirs", "shared", title="theirs")) == "theirs"
        found = await store.find_document_by_hash("shared", other_bank)
        assert found is not None
        assert found.id == "theirs"
        assert found.bank_id == other_bank
        assert await store.get_document("mine", other_bank) is None
        assert await store.get_document("theirs", bank) is None

    async def test_deleted_document_is_hidden_from_every_read(self, store: Any, bank: str) -> None:
        """After delete_document neither the document nor its chunks are readable in any way."""
        chunks = await _document_with_chunks(store, bank, "gone", "gone-hash")
        await store.store_document(_document(bank, "kept", "kept-hash"))
        assert await store.delete_document("gone", bank) is True
        assert await store.get_document("gone", bank) is None
        assert await store.find_document_by_hash("gone-hash", bank) is None
        assert [document.id for document in await store.list_documents(bank)] == ["kept"]
        assert await store.list_chunks("gone", bank) == []
        for chunk in chunks:
            assert await store.get_chunk(chunk.id, bank) is None
            assert await store.find_chunk_by_hash(chunk.content_hash, bank) is None

    async def test_delete_reports_whether_a_live_document_was_removed(self, store: Any, bank: str) -> None:
        """delete_document is True once for a live document, then False; False for unknown ids."""
        await store.store_document(_document(bank, "doc"))
        assert await store.delete_document("doc", bank) is True
        assert await store.delete_document("doc", bank) is False
        assert await store.delete_document("never-stored", bank) is False

    async def test_same_content_after_delete_is_stored_anew(self, store: Any, bank: str) -> None:
        """After a delete, the same hash stores a new document; the old chunks do not come back."""
        chunks = await _document_with_chunks(store, bank, "doc", "content")
        await store.delete_document("doc", bank)
        assert await store.store_document(_document(bank, "doc-again", "content")) == "doc-again"
        found = await store.find_document_by_hash("content", bank)
        assert found is not None
        assert found.id == "doc-again"
        await store.delete_document("doc-again", bank)
        restored = _document(bank, "doc", "content", title="restored")
        assert await store.store_document(restored) == "doc"
        assert await store.get_document("doc", bank) == restored
        assert await store.list_chunks("doc", bank) == []
        assert await store.store_chunks(chunks) == [chunk.id for chunk in chunks]
        assert await store.list_chunks("doc", bank) == chunks

    async def test_list_documents_newest_first(self, store: Any, bank: str) -> None:
        """list_documents orders by created_at, newest first, whatever the insert order."""
        ages = {"b": 3, "d": 0, "a": 1, "c": 2}
        for document_id, days in ages.items():
            await store.store_document(_document(bank, document_id, created_at=_WHEN - timedelta(days=days)))
        listed = await store.list_documents(bank)
        assert [document.id for document in listed] == sorted(ages, key=ages.__getitem__)

    async def test_list_documents_breaks_ties_by_id(self, store: Any, bank: str) -> None:
        """Documents created at the same moment are listed in id order, the same on every call."""
        for document_id in ["m", "z", "a", "q"]:
            await store.store_document(_document(bank, document_id))
        first = [document.id for document in await store.list_documents(bank)]
        assert first in (sorted(first), sorted(first, reverse=True))
        assert [document.id for document in await store.list_documents(bank)] == first

    async def test_list_documents_limit(self, store: Any, bank: str) -> None:
        """limit caps the listing to its newest documents; a limit below 1 is rejected."""
        for days in range(5):
            await store.store_document(_document(bank, f"doc-{days}", created_at=_WHEN - timedelta(days=days)))
        assert [document.id for document in await store.list_documents(bank, limit=2)] == ["doc-0", "doc-1"]
        assert len(await store.list_documents(bank, limit=50)) == 5
        with pytest.raises(ValidationError):
            await store.list_documents(bank, limit=0)

    async def test_chunks_round_trip_every_field(self, store: Any, bank: str) -> None:
        """Stored chunks read back equal, by id, by document and by hash; ids come back in input order."""
        await store.store_document(_document(bank, "doc"))
        chunks = [
            _chunk(bank, "doc", "c-0", 0, "h-0", text="First part ✓", metadata={"page": 1, "lang": "en"}),
            _chunk(bank, "doc", "c-1", 1, "h-1", text="Second part", metadata=None),
        ]
        assert await store.store_chunks(chunks) == ["c-0", "c-1"]
        assert await store.get_chunk("c-0", bank) == chunks[0]
        assert await store.list_chunks("doc", bank) == chunks
        assert await store.find_chunk_by_hash("h-1", bank) == chunks[1]

    async def test_list_chunks_ordered_by_chunk_index(self, store: Any, bank: str) -> None:
        """list_chunks follows chunk_index, not insert order or id order."""
        await store.store_document(_document(bank, "doc"))
        indexes = [3, 0, 4, 1, 2]
        await store.store_chunks([_chunk(bank, "doc", f"id-{9 - index}", index) for index in indexes[:3]])
        await store.store_chunks([_chunk(bank, "doc", f"id-{9 - index}", index) for index in indexes[3:]])
        assert [chunk.chunk_index for chunk in await store.list_chunks("doc", bank)] == [0, 1, 2, 3, 4]

    async def test_chunk_with_known_hash_returns_the_existing_id(self, store: Any, bank: str) -> None:
        """A chunk repeating (document_id, content_hash) gets the stored chunk's id and is not stored."""
        await store.store_document(_document(bank, "doc"))
        original = _chunk(bank, "doc", "original", 0, "same")
        assert await store.store_chunks([original]) == ["original"]
        repeat = _chunk(bank, "doc", "repeat", 1, "same")
        twin = _chunk(bank, "doc", "twin", 2, "other")
        twin_repeat = _chunk(bank, "doc", "twin-repeat", 3, "other")
        assert await store.store_chunks([repeat, twin, twin_repeat]) == ["original", "twin", "twin"]
        assert await store.get_chunk("repeat", bank) is None
        assert await store.get_chunk("twin-repeat", bank) is None
        assert [chunk.id for chunk in await store.list_chunks("doc", bank)] == ["original", "twin"]

    async def test_same_chunk_hash_in_another_document_is_stored(self, store: Any, bank: str) -> None:
        """Chunk deduplication is per document: an equal chunk of another document is its own chunk."""
        for document_id in ("left", "right"):
            await store.store_document(_document(bank, document_id))
        left, right = _chunk(bank, "left", "l-0", 0, "boilerplate"), _chunk(bank, "right", "r-0", 0, "boilerplate")
        assert await store.store_chunks([left, right]) == ["l-0", "r-0"]
        assert await store.list_chunks("right", bank) == [right]
        found = await store.find_chunk_by_hash("boilerplate", bank)
        assert found in (left, right)

    async def test_lookups_stay_in_their_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """Ids and hashes stored in one bank are not found through another."""
        await _document_with_chunks(store, bank, "doc", "private")
        assert await store.get_document("doc", other_bank) is None
        assert await store.find_document_by_hash("private", other_bank) is None
        assert await store.list_chunks("doc", other_bank) == []
        assert await store.get_chunk("doc#0", other_bank) is None
        assert await store.find_chunk_by_hash("private/0", other_bank) is None
        assert await store.find_chunk_by_hash("no-such-hash", bank) is None

    @pytest.mark.parametrize("missing", ["never-stored", "deleted", "other-bank"])
    async def test_chunks_of_a_missing_document_are_rejected_whole(
        self, store: Any, bank: str, other_bank: str, missing: str
    ) -> None:
        """A chunk whose document is not live in its bank raises ValidationError and nothing of the call is stored."""
        await store.store_document(_document(bank, "doc"))
        await store.store_document(_document(bank, "deleted"))
        await store.delete_document("deleted", bank)
        await store.store_document(_document(other_bank, "other-bank"))
        good = _chunk(bank, "doc", "good", 0, "good-hash")
        with pytest.raises(ValidationError):
            await store.store_chunks([good, _chunk(bank, missing, "orphan", 0, "orphan-hash")])
        assert await store.get_chunk("good", bank) is None
        assert await store.get_chunk("orphan", bank) is None
        assert await store.list_chunks("doc", bank) == []
        assert await store.find_chunk_by_hash("good-hash", bank) is None

    async def test_empty_chunk_batch_is_a_no_op(self, store: Any, bank: str) -> None:
        """store_chunks([]) returns [] and does not fail."""
        assert await store.store_chunks([]) == []

    @pytest.mark.parametrize(("first_suffix", "second_suffix"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_bank_pairs_are_isolated(
        self, store: Any, bank_named: Callable[[str], str], first_suffix: str, second_suffix: str
    ) -> None:
        """Banks whose ids look alike share nothing: not ids, hashes, chunks, deletes or listings."""
        first, second = bank_named(first_suffix), bank_named(second_suffix)
        first_chunks = await _document_with_chunks(store, first, "doc", "hash")
        second_chunks = await _document_with_chunks(store, second, "doc", "hash")
        for bank_id, chunks in ((first, first_chunks), (second, second_chunks)):
            found = await store.find_document_by_hash("hash", bank_id)
            assert found is not None
            assert found.bank_id == bank_id
            assert await store.list_chunks("doc", bank_id) == chunks
            assert [document.bank_id for document in await store.list_documents(bank_id)] == [bank_id]
        assert await store.delete_document("doc", first) is True
        assert (await store.get_document("doc", second)) is not None
        assert await store.find_chunk_by_hash("hash/0", second) == second_chunks[0]
        await store.delete_bank(first)
        assert await store.list_chunks("doc", second) == second_chunks
        assert await store.delete_bank(second) == 1

    async def test_adversarial_ids_round_trip(self, store: Any, bank: str) -> None:
        """Unicode, quotes, separators and SQL-like text survive as document, chunk and hash ids."""
        for number, document_id in enumerate(ADVERSARIAL_IDS):
            document = _document(bank, document_id, f"{document_id}|hash")
            assert await store.store_document(document) == document_id
            chunk = _chunk(bank, document_id, f"{document_id}|chunk", 0, f"{document_id}|chunk-hash")
            assert await store.store_chunks([chunk]) == [chunk.id]
            assert await store.get_document(document_id, bank) == document, number
            assert await store.find_document_by_hash(f"{document_id}|hash", bank) == document
            assert await store.list_chunks(document_id, bank) == [chunk]
            assert await store.find_chunk_by_hash(f"{document_id}|chunk-hash", bank) == chunk
        assert len(await store.list_documents(bank)) == len(ADVERSARIAL_IDS)

    async def test_delete_bank_counts_documents_and_spares_other_banks(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """delete_bank returns how many documents it removed and touches no other bank."""
        for number in range(3):
            await _document_with_chunks(store, bank, f"doc-{number}", f"hash-{number}")
        kept = await _document_with_chunks(store, other_bank, "doc-0", "hash-0")
        assert await store.delete_bank(bank) == 3
        assert await store.list_documents(bank) == []
        assert await store.find_chunk_by_hash("hash-0/0", bank) is None
        assert await store.list_chunks("doc-0", other_bank) == kept
        assert await store.delete_bank(bank) == 0

    async def test_stored_state_is_not_shared_with_callers(self, store: Any, bank: str) -> None:
        """Mutating what was passed in or handed back does not change what the store holds."""
        document = _document(bank, "doc", metadata={"state": "original"})
        await store.store_document(document)
        await store.store_chunks([_chunk(bank, "doc", "chunk", 0, metadata={"state": "original"})])
        assert document.metadata is not None
        document.metadata["state"] = "changed by caller"
        for read in (await store.get_document("doc", bank), await store.get_chunk("chunk", bank)):
            assert read is not None
            assert read.metadata is not None
            read.metadata["state"] = "changed by reader"
        stored_document = await store.get_document("doc", bank)
        stored_chunk = await store.get_chunk("chunk", bank)
        assert stored_document is not None
        assert stored_document.metadata == {"state": "original"}
        assert stored_chunk is not None
        assert stored_chunk.metadata == {"state": "original"}

    async def test_invalid_arguments_raise_validation_error(self, store: Any, bank: str) -> None:
        """Malformed bank ids and ids raise ValidationError instead of reading anything."""
        for bad_bank in ("", "has space", "x" * 129, "semi;colon"):
            with pytest.raises(ValidationError):
                await store.get_document("doc", bad_bank)
            with pytest.raises(ValidationError):
                await store.list_documents(bad_bank)
            with pytest.raises(ValidationError):
                await store.delete_bank(bad_bank)
        with pytest.raises(ValidationError):
            await store.get_chunk("", bank)

    @PROPERTY_SETTINGS
    @given(steps=_STEPS)
    async def test_dedup_and_delete_match_a_model(
        self, store: Any, bank_named: Callable[[str], str], steps: list[tuple[str, str, str | None]]
    ) -> None:
        """Any sequence of stores and deletes leaves exactly the documents a plain dict model predicts."""
        bank_id = bank_named(uuid.uuid4().hex[:8])
        live: dict[str, str | None] = {}
        for action, document_id, content_hash in steps:
            if action == "delete":
                was_live = document_id in live
                live.pop(document_id, None)
                assert await store.delete_document(document_id, bank_id) is was_live
                continue
            owner = next(
                (known for known, known_hash in live.items() if content_hash and known_hash == content_hash), None
            )
            if owner is None:
                live[document_id] = content_hash
            assert await store.store_document(_document(bank_id, document_id, content_hash)) == (owner or document_id)
        assert {document.id for document in await store.list_documents(bank_id)} == set(live)
        for content_hash in ("h0", "h1"):
            found = await store.find_document_by_hash(content_hash, bank_id)
            owners = [known for known, known_hash in live.items() if known_hash == content_hash]
            assert (found.id if found else None) == (owners[0] if owners else None)
        await store.delete_bank(bank_id)
