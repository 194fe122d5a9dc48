"""The SQLite :class:`~astrocyte.spi.BankStore`: the catalogue of banks as one table of the shared file.

``create_bank`` and ``ensure_bank`` read and insert inside one write transaction (``BEGIN
IMMEDIATE`` takes the file's write lock first), so two processes creating the same bank at once
end with one record: the second sees the first's row and conflicts, or returns it.
"""

from __future__ import annotations

import sqlite3

from astrocyte.stores.memory.banks import already_exists, stamped
from astrocyte.stores.sqlite._columns import record_columns, record_from_row
from astrocyte.stores.sqlite._store_base import SqliteStore
from astrocyte.types import Bank
from astrocyte.validation import check_bank_id

_COLUMNS = "bank_id, description, created_at, metadata"


def _bank(row: sqlite3.Row) -> Bank:
    return record_from_row(Bank, row, times=("created_at",))


class SqliteBankStore(SqliteStore):
    """Bank records in the ``banks`` table of the SQLite file at ``path``."""

    holds = "bank catalogue"

    async def create_bank(self, bank: Bank) -> Bank:
        with self.database.write():
            existing = self._find(check_bank_id(bank.bank_id))
            if existing is not None:
                raise already_exists(existing)
            return self._insert(bank)

    async def ensure_bank(self, bank: Bank) -> Bank:
        with self.database.write():
            existing = self._find(check_bank_id(bank.bank_id))
            return existing if existing is not None else self._insert(bank)

    def _insert(self, bank: Bank) -> Bank:
        record = stamped(bank)
        self.database.connection.execute(
            f"INSERT INTO banks ({_COLUMNS}) VALUES (:bank_id, :description, :created_at, :metadata)",
            record_columns(record, times=("created_at",)),
        )
        return record

    def _find(self, bank_id: str) -> Bank | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM banks WHERE bank_id = :bank_id", {"bank_id": bank_id})
        return _bank(rows[0]) if rows else None

    async def get_bank(self, bank_id: str) -> Bank | None:
        return self._find(check_bank_id(bank_id))

    async def list_banks(self) -> list[Bank]:
        return [_bank(row) for row in self._read(f"SELECT {_COLUMNS} FROM banks ORDER BY bank_id", {})]

    async def delete_bank(self, bank_id: str) -> bool:
        with self.database.write() as connection:
            removed = connection.execute("DELETE FROM banks WHERE bank_id = ?", (check_bank_id(bank_id),)).rowcount
        return removed > 0
