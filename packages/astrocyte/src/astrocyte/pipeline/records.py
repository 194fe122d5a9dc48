"""One memory as every recall leg sees it, and the document mirror that makes that possible.

A memory is a vector item and a document sharing one id. The vector item has fields for times, fact
type and chunk; a document has only text, tags and metadata, so the engine mirrors those fields into
the document's metadata under reserved ``_`` keys. That lets the keyword and graph legs (which read
documents) return complete hits and apply a time range the document store cannot filter on. The
source, for which ``VectorItem`` has no field, is kept as ``_source`` in both, and so is ``_sequence``,
``"{retain call}:{position}"``: where the memory stood in the retain call that stored it, which tells
recall which memories were neighbours (the turns around a turn, the chunks around a chunk). Callers never see the
reserved keys: :meth:`MemoryRecord.to_hit` moves them back into fields.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from astrocyte.pipeline.normalize import RESERVED_PREFIX
from astrocyte.pipeline.prechecked import prechecked
from astrocyte.types import Document, MemoryHit, Metadata, MetadataValue, VectorHit, VectorItem

SOURCE = "_source"
OCCURRED_AT = "_occurred_at"
RETAINED_AT = "_retained_at"
FACT_TYPE = "_fact_type"
CHUNK_ID = "_chunk_id"
MEMORY_LAYER = "_memory_layer"
SEQUENCE = "_sequence"


@dataclass(slots=True)
class MemoryRecord:
    """A memory with the caller's metadata apart from the fields the engine keeps beside it.

    Not frozen: recall builds one per candidate row (~120 a call), and a frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field) took about four times as long as this
    plain one. Nothing changes a record once built.
    """

    memory_id: str
    text: str
    tags: list[str] | None
    metadata: Metadata | None
    occurred_at: datetime | None = None
    retained_at: datetime | None = None
    fact_type: str | None = None
    source: str | None = None
    chunk_id: str | None = None
    memory_layer: str | None = None
    sequence: str | None = None

    @classmethod
    def from_vector_hit(cls, hit: VectorHit) -> MemoryRecord:
        user, engine = _split(hit.metadata)
        return cls(
            memory_id=hit.id,
            text=hit.text,
            tags=hit.tags,
            metadata=user,
            occurred_at=hit.occurred_at,
            retained_at=hit.retained_at,
            fact_type=hit.fact_type,
            source=_text(engine.get(SOURCE)),
            chunk_id=hit.chunk_id,
            memory_layer=hit.memory_layer,
            sequence=_text(engine.get(SEQUENCE)),
        )

    @classmethod
    def from_document(
        cls, memory_id: str, text: str, tags: list[str] | None, metadata: Metadata | None
    ) -> MemoryRecord:
        user, engine = _split(metadata)
        return cls(
            memory_id=memory_id,
            text=text,
            tags=tags,
            metadata=user,
            occurred_at=_moment(engine.get(OCCURRED_AT)),
            retained_at=_moment(engine.get(RETAINED_AT)),
            fact_type=_text(engine.get(FACT_TYPE)),
            source=_text(engine.get(SOURCE)),
            chunk_id=_text(engine.get(CHUNK_ID)),
            memory_layer=_text(engine.get(MEMORY_LAYER)),
            sequence=_text(engine.get(SEQUENCE)),
        )

    def to_hit(self, score: float, strategies: dict[str, int], bank_id: str) -> MemoryHit:
        return MemoryHit(
            text=self.text,
            score=score,
            fact_type=self.fact_type,
            metadata=self.metadata,
            tags=self.tags,
            occurred_at=self.occurred_at,
            source=self.source,
            memory_id=self.memory_id,
            bank_id=bank_id,
            memory_layer=self.memory_layer,
            retained_at=self.retained_at,
            chunk_id=self.chunk_id,
            strategies=strategies,
        )


def vector_metadata(metadata: Metadata | None, source: str | None, sequence: str | None = None) -> Metadata | None:
    """What a new memory's vector item carries as metadata: the caller's, plus its source and sequence."""
    engine = {key: value for key, value in ((SOURCE, source), (SEQUENCE, sequence)) if value is not None}
    if not engine:
        return metadata
    return {**(metadata or {}), **engine}


def mirror_document(item: VectorItem) -> Document:
    """The document of a memory: same id, text and tags; its fields folded into reserved metadata."""
    return mirror_fields(
        item.id,
        item.text,
        item.metadata,
        item.tags,
        (item.occurred_at, item.retained_at),
        fact_type=item.fact_type,
        chunk_id=item.chunk_id,
        memory_layer=item.memory_layer,
    )


def mirror_fields(
    memory_id: str,
    text: str,
    metadata: Metadata | None,
    tags: list[str] | None,
    times: tuple[datetime | None, datetime | None],
    *,
    fact_type: str | None = None,
    chunk_id: str | None = None,
    memory_layer: str | None = None,
) -> Document:
    """:func:`mirror_document` of a memory given field by field (checked already, as a vector item's
    are): ``times`` is ``(occurred_at, retained_at)``."""
    occurred_at, retained_at = times
    fields: dict[str, MetadataValue] = {
        OCCURRED_AT: None if occurred_at is None else occurred_at.isoformat(),
        RETAINED_AT: None if retained_at is None else retained_at.isoformat(),
        FACT_TYPE: fact_type,
        CHUNK_ID: chunk_id,
        MEMORY_LAYER: memory_layer,
    }
    present = {key: value for key, value in fields.items() if value is not None}
    merged = {**(metadata or {}), **present}
    own_tags = None if tags is None else list(tags)  # its own list, as the checks would give it
    if all(isinstance(value, str) for value in present.values()):
        # The rest was checked when the item was built, so the mirror need not be (see prechecked).
        return prechecked(Document, id=memory_id, text=text, metadata=merged or None, tags=own_tags)
    # VectorItem leaves fact_type, chunk_id and memory_layer unchecked: a wrong type is refused here.
    return Document(id=memory_id, text=text, metadata=merged or None, tags=own_tags)


def _split(metadata: Metadata | None) -> tuple[Metadata | None, Metadata]:
    """The caller's part of stored metadata (``None`` when empty) and the engine's reserved keys, in
    one pass: recall builds a record for each of ~120 candidate rows per call."""
    user: Metadata = {}
    engine: Metadata = {}
    for key, value in (metadata or {}).items():
        if key.startswith(RESERVED_PREFIX):
            engine[key] = value
        else:
            user[key] = value
    return user or None, engine


def _text(value: MetadataValue) -> str | None:
    return value if isinstance(value, str) else None


def _moment(value: MetadataValue) -> datetime | None:
    return _parsed_moment(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _parsed_moment(value: str) -> datetime:
    """A stored time, parsed once per distinct text: the memories of one retain call share their
    ``retained_at``, those of one conversation session their ``occurred_at`` (datetimes are immutable)."""
    return datetime.fromisoformat(value)
