"""forget: remove memories from every store, selected by id, tag, age or all at once.

Selectors combine as "and": ``memory_ids``, ``tags`` (any of them) and ``before`` (retained strictly
before that instant) each narrow the selection; ``everything`` takes the whole bank and excludes the
others. Tag and age selection reads the bank page by page through ``list_vectors`` (the SPI has no
filtered delete), then deletes the chosen ids from the vector, document and graph stores; forgetting
everything uses each store's ``delete_bank`` (the vector store's when it declares one). The count is
of memories removed from the vector store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from astrocyte.errors import ValidationError
from astrocyte.pipeline.abilities import delete_all_vectors, vector_pages
from astrocyte.pipeline.context import EngineContext
from astrocyte.types import ForgetResult, VectorItem
from astrocyte.validation import as_utc, check_bank_id, check_id, check_tags


async def forget(
    ctx: EngineContext,
    bank_id: str,
    *,
    memory_ids: Iterable[str] | None,
    tags: Iterable[str] | None,
    before: datetime | None,
    everything: bool,
) -> ForgetResult:
    check_bank_id(bank_id)
    ids = _checked_ids(memory_ids)
    wanted_tags = check_tags(tags, "tags")
    cutoff = as_utc(before, "before")
    selective = ids is not None or wanted_tags is not None or cutoff is not None
    if everything and selective:
        raise ValidationError("all", "forget everything, or select by memory_ids, tags or before; not both")
    if not everything and not selective:
        raise ValidationError("selector", "name what to forget: memory_ids, tags, before, or all=True")
    async with ctx.writer.session(bank_id, compensate=False):
        if everything:
            return ForgetResult(deleted_count=await forget_everything(ctx, bank_id))
        if wanted_tags is not None or cutoff is not None:
            ids = await _selected(ctx, bank_id, ids, set(wanted_tags or ()), cutoff)
        return ForgetResult(deleted_count=await _forget_ids(ctx, bank_id, ids or []))


async def forget_everything(ctx: EngineContext, bank_id: str) -> int:
    """Empty the bank in the vector, document and graph stores; returns the memories removed."""
    removed = await delete_all_vectors(ctx.vectors, bank_id)
    if ctx.documents is not None:
        await ctx.documents.delete_bank(bank_id)
    if ctx.graph is not None:
        await ctx.graph.delete_bank(bank_id)
    return removed


async def _forget_ids(ctx: EngineContext, bank_id: str, ids: list[str]) -> int:
    if not ids:
        return 0
    removed = await ctx.vectors.delete(ids, bank_id)
    if ctx.documents is not None:
        await ctx.documents.delete_documents(ids, bank_id)
    if ctx.graph is not None:
        await ctx.graph.delete_memories(ids, bank_id)
    return removed


async def _selected(
    ctx: EngineContext, bank_id: str, ids: list[str] | None, tags: set[str], cutoff: datetime | None
) -> list[str]:
    """Ids of the bank's memories meeting every given selector, read before anything is deleted."""
    allowed = None if ids is None else set(ids)

    def chosen(item: VectorItem) -> bool:
        if allowed is not None and item.id not in allowed:
            return False
        if tags and tags.isdisjoint(item.tags or ()):
            return False
        return cutoff is None or (item.retained_at is not None and item.retained_at < cutoff)

    return [item.id async for page in vector_pages(ctx.vectors, bank_id) for item in page if chosen(item)]


def _checked_ids(memory_ids: Iterable[str] | None) -> list[str] | None:
    if memory_ids is None:
        return None
    if isinstance(memory_ids, (str, bytes)):
        raise ValidationError("memory_ids", "must be a list of ids, not a single string; wrap it in a list")
    return [check_id(memory_id, f"memory_ids[{index}]") for index, memory_id in enumerate(memory_ids)]
