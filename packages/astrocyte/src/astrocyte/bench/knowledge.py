"""``astrocyte bench knowledge``: search quality and latency of ``activate`` on the embedded default.

The corpus (``bench/data/knowledge_corpus.yaml``, written for this project) holds 42 adapters on
varied topics and three queries each, phrased unlike the titles. Every adapter is trained into the
embedded default (SQLite in a temporary folder, MiniLM) in one call, so the corpus is embedded once,
in batches. Each query then runs through ``brain.knowledge.activate`` as a user's would (its own
query embedding, a store read, the hybrid ranking), timed end to end.

Two baselines are measured in the same run on the same texts and the same embedder: plain BM25
over each adapter's whole text (the same Okapi BM25 as the hybrid's keyword leg), and plain dense
retrieval (one MiniLM vector of each adapter's whole markdown, cosine with the query vector).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import numpy as np
import yaml

from astrocyte.bench.timing import Latency, time_each, time_each_async
from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.knowledge.search import HybridIndex, keyword_terms
from astrocyte.pipeline.wiring import default_config
from astrocyte.stores.sqlite import temporary_home


@dataclass(frozen=True)
class Quality:
    """Share of queries whose adapter ranked first, and within the first three; and latency."""

    top1: float
    top3: float
    latency: Latency


@dataclass(frozen=True)
class KnowledgeReport:
    adapters: int
    queries: int
    train_seconds: float
    hybrid: Quality
    bm25: Quality
    dense: Quality
    misses: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["embedder"] = "minilm (all-MiniLM-L6-v2, numpy)"
        return document


@dataclass(frozen=True)
class Case:
    query: str
    title: str


def corpus(adapters: int | None = None) -> tuple[list[str], list[Case]]:
    """The corpus as markdown documents (the first ``adapters`` of them, or all), and every query
    with the title it should find."""
    source = resources.files("astrocyte.bench").joinpath("data", "knowledge_corpus.yaml").read_text(encoding="utf-8")
    specs = yaml.safe_load(source)["adapters"][:adapters]
    documents = [_markdown(spec) for spec in specs]
    cases = [Case(query, spec["title"]) for spec in specs for query in spec["queries"]]
    return documents, cases


def _markdown(spec: dict[str, Any]) -> str:
    parts = [f"# {spec['title']}", "## Activation Patterns\n" + "\n".join(f"- {item}" for item in spec["patterns"])]
    for title, text, check in spec["steps"]:
        if check == "comment":
            contract: dict[str, Any] = {"type": "comment", "comment": {"min_length": 20}}
        elif check == "user_input":
            contract = {"type": "user_input", "user_input": {"prompt": f"Confirm: {title}"}}
        else:
            contract = {"type": "shell", "shell": {"cmd": check, "timeout_seconds": 60}}
        parts.append(f"## {title}\n\n{text}\n\n```json\n{json.dumps({'contract': contract})}\n```")
    parts.append(f"## Reward Signal\n\n{spec['reward']}")
    return "\n\n".join(parts) + "\n"


def _quality(rankings: list[list[str]], cases: list[Case], latency: Latency) -> Quality:
    top1 = sum(bool(ranking) and ranking[0] == case.title for ranking, case in zip(rankings, cases, strict=True))
    top3 = sum(case.title in ranking[:3] for ranking, case in zip(rankings, cases, strict=True))
    return Quality(top1 / len(cases), top3 / len(cases), latency)


async def run(adapters: int | None = None) -> KnowledgeReport:
    """Measure on the whole corpus, or on its first ``adapters`` (a quick smoke run)."""
    documents, cases = corpus(adapters)
    queries = [case.query for case in cases]
    with temporary_home(prefix="astrocyte-bench-"):
        async with Astrocyte(default_config()) as brain:
            embedder = brain.providers[ProviderKind.EMBEDDING_PROVIDER]
            await embedder.embed(["load the model outside every timing"])
            started = time.perf_counter()
            await brain.knowledge.train(documents)
            train_seconds = time.perf_counter() - started

            hybrid_rankings: list[list[str]] = []

            async def activate(query: str) -> None:
                result = await brain.knowledge.activate(query, limit=3, threshold=0.0)
                hybrid_rankings.append([choice.title for choice in result.choices])

            hybrid_latency = await time_each_async(activate, queries)

            stored = await brain.knowledge.store.find_adapters(brain.knowledge.access(None).readable_ids())
            titles = [adapter.title for adapter in stored]
            index = HybridIndex(stored)
            bm25_rankings: list[list[str]] = []

            def bm25(query: str) -> None:
                scores = index.keyword_scores(keyword_terms(query))
                bm25_rankings.append([titles[i] for i in np.argsort(-scores, kind="stable")[:3] if scores[i] > 0])

            bm25_latency = time_each(bm25, queries)

            by_title = {
                spec_title: document for spec_title, document in zip(_titles(documents), documents, strict=True)
            }
            whole = np.asarray(await embedder.embed([by_title[title] for title in titles]), dtype=np.float32)
            whole /= np.linalg.norm(whole, axis=1, keepdims=True)
            dense_rankings: list[list[str]] = []

            async def dense(query: str) -> None:
                [vector] = await embedder.embed([query])
                scores = whole @ np.asarray(vector, dtype=np.float32)
                dense_rankings.append([titles[i] for i in np.argsort(-scores, kind="stable")[:3]])

            dense_latency = await time_each_async(dense, queries)
    misses = [
        {"query": case.query, "expected": case.title, "got": ranking[0] if ranking else ""}
        for ranking, case in zip(hybrid_rankings, cases, strict=True)
        if not ranking or ranking[0] != case.title
    ]
    return KnowledgeReport(
        adapters=len(documents),
        queries=len(cases),
        train_seconds=train_seconds,
        hybrid=_quality(hybrid_rankings, cases, hybrid_latency),
        bm25=_quality(bm25_rankings, cases, bm25_latency),
        dense=_quality(dense_rankings, cases, dense_latency),
        misses=misses,
    )


def _titles(documents: list[str]) -> list[str]:
    return [document.split("\n", 1)[0].removeprefix("# ") for document in documents]


__all__ = ["KnowledgeReport", "Quality", "corpus", "run"]
