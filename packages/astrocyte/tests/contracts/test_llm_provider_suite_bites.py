"""The LLMProvider suite fails providers that break its promises.

Every variant is the ``openai`` provider, talking over real HTTP to the local OpenAI-compatible
server, with one promise broken on top; the honest provider passes the whole suite the same way.
"""

from __future__ import annotations

import textwrap

import pytest

# Imported here so that they stay loaded across the inner runs (see conftest.py).
import astrocyte.llm.openai
import astrocyte.testing.openai_server  # noqa: F401

from ._bites import assert_passes_whole
from .conftest import RunContract

#: Serves the suite's module: one local server for its scenarios, each provider closed after its test.
_SERVED = """
import pytest
from astrocyte.llm.openai import OpenAIProvider
from astrocyte.testing.openai_server import LocalOpenAIServer

SERVER = LocalOpenAIServer()
OPENED = []

@pytest.fixture(autouse=True, scope="module")
def _serving():
    with SERVER:
        yield

@pytest.fixture(autouse=True)
async def _closing():
    yield
    while OPENED:
        await OPENED.pop().close()

def served(provider_class):
    provider = provider_class(base_url=SERVER.base_url, max_retries=0)
    OPENED.append(provider)
    return provider
"""

_BROKEN = {
    "sync_complete": (
        """
        from astrocyte.types import Completion
        class Broken(OpenAIProvider):
            def complete(self, messages, model=None, max_tokens=1024, temperature=0.0, tools=None,
                         tool_choice=None, response_format=None):
                return Completion(text="hello", model="m")
        """,
        {"test_satisfies_spi", "test_completion_has_text_and_model"},
    ),
    "async_capabilities": (
        """
        class Broken(OpenAIProvider):
            async def capabilities(self):
                return OpenAIProvider.capabilities(self)
        """,
        {"test_satisfies_spi", "test_declared_capabilities_are_well_formed", "test_capabilities_declare_text"},
    ),
    "no_text_modality": (
        """
        from dataclasses import replace
        class Broken(OpenAIProvider):
            def capabilities(self):
                return replace(super().capabilities(), modalities_supported=("image",))
        """,
        {"test_capabilities_declare_text"},
    ),
    "missing_model": (
        """
        from dataclasses import replace
        class Broken(OpenAIProvider):
            async def complete(self, messages, *args, **kwargs):
                return replace(await super().complete(messages, *args, **kwargs), model="")
        """,
        {"test_completion_has_text_and_model", "test_system_and_user_messages_are_accepted"},
    ),
    "empty_text": (
        """
        from dataclasses import replace
        class Broken(OpenAIProvider):
            async def complete(self, messages, *args, **kwargs):
                return replace(await super().complete(messages, *args, **kwargs), text="")
        """,
        {"test_completion_has_text_and_model", "test_multi_turn_conversation_is_accepted"},
    ),
    "ignores_max_tokens": (
        """
        class Broken(OpenAIProvider):
            async def complete(self, messages, model=None, max_tokens=1024, *args, **kwargs):
                return await super().complete(messages, model, 1024, *args, **kwargs)
        """,
        {"test_max_tokens_and_temperature_are_accepted_and_bound_the_answer"},
    ),
    "tool_arguments_left_as_json_text": (
        """
        import json
        class Broken(OpenAIProvider):
            async def complete(self, messages, *args, **kwargs):
                completion = await super().complete(messages, *args, **kwargs)
                for call in completion.tool_calls or []:
                    call.arguments = json.dumps(call.arguments)
                return completion
        """,
        {"test_tool_calls_name_offered_tools_with_object_arguments"},
    ),
    "invents_tool_calls": (
        """
        from dataclasses import replace
        from astrocyte.types import ToolCall
        class Broken(OpenAIProvider):
            async def complete(self, messages, *args, **kwargs):
                completion = await super().complete(messages, *args, **kwargs)
                return replace(completion, tool_calls=[ToolCall(id="c1", name="guess", arguments={})])
        """,
        {"test_no_tools_means_no_tool_calls", "test_tool_calls_name_offered_tools_with_object_arguments"},
    ),
    "refuses_tool_turns": (
        """
        from astrocyte.errors import ValidationError
        class Broken(OpenAIProvider):
            async def complete(self, messages, *args, **kwargs):
                if any(message.role == "tool" for message in messages):
                    raise ValidationError("messages", "tool turns are not supported")
                return await super().complete(messages, *args, **kwargs)
        """,
        {"test_tool_result_turn_is_accepted"},
    ),
    "answers_no_messages": (
        """
        from astrocyte.types import Completion
        class Broken(OpenAIProvider):
            async def complete(self, messages, *args, **kwargs):
                if not messages:
                    return Completion(text="", model=self.model)
                return await super().complete(messages, *args, **kwargs)
        """,
        {"test_no_messages_is_a_validation_error"},
    ),
    "embeds_nothing_as_something": (
        """
        class Broken(OpenAIProvider):
            async def embed(self, texts, model=None):
                return await super().embed(texts or ["nothing"], model)
        """,
        {"test_embed_empty_gives_empty_list"},
    ),
    "drops_last_embedding": (
        """
        class Broken(OpenAIProvider):
            async def embed(self, texts, model=None):
                vectors = await super().embed(texts, model)
                return vectors[:-1] if len(vectors) > 1 else vectors
        """,
        {"test_embed_one_vector_per_text_of_one_dimension", "test_embed_vector_i_belongs_to_text_i"},
    ),
    "dimension_varies_by_batch": (
        """
        class Broken(OpenAIProvider):
            async def embed(self, texts, model=None):
                vectors = await super().embed(texts, model)
                return [vector[:-1] for vector in vectors] if len(vectors) == 1 else vectors
        """,
        {"test_embed_one_vector_per_text_of_one_dimension"},
    ),
    "embeddings_reversed": (
        """
        class Broken(OpenAIProvider):
            async def embed(self, texts, model=None):
                return list(reversed(await super().embed(texts, model)))
        """,
        {"test_embed_vector_i_belongs_to_text_i"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_provider(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("LLMProviderContract", _SERVED + textwrap.dedent(source), "served(Broken)")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"
    assert outcome.passed, f"{variant} broke every promise; it should break one"


def test_honest_provider_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract("LLMProviderContract", _SERVED, "served(OpenAIProvider)")
    assert_passes_whole(outcome)
    assert "test_embed_vector_i_belongs_to_text_i" in outcome.passed
