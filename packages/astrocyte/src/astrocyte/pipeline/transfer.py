"""A bank as JSON Lines: export it, import it elsewhere (or again: importing is idempotent).

The first line is a header: ``{"format": "astrocyte.bank", "version": 1, "bank_id", "exported_at",
"vectors", "dimensions", "description", "metadata", "created_at"}``. Every other line is one memory
with every field of its vector item: ``id``, ``text``, ``tags``, ``metadata`` (including the
engine's reserved ``_source``), ``fact_type``, ``occurred_at``, ``retained_at`` (ISO 8601),
``memory_layer``, ``chunk_id``, and ``vector`` when vectors are exported, with ``own_vector`` for a
memory that has one (its own embedding beside a contextual ``vector``, see ``VectorItem``).

Both directions stream: export pages through ``list_vectors`` into a temporary file that replaces
``path`` when complete; import reads the file twice, once to check every line (a bad file writes
nothing, and the error names the line and field) and once to write ``PAGE_SIZE`` memories at a time.
Memories keep their ids, times and metadata, so importing a file twice changes nothing the second
time, and exporting an imported bank gives the same lines (vectors as the store returns them:
stores may keep vectors unit-length and float32). Without vectors in the file, texts are embedded by
the configured embedder. Graph rows are derived again from the texts by the configured extractor.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from astrocyte.errors import ValidationError
from astrocyte.pipeline.abilities import PAGE_SIZE, vector_pages
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.entities import graph_rows
from astrocyte.pipeline.records import mirror_document
from astrocyte.pipeline.writes import MemoryRows
from astrocyte.types import Bank, VectorItem
from astrocyte.validation import check_bank_id

FORMAT = "astrocyte.bank"
VERSION = 1
_MEMORY_FIELDS = (
    "id",
    "text",
    "tags",
    "metadata",
    "fact_type",
    "occurred_at",
    "retained_at",
    "memory_layer",
    "chunk_id",
)
_TIME_FIELDS = ("occurred_at", "retained_at")


async def export_bank(ctx: EngineContext, bank_id: str, path: str | os.PathLike[str], *, vectors: bool) -> int:
    """Write the bank to ``path``; returns how many memories were exported."""
    check_bank_id(bank_id)
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    record = await ctx.banks.get_bank(bank_id) if ctx.banks is not None else None
    exported = 0
    try:
        out = partial.open("w", encoding="utf-8")
    except OSError as problem:
        raise ValidationError("path", f"cannot write {partial}: {problem.strerror or problem}") from None
    async with ctx.writer.session(bank_id, compensate=False):  # nothing is written meanwhile
        with out:
            out.write(_line(_header(ctx, bank_id, record, vectors)))
            async for page in vector_pages(ctx.vectors, bank_id):
                for item in page:
                    out.write(_line(_memory_line(item, vectors)))
                exported += len(page)
    partial.replace(target)
    return exported


async def import_bank(ctx: EngineContext, path: str | os.PathLike[str], bank_id: str | None) -> int:
    """Load the file at ``path`` into ``bank_id`` (default: the bank it was exported from)."""
    source = Path(path)
    header = _checked_file(ctx, source)
    target = check_bank_id(bank_id if bank_id is not None else header.bank.bank_id)
    imported = 0
    async with ctx.writer.session(target, compensate=False) as session:
        for batch in _batches(source):
            texts = [str(line["text"]) for _, line in batch]
            embedded = None if header.vectors else await ctx.embedder.embed(texts)
            items = [
                _vector_item(line, number, target, line["vector"] if embedded is None else embedded[position])
                for position, (number, line) in enumerate(batch)
            ]
            mentions = await ctx.extractor.mentions(texts)
            await session.write(
                MemoryRows(
                    items=items,
                    documents=[mirror_document(item) for item in items],
                    graph=graph_rows([item.id for item in items], mentions),
                )
            )
            imported += len(items)
        if ctx.banks is not None:
            await ctx.banks.ensure_bank(replace(header.bank, bank_id=target))
    return imported


@dataclass(frozen=True)
class _Header:
    """The exported bank's record (as far as the file has it) and whether lines carry vectors."""

    bank: Bank
    vectors: bool
    dimensions: int | None


def _header(ctx: EngineContext, bank_id: str, record: Bank | None, vectors: bool) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "bank_id": bank_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "vectors": vectors,
        "dimensions": ctx.embedder.dimensions() if vectors else None,
        "description": None if record is None else record.description,
        "metadata": None if record is None else record.metadata,
        "created_at": None if record is None or record.created_at is None else record.created_at.isoformat(),
    }


def _memory_line(item: VectorItem, vectors: bool) -> dict[str, Any]:
    line: dict[str, Any] = {name: getattr(item, name) for name in _MEMORY_FIELDS}
    for name in _TIME_FIELDS:
        line[name] = None if line[name] is None else line[name].isoformat()
    if vectors:
        line["vector"] = item.vector
        if item.own_vector is not None:
            line["own_vector"] = item.own_vector
    return line


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n"


