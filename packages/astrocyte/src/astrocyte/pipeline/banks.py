"""Banks as units: create, list, describe, delete; the catalogue lives in the configured BankStore.

Deleting a bank empties it in every configured store (memories, documents and graph, and the wiki,
mental model, source and page-index stores, each through its ``delete_bank``) and removes its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from astrocyte.discovery import ProviderKind
from astrocyte.errors import NotFound
from astrocyte.pipeline.abilities import count_vectors
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.forget import forget_everything
from astrocyte.types import Bank, ForgetResult, Metadata
from astrocyte.validation import check_bank_id

#: Stores outside the memory pipeline that keep per-bank data and must be emptied with the bank.
_OTHER_BANK_STORES = (
    ProviderKind.WIKI_STORE,
    ProviderKind.MENTAL_MODEL_STORE,
    ProviderKind.SOURCE_STORE,
    ProviderKind.PAGEINDEX_STORE,
)


@dataclass(frozen=True)
class BankStats:
    """What a bank holds, with its record (``created_at`` etc. are ``None`` when it has none)."""

    bank_id: str
    memory_count: int
    created_at: datetime | None = None
    description: str | None = None
    metadata: Metadata | None = None


async def create_bank(
    ctx: EngineContext, bank_id: str, description: str | None, metadata: dict[str, Any] | None
) -> Bank:
    """Record a new bank; :class:`~astrocyte.errors.Conflict` (carrying the record) when it exists."""
    return await ctx.bank_store().create_bank(Bank(bank_id=bank_id, description=description, metadata=metadata))


async def list_banks(ctx: EngineContext) -> list[Bank]:
    return await ctx.bank_store().list_banks()


async def bank_stats(ctx: EngineContext, bank_id: str) -> BankStats:
    """The bank's memory count and record; :class:`~astrocyte.errors.NotFound` when it has neither."""
    check_bank_id(bank_id)
    record = await ctx.banks.get_bank(bank_id) if ctx.banks is not None else None
    memories = await count_vectors(ctx.vectors, bank_id)
    if record is None and memories == 0:
        raise NotFound(f"bank {bank_id!r} does not exist")
    if record is None:
        return BankStats(bank_id=bank_id, memory_count=memories)
    return BankStats(bank_id, memories, record.created_at, record.description, record.metadata)


async def delete_bank(ctx: EngineContext, bank_id: str) -> ForgetResult:
    """Empty the bank everywhere and drop its record; deleting a missing bank removes nothing."""
    check_bank_id(bank_id)
    async with ctx.writer.session(bank_id, compensate=False):
        removed = await forget_everything(ctx, bank_id)
        for kind in _OTHER_BANK_STORES:
            store = ctx.providers.get(kind)
            if store is not None:
                await store.delete_bank(bank_id)
        if ctx.banks is not None:
            await ctx.banks.delete_bank(bank_id)
    return ForgetResult(deleted_count=removed)
