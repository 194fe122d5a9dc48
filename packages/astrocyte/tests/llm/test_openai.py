"""The ``openai`` provider over real HTTP against the local OpenAI-compatible server.

The LLMProvider contract runs first; then what only this provider promises: the exact wire format,
retries, typed errors that name the host and never the key, and tolerance of what local servers
leave out of their answers.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from astrocyte.discovery import ProviderKind, load_provider
from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.errors import (
    AstrocyteError,
    CapabilityNotSupported,
    ConfigError,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
)
from astrocyte.llm import openai as openai_module
from astrocyte.llm.openai import MAX_BACKOFF_SECONDS, OpenAIProvider, parse_retry_after, retry_delay
from astrocyte.testing.contracts.llm_provider import LLMProviderContract
from astrocyte.testing.openai_server import LocalOpenAIServer, ScriptedResponse
from astrocyte.types import ContentPart, Message, ToolCall, ToolDefinition

#: A key no real service issued, easy to spot in any text that leaks it.
KEY = "sk-test-LEAKCANARY-0123456789abcdef"

MakeProvider = Callable[..., OpenAIProvider]

_TOOL = ToolDefinition(
    name="search_notes",
    description="Search the user's notes.",
    parameters={"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
)


@pytest.fixture
def server() -> Iterator[LocalOpenAIServer]:
    with LocalOpenAIServer(embedding_dimensions=32) as running:
        yield running


@pytest.fixture
async def make_provider(server: LocalOpenAIServer) -> AsyncIterator[MakeProvider]:
    """Providers aimed at ``server`` with near-zero backoff, each closed after the test."""
    made: list[OpenAIProvider] = []

    def make(**settings: Any) -> OpenAIProvider:
        provider = OpenAIProvider(**{"base_url": server.base_url, "backoff_seconds": 0.001, **settings})
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


@pytest.fixture
def provider(make_provider: MakeProvider) -> OpenAIProvider:
    return make_provider(api_key=KEY, max_retries=2)


def _user(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


def _host(server: LocalOpenAIServer) -> str:
    return server.base_url.removeprefix("http://").removesuffix("/v1")


class TestOpenAIProviderContract(LLMProviderContract):
    @pytest.fixture
    def store(self, make_provider: MakeProvider) -> OpenAIProvider:
        return make_provider(api_key=KEY)


class TestOpenAIProviderOneTextPerBatchContract(LLMProviderContract):
    """Embeddings split into one request per text must still come back whole and in order."""

    @pytest.fixture
    def store(self, make_provider: MakeProvider) -> OpenAIProvider:
        return make_provider(embed_batch_size=1)


# ------------------------------------------------------------------------------------ wire format


async def test_chat_request_carries_model_messages_and_sampling(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    messages = [Message(role="system", content="Be brief."), Message(role="user", content="Hi there")]
    await provider.complete(messages, max_tokens=32, temperature=0.3)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.body == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}],
        "max_tokens": 32,
        "temperature": 0.3,
    }


async def test_model_argument_overrides_the_configured_model(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    completion = await provider.complete(_user("hello"), model="llama3.2")
    assert server.requests[0].body["model"] == "llama3.2"
    assert completion.model == "llama3.2"


async def test_authorization_is_sent_only_with_an_api_key(
    make_provider: MakeProvider, server: LocalOpenAIServer
) -> None:
    await make_provider(api_key=KEY, headers={"OpenAI-Organization": "org-1"}).complete(_user("a"))
    await make_provider().complete(_user("b"))
    await make_provider(api_key="").complete(_user("c"))
    with_key, without_key, blank_key = (request.headers for request in server.requests)
    assert with_key["authorization"] == f"Bearer {KEY}"
    assert with_key["openai-organization"] == "org-1"
    assert with_key["content-type"] == "application/json"
    assert "authorization" not in without_key
    assert "authorization" not in blank_key


async def test_tools_tool_choice_and_response_format_are_sent_in_openai_form(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}}
    await provider.complete(_user("find my notes"), tools=[_TOOL], tool_choice="required", response_format=schema)
    await provider.complete(_user("find my notes"), tools=[_TOOL], tool_choice="search_notes")
    forced, named = (request.body for request in server.requests)
    assert forced["tools"] == [
        {
            "type": "function",
            "function": {"name": "search_notes", "description": _TOOL.description, "parameters": _TOOL.parameters},
        }
    ]
    assert forced["tool_choice"] == "required"
    assert forced["response_format"] == schema
    assert named["tool_choice"] == {"type": "function", "function": {"name": "search_notes"}}
    assert "response_format" not in named


async def test_declared_missing_features_are_left_out_of_requests(
    make_provider: MakeProvider, server: LocalOpenAIServer
) -> None:
    """A server declared without tools or response formats never receives them (the SPI's "ignore")."""
    plain = make_provider(supports_tools=False, supports_response_format=False)
    completion = await plain.complete(
        _user("search_notes for tea"), tools=[_TOOL], tool_choice="auto", response_format={"type": "json_object"}
    )
    assert completion.tool_calls is None
    assert completion.text.endswith("search_notes for tea")
    assert set(server.requests[0].body) == {"model", "messages", "max_tokens", "temperature"}


async def test_refused_tools_name_the_setting_that_declares_them_missing(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    body = {"error": {"message": "this model does not support tools", "param": "tools"}}
    server.enqueue(ScriptedResponse(status=400, body=body))
    with pytest.raises(ValidationError) as raised:
        await provider.complete(_user("find"), tools=[_TOOL])
    assert raised.value.field == "tools"
    assert "llm_provider_config.supports_tools: false" in str(raised.value)


async def test_multimodal_parts_map_to_openai_content_parts(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    parts = [
        ContentPart(type="text", text="What is in these?"),
        ContentPart(type="image_url", image_url="https://example.org/cat.png"),
        ContentPart(type="image_base64", image_base64="iVBORw0KGgo=", media_type="image/jpeg"),
        ContentPart(type="audio_base64", audio_base64="UklGRg==", media_type="audio/wav"),
    ]
    await provider.complete([Message(role="user", content=parts)])
    assert server.requests[0].body["messages"][0]["content"] == [
        {"type": "text", "text": "What is in these?"},
        {"type": "image_url", "image_url": {"url": "https://example.org/cat.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,iVBORw0KGgo="}},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ]


@pytest.mark.parametrize(
    ("part", "error", "field"),
    [
        (ContentPart(type="text"), ValidationError, "messages[0].content[0].text"),
        (
            ContentPart(type="audio_base64", audio_base64="UklGRg=="),
            ValidationError,
            "messages[0].content[0].media_type",
        ),
        (ContentPart(type="audio_url", audio_url="https://example.org/a.wav"), CapabilityNotSupported, None),
    ],
)
async def test_unusable_content_parts_are_refused_before_sending(
    provider: OpenAIProvider, server: LocalOpenAIServer, part: ContentPart, error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as raised:
        await provider.complete([Message(role="user", content=[part])])
    assert getattr(raised.value, "field", None) == field
    assert server.requests == []


async def test_tool_turns_are_sent_with_json_arguments_and_call_ids(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    call = ToolCall(id="call_7", name="search_notes", arguments={"query": "tea", "limit": 3})
    messages = [
        Message(role="user", content="find tea notes"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content='["green tea"]', tool_call_id="call_7", name="search_notes"),
    ]
    await provider.complete(messages, tools=[_TOOL])
    _, assistant, tool = server.requests[0].body["messages"]
    (encoded,) = assistant.pop("tool_calls")
    assert json.loads(encoded["function"].pop("arguments")) == {"query": "tea", "limit": 3}
    assert encoded == {"id": "call_7", "type": "function", "function": {"name": "search_notes"}}
    assert assistant == {"role": "assistant", "content": None}
    assert tool == {"role": "tool", "content": '["green tea"]', "tool_call_id": "call_7", "name": "search_notes"}


async def test_tool_calls_are_parsed_with_decoded_arguments(provider: OpenAIProvider) -> None:
    completion = await provider.complete(_user("please search_notes for tea"), tools=[_TOOL])
    (call,) = completion.tool_calls or []
    assert call.name == "search_notes"
    assert call.arguments == {"query": "please search_notes for tea"}
    assert call.id.startswith("call_")
    assert completion.text == ""


_SECOND_TOOL = ToolDefinition(name="add_note", description="Save a note.", parameters={"type": "object"})


@pytest.mark.parametrize(
    ("prompt", "tool_choice", "called"),
    [
        ("please add_note: buy tea", "auto", "add_note"),
        ("nothing to do with tools", "auto", None),
        ("please add_note: buy tea", "none", None),
        ("nothing to do with tools", "required", "search_notes"),
        ("nothing to do with tools", "add_note", "add_note"),
    ],
)
async def test_local_server_calls_tools_as_a_model_would(
    provider: OpenAIProvider, prompt: str, tool_choice: str, called: str | None
) -> None:
    completion = await provider.complete(_user(prompt), tools=[_TOOL, _SECOND_TOOL], tool_choice=tool_choice)
    assert [call.name for call in completion.tool_calls or []] == ([called] if called else [])
    assert bool(completion.text) is (called is None)


async def test_answer_text_model_and_usage_are_parsed(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    completion = await provider.complete(_user("one two three"))
    assert completion.text.endswith("] one two three")
    assert completion.model == "gpt-4o-mini"
    assert completion.usage is not None
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (3, 4)
    assert completion.tool_calls is None


async def test_sparse_answers_of_local_servers_are_tolerated(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    """No usage, no model, content as parts, a tool call without id or arguments: all still parse."""
    message = {
        "role": "assistant",
        "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}],
        "tool_calls": [{"function": {"name": "search_notes"}}],
    }
    server.enqueue(ScriptedResponse(body={"choices": [{"message": message}]}))
    completion = await provider.complete(_user("hi"), model="qwen2.5")
    assert completion.text == "Hello there"
    assert completion.model == "qwen2.5"
    assert completion.usage is None
    assert completion.tool_calls == [ToolCall(id="call_0", name="search_notes", arguments={})]


async def test_embeddings_request_and_answer(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    texts = ["alpha beta", "gamma delta"]
    vectors = await provider.embed(texts, model="nomic-embed-text")
    (request,) = server.requests
    assert (request.path, request.body) == ("/v1/embeddings", {"model": "nomic-embed-text", "input": texts})
    assert vectors == HashingEmbedder(32).embed_matrix(texts).tolist()


async def test_embeddings_order_is_restored_from_index(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    expected = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    shuffled = [{"index": index, "embedding": expected[index]} for index in (2, 0, 1)]
    server.enqueue(ScriptedResponse(body={"data": shuffled}))
    assert await provider.embed(["a", "b", "c"]) == expected


async def test_embeddings_are_batched_and_stay_in_order(make_provider: MakeProvider, server: LocalOpenAIServer) -> None:
    texts = [f"text number {index}" for index in range(5)]
    vectors = await make_provider(embed_batch_size=2).embed(texts)
    assert [request.body["input"] for request in server.requests] == [texts[0:2], texts[2:4], texts[4:5]]
    assert vectors == HashingEmbedder(32).embed_matrix(texts).tolist()


async def test_empty_embed_sends_nothing(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    assert await provider.embed([]) == []
    assert server.requests == []


# ------------------------------------------------------------------------------------ retries


async def test_429_500_and_503_are_retried_until_an_answer(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    server.enqueue(
        ScriptedResponse(status=429, headers={"Retry-After": "0"}),
        ScriptedResponse(status=500),
    )
    assert (await provider.complete(_user("persist"))).text.endswith("persist")
    server.enqueue(ScriptedResponse(status=503), ScriptedResponse(status=502))
    assert await provider.embed(["x"]) == HashingEmbedder(32).embed_matrix(["x"]).tolist()
    assert len(server.requests) == 6


async def test_retry_after_is_honoured_and_backoff_grows(
    make_provider: MakeProvider, server: LocalOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(openai_module, "sleep", record)
    server.enqueue(
        ScriptedResponse(status=429, headers={"Retry-After": "7"}),
        ScriptedResponse(status=500),
        ScriptedResponse(status=500),
    )
    await make_provider(max_retries=3, backoff_seconds=1.0).complete(_user("wait"))
    assert waits[0] == 7.0
    assert 1.0 <= waits[1] <= 2.0  # the second attempt failed: backoff step 2 s, half of it jitter
    assert 2.0 <= waits[2] <= 4.0


async def test_no_retry_on_400(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    body = {"error": {"message": "context length exceeded", "param": "messages", "type": "invalid_request_error"}}
    server.enqueue(ScriptedResponse(status=400, body=body))
    with pytest.raises(ValidationError) as raised:
        await provider.complete(_user("too long"))
    assert raised.value.field == "messages"
    assert "context length exceeded" in str(raised.value)
    assert _host(server) in str(raised.value)
    assert len(server.requests) == 1


async def test_rate_limited_after_retries_carries_retry_after(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    server.enqueue(*[ScriptedResponse(status=429, headers={"Retry-After": "0.01"})] * 3)
    with pytest.raises(RateLimited) as raised:
        await provider.complete(_user("busy"))
    assert raised.value.retry_after == pytest.approx(0.01)
    assert _host(server) in str(raised.value)
    assert "3 attempts" in str(raised.value)
    assert len(server.requests) == 3


async def test_long_retry_after_ends_retries_at_once(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    server.enqueue(ScriptedResponse(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as raised:
        await provider.complete(_user("busy"))
    assert raised.value.retry_after == 120.0
    assert len(server.requests) == 1


async def test_server_errors_after_retries_are_provider_unavailable(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    failure = {"error": {"message": "model overloaded"}}
    server.enqueue(*[ScriptedResponse(status=503, body=failure)] * 3)
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.complete(_user("anyone there"))
    assert _host(server) in raised.value.backend
    assert "HTTP 503" in str(raised.value)
    assert "model overloaded" in str(raised.value)
    assert len(server.requests) == 3


async def test_timeouts_are_retried_then_provider_unavailable(
    make_provider: MakeProvider, server: LocalOpenAIServer
) -> None:
    server.enqueue(*[ScriptedResponse(delay_seconds=5.0)] * 2)
    with pytest.raises(ProviderUnavailable) as raised:
        await make_provider(timeout_seconds=0.05, max_retries=1).complete(_user("slow"))
    assert "timed out" in str(raised.value)
    assert "2 attempts" in str(raised.value)
    assert len(server.requests) == 2


async def test_a_timeout_then_an_answer_succeeds(make_provider: MakeProvider, server: LocalOpenAIServer) -> None:
    server.enqueue(ScriptedResponse(delay_seconds=5.0))
    completion = await make_provider(timeout_seconds=0.2, max_retries=1).complete(_user("second try"))
    assert completion.text.endswith("second try")


async def test_refused_connection_is_provider_unavailable_naming_the_host() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = OpenAIProvider(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=1, backoff_seconds=0)
    try:
        with pytest.raises(ProviderUnavailable) as raised:
            await provider.complete(_user("hello?"))
    finally:
        await provider.close()
    assert raised.value.backend == f"OpenAI-compatible API at 127.0.0.1:{port}"
    assert "could not be completed" in str(raised.value)
    assert KEY not in str(raised.value)


# ------------------------------------------------------------------------------------ errors


async def test_rejected_key_is_a_config_error_at_the_api_key(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    server.enqueue(ScriptedResponse(status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(ConfigError) as raised:
        await provider.complete(_user("hi"))
    (problem,) = raised.value.problems
    assert problem.path == "llm_provider_config.api_key"
    assert "Incorrect API key provided" in problem.message
    assert _host(server) in str(raised.value)
    assert len(server.requests) == 1


async def test_missing_key_is_named_as_missing(make_provider: MakeProvider, server: LocalOpenAIServer) -> None:
    server.enqueue(ScriptedResponse(status=403))
    with pytest.raises(ConfigError) as raised:
        await make_provider().complete(_user("hi"))
    assert "no key is set" in raised.value.problems[0].message


async def test_unknown_route_points_at_base_url(make_provider: MakeProvider, server: LocalOpenAIServer) -> None:
    provider = make_provider(base_url=server.base_url.removesuffix("/v1"))
    with pytest.raises(ConfigError) as raised:
        await provider.complete(_user("hi"))
    assert raised.value.problems[0].path == "llm_provider_config.base_url"
    assert "HTTP 404" in str(raised.value)


_KEY_ECHOES = {
    "401": ScriptedResponse(status=401, body={"error": {"message": f"bad key {KEY}"}}),
    "400": ScriptedResponse(status=400, body={"error": {"message": f"bad request from {KEY}", "param": "model"}}),
    "500": ScriptedResponse(status=500, raw=f"internal error, caller Bearer {KEY}".encode()),
    "malformed": ScriptedResponse(raw=f"<html>proxy saw {KEY}</html>".encode()),
    "429": ScriptedResponse(status=429, headers={"Retry-After": "0"}, body={"error": f"slow down {KEY}"}),
}


@pytest.mark.parametrize("answer", sorted(_KEY_ECHOES))
async def test_the_key_never_appears_in_an_error(
    make_provider: MakeProvider, server: LocalOpenAIServer, answer: str
) -> None:
    server.enqueue(_KEY_ECHOES[answer])
    with pytest.raises(AstrocyteError) as raised:
        await make_provider(api_key=KEY, max_retries=0).complete(_user("hi"))
    rendered = f"{raised.value} {raised.value!r} {vars(raised.value)}"
    assert "[redacted]" in rendered
    assert KEY not in rendered


async def test_body_that_is_not_json_is_provider_unavailable_without_retry(
    provider: OpenAIProvider, server: LocalOpenAIServer
) -> None:
    server.enqueue(ScriptedResponse(raw=b"<html>gateway</html>"))
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.complete(_user("hi"))
    assert "not JSON" in str(raised.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"choices": []}, "`choices` is empty"),
        ({"object": "chat.completion"}, "`choices`"),
        ({"choices": [{"message": "hi"}]}, "`message`"),
        ({"choices": [{"message": {"content": 42}}]}, "content must be a string"),
        (
            {"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}}]},
            "not valid JSON",
        ),
        (
            {"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}}]},
            "not a JSON object",
        ),
    ],
)
async def test_malformed_completions_say_what_was_wrong(
    provider: OpenAIProvider, server: LocalOpenAIServer, body: dict[str, Any], complaint: str
) -> None:
    server.enqueue(ScriptedResponse(body=body))
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.complete(_user("hi"))
    assert complaint in str(raised.value)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ([{"index": 0, "embedding": [1.0]}], "holds 1 embeddings for 2 inputs"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [0.5]}], "two embeddings for index 0"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 5, "embedding": [0.5]}], "outside 0..1"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [0.5, 0.5]}], "differ in dimension"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": ["x"]}], "other than numbers"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": []}], "is empty"),
    ],
)
async def test_malformed_embeddings_say_what_was_wrong(
    provider: OpenAIProvider, server: LocalOpenAIServer, data: list[Any], complaint: str
) -> None:
    server.enqueue(ScriptedResponse(body={"data": data}))
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.embed(["a", "b"])
    assert complaint in str(raised.value)


async def test_batches_of_different_dimensions_are_refused(
    make_provider: MakeProvider, server: LocalOpenAIServer
) -> None:
    server.enqueue(ScriptedResponse(body={"data": [{"embedding": [1.0]}]}), ScriptedResponse())
    with pytest.raises(ProviderUnavailable, match="different dimensions"):
        await make_provider(embed_batch_size=1).embed(["a", "b"])


# ------------------------------------------------------------------------------------ input checks


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda llm: llm.complete([]), "messages"),
        (lambda llm: llm.complete("hello"), "messages"),
        (lambda llm: llm.complete(["hello"]), "messages[0]"),
        (lambda llm: llm.complete([Message(role="robot", content="x")]), "messages[0].role"),  # type: ignore[arg-type]
        (lambda llm: llm.complete(_user("x"), max_tokens=0), "max_tokens"),
        (lambda llm: llm.complete(_user("x"), temperature=-1.0), "temperature"),
        (lambda llm: llm.complete(_user("x"), model=""), "model"),
        (lambda llm: llm.complete(_user("x"), tool_choice=""), "tool_choice"),
        (lambda llm: llm.complete(_user("x"), tools=[{"name": "f"}]), "tools[0]"),
        (lambda llm: llm.complete(_user("x"), tools=_TOOL), "tools"),
        (lambda llm: llm.complete(_user("x"), response_format="json"), "response_format"),
        (lambda llm: llm.embed("text"), "texts"),
        (lambda llm: llm.embed(["ok", 3]), "texts[1]"),
    ],
)
async def test_bad_arguments_are_validation_errors_before_any_request(
    provider: OpenAIProvider, server: LocalOpenAIServer, call: Callable[[OpenAIProvider], Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        await call(provider)
    assert raised.value.field == field
    assert server.requests == []


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"base_url": "ftp://example.org/v1"}, "base_url"),
        ({"base_url": "not a url"}, "base_url"),
        ({"base_url": 5}, "base_url"),
        ({"model": " "}, "model"),
        ({"embedding_model": None}, "embedding_model"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"max_retries": -1}, "max_retries"),
        ({"backoff_seconds": float("nan")}, "backoff_seconds"),
        ({"embed_batch_size": 0}, "embed_batch_size"),
        ({"headers": {"X-Org": 1}}, "headers['X-Org']"),
        ({"api_key": 123}, "api_key"),
        ({"supports_tools": "no"}, "supports_tools"),
    ],
)
def test_bad_settings_are_validation_errors(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        OpenAIProvider(**settings)
    assert raised.value.field == field


def test_loads_through_discovery_with_typed_settings(server: LocalOpenAIServer) -> None:
    provider = load_provider(
        ProviderKind.LLM_PROVIDER, "openai", {"base_url": server.base_url, "max_retries": "5", "timeout_seconds": "2.5"}
    )
    assert isinstance(provider, OpenAIProvider)
    assert (provider.max_retries, provider.timeout_seconds) == (5, 2.5)


def test_bad_setting_through_discovery_names_the_config_key() -> None:
    with pytest.raises(ConfigError) as raised:
        load_provider(ProviderKind.LLM_PROVIDER, "openai", {"base_url": "ftp://nowhere"})
    assert raised.value.problems[0].path == "llm_provider_config.base_url"


def test_default_base_url_is_openai_and_defaults_are_declared() -> None:
    provider = OpenAIProvider()
    assert provider.base_url == "https://api.openai.com/v1"
    assert provider.api_key is None
    assert provider.capabilities().supports_embed is True


# ------------------------------------------------------------------------------------ lifecycle


def test_one_provider_serves_successive_event_loops(server: LocalOpenAIServer) -> None:
    """A blocking caller may run each call in a fresh loop (asyncio.run); the pool follows the loop.

    The first answer closes its connection, so the pool left behind with the first loop holds no
    socket (an open one could only be closed by the garbage collector, its loop being gone).
    """
    server.enqueue(ScriptedResponse(headers={"Connection": "close"}))
    provider = OpenAIProvider(base_url=server.base_url)

    async def ask(text: str) -> str:
        return (await provider.complete(_user(text))).text

    async def ask_then_close(text: str) -> str:
        try:
            return await ask(text)
        finally:
            await provider.close()

    assert asyncio.run(ask("first")).endswith("first")
    assert asyncio.run(ask_then_close("second")).endswith("second")


async def test_close_is_idempotent_and_the_provider_reopens(provider: OpenAIProvider) -> None:
    await provider.complete(_user("before"))
    await provider.close()
    await provider.close()
    assert (await provider.complete(_user("after"))).text.endswith("after")


async def test_concurrent_calls_share_one_provider(provider: OpenAIProvider, server: LocalOpenAIServer) -> None:
    answers = await asyncio.gather(*(provider.complete(_user(f"question {index}")) for index in range(8)))
    assert [answer.text.split("] ")[1] for answer in answers] == [f"question {index}" for index in range(8)]
    assert len(server.requests) == 8


# ------------------------------------------------------------------------------------ retry policy


def test_retry_delay_prefers_retry_after_then_grows_with_jitter() -> None:
    assert retry_delay(3, 0.5, retry_after=2.5) == 2.5
    assert retry_delay(0, 0.5, None, jitter=lambda: 0.0) == 0.25
    assert retry_delay(0, 0.5, None, jitter=lambda: 1.0) == 0.5
    assert retry_delay(2, 0.5, None, jitter=lambda: 1.0) == 2.0
    assert retry_delay(50, 0.5, None, jitter=lambda: 1.0) == MAX_BACKOFF_SECONDS


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("0.5", now) == 0.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert parse_retry_after("-4", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("inf", now) is None
    assert parse_retry_after(None, now) is None
