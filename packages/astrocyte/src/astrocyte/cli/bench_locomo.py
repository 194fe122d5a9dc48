"""The terminal table of ``astrocyte bench locomo`` and the parsing of its ``--set`` overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from astrocyte.cli.output import console
from astrocyte.errors import ValidationError

_SYSTEMS = {"astrocyte": "Astrocyte", "bm25": "BM25", "minilm_cosine": "MiniLM cosine", "rrf": "RRF(BM25, MiniLM)"}


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
    groups = list(systems["astrocyte"])
    table = Table(title=f"LoCoMo retrieval, {document['questions']} questions (categories 1-4)", title_justify="left")
    table.add_column("system")
    for column in ("recall@5", "recall@10", "hit@10", "session hit@10"):
        table.add_column(column, justify="right")
    for group in groups[1:]:
        table.add_column(f"{group} r@10", justify="right")
    for name, summary in systems.items():
        overall = summary["overall"]
        table.add_row(
            _SYSTEMS.get(name, name),
            *(f"{100 * overall[metric]:.1f}" for metric in ("recall@5", "recall@10", "hit@10", "session_hit@10")),
            *(f"{100 * summary[group]['recall@10']:.1f}" for group in groups[1:]),
        )
    console.print(table)
    recall = document["recall_ms"]
    console.print(
        f"retain: {document['turns']:,} turns in {document['retain_seconds']:.1f} s "
        f"({document['retain_per_second']:.1f}/s); recall p50 {recall['p50']:.1f} ms, p95 {recall['p95']:.1f} ms"
        + (
            " [dim](embedding cache on: latencies exclude the model for cached texts)[/dim]"
            if document["embedding_cache"]
            else ""
        )
    )
    console.print(f"report: {report}   chart: {chart}")
