"""retain and retain_many: normalise → validate → chunk → exact dedup → embed → extract → near dedup → write.

Everything of a call is validated (and chunked and hashed) before the first write. New chunks are
then embedded, searched for entities and looked up in the bank for near duplicates in batches
(``engine.retain.embed_batch_size`` chunks) before anything is written: that work suspends (a model
in a worker thread, a store read on a thread, perhaps an LLM over HTTP), and a database transaction
must not hold the write lock across it. Each batch is also checked for near duplicates among the
call's earlier batches then (numpy products, in a worker thread beside the next batch's embedding).
Writing happens in one session (:mod:`astrocyte.pipeline.writes`): one transaction when the stores
share one, or compensated on failure. (Two calls retaining near-identical new texts at the same
moment may therefore both keep theirs.)
Duplicates within the call are found across all its batches; the bank is looked up (exact and near)
only when the vector store does not report it empty before the call, which makes a first import
cost no searches. A call's vectors are held until it is written: split very large imports into
several calls (the CLI's ``import`` does, by ``--batch-size``).

Results, one per item: ``chunk_ids`` are the memory ids of the item's chunks in order (an existing
memory's id where a chunk was a duplicate), ``memory_id`` is the first; ``stored`` says whether the
item added any memory; ``deduplicated`` is set when none of its chunks was new.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from astrocyte.errors import ValidationError
from astrocyte.pipeline.abilities import declared_vector_count, ids_at_least
from astrocyte.pipeline.chunking import chunk_text
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.context_vectors import contextualise
from astrocyte.pipeline.dedup import CallDuplicates, content_id, stored_ids
from astrocyte.pipeline.embedding import Embeddings, embed_batch
from astrocyte.pipeline.entities import Mention, graph_rows
from astrocyte.pipeline.normalize import PreparedInput, prepare_input
from astrocyte.pipeline.records import mirror_fields, vector_metadata
from astrocyte.pipeline.writes import MemoryRows, WriteSession
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.types import Bank, RetainResult
from astrocyte.validation import check_bank_id
from astrocyte.vectors import FloatMatrix


@dataclass(frozen=True)
class _Chunk:
    memory_id: str
    text: str
    item: int
    position: int  # in the call's sequence of chunks: recall reads neighbours from it


async def retain_items(ctx: EngineContext, items: Sequence[object], bank_id: str, *, prefix: str) -> list[RetainResult]:
    """Retain ``items`` into ``bank_id``; ``prefix(i)`` names item ``i`` in errors (``items[i].``)."""
    check_bank_id(bank_id)
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ValidationError("items", f"must be a list of items, got {type(items).__name__}")
    prepared = _prepared(ctx, items, bank_id, prefix)
    chunks = _chunks(ctx, prepared)
    if not chunks:
        return []
    first_of: dict[str, _Chunk] = {}
    for chunk in chunks:
        first_of.setdefault(chunk.memory_id, chunk)
    target: dict[str, str] = {}  # memory id -> the id of the memory it duplicates
    bank_is_empty = await declared_vector_count(ctx.vectors, bank_id) == 0
    existing = set() if bank_is_empty else await stored_ids(ctx.documents, list(first_of), bank_id)
    candidates = [chunk for memory_id, chunk in first_of.items() if memory_id not in existing]
    # The slow, suspending work (the embedding model, an LLM extractor) happens before the write
    # session opens: a database transaction must not stay open, holding the write lock, across it.
    duplicates = _NearDuplicates.for_call(ctx, bank_id, bank_is_empty)
    batches = await _analysed(ctx, candidates, duplicates)
    _add_context(ctx, chunks, batches)
    call = uuid.uuid4().hex[:16]  # names this call in each memory's sequence
    async with ctx.writer.session(bank_id) as session:
        for batch in batches:
            target.update(await _write_batch(session, batch, prepared, call))
        if ctx.banks is not None:
            await ctx.banks.ensure_bank(Bank(bank_id=bank_id, description=_description(ctx, bank_id)))
    new = {chunk.memory_id for chunk in candidates if chunk.memory_id not in target}
    by_item: list[list[_Chunk]] = [[] for _ in prepared]
    for chunk in chunks:
        by_item[chunk.item].append(chunk)
    return [_result(index, own, first_of, target, new) for index, own in enumerate(by_item)]


def _prepared(ctx: EngineContext, items: Sequence[object], bank_id: str, prefix: str) -> list[PreparedInput]:
    bank = ctx.config.banks.get(bank_id)
    default_tags = [*ctx.config.defaults.tags, *(bank.tags if bank is not None else [])]
    limit = ctx.settings.retain.max_content_bytes
    return [
        prepare_input(item, prefix=prefix.format(index=index), max_content_bytes=limit, default_tags=default_tags)
        for index, item in enumerate(items)
    ]


def _chunks(ctx: EngineContext, prepared: Sequence[PreparedInput]) -> list[_Chunk]:
    settings = ctx.settings.retain
    texts = [
        (index, text)
        for index, item in enumerate(prepared)
        for text in chunk_text(item.content, settings.chunk_size, settings.chunk_overlap, settings.chunk_unit)
    ]
    return [_Chunk(content_id(text), text, index, position) for position, (index, text) in enumerate(texts)]


@dataclass
class _AnalysedBatch:
    """Chunks with their embeddings, the entities they mention and their near duplicates:
    ``{memory id: id of the stored or earlier memory it nearly duplicates}``."""

    chunks: list[_Chunk]
    embeddings: Embeddings
    mentions: list[list[Mention]]
    duplicates: dict[str, str]
    #: The vectors to store: the embeddings blended with their neighbours' (set by :func:`_add_context`).
    stored: FloatMatrix | None = None


async def _analysed(ctx: EngineContext, chunks: list[_Chunk], near: _NearDuplicates | None) -> list[_AnalysedBatch]:
    """Embed the chunks a batch at a time, extracting each batch's entities at once (a model embeds in
    its worker thread while the rules run here), and find each batch's near duplicates.

    A batch's near duplicates (a store read, on a thread for the SQLite store, then the products
    with the call's earlier batches, on a worker thread) are looked for while the next batch is
    embedded: at 100k memories the store read costs as much as the embedding, and both release the
    GIL in part. Batches are checked against each other in order.
    """
    size = ctx.settings.retain.embed_batch_size
    analysed: list[tuple[list[_Chunk], Embeddings, list[list[Mention]]]] = []
    checks: list[asyncio.Future[dict[str, str]]] = []
    try:
        for start in range(0, len(chunks), size):
            batch = chunks[start : start + size]
            texts = [chunk.text for chunk in batch]
            embeddings, mentions = await asyncio.gather(embed_batch(ctx.embedder, texts), ctx.extractor.mentions(texts))
            analysed.append((batch, embeddings, mentions))
            if near is not None:
                previous = checks[-1] if checks else None
                threaded = start + size < len(chunks)  # the next batch is embedded meanwhile
                checks.append(asyncio.ensure_future(near.duplicates(batch, embeddings, previous, threaded=threaded)))
        found = [await check for check in checks] if near is not None else [{} for _ in analysed]
    finally:  # after a failure, no check is left running unobserved
        for check in checks:
            check.cancel()
        await asyncio.gather(*checks, return_exceptions=True)
    return [_AnalysedBatch(*parts, duplicates) for parts, duplicates in zip(analysed, found, strict=True)]


def _add_context(ctx: EngineContext, chunks: list[_Chunk], batches: list[_AnalysedBatch]) -> None:
    """Blend each new chunk's vector with its neighbours in the call's order (duplicates included)."""
    settings = ctx.settings.retain
    if settings.context_window <= 0 or not batches:
        return
    all_vectors = np.concatenate([batch.embeddings.matrix for batch in batches])
    analysed = (chunk for batch in batches for chunk in batch.chunks)
    row_in_batches = {chunk.memory_id: row for row, chunk in enumerate(analysed)}
    sequence = [chunk.memory_id for chunk in chunks if chunk.memory_id in row_in_batches]
    matrix = all_vectors[[row_in_batches[memory_id] for memory_id in sequence]]
    blended = contextualise(matrix, settings.context_window, settings.context_weight, settings.context_decay)
    if blended is matrix:  # nothing to blend (a single chunk): each vector stays its own
        return
    row_of = {memory_id: row for row, memory_id in enumerate(sequence)}  # a repeated chunk: its last place
    for batch in batches:
        batch.stored = blended[[row_of[chunk.memory_id] for chunk in batch.chunks]]


async def _write_batch(
    session: WriteSession, batch: _AnalysedBatch, prepared: Sequence[PreparedInput], call: str
) -> dict[str, str]:
    """Write one analysed batch but its duplicates; returns ``{duplicate id: id it duplicates}``."""
    duplicates = batch.duplicates
    bank_id = session.bank_id
    kept = [position for position, chunk in enumerate(batch.chunks) if chunk.memory_id not in duplicates]
    retained_at = datetime.now(UTC)
    vectors = _vector_rows(batch, kept, prepared, bank_id, retained_at, call)
    rows = MemoryRows(
        items=vectors,
        documents=[
            mirror_fields(memory_id, text, metadata, tags, (occurred_at, retained_at))
            for memory_id, text, metadata, tags, occurred_at in zip(
                vectors.ids, vectors.texts, vectors.metadata, vectors.tags, vectors.occurred_at, strict=True
            )
        ],
        graph=graph_rows(vectors.ids, [batch.mentions[position] for position in kept]),
    )
    await session.write(rows)
    return duplicates


class _NearDuplicates:
    """Near-duplicate detection for one call: within the call, and in the bank unless it was empty."""

    def __init__(self, ctx: EngineContext, bank_id: str, threshold: float, bank_is_empty: bool) -> None:
        self._ctx, self._bank_id, self._threshold = ctx, bank_id, threshold
        self._search_bank = not bank_is_empty
        self._within_call = CallDuplicates(threshold)

    @classmethod
    def for_call(cls, ctx: EngineContext, bank_id: str, bank_is_empty: bool) -> _NearDuplicates | None:
        threshold = ctx.settings.retain.near_duplicate_threshold
        return None if threshold is None else cls(ctx, bank_id, threshold, bank_is_empty)

    async def duplicates(
        self,
        batch: list[_Chunk],
        embeddings: Embeddings,
        previous: asyncio.Future[dict[str, str]] | None,
        *,
        threaded: bool,
    ) -> dict[str, str]:
        """``{memory id: id of the memory it nearly duplicates}`` for the batch's duplicates: in the
        bank as committed before the call (the write session, which must not suspend, is not open
        yet), or earlier in the call (once the ``previous`` batch has been checked). ``threaded``
        compares within the call on a worker thread, for when there is other work to overlap."""
        in_bank = await self._in_bank(embeddings)
        if previous is not None:
            await previous
        if threaded:
            return await asyncio.to_thread(self._find, batch, embeddings.matrix, in_bank)
        return self._find(batch, embeddings.matrix, in_bank)

    async def _in_bank(self, embeddings: Embeddings) -> list[str | None]:
        """For each vector, a stored memory it nearly duplicates, from one search of the bank."""
        if not self._search_bank:
            return [None] * len(embeddings.matrix)
        return await ids_at_least(self._ctx.vectors, embeddings, self._bank_id, self._threshold)

    def _find(self, batch: list[_Chunk], matrix: FloatMatrix, in_bank: list[str | None]) -> dict[str, str]:
        ids = [chunk.memory_id for chunk in batch]
        in_call = self._within_call.check(ids, matrix, skip=[found is not None for found in in_bank])
        return {
            memory_id: found
            for memory_id, found in zip(ids, map(_first, in_bank, in_call), strict=True)
            if found is not None
        }


def _first(stored: str | None, earlier: str | None) -> str | None:
    return stored if stored is not None else earlier


def _vector_rows(
    batch: _AnalysedBatch,
    kept: list[int],
    prepared: Sequence[PreparedInput],
    bank_id: str,
    retained_at: datetime,
    call: str,
) -> VectorRows:
    """The ``kept`` chunks of a batch as new memories. With context, each also keeps its own vector:
    the bank's near-duplicate check compares those."""
    chunks = [batch.chunks[position] for position in kept]
    inputs = [prepared[chunk.item] for chunk in chunks]
    embedded = batch.embeddings.matrix.astype(np.float32, copy=False)
    return VectorRows(
        bank_id=bank_id,
        ids=[chunk.memory_id for chunk in chunks],
        texts=[chunk.text for chunk in chunks],
        metadata=[
            vector_metadata(item.metadata, item.source, f"{call}:{chunk.position}")
            for chunk, item in zip(chunks, inputs, strict=True)
        ],
        tags=[item.tags for item in inputs],
        occurred_at=[item.occurred_at for item in inputs],
        retained_at=retained_at,
        vectors=(embedded if batch.stored is None else batch.stored)[kept],
        own_vectors=None if batch.stored is None else embedded[kept],
        given=None if batch.embeddings.given is None else [batch.embeddings.given[position] for position in kept],
    )


def _result(
    index: int, own: list[_Chunk], first_of: dict[str, _Chunk], target: dict[str, str], new: set[str]
) -> RetainResult:
    resolved = [_resolve(chunk.memory_id, target) for chunk in own]
    stored = any(chunk.memory_id in new and first_of[chunk.memory_id].item == index for chunk in own)
    return RetainResult(stored=stored, memory_id=resolved[0], deduplicated=not stored, chunk_ids=resolved)


def _resolve(memory_id: str, target: dict[str, str]) -> str:
    seen = {memory_id}
    while memory_id in target and target[memory_id] not in seen:
        memory_id = target[memory_id]
        seen.add(memory_id)
    return memory_id


def _description(ctx: EngineContext, bank_id: str) -> str | None:
    bank = ctx.config.banks.get(bank_id)
    return None if bank is None else bank.description
