"""From parsed markdown to stored adapters: ids, slugs, layer ids and vectors, embedded in one batch.

Every vector an adapter is searched by (title, text, one per activation pattern) is computed here,
from the whole adapter, on every train and every tune, so no edit leaves a stale or missing vector
behind (the reference system's updates dropped vectors, notes section 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from astrocyte.knowledge.identity import layer_id, normalise_title
from astrocyte.knowledge.markdown import ParsedAdapter
from astrocyte.knowledge.records import AdapterVectors, StoredAdapter, StoredLayer
from astrocyte.knowledge.search import head_text
from astrocyte.spi import EmbeddingProvider


@dataclass(frozen=True)
class Placement:
    """Where and under which names a parsed adapter is stored."""

    adapter_id: str
    space_id: str
    slug: str
    slug_given: bool
    previous: StoredAdapter | None = None
    #: Layer ids to keep by position (1-based), whatever the title: a layer edited in place keeps its id.
    layer_ids: dict[int, str] = field(default_factory=dict)


def search_texts(parsed: ParsedAdapter) -> list[str]:
    """The texts embedded for one adapter, in order: title, head text, then each pattern."""
    body = head_text(parsed.title, parsed.summary, [(layer.title, layer.text) for layer in parsed.layers])
    return [parsed.title, body, *parsed.activation_patterns]


async def embed_adapters(embedder: EmbeddingProvider, adapters: Sequence[ParsedAdapter]) -> list[AdapterVectors]:
    """The vectors of every adapter from one embedding call (the model batches internally)."""
    texts = [search_texts(parsed) for parsed in adapters]
    flat = await embedder.embed([text for group in texts for text in group]) if texts else []
    vectors, start = [], 0
    for group in texts:
        rows = flat[start : start + len(group)]
        start += len(group)
        vectors.append(AdapterVectors(title=rows[0], text=rows[1], patterns=rows[2:]))
    return vectors


def stored_adapter(parsed: ParsedAdapter, placement: Placement, vectors: AdapterVectors) -> StoredAdapter:
    """The record to save; layers keep the ids they had in ``placement.previous`` when their title survives."""
    kept = (
        {normalise_title(layer.title): layer.layer_id for layer in placement.previous.layers}
        if placement.previous
        else {}
    )
    now = datetime.now(UTC)
    layers = [
        StoredLayer(
            layer_id=placement.layer_ids.get(position)
            or kept.get(normalise_title(layer.title))
            or layer_id(placement.adapter_id, layer.title),
            position=position,
            title=layer.title,
            text=layer.text,
            contract=layer.contract,
        )
        for position, layer in enumerate(parsed.layers, start=1)
    ]
    previous = placement.previous
    return StoredAdapter(
        adapter_id=placement.adapter_id,
        space_id=placement.space_id,
        slug=placement.slug,
        slug_given=placement.slug_given,
        title=parsed.title,
        layers=layers,
        vectors=vectors,
        activation_patterns=list(parsed.activation_patterns),
        reward_signal=parsed.reward_signal,
        summary=parsed.summary,
        version=parsed.version,
        metadata=dict(parsed.metadata),
        created_at=previous.created_at if previous is not None and previous.created_at is not None else now,
        updated_at=now,
    )


__all__ = ["Placement", "embed_adapters", "search_texts", "stored_adapter"]
