"""How a memory is laid out in a Qdrant point: its id, its payload, and back.

Qdrant point ids are UUIDs or integers, so ``(bank_id, id)`` maps to a name-based UUID and the
original id stays in the payload. The UUID's first 96 bits hash the id and the last 32 the bank:
Qdrant pages in point-id order, and this way that order depends on the id alone, so every bank
lists the same ids in the same order (a plain UUIDv5 of the pair would order each bank
differently). Reads compare the payload's bank and id too, so a hash collision can never leak
another bank's point.

Times are kept twice: as ISO strings, which round-trip exactly, and as integer microseconds since
the epoch, which Qdrant's range conditions compare exactly (they are below 2^53). Metadata is kept
as written for reading, and once more as a *filterable* copy under hex-encoded keys (any string is
a valid metadata key, but not a valid payload path) with strings and booleans as tagged keywords:
Qdrant Edge cannot match boolean payloads (``MatchValue(True)`` finds nothing), and numbers stay
numbers so that a range can match 1 and 1.0 alike.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from astrocyte.types import Document, DocumentHit, Metadata, MetadataValue, VectorHit, VectorItem

BANK = "bank_id"
ID = "id"
TEXT = "text"
TAGS = "tags"
METADATA = "metadata"
FILTERABLE = "mf"
FACT_TYPE = "fact_type"
OCCURRED = "occurred_at"
RETAINED = "retained_at"
OCCURRED_US = "occurred_us"
RETAINED_US = "retained_us"
LAYER = "memory_layer"
CHUNK = "chunk_id"

#: Payload indexes besides the bank's (a tenant index in both collections): what filters read.
IndexKind = Literal["keyword", "integer"]

DOCUMENT_INDEXES: dict[str, IndexKind] = {TAGS: "keyword"}
VECTOR_INDEXES: dict[str, IndexKind] = {
    TAGS: "keyword",
    FACT_TYPE: "keyword",
    OCCURRED_US: "integer",
    RETAINED_US: "integer",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NAMESPACE = uuid.UUID("5f0e4f7c-6a7b-4f38-9d1e-3c1a6a0b2d91")


def point_id(bank_id: str, item_id: str) -> str:
    """The point of ``item_id`` in ``bank_id``: 96 bits from the id, 32 from the bank (SHA-1 of the
    name in a namespace, as a UUIDv5 is, without building the two intermediate UUIDs)."""
    by_id = hashlib.sha1(_NAMESPACE.bytes + item_id.encode(), usedforsecurity=False).digest()[:12]
    return str(uuid.UUID(bytes=by_id + _bank_bits(bank_id)))


@lru_cache(maxsize=4096)
def _bank_bits(bank_id: str) -> bytes:
    return hashlib.sha1(_NAMESPACE.bytes + bank_id.encode(), usedforsecurity=False).digest()[:4]


def microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def filterable_key(key: str) -> str:
    return f"{FILTERABLE}.k{key.encode().hex()}"


def keyword(value: str | bool) -> str:
    """A string or flag as a keyword that no value of the other kind can equal."""
    if isinstance(value, bool):
        return "b:1" if value else "b:0"
    return f"s:{value}"


def filterable(metadata: Metadata | None) -> dict[str, Any]:
    copy: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        stored: MetadataValue = keyword(value) if isinstance(value, (bool, str)) else value
        copy[f"k{key.encode().hex()}"] = stored
    return copy


def belongs(payload: dict[str, Any], bank_id: str, item_id: str | None = None) -> bool:
    """Whether a point read back is really ``item_id`` of ``bank_id`` (guards against hash collisions)."""
    return bool(payload.get(BANK) == bank_id and (item_id is None or payload.get(ID) == item_id))


def _labels(bank_id: str, item_id: str, text: str, tags: list[str] | None, metadata: Metadata | None) -> dict[str, Any]:
    return {
        BANK: bank_id,
        ID: item_id,
        TEXT: text,
        TAGS: list(tags) if tags else [],
        METADATA: dict(metadata) if metadata is not None else None,
        FILTERABLE: filterable(metadata),
    }


def vector_payload(item: VectorItem, written_at: datetime) -> dict[str, Any]:
    """The payload of ``item``; one stored without ``retained_at`` is stamped with the write time."""
    retained = item.retained_at or written_at
    payload = _labels(item.bank_id, item.id, item.text, item.tags, item.metadata)
    payload.update(
        {
            FACT_TYPE: item.fact_type,
            OCCURRED: None if item.occurred_at is None else item.occurred_at.isoformat(),
            RETAINED: retained.isoformat(),
            RETAINED_US: microseconds(retained),
            LAYER: item.memory_layer,
            CHUNK: item.chunk_id,
        }
    )
    if item.occurred_at is not None:
        payload[OCCURRED_US] = microseconds(item.occurred_at)
    return payload


def document_payload(document: Document, bank_id: str) -> dict[str, Any]:
    return _labels(bank_id, document.id, document.text, document.tags, document.metadata)


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _tags(payload: dict[str, Any]) -> list[str] | None:
    return list(payload.get(TAGS) or ()) or None


def _metadata(payload: dict[str, Any]) -> Metadata | None:
    stored = payload.get(METADATA)
    return dict(stored) if stored is not None else None


def vector_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields a :class:`VectorItem` and a :class:`VectorHit` share, read from a payload."""
    return {
        "text": payload[TEXT],
        "metadata": _metadata(payload),
        "tags": _tags(payload),
        "fact_type": payload.get(FACT_TYPE),
        "occurred_at": _moment(payload.get(OCCURRED)),
        "memory_layer": payload.get(LAYER),
        "retained_at": _moment(payload.get(RETAINED)),
        "chunk_id": payload.get(CHUNK),
    }


def vector_item(payload: dict[str, Any], vector: list[float]) -> VectorItem:
    return VectorItem(id=payload[ID], bank_id=payload[BANK], vector=vector, **vector_fields(payload))


def vector_hit(payload: dict[str, Any], score: float) -> VectorHit:
    return VectorHit(id=payload[ID], score=score, **vector_fields(payload))


def document(payload: dict[str, Any]) -> Document:
    return Document(id=payload[ID], text=payload[TEXT], metadata=_metadata(payload), tags=_tags(payload))


def document_hit(payload: dict[str, Any], score: float) -> DocumentHit:
    return DocumentHit(
        document_id=payload[ID], text=payload[TEXT], score=score, metadata=_metadata(payload), tags=_tags(payload)
    )