def _checked_file(ctx: EngineContext, source: Path) -> _Header:
    """Every line checked before anything is written; returns the header."""
    header: _Header | None = None
    for number, line in _lines(source):
        if header is None:
            header = _parsed_header(line, number)
            _check_dimensions(ctx, number, header)
            continue
        _check_memory_keys(line, number, header.vectors)
        for key in ("vector", "own_vector") if header.vectors else ():
            if key in line and (not isinstance(line[key], list) or len(line[key]) != header.dimensions):
                raise ValidationError(f"line {number}.{key}", f"must be a list of {header.dimensions} numbers")
        # Everything but the vector is checked now; without vectors in the file, the texts are
        # embedded only while writing, so a one-component stand-in fills the vector here.
        _vector_item(line, number, header.bank.bank_id, line["vector"] if header.vectors else [0.0])
    if header is None:
        raise ValidationError(f"{source}", "is empty; an export starts with a header line")
    return header


def _parsed_header(line: dict[str, Any], number: int) -> _Header:
    if line.get("format") != FORMAT or line.get("version") != VERSION:
        raise ValidationError(
            f"line {number}", f"is not a header of format {FORMAT!r} version {VERSION}; is this an Astrocyte export?"
        )
    description = line.get("description")
    if description is not None and not isinstance(description, str):
        raise ValidationError(f"line {number}.description", f"must be a string, got {type(description).__name__}")
    try:
        bank = Bank(
            bank_id=line.get("bank_id"),  # type: ignore[arg-type]  # checked by Bank itself
            description=description,
            metadata=line.get("metadata"),
            created_at=_moment(line.get("created_at"), number, "created_at"),
        )
    except ValidationError as problem:
        raise ValidationError(f"line {number}.{problem.field}", problem.reason) from None
    dimensions = line.get("dimensions")
    vectors = line.get("vectors") is True
    return _Header(bank=bank, vectors=vectors, dimensions=dimensions if isinstance(dimensions, int) else None)


def _check_dimensions(ctx: EngineContext, number: int, header: _Header) -> None:
    if header.vectors and header.dimensions != ctx.embedder.dimensions():
        raise ValidationError(
            f"line {number}.dimensions",
            f"the file's vectors have {header.dimensions!r} dimensions but the embedder makes "
            f"{ctx.embedder.dimensions()}; import without vectors to embed the texts again",
        )


def _check_memory_keys(line: dict[str, Any], number: int, vectors: bool) -> None:
    allowed = (*_MEMORY_FIELDS, "vector", "own_vector") if vectors else _MEMORY_FIELDS
    for key in line:
        if key not in allowed:
            raise ValidationError(f"line {number}.{key}", f"unknown key; a memory line has {', '.join(allowed)}")
    for key in ("id", "text", *(("vector",) if vectors else ())):
        if key not in line:
            raise ValidationError(f"line {number}.{key}", "is required")


def _vector_item(line: dict[str, Any], number: int, bank_id: str, vector: Any) -> VectorItem:
    occurred_at = _moment(line.get("occurred_at"), number, "occurred_at")
    retained_at = _moment(line.get("retained_at"), number, "retained_at")
    try:
        return VectorItem(
            id=line["id"],
            bank_id=bank_id,
            vector=vector,
            text=line["text"],
            metadata=line.get("metadata"),
            tags=line.get("tags"),
            fact_type=line.get("fact_type"),
            occurred_at=occurred_at,
            memory_layer=line.get("memory_layer"),
            retained_at=retained_at,
            chunk_id=line.get("chunk_id"),
            own_vector=line.get("own_vector"),
        )
    except ValidationError as problem:
        raise ValidationError(f"line {number}.{problem.field}", problem.reason) from None


def _moment(value: Any, number: int, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(f"line {number}.{field}", f"must be an ISO 8601 date-time, got {value!r}") from None


def _lines(source: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of each non-blank line."""
    try:
        lines = source.open(encoding="utf-8")
    except OSError as problem:
        raise ValidationError("path", f"cannot read {source}: {problem.strerror or problem}") from None
    with lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as problem:
                raise ValidationError(f"line {number}", f"is not JSON: {problem.msg}") from None
            if not isinstance(data, dict):
                raise ValidationError(f"line {number}", f"must be a JSON object, got {type(data).__name__}")
            yield number, data


def _batches(source: Path) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The memory lines (after the header), ``PAGE_SIZE`` at a time."""
    batch: list[tuple[int, dict[str, Any]]] = []
    lines = _lines(source)
    next(lines)
    for numbered in lines:
        batch.append(numbered)
        if len(batch) == PAGE_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch
