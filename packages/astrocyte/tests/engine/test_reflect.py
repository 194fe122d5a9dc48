"""reflect: extractive answers without an LLM, generated ones with; citations always map to sources."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.pipeline.reflect import renumber_citations
from astrocyte.testing.openai_server import LocalOpenAIServer, RecordedRequest, ScriptedResponse
from astrocyte.types import MemoryHit

from .conftest import MakeEngine

Responder = Callable[[RecordedRequest], ScriptedResponse]

STORY = [
    "Alice adopted a grey cat named Pixel in January. Pixel sleeps on the piano.",
    "Bob adopted a dog called Rex. Rex hates the mailman.",
    "The piano was tuned last week by a technician from Lyon.",
    "Carol grows tomatoes on her balcony.",
]


def scripted_model(cite: str = "", entity: str = "", malformed: bool = False) -> Responder:
    """How the local OpenAI-compatible server answers, from the prompt the engine sent it.

    Reflect: it cites the numbered memory containing ``cite`` (and a number that names no memory).
    Entity extraction (asked with a JSON schema): each text containing ``entity`` names it, unless
    ``malformed`` is set, when it answers with something that is not JSON.
    """

    def answer(request: RecordedRequest) -> ScriptedResponse:
        prompt = str(request.body["messages"][-1]["content"])
        numbered = re.findall(r"^\[(\d+)\] (.*)$", prompt, flags=re.MULTILINE)
        if request.body.get("response_format") is not None:
            if malformed:
                return _chat("Sure! Here are the entities: Pixel, Rex")
            memories = [
                {"index": int(number), "entities": [{"name": entity, "type": "place"}] if entity in text else []}
                for number, text in numbered
            ]
            return _chat(json.dumps({"memories": memories}))
        [cited] = [number for number, text in numbered if cite in text]
        return _chat(f"It is in memory [{cited}], not in [99] .")

    return answer


def _chat(content: str) -> ScriptedResponse:
    message = {"role": "assistant", "content": content}
    return ScriptedResponse(body={"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})


async def engine_with_model(make_engine: MakeEngine, server: LocalOpenAIServer, **engine: Any) -> Astrocyte:
    settings = {"base_url": server.base_url, "model": "local-model", "backoff_seconds": 0.001}
    return await make_engine(llm_provider="openai", llm_provider_config=settings, **engine)


async def test_extractive_answer_quotes_the_relevant_sentences_and_cites_them(engine: Astrocyte) -> None:
    await engine.retain_many(STORY, "home")
    result = await engine.reflect("Where does Pixel the cat sleep?", "home")
    assert result.mode == "extractive"
    assert result.sources
    assert result.sources[0].text == STORY[0]
    assert "Pixel sleeps on the piano." in result.answer
    assert "tomatoes" not in result.answer
    for number, line in enumerate(result.answer.splitlines(), start=1):
        assert line.endswith(f"[{number}]")
        quoted = line.rsplit(" [", 1)[0]
        assert all(sentence in result.sources[number - 1].text for sentence in re.split(r"(?<=\.) ", quoted))
    assert len(result.answer.splitlines()) == len(result.sources)
    assert result.confidence is not None
    assert 0 < result.confidence <= 1


async def test_extractive_answer_respects_filters(engine: Astrocyte) -> None:
    await engine.retain("Pixel sleeps on the piano.", "home", tags=["cat"])
    await engine.retain("Rex sleeps on the sofa.", "home", tags=["dog"])
    result = await engine.reflect("Who sleeps where?", "home", tags=["dog"])
    assert [source.text for source in result.sources or []] == ["Rex sleeps on the sofa."]


async def test_reflect_without_memories_says_so_and_cites_nothing(engine: Astrocyte) -> None:
    result = await engine.reflect("Where does Pixel sleep?", "empty")
    assert result.sources == []
    assert result.confidence == 0.0
    assert result.mode == "extractive"
    assert "No memory" in result.answer


async def test_generated_answer_cites_sources_renumbered(make_engine: MakeEngine) -> None:
    """With an LLM, the model sees numbered memories; [n] in the answer is sources[n - 1]."""
    with LocalOpenAIServer(responder=scripted_model(cite="technician")) as server:
        engine = await engine_with_model(make_engine, server, engine={"retain": {"entity_extraction": "rules"}})
        await engine.retain_many(STORY, "home")
        result = await engine.reflect("Who tuned the piano?", "home")
        [request] = server.requests  # rules extracted the entities: the only call is the answer
    assert result.mode == "generated"
    assert result.answer == "It is in memory [1], not in."
    assert [source.text for source in result.sources or []] == [STORY[2]]
    prompt = request.body["messages"][-1]["content"]
    assert "Who tuned the piano?" in prompt
    assert f"] {STORY[2]}" in prompt


async def test_llm_entity_extraction_feeds_the_graph(make_engine: MakeEngine) -> None:
    """Entities the model names (here one the rules cannot see) are recalled through the graph."""
    with LocalOpenAIServer(responder=scripted_model(entity="big apple")) as server:
        engine = await engine_with_model(make_engine, server)
        await engine.retain_many(["We flew to the big apple for a long weekend.", "The weekend was rainy."], "trips")
        result = await engine.recall("big apple", "trips")
    assert [hit.text for hit in result.hits if "graph" in hit.strategies] == [
        "We flew to the big apple for a long weekend."
    ]


async def test_unusable_model_answers_fall_back_to_the_rules(
    make_engine: MakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with LocalOpenAIServer(responder=scripted_model(malformed=True)) as server:
        engine = await engine_with_model(make_engine, server)
        with caplog.at_level(logging.WARNING, logger="astrocyte"):
            await engine.retain("Alice met Bob in Lisbon.", "trips")
        result = await engine.recall("lisbon", "trips")
    assert "light rules" in caplog.text
    assert ["graph" in hit.strategies for hit in result.hits] == [True]


def _hit(text: str) -> MemoryHit:
    return MemoryHit(text=text, score=1.0, memory_id=text)


def test_citations_are_renumbered_by_first_use_and_dangling_ones_dropped() -> None:
    hits = [_hit("one"), _hit("two"), _hit("three")]
    answer, sources = renumber_citations("B [2], A [1, 3], again B [2] and nothing [7].", hits)
    assert answer == "B [1], A [2][3], again B [1] and nothing."
    assert [source.text for source in sources] == ["two", "one", "three"]
    assert renumber_citations("no citations at all", hits) == ("no citations at all", [])
