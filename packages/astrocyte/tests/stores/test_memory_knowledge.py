"""MemoryKnowledgeStore: the KnowledgeStore contract suite, plus that it hands out copies."""

from __future__ import annotations

import pytest

from astrocyte.stores.memory.knowledge import MemoryKnowledgeStore
from astrocyte.testing.contracts.knowledge_store import KnowledgeStoreContract, make_adapter, save


class TestMemoryKnowledgeStoreContract(KnowledgeStoreContract):
    @pytest.fixture
    def store(self) -> MemoryKnowledgeStore:
        return MemoryKnowledgeStore()


async def test_results_are_copies() -> None:
    store = MemoryKnowledgeStore()
    adapter = make_adapter("user:ana", "copy")
    await save(store, adapter)
    adapter.activation_patterns.append("changed after saving")
    found = await store.get_adapter(adapter.adapter_id)
    assert found is not None
    found.layers.clear()
    again = await store.get_adapter(adapter.adapter_id)
    assert again is not None
    assert len(again.layers) == 2
    assert "changed after saving" not in again.activation_patterns
