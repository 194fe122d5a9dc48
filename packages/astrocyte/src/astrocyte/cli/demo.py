"""``astrocyte demo``: the story, recalled and reflected on, rendered for people."""

from __future__ import annotations

import asyncio

from rich.table import Table

from astrocyte.cli.output import console, reported_errors
from astrocyte.types import RecallResult


def demo() -> None:
    """Retain a short story on the embedded default and show recall and reflect (no server, no key)."""
    from astrocyte.demo import run_demo

    with reported_errors():
        run = asyncio.run(run_demo())
    console.print(
        f"[bold]Astrocyte demo[/bold]: {run.retained} memories retained into bank 'alice' "
        f"(SQLite at {run.database}, local MiniLM embeddings; removed after the demo)\n"
    )
    for question, result in run.recalls:
        _print_recall(f"recall “{question}”", result)
    _print_recall("bank isolation: the same question in bank 'bob'", run.isolation)
    console.print(f"[bold]reflect[/bold] “What are Alice's outdoor plans?” [dim]({run.reflection.mode})[/dim]")
    console.print(f"  {run.reflection.answer}")
    for number, source in enumerate(run.reflection.sources or [], start=1):
        console.print(f"  [dim][{number}] {source.text}[/dim]")


def _print_recall(title: str, result: RecallResult) -> None:
    table = Table(title=title, title_justify="left", show_header=True)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("memory")
    table.add_column("found by")
    for rank, hit in enumerate(result.hits, start=1):
        found_by = ", ".join(f"{name} #{position}" for name, position in hit.strategies.items())
        table.add_row(str(rank), f"{hit.score:.3f}", hit.text, found_by)
    if not result.hits:
        table.add_row("", "", "[dim]nothing: no memory of this bank matches[/dim]", "")
    console.print(table)
    if result.trace is not None:
        timings = ", ".join(f"{name} {ms:.1f} ms" for name, ms in result.trace.strategy_timings_ms.items())
        console.print(f"[dim]  {result.trace.fusion_method}; {timings}[/dim]\n")
