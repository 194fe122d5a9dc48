"""Banks as units: create, list, stats, delete across every store."""

from __future__ import annotations

import pytest

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.errors import Conflict, NotFound, ValidationError
from astrocyte.types import WikiPage

from ._helpers import found_by, memory_count


async def test_create_list_and_stats(engine: Astrocyte) -> None:
    created = await engine.create_bank("team", description="Team notes", metadata={"owner": "ops"})
    assert created.created_at is not None
    await engine.retain_many(["First note.", "Second note."], "team")
    await engine.retain("Private note.", "alice")
    assert [bank.bank_id for bank in await engine.list_banks()] == ["alice", "team"]
    stats = await engine.bank_stats("team")
    assert (stats.bank_id, stats.memory_count, stats.description, stats.metadata) == (
        "team",
        2,
        "Team notes",
        {"owner": "ops"},
    )
    assert stats.created_at == created.created_at


async def test_creating_an_existing_bank_conflicts_and_carries_it(engine: Astrocyte) -> None:
    await engine.create_bank("team", description="first")
    with pytest.raises(Conflict) as caught:
        await engine.create_bank("team", description="second")
    assert caught.value.existing.description == "first"


async def test_stats_of_an_unknown_bank_is_not_found(engine: Astrocyte) -> None:
    with pytest.raises(NotFound):
        await engine.bank_stats("nobody")
    with pytest.raises(ValidationError):
        await engine.bank_stats("no body")


async def test_delete_bank_empties_every_store_and_drops_the_record(engine: Astrocyte) -> None:
    await engine.retain_many(["Alice adopted Pixel.", "Bob adopted Rex."], "home")
    await engine.retain("Alice adopted Pixel.", "away")
    wiki = engine.providers[ProviderKind.WIKI_STORE]
    await wiki.upsert_page(
        WikiPage(page_id="pixel", bank_id="home", kind="entity", title="Pixel", content="A cat."), "home"
    )
    result = await engine.delete_bank("home")
    assert result.deleted_count == 2
    assert await memory_count(engine, "home") == 0
    assert await found_by(engine, "Alice Pixel adopted", "home") == {}
    assert await wiki.list_pages("home") == []
    assert [bank.bank_id for bank in await engine.list_banks()] == ["away"]
    assert await memory_count(engine, "away") == 1
    assert (await engine.delete_bank("home")).deleted_count == 0  # deleting again is harmless
