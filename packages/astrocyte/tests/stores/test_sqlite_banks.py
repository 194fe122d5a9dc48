"""SqliteBankStore: the BankStore contract on a private in-memory database and on one shared file,
plus what only a database can get wrong: reopening the file, rolling back, sharing transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrocyte.stores.sqlite.banks import SqliteBankStore
from astrocyte.testing.contracts.bank_store import BankStoreContract
from astrocyte.types import Bank

from ._sqlite_support import Aborted, abort_after, shared_file_store


class TestSqliteBankStoreInMemory(BankStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteBankStore]:
        store = SqliteBankStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqliteBankStore)


class TestSqliteBankStoreSharedFile(BankStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqliteBankStore) -> SqliteBankStore:
        return shared_store


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "banks.db")


async def test_banks_survive_reopening_the_file(path: str) -> None:
    record = Bank(bank_id="kept", description="notes", created_at=datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    first = SqliteBankStore(path)
    await first.create_bank(record)
    stamped = await first.ensure_bank(Bank(bank_id="stamped", metadata={"n": 1}))
    await first.close()
    reopened = SqliteBankStore(path)
    assert await reopened.list_banks() == [record, stamped]
    await reopened.close()


async def test_a_rolled_back_transaction_leaves_no_bank(path: str) -> None:
    store = SqliteBankStore(path)
    await store.create_bank(Bank(bank_id="before"))

    async def work() -> None:
        await store.create_bank(Bank(bank_id="inside"))
        assert await store.delete_bank("before") is True

    with pytest.raises(Aborted):
        await abort_after(store.transaction, work)
    assert [bank.bank_id for bank in await store.list_banks()] == ["before"]
    await store.close()


async def test_stores_of_one_file_share_transactions(path: str) -> None:
    writer, reader = SqliteBankStore(path), SqliteBankStore(path)
    assert writer.transaction_key() == reader.transaction_key()
    async with writer.transaction():
        await writer.create_bank(Bank(bank_id="together"))
        assert await reader.get_bank("together") is not None
    await writer.close()
    assert await reader.get_bank("together") is not None
    await reader.close()


async def test_in_memory_databases_are_private() -> None:
    one, two = SqliteBankStore(":memory:"), SqliteBankStore(":memory:")
    assert one.transaction_key() != two.transaction_key()
    await one.create_bank(Bank(bank_id="only-in-one"))
    assert await two.get_bank("only-in-one") is None
    await one.close()
    await two.close()


async def test_close_is_idempotent_and_health_then_says_unhealthy(path: str) -> None:
    store, neighbour = SqliteBankStore(path), SqliteBankStore(path)
    assert (await store.health()).healthy
    await store.close()
    await store.close()
    status = await store.health()
    assert status.healthy is False
    assert "closed" in (status.message or "")
    await neighbour.create_bank(Bank(bank_id="still-open"))
    assert await neighbour.get_bank("still-open") is not None
    await neighbour.close()
