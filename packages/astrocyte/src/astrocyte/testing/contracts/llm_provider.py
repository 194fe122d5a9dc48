"""Contract suite for :class:`astrocyte.spi.LLMProvider`.

The fixture is called ``store`` (the provider under test) so every suite binds the same way.
A language model's words cannot be predicted, so the scenarios check what every provider promises
whatever the model says: the shapes of completions, tool calls and usage; that every message role
and option is accepted; that ``max_tokens`` bounds the answer; that tool calls name offered tools;
and, where ``capabilities().supports_embed``, one vector per text, in order, of one dimension.
Embeddings are compared by cosine similarity, not equality, because hosted models are not
bit-for-bit deterministic.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from astrocyte.errors import ValidationError
from astrocyte.spi import LLMProvider, capabilities_of
from astrocyte.testing.contracts._support import ContractSuite, cosine, requires
from astrocyte.types import Completion, Message, TokenUsage, ToolCall, ToolDefinition

_WEATHER_TOOL = ToolDefinition(
    name="lookup_weather",
    description="Look up the current weather in a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city, e.g. Paris"}},
        "required": ["city"],
    },
)

#: Texts far apart in meaning, so a vector swapped with a neighbour's is unmistakable.
_DISTINCT_TEXTS = ["red apples in an orchard", "the stock market fell sharply", "a violin concerto in D major"]

#: How alike two embeddings of one text must be: hosted models vary in the last digits, not more.
_SAME_TEXT_COSINE = 0.99


def _user(text: str) -> Message:
    return Message(role="user", content=text)


def _assert_completion(completion: Any) -> Completion:
    assert isinstance(completion, Completion), f"complete() returned {type(completion).__name__}, not a Completion"
    assert isinstance(completion.text, str)
    assert isinstance(completion.model, str)
    assert completion.model.strip(), "Completion.model must name the model that answered"
    return completion


class LLMProviderContract(ContractSuite):
    protocol = LLMProvider

    async def test_capabilities_declare_text(self, store: Any) -> None:
        """capabilities() returns the same LLMCapabilities on every call, and text is among its modalities."""
        declared = capabilities_of(store, LLMProvider)
        assert "text" in declared.modalities_supported
        assert store.capabilities() == declared

    async def test_completion_has_text_and_model(self, store: Any) -> None:
        """A user message gets a Completion with non-empty text and the model that answered."""
        completion = _assert_completion(await store.complete([_user("Say hello to the lighthouse keeper.")]))
        assert completion.text.strip()

    async def test_system_and_user_messages_are_accepted(self, store: Any) -> None:
        """A system message before the user's shapes the answer without being refused."""
        messages = [Message(role="system", content="You answer briefly."), _user("Name a colour of the sky.")]
        assert _assert_completion(await store.complete(messages)).text.strip()

    async def test_multi_turn_conversation_is_accepted(self, store: Any) -> None:
        """Earlier user and assistant turns are accepted as context."""
        messages = [
            Message(role="system", content="You are a helpful assistant."),
            _user("My name is Ada."),
            Message(role="assistant", content="Nice to meet you, Ada."),
            _user("What is my name?"),
        ]
        assert _assert_completion(await store.complete(messages)).text.strip()

    async def test_max_tokens_and_temperature_are_accepted_and_bound_the_answer(self, store: Any) -> None:
        """max_tokens and temperature are accepted, and reported output never exceeds max_tokens."""
        long_prompt = "Repeat these words back: " + " ".join(f"word{index}" for index in range(40))
        completion = _assert_completion(await store.complete([_user(long_prompt)], max_tokens=5, temperature=0.7))
        if completion.usage is not None:
            assert completion.usage.output_tokens <= 5

    async def test_usage_is_well_formed_when_reported(self, store: Any) -> None:
        """usage, when the backend reports it, is a TokenUsage of non-negative token counts."""
        usage = _assert_completion(await store.complete([_user("Count to three.")])).usage
        if usage is not None:
            assert isinstance(usage, TokenUsage)
            for count in (usage.input_tokens, usage.output_tokens):
                assert isinstance(count, int)
                assert not isinstance(count, bool)
                assert count >= 0

    async def test_unicode_content_is_accepted(self, store: Any) -> None:
        """Accents, CJK, emoji and quotes in a message reach the model without error."""
        completion = await store.complete([_user('Zoë said "こんにちは" 🎉 — translate it, please.')])
        assert _assert_completion(completion).text.strip()

    async def test_response_format_is_accepted(self, store: Any) -> None:
        """A JSON response_format is accepted (used where the backend supports it, ignored otherwise)."""
        messages = [_user('Reply with a JSON object {"ok": true}.')]
        _assert_completion(await store.complete(messages, response_format={"type": "json_object"}))

    async def test_tool_calls_name_offered_tools_with_object_arguments(self, store: Any) -> None:
        """With tools offered, every tool call has an id, names an offered tool and carries dict arguments."""
        messages = [_user("What is the weather in Paris right now? Use lookup_weather.")]
        completion = _assert_completion(await store.complete(messages, tools=[_WEATHER_TOOL], tool_choice="auto"))
        for call in completion.tool_calls or []:
            assert isinstance(call, ToolCall)
            assert isinstance(call.id, str)
            assert call.id
            assert call.name == _WEATHER_TOOL.name
            assert isinstance(call.arguments, dict)

    async def test_no_tools_means_no_tool_calls(self, store: Any) -> None:
        """Without tools offered, a completion calls none."""
        completion = _assert_completion(await store.complete([_user("What is the weather in Paris?")]))
        assert not completion.tool_calls

    async def test_tool_result_turn_is_accepted(self, store: Any) -> None:
        """A conversation holding an assistant tool call and the tool's result is accepted and answered."""
        call = ToolCall(id="call_1", name=_WEATHER_TOOL.name, arguments={"city": "Paris"})
        messages = [
            _user("What is the weather in Paris? Use lookup_weather."),
            Message(role="assistant", content="", tool_calls=[call]),
            Message(role="tool", content='{"sky": "clear", "celsius": 21}', tool_call_id=call.id),
        ]
        _assert_completion(await store.complete(messages, tools=[_WEATHER_TOOL]))

    async def test_no_messages_is_a_validation_error(self, store: Any) -> None:
        """complete([]) raises ValidationError naming messages: there is nothing to answer."""
        with pytest.raises(ValidationError) as raised:
            await store.complete([])
        assert raised.value.field == "messages"

    async def test_max_tokens_below_one_is_a_validation_error(self, store: Any) -> None:
        """max_tokens=0 raises ValidationError naming max_tokens."""
        with pytest.raises(ValidationError) as raised:
            await store.complete([_user("Hello.")], max_tokens=0)
        assert raised.value.field == "max_tokens"

    @requires("supports_embed")
    async def test_embed_empty_gives_empty_list(self, store: Any) -> None:
        """Embedding no texts returns [] instead of failing."""
        assert await store.embed([]) == []

    @requires("supports_embed")
    async def test_embed_one_vector_per_text_of_one_dimension(self, store: Any) -> None:
        """Each text gets one finite float vector; every vector, in every call, has one dimension."""
        vectors = await store.embed(_DISTINCT_TEXTS)
        assert len(vectors) == len(_DISTINCT_TEXTS)
        (single,) = await store.embed(["one more text"])
        dimensions = {len(vector) for vector in [*vectors, single]}
        assert len(dimensions) == 1, f"vectors of several dimensions: {sorted(dimensions)}"
        assert dimensions.pop() >= 1
        for vector in [*vectors, single]:
            assert all(isinstance(value, float) and math.isfinite(value) for value in vector)

    @requires("supports_embed")
    async def test_embed_vector_i_belongs_to_text_i(self, store: Any) -> None:
        """Each vector of a batch matches its text embedded alone: input order, whatever the neighbours."""
        batched = await store.embed(_DISTINCT_TEXTS)
        for text, vector in zip(_DISTINCT_TEXTS, batched, strict=True):
            (alone,) = await store.embed([text])
            assert cosine(vector, alone) >= _SAME_TEXT_COSINE, f"{text!r} got another text's vector"
