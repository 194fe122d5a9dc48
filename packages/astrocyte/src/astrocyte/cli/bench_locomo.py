"""The terminal tables of ``astrocyte bench locomo`` and ``locomo-fit`` and the parsing of ``--set``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from astrocyte.cli.output import console
from astrocyte.errors import ValidationError

_SYSTEMS = {"astrocyte": "Astrocyte", "bm25": "BM25", "minilm_cosine": "MiniLM cosine", "rrf": "RRF"}


def engine_overrides(settings: list[str]) -> dict[str, Any]:
    """``["recall.rrf_k=30", ...]`` as a nested partial ``engine:`` section (values read as JSON, else text)."""
    overrides: dict[str, Any] = {}
    for setting in settings:
        key, separator, raw = setting.partition("=")
        if not separator or not key.strip():
            raise ValidationError("--set", f"{setting!r} is not KEY=VALUE (e.g. recall.rrf_k=30)")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        *parents, leaf = key.strip().split(".")
        node = overrides
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return overrides


def render_locomo(document: dict[str, Any], report: Path, chart: Path) -> None:
    systems: dict[str, dict[str, dict[str, float]]] = document["systems"]
    overall = Table(title=f"LoCoMo retrieval, {document['questions']} questions (categories 1-4)", title_justify="left")
    overall.add_column("system")
    for column in ("turn recall@5", "turn recall@10", "turn hit@10", "session hit@10"):
        overall.add_column(column, justify="right")
    for name, summary in systems.items():
        figures = summary["overall"]
        overall.add_row(
            _SYSTEMS.get(name, name),
            *(f"{100 * figures[metric]:.1f} %" for metric in ("recall@5", "recall@10", "hit@10", "session_hit@10")),
        )
    groups = [group for group in systems["astrocyte"] if group != "overall"]
    per_category = Table(title="turn recall@10 per category", title_justify="left")
    per_category.add_column("system")
    for group in groups:
        per_category.add_column(f"{group} ({int(systems['astrocyte'][group]['questions'])})", justify="right")
    for name, summary in systems.items():
        per_category.add_row(
            _SYSTEMS.get(name, name), *(f"{100 * summary[group]['recall@10']:.1f} %" for group in groups)
        )
    console.print(overall)
    console.print(per_category)
    recall = document["recall_ms"]
    console.print(
        f"retain: {document['turns']:,} turns in {document['retain_seconds']:.1f} s "
        f"({document['retain_per_second']:.1f}/s); recall p50 {recall['p50']:.1f} ms, p95 {recall['p95']:.1f} ms"
    )
    raw = document["baselines_recall_ms"]
    console.print(
        f"[dim]baselines (query embedded, then BM25, cosine and RRF in numpy): "
        f"p50 {raw['p50']:.1f} ms, p95 {raw['p95']:.1f} ms[/dim]"
    )
    if document["embedding_cache"]:
        console.print("[dim]embedding cache on: latencies exclude the model for texts already cached[/dim]")
    console.print(f"report: {report}   chart: {chart}")


_FITS = {"configured": "configured weights", "held_out": "refit, held out", "in_sample": "refit, in sample"}


def render_locomo_fit(document: dict[str, Any], report: Path) -> None:
    table = Table(
        title=f"score fusion weights on {document['questions']} questions, {document['samples']} conversations",
        title_justify="left",
    )
    table.add_column("weights")
    for column in ("turn recall@5", "turn recall@10", "multi-hop recall@10", "session hit@10"):
        table.add_column(column, justify="right")
    for name, summary in document["systems"].items():
        figures = [summary["overall"]["recall@5"], summary["overall"]["recall@10"]]
        figures.append(summary.get("multi-hop", {}).get("recall@10", 0.0))
        figures.append(summary["overall"]["session_hit@10"])
        table.add_row(_FITS.get(name, name), *(f"{100 * value:.1f} %" for value in figures))
    console.print(table)
    console.print("engine:\n  recall:\n    feature_weights:")
    for name, value in document["feature_weights"].items():
        console.print(f"      {name}: {value}")
    console.print(f"report: {report}")
