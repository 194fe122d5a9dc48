"""``astrocyte bench``: the benchmarks, each figure beside a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from astrocyte.cli.bench_locomo import engine_overrides, render_locomo
from astrocyte.cli.output import JsonOption, console, emit, reported_errors

bench_app = typer.Typer(help="Benchmarks; each prints our figure beside a baseline measured in the same run.")


@bench_app.command("engine")
def engine_bench(
    sizes: Annotated[str, typer.Option(help="Bank sizes to measure at, comma-separated.")] = "1000,10000,100000",
    queries: Annotated[int, typer.Option(min=10, help="Recall queries per size.")] = 200,
    report: Annotated[Path | None, typer.Option(help="Also write the figures to this JSON file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Retain throughput and recall latency on the embedded default (hashing embedder) vs raw numpy + FTS5."""
    from astrocyte.bench import engine

    with reported_errors(as_json):
        chosen = sorted({int(size) for size in sizes.split(",") if size.strip()})
        figures = asyncio.run(engine.run(chosen, queries))
    document = figures.to_json()
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(document, indent=2), encoding="utf-8")

    def render(_: object) -> None:
        retain = Table(title="retain_many (batches of 1000)", title_justify="left")
        for column in ("bank size", "retained", "astrocyte /s", "raw /s", "raw / astrocyte"):
            retain.add_column(column, justify="right")
        for step in figures.retain:
            retain.add_row(
                f"{step.bank_size:,}",
                f"{step.retained:,}",
                f"{step.astrocyte_per_second:,.0f}",
                f"{step.raw_per_second:,.0f}",
                f"{step.overhead:.2f}x",
            )
        recall = Table(title="recall, top 10", title_justify="left")
        for column in ("bank size", "astrocyte p50", "p95", "raw p50", "p95", "astrocyte / raw"):
            recall.add_column(column, justify="right")
        for row in figures.recall:
            recall.add_row(
                f"{row.bank_size:,}",
                f"{row.astrocyte.p50_ms:.2f} ms",
                f"{row.astrocyte.p95_ms:.2f} ms",
                f"{row.raw.p50_ms:.2f} ms",
                f"{row.raw.p95_ms:.2f} ms",
                f"{row.overhead:.2f}x",
            )
        console.print(retain)
        console.print(recall)
        console.print(
            "[dim]raw = the same embedder, a numpy top-k over the same vectors and one FTS5 query on a bare table[/dim]"
        )

    emit(document, as_json, render)


@bench_app.command("embedding")
def embedding_bench(
    count: Annotated[int, typer.Option(min=64, help="Sentences to embed and to retain.")] = 512,
    report: Annotated[Path | None, typer.Option(help="Also write the figures to this JSON file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """retain_many throughput with the MiniLM embedder beside raw MiniLM embedding of the same texts."""
    from astrocyte.bench import embedding

    with reported_errors(as_json):
        figures = asyncio.run(embedding.run(count))
    document = figures.to_json()
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(document, indent=2), encoding="utf-8")
    emit(
        document,
        as_json,
        lambda _: console.print(
            f"MiniLM, {figures.memories} memories in batches of 64: retain_many {figures.retain_per_second:,.1f}/s, "
            f"raw embedding {figures.embed_per_second:,.1f}/s, raw / retain = {figures.overhead:.2f}x"
        ),
    )


@bench_app.command("locomo")
def locomo_bench(
    data: Annotated[Path, typer.Option(help="A JSON file in the LoCoMo format (the project ships none).")],
    report: Annotated[
        Path, typer.Option(help="Where to write the JSON report; the PNG chart goes beside it (.png).")
    ] = Path("reports/bench-locomo.json"),
    cache: Annotated[
        Path | None,
        typer.Option(
            help="Keep MiniLM embeddings in this folder between runs (recall latency then excludes the model)."
        ),
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override an engine setting for this run, e.g. --set recall.rrf_k=30 (JSON value)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Turn recall@5/@10, turn and session hit@10 per LoCoMo category, beside BM25, MiniLM cosine and their RRF."""
    from astrocyte.bench import locomo
    from astrocyte.bench.locomo_chart import write_chart

    with reported_errors(as_json):
        overrides = engine_overrides(setting or [])
        figures = asyncio.run(locomo.run(data, cache, overrides))
        document = figures.to_json()
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(document, indent=2), encoding="utf-8")
        chart = write_chart(document, report.with_suffix(".png"))
    emit(document, as_json, lambda _: render_locomo(document, report, chart))
