"""The memory commands: retain, import, recall, reflect, forget, export."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from astrocyte.cli.engine import ConfigOption, run_with_engine
from astrocyte.cli.output import JsonOption, console, emit, reported_errors
from astrocyte.cli.sources import ImportFormat, detect_format, read_csv, read_jsonl, read_texts
from astrocyte.engine import Astrocyte
from astrocyte.errors import ValidationError
from astrocyte.types import MemoryInput, Metadata, RecallResult, ReflectResult

BankArgument = Annotated[str, typer.Argument(help="The bank (several for recall: comma-separated, 'a,b').")]
TagOption = Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag (repeat for several).")]


def retain(
    bank: BankArgument,
    text: Annotated[str, typer.Argument(help="What to remember; '-' reads standard input.")],
    tag: TagOption = None,
    meta: Annotated[list[str] | None, typer.Option("--meta", "-m", help="Metadata as key=value (repeat).")] = None,
    occurred_at: Annotated[
        datetime | None, typer.Option(help="When it happened (ISO 8601).", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])
    ] = None,
    source: Annotated[str | None, typer.Option(help="Where it came from.")] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remember one piece of text in BANK."""
    with reported_errors(as_json):
        content = sys.stdin.read() if text == "-" else text
        metadata = _metadata(meta or [])
        result = run_with_engine(
            config,
            lambda engine: engine.retain(
                content, bank, tags=tag, metadata=metadata, occurred_at=occurred_at, source=source
            ),
        )

    def render(result: Any) -> None:
        if result.deduplicated:
            console.print(f"[yellow]already remembered[/yellow] as {result.memory_id}")
        else:
            console.print(f"[green]remembered[/green] {result.memory_id}")

    emit(result, as_json, render)


def import_memories(
    bank: BankArgument,
    path: Annotated[
        Path, typer.Argument(exists=True, help="A .jsonl, .csv, text/markdown file or folder, or an export.")
    ],
    format: Annotated[str, typer.Option(help="auto, jsonl, csv, text or export.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, help="Memories per retain_many call.")] = 256,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import memories into BANK from JSON Lines, CSV, text files, or an `astrocyte export` file."""
    with reported_errors(as_json):
        chosen = _checked_format(format, path)
        summary = run_with_engine(config, lambda engine: _import(engine, bank, path, chosen, batch_size, as_json))

    def render(summary: dict[str, Any]) -> None:
        console.print(
            f"[green]imported[/green] {summary['stored']} new memories into '{bank}'"
            f" ({summary['deduplicated']} already known, format {summary['format']})"
        )

    emit(summary, as_json, render)


def recall(
    bank: BankArgument,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="How many memories at most.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Stop adding memories past this many tokens.")] = None,
    tag: TagOption = None,
    all_tags: Annotated[bool, typer.Option("--all-tags", help="Memories must carry every --tag.")] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """The memories of BANK that best match QUERY."""
    banks = [part.strip() for part in bank.split(",") if part.strip()]
    with reported_errors(as_json):
        result = run_with_engine(
            config,
            lambda engine: engine.recall(
                query, banks=banks, limit=limit, max_tokens=max_tokens, tags=tag, tag_match="all" if all_tags else "any"
            ),
        )
    emit(result, as_json, _render_recall)


def reflect(
    bank: BankArgument,
    query: Annotated[str, typer.Argument(help="The question.")],
    tag: TagOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer QUERY from BANK's memories, citing them."""
    with reported_errors(as_json):
        result = run_with_engine(config, lambda engine: engine.reflect(query, bank, tags=tag))
    emit(result, as_json, _render_reflect)


def forget(
    bank: BankArgument,
    memory_id: Annotated[list[str] | None, typer.Option("--id", help="A memory id (repeat).")] = None,
    tag: TagOption = None,
    before: Annotated[
        datetime | None, typer.Option(help="Retained before (ISO 8601).", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every memory of the bank.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove memories from BANK in every store: by --id, --tag, --before, or --all."""
    if everything and not yes:
        typer.confirm(f"Forget every memory of '{bank}'?", abort=True)
    with reported_errors(as_json):
        result = run_with_engine(
            config,
            lambda engine: engine.forget(bank, memory_ids=memory_id, tags=tag, before=before, all=everything),
        )
    emit(result, as_json, lambda result: console.print(f"forgot {result.deleted_count} memories of '{bank}'"))


def export(
    bank: BankArgument,
    path: Annotated[Path, typer.Argument(help="The JSON Lines file to write.")],
    vectors: Annotated[bool, typer.Option(help="Include vectors (import then needs no embedding).")] = True,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write BANK to a JSON Lines file that `astrocyte import` reads back exactly."""
    with reported_errors(as_json):
        count = run_with_engine(config, lambda engine: engine.export_bank(bank, path, include_vectors=vectors))
    emit(
        {"bank_id": bank, "path": str(path), "memories": count},
        as_json,
        lambda _: console.print(f"exported {count} memories of '{bank}' to {path}"),
    )


# ------------------------------------------------------------------------------------ helpers


async def _import(
    engine: Astrocyte, bank: str, path: Path, chosen: ImportFormat, batch_size: int, quiet: bool
) -> dict[str, Any]:
    if chosen == "export":
        imported = await engine.import_bank(path, bank)
        return {"format": chosen, "stored": imported, "deduplicated": 0}
    reader = {"jsonl": read_jsonl, "csv": read_csv, "text": read_texts}[chosen]
    stored = deduplicated = 0
    with Progress(console=console, disable=quiet, transient=True) as progress:
        task = progress.add_task(f"importing {path.name}", total=None)
        for batch in _batches(reader(path), batch_size):
            results = await engine.retain_many(batch, bank)
            stored += sum(result.stored and not result.deduplicated for result in results)
            deduplicated += sum(result.deduplicated for result in results)
            progress.advance(task, len(batch))
    return {"format": chosen, "stored": stored, "deduplicated": deduplicated}


def _batches(items: Iterable[MemoryInput], size: int) -> Iterator[list[MemoryInput]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _checked_format(format: str, path: Path) -> ImportFormat:
    if format == "auto":
        return detect_format(path)
    if format not in ("jsonl", "csv", "text", "export"):
        raise ValidationError("--format", f"{format!r} is not one of auto, jsonl, csv, text, export")
    return format  # type: ignore[return-value]  # narrowed by the membership test above


def _metadata(pairs: list[str]) -> Metadata | None:
    metadata: Metadata = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise ValidationError("--meta", f"{pair!r} is not key=value")
        metadata[key] = value
    return metadata or None


def _render_recall(result: RecallResult) -> None:
    if not result.hits:
        console.print("[dim]no memories match[/dim]")
        return
    table = Table("#", "score", "memory", "bank", "found by")
    for rank, hit in enumerate(result.hits, start=1):
        found_by = ", ".join(f"{name}#{position}" for name, position in hit.strategies.items())
        table.add_row(str(rank), f"{hit.score:.3f}", hit.text, hit.bank_id or "", found_by)
    console.print(table)
    if result.trace is not None:
        timings = ", ".join(f"{name} {ms:.1f} ms" for name, ms in result.trace.strategy_timings_ms.items())
        console.print(f"[dim]{result.trace.fusion_method}: {timings}[/dim]")


def _render_reflect(result: ReflectResult) -> None:
    console.print(result.answer)
    console.print(f"[dim]({result.mode})[/dim]")
    for number, source in enumerate(result.sources or [], start=1):
        console.print(f"  [{number}] {source.text}")
