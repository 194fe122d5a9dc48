"""MemoryWikiStore: the WikiStore contract suite, plus the choices this store makes where the SPI leaves room."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from astrocyte.errors import ValidationError
from astrocyte.stores.memory.wiki import MemoryWikiStore
from astrocyte.testing.contracts import WikiStoreContract
from astrocyte.testing.contracts.wiki_store import page

BANK = "memory-wiki-tests"


class TestMemoryWikiStoreContract(WikiStoreContract):
    @pytest.fixture
    def store(self) -> MemoryWikiStore:
        return MemoryWikiStore()


@pytest.fixture
def store() -> MemoryWikiStore:
    return MemoryWikiStore()


async def test_revised_at_is_stamped_when_the_page_has_none(store: MemoryWikiStore) -> None:
    started = datetime.now(UTC)
    await store.upsert_page(page("p", BANK), BANK)
    stored = await store.get_page("p", BANK)
    assert stored is not None
    assert stored.revised_at is not None
    assert started <= stored.revised_at <= datetime.now(UTC)


async def test_each_revision_gets_its_own_stamp_unless_the_caller_gives_one(store: MemoryWikiStore) -> None:
    given = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    await store.upsert_page(page("p", BANK, revised_at=given), BANK)
    await store.upsert_page(page("p", BANK), BANK)
    first, second = await store.list_revisions("p", BANK)
    assert first.revised_at == given
    assert second.revised_at is not None
    assert second.revised_at > given


async def test_a_naive_revised_at_is_read_as_utc(store: MemoryWikiStore) -> None:
    await store.upsert_page(page("p", BANK, revised_at=datetime(2021, 6, 1, 12, 0)), BANK)
    stored = await store.get_page("p", BANK)
    assert stored is not None
    assert stored.revised_at == datetime(2021, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("page_id", ["", "x" * 513, "nul\x00id"])
async def test_malformed_page_ids_are_rejected_by_name(store: MemoryWikiStore, page_id: str) -> None:
    for call in (store.get_page, store.list_revisions, store.delete_page):
        with pytest.raises(ValidationError) as raised:
            await call(page_id, BANK)
        assert raised.value.field == "page_id"


async def test_reading_a_bank_does_not_create_it(store: MemoryWikiStore) -> None:
    await store.list_pages("never-written")
    await store.get_page("p", "never-written")
    await store.delete_page("p", "never-written")
    assert (await store.health()).message == "in-memory wiki store: 0 banks, 0 pages"


async def test_health_counts_banks_and_pages_not_revisions(store: MemoryWikiStore) -> None:
    await store.upsert_page(page("p", BANK), BANK)
    await store.upsert_page(page("p", BANK), BANK)
    await store.upsert_page(page("q", "other-bank"), "other-bank")
    status = await store.health()
    assert status.message == "in-memory wiki store: 2 banks, 2 pages"
    assert status.latency_ms is not None
    assert status.latency_ms >= 0
