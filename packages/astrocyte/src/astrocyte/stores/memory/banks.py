"""The in-memory :class:`~astrocyte.spi.BankStore`: the catalogue of banks in one dictionary.

Bank records are tiny and there are few of them, so the store is a dict keyed by the exact
``bank_id`` (case and punctuation matter) holding private copies; listings sort on demand.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from datetime import UTC, datetime

from astrocyte.errors import Conflict
from astrocyte.stores.memory._health import healthy_since
from astrocyte.types import Bank, HealthStatus
from astrocyte.validation import check_bank_id


def stamped(bank: Bank) -> Bank:
    """A private copy of ``bank`` whose ``created_at`` is now when the caller left it empty."""
    return replace(bank, created_at=bank.created_at or datetime.now(UTC))


def already_exists(existing: Bank) -> Conflict:
    """The error of creating a bank that exists; it carries the existing record."""
    return Conflict(
        f"bank {existing.bank_id!r} already exists; use ensure_bank to reuse it or delete_bank first",
        existing=existing,
    )


class MemoryBankStore:
    """Bank records in a dictionary keyed by ``bank_id``."""

    SPI_VERSION = 1

    def __init__(self) -> None:
        self._banks: dict[str, Bank] = {}

    async def create_bank(self, bank: Bank) -> Bank:
        existing = self._banks.get(check_bank_id(bank.bank_id))
        if existing is not None:
            raise already_exists(copy.deepcopy(existing))
        return self._put(bank)

    async def ensure_bank(self, bank: Bank) -> Bank:
        existing = self._banks.get(check_bank_id(bank.bank_id))
        return copy.deepcopy(existing) if existing is not None else self._put(bank)

    def _put(self, bank: Bank) -> Bank:
        record = self._banks[bank.bank_id] = stamped(bank)
        return copy.deepcopy(record)

    async def get_bank(self, bank_id: str) -> Bank | None:
        return copy.deepcopy(self._banks.get(check_bank_id(bank_id)))

    async def list_banks(self) -> list[Bank]:
        return [copy.deepcopy(self._banks[bank_id]) for bank_id in sorted(self._banks)]

    async def delete_bank(self, bank_id: str) -> bool:
        return self._banks.pop(check_bank_id(bank_id), None) is not None

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        return healthy_since(started, f"in-memory bank store: {len(self._banks)} banks")
