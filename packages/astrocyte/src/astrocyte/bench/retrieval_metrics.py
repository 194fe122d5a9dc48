"""Turn recall@k, turn hit@k and session hit@k, overall and per question category.

A system answers each question with ranked hits; each hit stands for one or more turns (a memory
that merged duplicate turns stands for all of them). The first ``k`` distinct turns count:
- turn recall@k: share of the question's evidence turns among them, averaged over questions;
- turn hit@k: share of questions with at least one evidence turn among them;
- session hit@k: share of questions with a turn from an evidence session among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from astrocyte.bench.locomo_data import CATEGORIES, Question, session_of

KS = (5, 10)
METRICS = tuple(f"{name}@{k}" for k in KS for name in ("recall", "hit", "session_hit"))


def top_turns(hits: Iterable[Sequence[str]], k: int) -> list[str]:
    """The first ``k`` distinct turns named by ``hits`` (each hit: the turns it stands for)."""
    seen: dict[str, None] = {}
    for turns in hits:
        for turn in turns:
            if len(seen) == k:
                return list(seen)
            seen.setdefault(turn, None)
    return list(seen)


def question_scores(question: Question, hits: Sequence[Sequence[str]]) -> dict[str, float]:
    """Every metric of :data:`METRICS` for one question's ranked hits."""
    scores: dict[str, float] = {}
    evidence = set(question.evidence)
    for k in KS:
        found = top_turns(hits, k)
        overlap = evidence.intersection(found)
        scores[f"recall@{k}"] = len(overlap) / len(evidence)
        scores[f"hit@{k}"] = 1.0 if overlap else 0.0
        scores[f"session_hit@{k}"] = 1.0 if question.sessions.intersection(map(session_of, found)) else 0.0
    return scores


@dataclass
class Scoreboard:
    """Per-question scores of one system, summarised overall and per category."""

    rows: list[tuple[int, dict[str, float]]] = field(default_factory=list)

    def add(self, question: Question, hits: Sequence[Sequence[str]]) -> None:
        self.rows.append((question.category, question_scores(question, hits)))

    def summary(self) -> dict[str, dict[str, float]]:
        """``{"overall" | category name: {metric: mean, "questions": n}}`` (categories with questions only)."""
        groups: dict[str, list[dict[str, float]]] = {"overall": [scores for _, scores in self.rows]}
        for category, name in CATEGORIES.items():
            chosen = [scores for found, scores in self.rows if found == category]
            if chosen:
                groups[name] = chosen
        return {name: _means(rows) for name, rows in groups.items() if rows}


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    means = {metric: sum(row[metric] for row in rows) / len(rows) for metric in METRICS}
    return means | {"questions": float(len(rows))}
