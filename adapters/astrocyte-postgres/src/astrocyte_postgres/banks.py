"""The PostgreSQL :class:`~astrocyte.spi.BankStore`: the catalogue of banks as one table.

``create_bank`` and ``ensure_bank`` are one ``INSERT ... ON CONFLICT DO NOTHING`` each, so two
processes creating the same bank at once end with one record: the loser reads the winner's row.
"""

from __future__ import annotations

import asyncpg

from astrocyte.stores.memory.banks import already_exists, stamped
from astrocyte.types import Bank
from astrocyte.validation import check_bank_id
from astrocyte_postgres._store_base import PostgresStore, affected

_COLUMNS = "bank_id, description, created_at, metadata"


class PostgresBankStore(PostgresStore):
    """Bank records in the ``banks`` table of the schema."""

    holds = "bank catalogue"

    async def create_bank(self, bank: Bank) -> Bank:
        record, created = await self._insert(bank)
        if not created:
            raise already_exists(record)
        return record

    async def ensure_bank(self, bank: Bank) -> Bank:
        record, _ = await self._insert(bank)
        return record

    async def _insert(self, bank: Bank) -> tuple[Bank, bool]:
        """The bank's record and whether this call created it (tried again if the record it clashed
        with was deleted before it could be read)."""
        record = stamped(bank)
        check_bank_id(record.bank_id)
        while True:
            found = await self._insert_once(record)
            if found is not None:
                return found

    async def _insert_once(self, record: Bank) -> tuple[Bank, bool] | None:
        async with self.database.writing() as connection:
            inserted = await connection.fetchrow(
                f"INSERT INTO banks ({_COLUMNS}) VALUES ($1, $2, $3, $4) ON CONFLICT (bank_id) DO NOTHING "
                f"RETURNING {_COLUMNS}",
                record.bank_id,
                record.description,
                record.created_at,
                record.metadata,
            )
            if inserted is not None:
                return _bank(inserted), True
            existing = await connection.fetchrow(f"SELECT {_COLUMNS} FROM banks WHERE bank_id = $1", record.bank_id)
        return None if existing is None else (_bank(existing), False)

    async def get_bank(self, bank_id: str) -> Bank | None:
        check_bank_id(bank_id)
        async with self.database.reading() as connection:
            row = await connection.fetchrow(f"SELECT {_COLUMNS} FROM banks WHERE bank_id = $1", bank_id)
        return None if row is None else _bank(row)

    async def list_banks(self) -> list[Bank]:
        async with self.database.reading() as connection:
            rows = await connection.fetch(f"SELECT {_COLUMNS} FROM banks ORDER BY bank_id")
        return [_bank(row) for row in rows]

    async def delete_bank(self, bank_id: str) -> bool:
        check_bank_id(bank_id)
        async with self.database.writing() as connection:
            return affected(await connection.execute("DELETE FROM banks WHERE bank_id = $1", bank_id)) > 0


def _bank(row: asyncpg.Record) -> Bank:
    return Bank(**dict(row))
