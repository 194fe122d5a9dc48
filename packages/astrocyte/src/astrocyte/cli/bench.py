"""``astrocyte bench``: the benchmarks, each figure beside a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from astrocyte.cli.bench_locomo import engine_overrides, render_locomo, render_locomo_fit
from astrocyte.cli.output import JsonOption, console, emit, reported_errors

bench_app = typer.Typer(help="Benchmarks; each prints our figure beside a baseline measured in the same run.")


def _reported(document: dict[str, Any], report: Path | None) -> dict[str, Any]:
    """``document``, also written to ``report`` when one is asked for."""
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return document


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
    document = _reported(figures.to_json(), report)

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
        columns = ("bank size", "astrocyte p50", "p95", "raw p50", "p95", "astrocyte / raw", "naive p50", "/ naive")
        for column in columns:
            recall.add_column(column, justify="right")
        for row in figures.recall:
            recall.add_row(
                f"{row.bank_size:,}",
                f"{row.astrocyte.p50_ms:.2f} ms",
                f"{row.astrocyte.p95_ms:.2f} ms",
                f"{row.raw.p50_ms:.2f} ms",
                f"{row.raw.p95_ms:.2f} ms",
                f"{row.overhead:.2f}x",
                f"{row.naive.p50_ms:.2f} ms",
                f"{row.naive_overhead:.2f}x",
            )
        check = Table(title="near-duplicate check, 1000 near duplicates (0.95-0.99)", title_justify="left")
        for column in ("bank size", "threshold query", "exact product", "missed"):
            check.add_column(column, justify="right")
        for probe in figures.near_duplicates:
            check.add_row(
                f"{probe.bank_size:,}", f"{probe.threshold_ms:.1f} ms", f"{probe.exact_ms:.1f} ms", f"{probe.missed}"
            )
        console.print(retain)
        console.print(check)
        console.print(recall)
        parallel = document["parallelism"]
        console.print(
            "[dim]recall raw = the same store work done bare: the query embedded, numpy top-k over the same "
            "vectors and the store's FTS5 statements on a bare table of the same texts (k = the candidates a recall "
            "leg fetches), the found rows' texts read; with the store's parallelism (the product split across "
            f"{parallel['scoring_threads']} threads from {parallel['split_rows']:,} rows, the top-k beside the FTS5 "
            f"statements from {parallel['threaded_search_rows']:,}); naive = numpy top-10 and one unbounded FTS5 "
            "MATCH ... ORDER BY bm25 LIMIT 10[/dim]"
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
    document = _reported(figures.to_json(), report)
    emit(
        document,
        as_json,
        lambda _: console.print(
            f"MiniLM, {figures.memories} memories in batches of 64: retain_many {figures.retain_per_second:,.1f}/s, "
            f"raw embedding {figures.embed_per_second:,.1f}/s, raw / retain = {figures.overhead:.2f}x"
        ),
    )


@bench_app.command("knowledge")
def knowledge_bench(
    adapters: Annotated[
        int | None, typer.Option(min=2, help="Measure on the first N adapters only (default: the whole corpus).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the figures to this JSON file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Search quality (top-1, top-3) and p50 latency of knowledge activate beside plain BM25 and plain dense."""
    from astrocyte.bench import knowledge

    with reported_errors(as_json):
        figures = asyncio.run(knowledge.run(adapters))
    document = _reported(figures.to_json(), report)

    def render(_: object) -> None:
        table = Table(
            title=f"activate: {figures.adapters} adapters, {figures.queries} queries (MiniLM, embedded default)",
            title_justify="left",
        )
        for column in ("method", "top-1", "top-3", "p50", "p95"):
            table.add_column(column, justify="right")
        for name, quality in (
            ("hybrid activate", figures.hybrid),
            ("plain BM25", figures.bm25),
            ("plain dense", figures.dense),
        ):
            table.add_row(
                name,
                f"{quality.top1:.1%}",
                f"{quality.top3:.1%}",
                f"{quality.latency.p50_ms:.1f} ms",
                f"{quality.latency.p95_ms:.1f} ms",
            )
        console.print(table)
        console.print(f"[dim]trained {figures.adapters} adapters in {figures.train_seconds:.1f} s (one batch)[/dim]")
        for miss in figures.misses:
            console.print(f"[dim]miss: {miss['query']!r} -> {miss['got']!r} (expected {miss['expected']!r})[/dim]")

    emit(document, as_json, render)


@bench_app.command("rest")
def rest_bench(
    size: Annotated[int, typer.Option(min=100, help="Memories in the bank.")] = 10_000,
    queries: Annotated[int, typer.Option(min=20, help="Recall requests in all.")] = 1000,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent HTTP clients.")] = 20,
    report: Annotated[Path | None, typer.Option(help="Also write the figures to this JSON file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """REST recall p50/p95 under concurrent clients (astrocyte serve) beside in-process recall."""
    from astrocyte.bench import rest

    with reported_errors(as_json):
        figures = rest.run(size, queries, clients)
    document = _reported(figures.to_json(), report)
    emit(
        document,
        as_json,
        lambda _: console.print(
            f"recall, top 10, {figures.bank_size:,} memories: REST under {figures.clients} clients "
            f"p50 {figures.rest.p50_ms:.2f} ms, p95 {figures.rest.p95_ms:.2f} ms; one client alone p50 "
            f"{figures.rest_one_client.p50_ms:.2f} ms; in-process p50 "
            f"{figures.in_process.p50_ms:.2f} ms, p95 {figures.in_process.p95_ms:.2f} ms; "
            f"REST p50 / in-process p50 = {figures.overhead:.2f}x"
        ),
    )


#: The options ``bench locomo`` and ``bench locomo-fit`` share.
CacheOption = Annotated[
    Path | None,
    typer.Option(help="Keep MiniLM embeddings in this folder between runs (recall latency then excludes the model)."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override an engine setting for this run, e.g. --set recall.rrf_k=30 (JSON value)."),
]


@bench_app.command("locomo")
def locomo_bench(
    data: Annotated[Path, typer.Option(help="A JSON file in the LoCoMo format (the project ships none).")],
    report: Annotated[
        Path, typer.Option(help="Where to write the JSON report; the PNG chart goes beside it (.png).")
    ] = Path("reports/bench-locomo.json"),
    cache: CacheOption = None,
    setting: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn recall@5/@10, turn and session hit@10 per LoCoMo category, beside BM25, MiniLM cosine and their RRF."""
    from astrocyte.bench import locomo
    from astrocyte.bench.locomo_chart import write_chart

    with reported_errors(as_json):
        overrides = engine_overrides(setting or [])
        figures = asyncio.run(locomo.run(data, cache, overrides))
        document = _reported(figures.to_json(), report)
        chart = write_chart(document, report.with_suffix(".png"))
    emit(document, as_json, lambda _: render_locomo(document, report, chart))


@bench_app.command("locomo-fit")
def locomo_fit(
    data: Annotated[Path, typer.Option(help="A JSON file in the LoCoMo format with at least two samples.")],
    report: Annotated[Path, typer.Option(help="Where to write the JSON report.")] = Path("reports/locomo-fit.json"),
    cache: CacheOption = None,
    setting: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refit score fusion's feature weights; prints held-out (leave one conversation out) and in-sample figures."""
    from astrocyte.bench import locomo_fit as fitting

    with reported_errors(as_json):
        figures = asyncio.run(fitting.run(data, cache, engine_overrides(setting or [])))
        document = _reported(figures.to_json(), report)
    emit(document, as_json, lambda _: render_locomo_fit(document, report))
