"""Small readers the engine tests share: what a bank holds, seen through the facade and its stores."""

from __future__ import annotations

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.errors import NotFound
from astrocyte.spi import VectorStore


async def memory_count(engine: Astrocyte, bank_id: str) -> int:
    """Memories in the bank's vector store; 0 for a bank that does not exist."""
    try:
        return (await engine.bank_stats(bank_id)).memory_count
    except NotFound:
        return 0


def keeps_own_vectors(engine: Astrocyte) -> bool:
    """Whether the engine's vector store keeps each memory's own vector beside its contextual one:
    a store that declares ``threshold_search`` must (the near-duplicate check compares own vectors)."""
    store = engine.providers[ProviderKind.VECTOR_STORE]
    assert isinstance(store, VectorStore)
    return store.capabilities().threshold_search


async def found_by(engine: Astrocyte, query: str, bank_id: str) -> dict[str, set[str]]:
    """The memory texts each recall strategy finds for ``query``: one view of every store at once."""
    result = await engine.recall(query, bank_id, limit=50)
    found: dict[str, set[str]] = {}
    for hit in result.hits:
        for strategy in hit.strategies:
            found.setdefault(strategy, set()).add(hit.text)
    return found


async def nothing_stored(engine: Astrocyte, bank_id: str) -> bool:
    """No memory, no keyword or graph hit and no bank record: the bank was never written."""
    recorded = {bank.bank_id for bank in await engine.list_banks()}
    return await memory_count(engine, bank_id) == 0 and bank_id not in recorded
