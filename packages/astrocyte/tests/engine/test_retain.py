"""retain and retain_many end to end: chunks, exact and near duplicates, fields kept, banks recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.types import MemoryInput

from ._helpers import found_by, keeps_own_vectors, memory_count
from .conftest import MakeEngine

STORY = (
    "Alice hiked the Pacific Crest Trail in 2019. She started in Campo on April 2. "
    "Her friend Bob joined her in Oregon. They reached Canada in September."
)


async def test_retain_stores_one_memory_with_its_fields(engine: Astrocyte) -> None:
    """The memory comes back whole from recall: text, tags, metadata, source and time."""
    when = datetime(2019, 4, 2, 8, 30, tzinfo=UTC)
    result = await engine.retain(
        STORY, "alice", tags=["trip"], metadata={"mood": "happy", "miles": 2650}, occurred_at=when, source="diary"
    )
    assert result.stored
    assert not result.deduplicated
    assert result.chunk_ids == [result.memory_id]
    [hit] = (await engine.recall("Pacific Crest Trail", "alice")).hits
    assert (hit.memory_id, hit.bank_id, hit.text) == (result.memory_id, "alice", STORY)
    assert (hit.tags, hit.metadata, hit.source, hit.occurred_at) == (
        ["trip"],
        {"mood": "happy", "miles": 2650},
        "diary",
        when,
    )
    assert hit.retained_at is not None


async def test_every_strategy_finds_a_retained_memory(engine: Astrocyte) -> None:
    """One retain writes the vector, the document and the graph rows: each strategy finds it."""
    await engine.retain(STORY, "alice")
    await engine.retain("Carol plays the cello every evening.", "alice")
    found = await found_by(engine, "Where did Alice hike?", "alice")
    assert set(found) == {"semantic", "keyword", "graph"}
    assert STORY in found["semantic"] & found["keyword"] & found["graph"]


async def test_long_text_is_chunked_into_overlapping_memories(make_engine: MakeEngine) -> None:
    """Text beyond chunk_size becomes several memories; every sentence lands in one of them."""
    engine = await make_engine(engine={"retain": {"chunk_size": 120, "chunk_overlap": 40}})
    sentences = [f"Sentence number {index} talks about topic {index * 7}." for index in range(12)]
    result = await engine.retain(" ".join(sentences), "notes")
    assert len(result.chunk_ids) > 3
    assert result.memory_id == result.chunk_ids[0]
    assert await memory_count(engine, "notes") == len(result.chunk_ids)
    texts = {hit.text for hit in (await engine.recall("topic", "notes", limit=50)).hits}
    assert all(len(text) <= 120 for text in texts)
    assert all(any(sentence in text for text in texts) for sentence in sentences)


async def test_exact_duplicate_points_to_the_existing_memory(engine: Astrocyte) -> None:
    """The same text again (after normalisation) is not stored; the result names the first memory."""
    first = await engine.retain("Bob keeps bees in Oregon.", "bob")
    again = await engine.retain("  Bob keeps bees in Oregon.\r\n", "bob", tags=["other"])
    assert again.stored is False
    assert again.deduplicated is True
    assert again.memory_id == first.memory_id
    assert await memory_count(engine, "bob") == 1


async def test_duplicates_are_per_bank(engine: Astrocyte) -> None:
    """The same text in another bank is a new memory of that bank."""
    first = await engine.retain("Bob keeps bees in Oregon.", "bob")
    other = await engine.retain("Bob keeps bees in Oregon.", "carol")
    assert other.stored
    assert other.memory_id == first.memory_id
    assert await memory_count(engine, "bob") == await memory_count(engine, "carol") == 1


async def test_near_duplicate_is_not_stored(engine: Astrocyte) -> None:
    """Text almost the same as a stored memory is reported as a duplicate of it."""
    text = "Alice hiked the whole Pacific Crest Trail from Mexico to Canada in the summer of 2019 with Bob."
    first = await engine.retain(text, "alice")
    near = await engine.retain(text.replace("the summer", "summer"), "alice")
    assert near.deduplicated
    assert not near.stored
    assert near.memory_id == first.memory_id
    assert await memory_count(engine, "alice") == 1


async def test_a_turn_retained_in_a_conversation_and_again_alone_is_a_near_duplicate(engine: Astrocyte) -> None:
    """The bank's check compares own vectors: a turn stored with its neighbours blended into its vector
    (retain_many's context) is still found when it comes back alone with only punctuation changed."""
    turns = [
        "Caroline went to the LGBTQ support group on Monday and felt welcomed there.",
        "Melanie painted a sunrise over the lake with her kids last weekend.",
        "Caroline is thinking about studying counselling to help other people.",
        "Melanie signed up for a pottery class that starts in July.",
    ]
    if not keeps_own_vectors(engine):
        pytest.skip("the vector store declares no threshold_search, so it keeps no own vectors (pipeline/dedup.py)")
    stored = await engine.retain_many(turns, "chat")
    assert all(result.stored for result in stored)
    again = await engine.retain(turns[2].replace(" to help", ", to help").rstrip(".") + "!", "chat")
    assert again.deduplicated
    assert again.memory_id == stored[2].memory_id
    assert await memory_count(engine, "chat") == 4


async def test_near_duplicate_threshold_is_configurable(make_engine: MakeEngine) -> None:
    """With near-duplicate detection off, only exact duplicates are dropped."""
    engine = await make_engine(engine={"retain": {"near_duplicate_threshold": None}})
    text = "Alice hiked the whole Pacific Crest Trail from Mexico to Canada in the summer of 2019 with Bob."
    await engine.retain(text, "alice")
    near = await engine.retain(text.replace("the summer", "summer"), "alice")
    assert near.stored
    assert await memory_count(engine, "alice") == 2


async def test_retain_many_dedups_within_the_batch(engine: Astrocyte) -> None:
    """Exact and near duplicates inside one batch point to the first item's memory."""
    text = "Alice hiked the whole Pacific Crest Trail from Mexico to Canada in the summer of 2019 with Bob."
    results = await engine.retain_many(
        [text, "Carol plays the cello.", text, text.replace("the summer", "summer")], "alice"
    )
    assert [result.stored for result in results] == [True, True, False, False]
    assert results[2].memory_id == results[3].memory_id == results[0].memory_id
    assert await memory_count(engine, "alice") == 2


async def test_retain_many_accepts_texts_mappings_and_inputs(engine: Astrocyte) -> None:
    """Items may be plain text, a mapping of MemoryInput fields or a MemoryInput; results keep order."""
    results = await engine.retain_many(
        [
            "Plain text memory about gardening.",
            {"content": "Mapping memory about sailing.", "tags": ["sea"]},
            MemoryInput(content="Input memory about chess.", metadata={"level": 3}),
        ],
        "mixed",
    )
    assert all(result.stored for result in results)
    hits = {hit.memory_id: hit for hit in (await engine.recall("memory about", "mixed", limit=10)).hits}
    assert hits[results[1].memory_id].tags == ["sea"]
    assert hits[results[2].memory_id].metadata == {"level": 3}


async def test_retain_many_of_nothing_writes_nothing(engine: Astrocyte) -> None:
    assert await engine.retain_many([], "empty") == []
    assert await engine.list_banks() == []


async def test_large_batches_are_written_in_several_embedding_batches(make_engine: MakeEngine) -> None:
    """A batch larger than embed_batch_size lands whole, with duplicates across sub-batches found."""
    engine = await make_engine(engine={"retain": {"embed_batch_size": 7}})
    texts = [f"Memory {index} is about item {index * 13} of the inventory." for index in range(40)]
    results = await engine.retain_many([*texts, texts[3], texts[31]], "inventory")
    assert sum(result.stored for result in results) == 40
    assert results[40].memory_id == results[3].memory_id
    assert results[41].memory_id == results[31].memory_id
    assert await memory_count(engine, "inventory") == 40


async def test_first_retain_records_the_bank_with_configured_defaults(make_engine: MakeEngine) -> None:
    """The bank record is created on first retain, with its configured description; tags come from
    ``defaults`` and the bank's section."""
    engine = await make_engine(
        defaults={"tags": ["everyone"]}, banks={"team": {"description": "The team's notes", "tags": ["team"]}}
    )
    await engine.retain("Standup moved to ten o'clock.", "team", tags=["meeting"])
    [bank] = await engine.list_banks()
    assert (bank.bank_id, bank.description) == ("team", "The team's notes")
    [hit] = (await engine.recall("standup", "team")).hits
    assert hit.tags == ["everyone", "team", "meeting"]
