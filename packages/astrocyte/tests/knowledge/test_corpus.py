"""The search benchmark's corpus is what the issue asks for: enough adapters, queries unlike the titles."""

from __future__ import annotations

from astrocyte.bench.knowledge import corpus
from astrocyte.knowledge.identity import normalise_title
from astrocyte.knowledge.markdown import parse_document


def test_the_corpus_has_40_adapters_and_120_queries_phrased_unlike_titles_and_patterns() -> None:
    documents, cases = corpus()
    adapters = [adapter for document in documents for adapter in parse_document(document)]
    assert len(adapters) >= 40
    assert len(cases) >= 120
    titles = {adapter.title for adapter in adapters}
    assert {case.title for case in cases} == titles
    patterns = {normalise_title(pattern) for adapter in adapters for pattern in adapter.activation_patterns}
    for case in cases:
        query = normalise_title(case.query)
        assert normalise_title(case.title) not in query, case
        assert query not in patterns, case
    assert len({normalise_title(case.query) for case in cases}) == len(cases)
