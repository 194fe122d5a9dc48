"""The engine with the ``openai`` LLM provider, over real HTTP to the local OpenAI-compatible server:
entity extraction asks with a JSON schema, reflect answers from numbered memories with citations."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.testing.openai_server import LocalOpenAIServer, ScriptedResponse

from .conftest import MakeEngine


@pytest.fixture
def server() -> Iterator[LocalOpenAIServer]:
    with LocalOpenAIServer() as running:
        yield running


async def engine_on(server: LocalOpenAIServer, make_engine: MakeEngine) -> Astrocyte:
    settings = {"base_url": server.base_url, "model": "local-model", "backoff_seconds": 0.001}
    return await make_engine(llm_provider="openai", llm_provider_config=settings)


def chat_answer(content: str) -> ScriptedResponse:
    message = {"role": "assistant", "content": content}
    return ScriptedResponse(body={"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})


def entities_answer(*named: list[dict[str, str]]) -> ScriptedResponse:
    memories = [{"index": index, "entities": entities} for index, entities in enumerate(named, start=1)]
    return chat_answer(json.dumps({"memories": memories}))


async def test_retain_extracts_entities_with_the_model_and_reflect_cites(
    server: LocalOpenAIServer, make_engine: MakeEngine
) -> None:
    engine = await engine_on(server, make_engine)
    server.enqueue(entities_answer([{"name": "big apple", "type": "place"}], []))
    await engine.retain_many(["We flew to the big apple for a weekend.", "The weekend was rainy."], "trips")
    [extraction] = server.requests
    schema_request: dict[str, Any] = extraction.body["response_format"]
    assert schema_request["type"] == "json_schema"
    assert schema_request["json_schema"]["schema"]["required"] == ["memories"]
    assert "[1] We flew to the big apple" in extraction.body["messages"][-1]["content"]

    recalled = await engine.recall("big apple", "trips")
    assert [hit.text for hit in recalled.hits if "graph" in hit.strategies] == [
        "We flew to the big apple for a weekend."
    ]

    server.enqueue(chat_answer("It rained [2]; the trip was to New York [1]."))
    result = await engine.reflect("How was the trip to the big apple?", "trips")
    question = server.requests[-1].body["messages"][-1]["content"]
    numbered = dict(re.findall(r"^\[(\d+)\] (.*)$", question, flags=re.MULTILINE))
    assert result.mode == "generated"
    assert result.answer == "It rained [1]; the trip was to New York [2]."
    assert [source.text for source in result.sources or []] == [numbered["2"], numbered["1"]]


async def test_an_answer_without_the_schema_falls_back_to_the_rules(
    server: LocalOpenAIServer, make_engine: MakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's default JSON answer is not the schema's shape: the rules extract instead."""
    engine = await engine_on(server, make_engine)
    with caplog.at_level(logging.WARNING, logger="astrocyte"):
        await engine.retain("Alice met Bob in Lisbon.", "trips")
    assert "light rules" in caplog.text
    result = await engine.recall("lisbon", "trips")
    assert ["graph" in hit.strategies for hit in result.hits] == [True]
