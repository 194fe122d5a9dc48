"""Memory records: the same fields whichever leg's row built them."""

from __future__ import annotations

from datetime import UTC, datetime

from astrocyte.pipeline.records import MemoryRecord, mirror_document, vector_metadata
from astrocyte.stores.searches import vector_hit
from astrocyte.types import VectorItem

MOMENT = datetime(2023, 6, 16, 9, 30, tzinfo=UTC)


def _item() -> VectorItem:
    metadata = vector_metadata({"topic": "moving"}, "chat", "call-1:3")
    return VectorItem(
        id="m1",
        bank_id="b",
        vector=[1.0, 0.0],
        text="Alice moved to Lisbon.",
        metadata=metadata,
        tags=["travel"],
        fact_type="event",
        occurred_at=MOMENT,
        retained_at=MOMENT,
        chunk_id="c1",
        memory_layer="raw",
    )


def test_a_memory_reads_the_same_from_its_vector_hit_and_from_its_document() -> None:
    item = _item()
    document = mirror_document(item)
    from_hit = MemoryRecord.from_vector_hit(vector_hit(item, 0.5))
    from_document = MemoryRecord.from_document(document.id, document.text, document.tags, document.metadata)
    expected = MemoryRecord(
        memory_id="m1",
        text="Alice moved to Lisbon.",
        tags=["travel"],
        metadata={"topic": "moving"},
        occurred_at=MOMENT,
        retained_at=MOMENT,
        fact_type="event",
        source="chat",
        chunk_id="c1",
        memory_layer="raw",
        sequence="call-1:3",
    )
    assert from_hit == from_document == expected


def test_a_bare_document_makes_a_record_with_empty_fields() -> None:
    record = MemoryRecord.from_document("d1", "text", None, None)
    assert record == MemoryRecord(memory_id="d1", text="text", tags=None, metadata=None)


def test_records_of_one_stored_row_share_no_metadata_and_read_its_times_alike() -> None:
    """Stored times are parsed once per text and reused; the caller's metadata must still be each
    record's own, since hits hand it to callers who may change it."""
    document = mirror_document(_item())
    first, second = (
        MemoryRecord.from_document(document.id, document.text, document.tags, document.metadata) for _ in range(2)
    )
    assert first.metadata is not None
    assert second.metadata is not None
    first.metadata["topic"] = "changed"
    assert second.metadata == {"topic": "moving"}
    assert first.occurred_at == second.occurred_at == MOMENT
    assert first.occurred_at is not None
    assert first.occurred_at.utcoffset() == MOMENT.utcoffset()
