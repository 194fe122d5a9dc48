"""The WikiStore suite fails stores that break its promises, and passes the honest memory store."""

from __future__ import annotations

import textwrap

import pytest

# Imported here, before any in-process run, so pytester's sys.modules snapshot keeps them: it
# drops modules first imported during a run, and numpy (under the suite) cannot be loaded twice.
import astrocyte.stores.memory.wiki
import astrocyte.testing.contracts.wiki_store  # noqa: F401

from ._remapped_banks import remapped_banks_source
from .conftest import RunContract

_IMPORT = "from astrocyte.stores.memory.wiki import MemoryWikiStore\n"

_BROKEN: dict[str, tuple[str, set[str]]] = {
    "ignores_the_bank": (
        remapped_banks_source("MemoryWikiStore", '"one-bank-for-all"'),
        {
            "test_adversarial_bank_pairs_are_isolated",
            "test_delete_bank_counts_pages_and_spares_other_banks",
            "test_the_bank_argument_decides_the_bank",
            "test_listing_matches_a_plain_model",
        },
    ),
    "lists_banks_by_prefix": (
        """
        class Broken(MemoryWikiStore):
            async def list_pages(self, bank_id, scope=None, kind=None):
                pages = []
                for name in sorted(self._banks._states):
                    if name.startswith(bank_id):
                        pages += await super().list_pages(name, scope, kind)
                return pages
        """,
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "folds_bank_case": (
        remapped_banks_source("MemoryWikiStore", "bank_id.lower()"),
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "counts_revisions_across_banks": (
        """
        class Broken(MemoryWikiStore):
            async def upsert_page(self, page, bank_id):
                page_id = await super().upsert_page(page, bank_id)
                total = sum(len(pages.get(page_id, [])) for pages in self._banks)
                self._banks.for_write(bank_id)[page_id][-1].revision = total
                return page_id
        """,
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "trusts_the_dto_bank": (
        """
        class Broken(MemoryWikiStore):
            async def upsert_page(self, page, bank_id):
                return await super().upsert_page(page, page.bank_id)
        """,
        {"test_the_bank_argument_decides_the_bank"},
    ),
    "trusts_the_callers_revision": (
        """
        class Broken(MemoryWikiStore):
            async def upsert_page(self, page, bank_id):
                page_id = await super().upsert_page(page, bank_id)
                self._banks.for_write(bank_id)[page_id][-1].revision = page.revision
                return page_id
        """,
        {
            "test_first_upsert_is_revision_one_whatever_the_page_says",
            "test_next_upsert_is_the_next_revision_and_keeps_history",
        },
    ),
    "keeps_only_the_newest_revision": (
        """
        class Broken(MemoryWikiStore):
            async def upsert_page(self, page, bank_id):
                page_id = await super().upsert_page(page, bank_id)
                del self._banks.for_write(bank_id)[page_id][:-1]
                return page_id
        """,
        {"test_next_upsert_is_the_next_revision_and_keeps_history", "test_history_keeps_each_revision_whole"},
    ),
    "history_newest_first": (
        """
        class Broken(MemoryWikiStore):
            async def list_revisions(self, page_id, bank_id):
                return list(reversed(await super().list_revisions(page_id, bank_id)))
        """,
        {"test_next_upsert_is_the_next_revision_and_keeps_history", "test_history_keeps_each_revision_whole"},
    ),
    "gets_the_oldest_revision": (
        """
        class Broken(MemoryWikiStore):
            async def get_page(self, page_id, bank_id):
                history = await self.list_revisions(page_id, bank_id)
                return history[0] if history else None
        """,
        {"test_next_upsert_is_the_next_revision_and_keeps_history", "test_adversarial_page_ids_round_trip"},
    ),
    "ignores_the_scope_filter": (
        """
        class Broken(MemoryWikiStore):
            async def list_pages(self, bank_id, scope=None, kind=None):
                return await super().list_pages(bank_id, None, kind)
        """,
        {
            "test_list_pages_filters_by_scope",
            "test_list_pages_filters_by_kind",
            "test_filters_see_the_newest_revision",
            "test_listing_matches_a_plain_model",
        },
    ),
    "ignores_the_kind_filter": (
        """
        class Broken(MemoryWikiStore):
            async def list_pages(self, bank_id, scope=None, kind=None):
                return await super().list_pages(bank_id, scope, None)
        """,
        {
            "test_list_pages_filters_by_kind",
            "test_filters_see_the_newest_revision",
            "test_listing_matches_a_plain_model",
        },
    ),
    "filters_on_any_revision": (
        """
        class Broken(MemoryWikiStore):
            async def list_pages(self, bank_id, scope=None, kind=None):
                matching = []
                for newest in await super().list_pages(bank_id):
                    for revision in await self.list_revisions(newest.page_id, bank_id):
                        if scope in (None, revision.scope) and kind in (None, revision.kind):
                            matching.append(newest)
                            break
                return matching
        """,
        {"test_filters_see_the_newest_revision"},
    ),
    "lists_in_reverse_order": (
        """
        class Broken(MemoryWikiStore):
            async def list_pages(self, bank_id, scope=None, kind=None):
                return list(reversed(await super().list_pages(bank_id, scope, kind)))
        """,
        {"test_list_pages_is_ordered_by_page_id", "test_list_pages_filters_by_scope"},
    ),
    "delete_page_always_true": (
        """
        class Broken(MemoryWikiStore):
            async def delete_page(self, page_id, bank_id):
                await super().delete_page(page_id, bank_id)
                return True
        """,
        {"test_delete_page_removes_it_and_its_history", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "delete_page_drops_one_revision": (
        """
        class Broken(MemoryWikiStore):
            async def delete_page(self, page_id, bank_id):
                history = self._banks.for_read(bank_id).get(page_id)
                if not history:
                    return False
                history.pop()
                if not history:
                    del self._banks.for_read(bank_id)[page_id]
                return True
        """,
        {"test_delete_page_removes_it_and_its_history", "test_a_deleted_page_starts_again_at_revision_one"},
    ),
    "delete_bank_counts_revisions": (
        """
        class Broken(MemoryWikiStore):
            async def delete_bank(self, bank_id):
                revisions = sum(len(history) for history in self._banks.for_read(bank_id).values())
                await super().delete_bank(bank_id)
                return revisions
        """,
        {"test_delete_bank_counts_pages_and_spares_other_banks", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "returns_the_stored_object": (
        """
        class Broken(MemoryWikiStore):
            async def get_page(self, page_id, bank_id):
                history = self._banks.for_read(bank_id).get(page_id)
                return history[-1] if history else None
        """,
        {"test_stored_pages_are_snapshots"},
    ),
    "keeps_the_callers_object": (
        """
        class Broken(MemoryWikiStore):
            async def upsert_page(self, page, bank_id):
                page_id = await super().upsert_page(page, bank_id)
                history = self._banks.for_write(bank_id)[page_id]
                page.bank_id, page.revision, page.revised_at = bank_id, len(history), history[-1].revised_at
                history[-1] = page
                return page_id
        """,
        {"test_stored_pages_are_snapshots"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("WikiStoreContract", _IMPORT + textwrap.dedent(source), "Broken()")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract("WikiStoreContract", _IMPORT, "MemoryWikiStore()")
    assert not outcome.failed
    assert not outcome.skipped
    assert len(outcome.passed) >= 20
