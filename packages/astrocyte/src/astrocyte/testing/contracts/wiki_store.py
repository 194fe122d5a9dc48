"""Contract suite for :class:`astrocyte.spi.WikiStore`.

Besides the SPI docstring, the suite holds a store to three rules every shipped store follows and
an adapter must too, because the engine relies on them:

- the ``bank_id`` argument decides the bank: a page whose DTO names another bank is stored, and
  returned, under the bank it was addressed to;
- ``list_pages`` returns the newest revision of each page, ordered by ``page_id`` (checked on
  plain lower-case ASCII ids only, where every collation agrees);
- pages read back are copies: mutating one changes nothing stored.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import WikiStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    StoreContractSuite,
)
from astrocyte.types import WikiPage

PageKind = Literal["entity", "topic", "concept"]
KINDS: tuple[PageKind, ...] = get_args(PageKind)
SCOPES: tuple[str | None, ...] = (None, "team", "personal")


def page(page_id: str, bank_id: str, **fields: Any) -> WikiPage:
    """A valid page; ``fields`` override the defaults."""
    defaults: dict[str, Any] = {"kind": "topic", "title": f"About {page_id}", "content": f"What we know of {page_id}."}
    return WikiPage(page_id=page_id, bank_id=bank_id, **{**defaults, **fields})


def full_page(page_id: str, bank_id: str) -> WikiPage:
    """A page with every optional field set, for round trips."""
    return page(
        page_id,
        bank_id,
        kind="entity",
        title="Ada Lovelace — 数学者",
        content="Wrote the first program.\nSecond line with ünïcode and emoji 🧮.",
        scope="history",
        source_ids=["mem-2", "mem-1", "mem-3"],
        cross_links=["charles-babbage", "analytical-engine"],
        revision=1,
        revised_at=datetime(2024, 5, 17, 9, 30, 15, 250000, tzinfo=UTC),
        tags=["person", "computing"],
        metadata={"lang": "en", "confidence": 0.75, "pinned": True, "views": 3, "reviewer": None},
    )


class WikiStoreContract(StoreContractSuite):
    protocol = WikiStore

    async def test_round_trip_keeps_every_field(self, store: Any, bank: str) -> None:
        """upsert_page returns the page id and get_page returns every field as stored."""
        original = full_page("ada", bank)
        assert await store.upsert_page(original, bank) == "ada"
        assert await store.get_page("ada", bank) == original

    async def test_first_upsert_is_revision_one_whatever_the_page_says(self, store: Any, bank: str) -> None:
        """A new page is revision 1 even when the caller's page claims another revision."""
        await store.upsert_page(page("fresh", bank, revision=7), bank)
        stored = await store.get_page("fresh", bank)
        assert stored is not None
        assert stored.revision == 1
        assert [revision.revision for revision in await store.list_revisions("fresh", bank)] == [1]

    async def test_next_upsert_is_the_next_revision_and_keeps_history(self, store: Any, bank: str) -> None:
        """Each upsert adds revision n + 1; get_page is the newest, list_revisions every one, oldest first."""
        contents = ["First draft.", "Second draft.", "Third draft."]
        for content in contents:
            await store.upsert_page(page("doc", bank, content=content, revision=1), bank)
        newest = await store.get_page("doc", bank)
        assert newest is not None
        assert (newest.revision, newest.content) == (3, "Third draft.")
        history = await store.list_revisions("doc", bank)
        assert [(revision.revision, revision.content) for revision in history] == list(enumerate(contents, start=1))
        assert all(revision.page_id == "doc" and revision.bank_id == bank for revision in history)

    async def test_history_keeps_each_revision_whole(self, store: Any, bank: str) -> None:
        """An old revision keeps all of its own fields after the page changes."""
        first = full_page("ada", bank)
        second = page("ada", bank, kind="concept", title="Renamed", content="Rewritten.", scope=None)
        await store.upsert_page(first, bank)
        await store.upsert_page(second, bank)
        old, new = await store.list_revisions("ada", bank)
        assert old == first
        assert new == replace(second, revision=2, revised_at=new.revised_at)

    async def test_unknown_page_reads_as_nothing(self, store: Any, bank: str) -> None:
        """get_page of an unknown id is None and its history is empty."""
        await store.upsert_page(page("known", bank), bank)
        assert await store.get_page("unknown", bank) is None
        assert await store.list_revisions("unknown", bank) == []

    async def test_empty_bank_lists_nothing(self, store: Any, bank: str) -> None:
        """A bank never written lists no pages and deleting it removes nothing."""
        assert await store.list_pages(bank) == []
        assert await store.delete_bank(bank) == 0

    async def test_list_pages_is_ordered_by_page_id(self, store: Any, bank: str) -> None:
        """list_pages returns each page once, as its newest revision, ordered by page_id."""
        for page_id in ("charlie", "alpha", "delta", "bravo"):
            await store.upsert_page(page(page_id, bank), bank)
        await store.upsert_page(page("charlie", bank, content="Updated."), bank)
        listed = await store.list_pages(bank)
        assert [item.page_id for item in listed] == ["alpha", "bravo", "charlie", "delta"]
        charlie = listed[2]
        assert (charlie.revision, charlie.content) == (2, "Updated.")

    async def test_list_pages_filters_by_scope(self, store: Any, bank: str) -> None:
        """scope keeps only pages of that scope; a page without scope never matches one."""
        await store.upsert_page(page("p1", bank, scope="team"), bank)
        await store.upsert_page(page("p2", bank, scope="personal"), bank)
        await store.upsert_page(page("p3", bank), bank)
        await store.upsert_page(page("p4", bank, scope="team"), bank)
        assert [item.page_id for item in await store.list_pages(bank, scope="team")] == ["p1", "p4"]
        assert [item.page_id for item in await store.list_pages(bank, scope="nobody")] == []

    async def test_list_pages_filters_by_kind(self, store: Any, bank: str) -> None:
        """kind keeps only pages of that kind, and combines with scope."""
        await store.upsert_page(page("p1", bank, kind="entity", scope="team"), bank)
        await store.upsert_page(page("p2", bank, kind="topic", scope="team"), bank)
        await store.upsert_page(page("p3", bank, kind="entity"), bank)
        await store.upsert_page(page("p4", bank, kind="concept", scope="team"), bank)
        assert [item.page_id for item in await store.list_pages(bank, kind="entity")] == ["p1", "p3"]
        assert [item.page_id for item in await store.list_pages(bank, scope="team", kind="entity")] == ["p1"]

    async def test_filters_see_the_newest_revision(self, store: Any, bank: str) -> None:
        """A page that moved to another scope or kind is listed only under its newest one."""
        await store.upsert_page(page("moved", bank, scope="team", kind="entity"), bank)
        await store.upsert_page(page("moved", bank, scope="personal", kind="concept"), bank)
        assert await store.list_pages(bank, scope="team") == []
        assert await store.list_pages(bank, kind="entity") == []
        assert [item.revision for item in await store.list_pages(bank, scope="personal", kind="concept")] == [2]

    async def test_delete_page_removes_it_and_its_history(self, store: Any, bank: str) -> None:
        """delete_page is True for a page (all revisions gone), then False; other pages stay."""
        await store.upsert_page(page("doomed", bank), bank)
        await store.upsert_page(page("doomed", bank, content="Again."), bank)
        await store.upsert_page(page("kept", bank), bank)
        assert await store.delete_page("doomed", bank) is True
        assert await store.get_page("doomed", bank) is None
        assert await store.list_revisions("doomed", bank) == []
        assert [item.page_id for item in await store.list_pages(bank)] == ["kept"]
        assert await store.delete_page("doomed", bank) is False

    async def test_a_deleted_page_starts_again_at_revision_one(self, store: Any, bank: str) -> None:
        """Storing a page id again after delete_page begins a new history."""
        await store.upsert_page(page("phoenix", bank), bank)
        await store.upsert_page(page("phoenix", bank), bank)
        await store.delete_page("phoenix", bank)
        await store.upsert_page(page("phoenix", bank, content="Reborn."), bank)
        assert [(item.revision, item.content) for item in await store.list_revisions("phoenix", bank)] == [
            (1, "Reborn.")
        ]

    async def test_delete_bank_counts_pages_and_spares_other_banks(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """delete_bank returns how many pages (not revisions) it removed and leaves other banks whole."""
        for page_id in ("a", "b", "c"):
            await store.upsert_page(page(page_id, bank), bank)
        await store.upsert_page(page("a", bank, content="Second revision."), bank)
        await store.upsert_page(page("a", other_bank), other_bank)
        assert await store.delete_bank(bank) == 3
        assert await store.list_pages(bank) == []
        assert await store.get_page("a", bank) is None
        assert await store.list_revisions("a", bank) == []
        assert [item.page_id for item in await store.list_pages(other_bank)] == ["a"]
        assert await store.delete_bank(bank) == 0

    @pytest.mark.parametrize(("first_suffix", "second_suffix"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_bank_pairs_are_isolated(
        self, store: Any, bank_named: Callable[[str], str], first_suffix: str, second_suffix: str
    ) -> None:
        """Banks whose ids are prefixes, case variants or wildcard look-alikes keep separate pages and counters."""
        first, second = bank_named(first_suffix), bank_named(second_suffix)
        await store.upsert_page(page("shared", first, content="First bank, one."), first)
        await store.upsert_page(page("shared", first, content="First bank, two."), first)
        await store.upsert_page(page("shared", second, content="Second bank."), second)
        await store.upsert_page(page("only-first", first), first)
        assert [item.page_id for item in await store.list_pages(first)] == ["only-first", "shared"]

        in_second = await store.get_page("shared", second)
        assert in_second is not None
        assert (in_second.bank_id, in_second.revision, in_second.content) == (second, 1, "Second bank.")
        assert [item.content for item in await store.list_revisions("shared", second)] == ["Second bank."]
        assert [item.page_id for item in await store.list_pages(second)] == ["shared"]
        assert await store.get_page("only-first", second) is None
        assert await store.delete_page("only-first", second) is False

        assert await store.delete_page("shared", second) is True
        in_first = await store.get_page("shared", first)
        assert in_first is not None
        assert (in_first.bank_id, in_first.revision) == (first, 2)
        assert await store.delete_bank(second) == 0
        assert await store.delete_bank(first) == 2

    @pytest.mark.parametrize("page_id", ADVERSARIAL_IDS)
    async def test_adversarial_page_ids_round_trip(self, store: Any, bank: str, page_id: str) -> None:
        """Unicode, quotes, separators and SQL-ish ids are stored, found, listed and deleted exactly."""
        await store.upsert_page(page(page_id, bank), bank)
        await store.upsert_page(page(page_id, bank, content="Twice."), bank)
        await store.upsert_page(page("plain", bank), bank)
        stored = await store.get_page(page_id, bank)
        assert stored is not None
        assert (stored.page_id, stored.revision) == (page_id, 2)
        assert len(await store.list_revisions(page_id, bank)) == 2
        assert {item.page_id for item in await store.list_pages(bank)} == {page_id, "plain"}
        assert await store.delete_page(page_id, bank) is True
        assert [item.page_id for item in await store.list_pages(bank)] == ["plain"]

    async def test_the_bank_argument_decides_the_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """A page whose DTO names another bank is stored and returned under the bank it was addressed to."""
        smuggled = page("smuggled", other_bank, content="Addressed to the main bank.")
        assert await store.upsert_page(smuggled, bank) == "smuggled"
        stored = await store.get_page("smuggled", bank)
        assert stored is not None
        assert stored.bank_id == bank
        assert [item.bank_id for item in await store.list_pages(bank)] == [bank]
        assert [item.bank_id for item in await store.list_revisions("smuggled", bank)] == [bank]
        assert await store.get_page("smuggled", other_bank) is None
        assert await store.list_pages(other_bank) == []
        assert await store.list_revisions("smuggled", other_bank) == []

    async def test_stored_pages_are_snapshots(self, store: Any, bank: str) -> None:
        """Mutating a page after storing it, or one read back, changes nothing stored."""
        original = full_page("ada", bank)
        expected = copy.deepcopy(original)
        await store.upsert_page(original, bank)
        original.content = "Changed by the caller."
        original.source_ids.append("sneaky")

        for read in (await store.get_page("ada", bank), (await store.list_pages(bank))[0]):
            assert read is not None
            read.title = "Changed by a reader."
            read.cross_links.append("sneaky")
            assert read.metadata is not None
            read.metadata["lang"] = "xx"
        (await store.list_revisions("ada", bank))[0].content = "Changed through history."
        assert await store.get_page("ada", bank) == expected
        assert await store.list_revisions("ada", bank) == [expected]

    async def test_invalid_bank_id_is_rejected(self, store: Any) -> None:
        """Every method refuses a malformed bank id with a ValidationError naming bank_id."""
        bad = "no spaces allowed"
        calls: list[Callable[[], Awaitable[Any]]] = [
            lambda: store.upsert_page(page("p", "valid-bank"), bad),
            lambda: store.get_page("p", bad),
            lambda: store.list_pages(bad),
            lambda: store.list_revisions("p", bad),
            lambda: store.delete_page("p", bad),
            lambda: store.delete_bank(bad),
        ]
        for call in calls:
            with pytest.raises(ValidationError) as raised:
                await call()
            assert raised.value.field == "bank_id"

    @PROPERTY_SETTINGS
    @given(
        writes=st.lists(
            st.tuples(
                st.booleans(),
                st.sampled_from(["p1", "p2", "p3", "p4"]),
                st.sampled_from(SCOPES),
                st.sampled_from(KINDS),
            ),
            max_size=12,
        )
    )
    async def test_listing_matches_a_plain_model(
        self, store: Any, bank_named: Callable[[str], str], writes: list[tuple[bool, str, str | None, PageKind]]
    ) -> None:
        """For random upserts into two banks, every scope/kind listing equals a plain-dict model's."""
        token = uuid.uuid4().hex[:8]
        banks = (bank_named(f"{token}-a"), bank_named(f"{token}-b"))
        model: dict[str, dict[str, tuple[int, str | None, PageKind]]] = {name: {} for name in banks}
        for in_second, page_id, scope, kind in writes:
            target = banks[in_second]
            await store.upsert_page(page(page_id, target, scope=scope, kind=kind), target)
            revisions = model[target].get(page_id, (0, None, kind))[0]
            model[target][page_id] = (revisions + 1, scope, kind)

        for name in banks:
            for scope_filter in SCOPES:
                for kind_filter in (None, *KINDS):
                    listed = await store.list_pages(name, scope=scope_filter, kind=kind_filter)
                    expected = [
                        (page_id, revisions)
                        for page_id, (revisions, scope, kind) in sorted(model[name].items())
                        if scope_filter in (None, scope) and kind_filter in (None, kind)
                    ]
                    assert [(item.page_id, item.revision) for item in listed] == expected
