"""MemoryBankStore: the BankStore contract suite, plus what this store reports about itself."""

from __future__ import annotations

import pytest

from astrocyte.errors import Conflict
from astrocyte.stores.memory.banks import MemoryBankStore
from astrocyte.testing.contracts.bank_store import BankStoreContract
from astrocyte.types import Bank


class TestMemoryBankStoreContract(BankStoreContract):
    @pytest.fixture
    def store(self) -> MemoryBankStore:
        return MemoryBankStore()


async def test_health_counts_the_banks() -> None:
    store = MemoryBankStore()
    for bank_id in ("one", "two"):
        await store.create_bank(Bank(bank_id=bank_id))
    await store.delete_bank("one")
    status = await store.health()
    assert status.message == "in-memory bank store: 1 banks"
    assert status.latency_ms is not None
    assert status.latency_ms >= 0


async def test_conflict_message_says_how_to_proceed() -> None:
    store = MemoryBankStore()
    await store.create_bank(Bank(bank_id="taken"))
    with pytest.raises(Conflict, match="'taken' already exists; use ensure_bank"):
        await store.create_bank(Bank(bank_id="taken"))
