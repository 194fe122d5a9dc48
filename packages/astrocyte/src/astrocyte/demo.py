"""The foundation demo: configuration → discovery → SPI calls on the reference stores.

Everything goes through the same path an application's ``astrocyte.yaml`` takes: the built-in
``memory`` profile names the stores and the embedder, discovery loads and checks them through their
entry points, and the demo talks to them only through the SPI. It needs no server and no key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from astrocyte.config import load_config_dict
from astrocyte.discovery import ProviderKind, load_provider
from astrocyte.types import Document, DocumentFilters, DocumentHit, VectorFilters, VectorHit, VectorItem

STORY: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "m1",
        "Alice hiked the Pacific Crest Trail in 2019 and still talks about the Sierra section.",
        ("hobby",),
        "2019-08-01",
    ),
    ("m2", "Alice prefers window seats and always books the first flight of the day.", ("travel",), "2024-03-02"),
    ("m3", "Alice's new hiking boots gave her blisters on the Mount Tam loop.", ("hobby",), "2025-05-11"),
    ("m4", "Alice is allergic to peanuts; she carries an epinephrine pen.", ("health",), "2023-01-20"),
    ("m5", "Alice moved from Portland to Oakland for a job at a robotics startup.", ("work",), "2024-09-15"),
    ("m6", "Alice's team ships the warehouse robot firmware every second Thursday.", ("work",), "2025-02-06"),
    ("m7", "Alice wants to climb Mount Whitney next summer with her sister Jo.", ("hobby", "plans"), "2025-06-30"),
)
OTHER_BANK_STORY = (("m1", "Bob keeps bees on his roof in Brooklyn and sells the honey.", ("hobby",), "2024-07-04"),)


@dataclass(frozen=True)
class DemoQuery:
    label: str
    query: str
    bank_id: str
    semantic: list[VectorHit]
    #: ``None`` when the question's filter has no keyword-store equivalent (documents carry no time).
    keyword: list[DocumentHit] | None


async def run_demo() -> tuple[dict[str, str], list[DemoQuery]]:
    """Load the ``memory`` profile's providers, store two banks' memories and run a few queries."""
    config = load_config_dict({"profile": "memory"}, source="built-in profile 'memory'")
    providers: dict[str, str] = {}

    def provider(kind: ProviderKind) -> Any:
        name, options = config.provider(kind)
        assert name is not None, f"the memory profile names a {kind}"
        providers[str(kind)] = name
        return load_provider(kind, name, options)

    embedder = provider(ProviderKind.EMBEDDING_PROVIDER)
    vectors = provider(ProviderKind.VECTOR_STORE)
    documents = provider(ProviderKind.DOCUMENT_STORE)

    for bank_id, story in (("alice", STORY), ("bob", OTHER_BANK_STORY)):
        embeddings = await embedder.embed([text for _, text, _, _ in story])
        await vectors.store_vectors(
            [
                VectorItem(
                    id=memory_id,
                    bank_id=bank_id,
                    vector=vector,
                    text=text,
                    tags=list(tags),
                    occurred_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
                )
                for (memory_id, text, tags, day), vector in zip(story, embeddings, strict=True)
            ]
        )
        for memory_id, text, tags, _ in story:
            await documents.store_document(Document(id=memory_id, text=text, tags=list(tags)), bank_id)

    async def ask(
        label: str,
        query: str,
        bank_id: str,
        tags: list[str] | None = None,
        time_range: tuple[datetime, datetime] | None = None,
    ) -> DemoQuery:
        [query_vector] = await embedder.embed([query])
        filters = VectorFilters(tags=tags, time_range=time_range)
        keyword = None
        if time_range is None:
            keyword = await documents.search_fulltext(query, bank_id, limit=3, filters=DocumentFilters(tags=tags))
        return DemoQuery(
            label=label,
            query=query,
            bank_id=bank_id,
            semantic=await vectors.search_similar(query_vector, bank_id, limit=3, filters=filters),
            keyword=keyword,
        )

    year_2025 = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC))
    queries = [
        await ask("both legs", "Which trail did Alice hike?", "alice"),
        await ask("tag filter (work)", "Where does Alice work?", "alice", tags=["work"]),
        await ask("time filter (2025)", "Alice hiking plans", "alice", time_range=year_2025),
        await ask("bank isolation: Alice's question in Bob's bank", "Which trail did Alice hike?", "bob"),
    ]
    return providers, queries
