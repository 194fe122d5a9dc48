"""The PNG of a LoCoMo report: turn recall@10 per category, our engine beside each baseline.

matplotlib is an optional dependency (the core's ``bench`` extra); without it the chart is skipped
with a message that says how to install it, and the JSON report is still written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from astrocyte.errors import ConfigError

LABELS = {"astrocyte": "Astrocyte", "bm25": "BM25", "minilm_cosine": "MiniLM cosine", "rrf": "BM25 + MiniLM (RRF)"}
METRIC = "recall@10"


def write_chart(report: dict[str, Any], path: Path) -> Path:
    """Draw ``report``'s per-category recall@10 bars to ``path`` (PNG); returns ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise ConfigError("the chart needs matplotlib: pip install 'astrocyte[bench]'") from None
    systems: dict[str, dict[str, dict[str, float]]] = report["systems"]
    groups = list(next(iter(systems.values())))
    width = 0.8 / len(systems)
    figure, axes = pyplot.subplots(figsize=(10, 5), dpi=120)
    for offset, (name, summary) in enumerate(systems.items()):
        positions = [group + offset * width - 0.4 + width / 2 for group in range(len(groups))]
        values = [100 * summary[group][METRIC] for group in groups]
        bars = axes.bar(positions, values, width, label=LABELS.get(name, name))
        axes.bar_label(bars, fmt="%.0f", fontsize=7)
    axes.set_xticks(
        range(len(groups)), [f"{group}\n({int(systems['astrocyte'][group]['questions'])} q)" for group in groups]
    )
    axes.set_ylabel("turn recall@10 (%)")
    axes.set_ylim(0, 100)
    axes.set_title(f"LoCoMo retrieval: {Path(report['data']).name}, {report['questions']} questions")
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return path
