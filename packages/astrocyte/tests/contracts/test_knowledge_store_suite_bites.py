"""The KnowledgeStore suite fails stores that break its promises, and passes the honest memory store."""

from __future__ import annotations

import textwrap

import pytest

# Imported in the parent process: pytester forgets modules first imported inside a run.
import astrocyte.stores.memory.knowledge
import astrocyte.testing.contracts.knowledge_store  # noqa: F401

from ._bites import assert_bites, assert_passes_whole, unhealthy
from .conftest import RunContract

_IMPORT = "from astrocyte.stores.memory.knowledge import MemoryKnowledgeStore\n"

#: variant -> (source of a broken ``Broken`` subclass, scenarios that must fail against it)
_BROKEN: dict[str, tuple[str, set[str]]] = {
    "ignores_spaces": (
        """
        class Broken(MemoryKnowledgeStore):
            async def find_adapters(self, space_ids, *, slug=None):
                every = sorted({adapter.space_id for adapter in self._adapters.values()})
                return await super().find_adapters(every, slug=slug)
        """,
        {"test_spaces_never_see_each_other"},
    ),
    "slug_overwrites_instead_of_conflicting": (
        """
        class Broken(MemoryKnowledgeStore):
            def _save(self, adapter, replacing):
                for other in list(self._adapters.values()):
                    if other.space_id == adapter.space_id and other.slug == adapter.slug:
                        del self._adapters[other.adapter_id]
                super()._save(adapter, replacing)
        """,
        {"test_a_taken_slug_conflicts_and_stores_nothing"},
    ),
    "saves_half_a_batch": (
        """
        class Broken(MemoryKnowledgeStore):
            async def save_adapters(self, writes):
                for write in writes:
                    self._save(write.adapter, write.replacing)
        """,
        {"test_a_batch_is_saved_whole_or_not_at_all"},
    ),
    "update_resets_counts": (
        """
        class Broken(MemoryKnowledgeStore):
            def _save(self, adapter, replacing):
                self._adapters.pop(adapter.adapter_id, None)
                super()._save(adapter, replacing)
        """,
        {"test_update_keeps_outcome_counts"},
    ),
    "delete_leaves_orphan_artifacts": (
        """
        class Broken(MemoryKnowledgeStore):
            async def delete_adapter(self, adapter_id):
                return self._adapters.pop(adapter_id, None) is not None
        """,
        {"test_delete_removes_layers_and_artifacts"},
    ),
    "replacing_reaches_other_spaces": (
        """
        class Broken(MemoryKnowledgeStore):
            def _save(self, adapter, replacing):
                if replacing in self._adapters:
                    del self._adapters[replacing]
                    for key in [key for key, item in self._artifacts.items() if item.adapter_id == replacing]:
                        del self._artifacts[key]
                super()._save(adapter, None)
        """,
        {"test_replacing_never_reaches_another_space", "test_replacing_moves_artifacts_and_counts_and_removes_the_old"},
    ),
    "keeps_expired_runs": (
        """
        class Broken(MemoryKnowledgeStore):
            async def delete_expired_runs(self, now):
                return 0
        """,
        {"test_runs_round_trip_and_expire"},
    ),
    "frozen_revision": (
        """
        class Broken(MemoryKnowledgeStore):
            async def revision(self):
                return 0
        """,
        {"test_revision_moves_with_every_search_relevant_write"},
    ),
    "unhealthy": (unhealthy("MemoryKnowledgeStore"), {"test_health_reports_healthy"}),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("KnowledgeStoreContract", _IMPORT + textwrap.dedent(source), "Broken()")
    assert_bites(outcome, variant, must_fail)


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    assert_passes_whole(run_contract("KnowledgeStoreContract", _IMPORT, "MemoryKnowledgeStore()"))
