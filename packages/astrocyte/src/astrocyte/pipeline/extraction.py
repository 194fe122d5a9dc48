"""Choosing how entities are extracted: by the light rules, or by the configured language model.

With an :class:`~astrocyte.spi.LLMProvider`, texts go to the model in numbered groups with a JSON
schema for the answer (one call per group, a few groups at a time). A group whose answer is not
valid JSON of that shape falls back to the light rules, with a warning in the ``astrocyte`` log:
losing a retain because a model answered badly would cost more than a few missed entities.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from astrocyte.pipeline.entities import Mention, entity_key, extract_mentions
from astrocyte.spi import LLMProvider
from astrocyte.types import Message

_log = logging.getLogger("astrocyte")

_GROUP_SIZE = 16
_CONCURRENT_CALLS = 4
_MAX_NAME_CHARACTERS = 200

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "memories": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "entities": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}, "type": {"type": "string"}},
                            "required": ["name", "type"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["index", "entities"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["memories"],
    "additionalProperties": False,
}

_INSTRUCTIONS = (
    "List the named entities of each numbered text: people, places, organisations, products, events and "
    "dates, each with a short lower-case type (person, place, organisation, product, event, date, other). "
    "Use the spelling of the text. Answer with JSON only: "
    '{"memories": [{"index": <number>, "entities": [{"name": ..., "type": ...}]}]}.'
)


class EntityExtractor(Protocol):
    async def mentions(self, texts: Sequence[str]) -> list[list[Mention]]: ...


class LightExtractor:
    """The rules of :mod:`astrocyte.pipeline.entities`: no model, microseconds per text."""

    async def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        return [extract_mentions(text) for text in texts]


class LlmExtractor:
    """Entities named by a language model, asked with a JSON schema."""

    def __init__(self, llm: LLMProvider) -> None:
        self._llm = llm
        self._calls = asyncio.Semaphore(_CONCURRENT_CALLS)

    async def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        groups = [list(texts[start : start + _GROUP_SIZE]) for start in range(0, len(texts), _GROUP_SIZE)]
        answers = await asyncio.gather(*(self._group(group) for group in groups))
        return [mentions for answer in answers for mentions in answer]

    async def _group(self, texts: list[str]) -> list[list[Mention]]:
        numbered = "\n\n".join(f"[{number}] {text}" for number, text in enumerate(texts, start=1))
        messages = [Message(role="system", content=_INSTRUCTIONS), Message(role="user", content=numbered)]
        response_format = {"type": "json_schema", "json_schema": {"name": "entities", "schema": _SCHEMA}}
        async with self._calls:
            completion = await self._llm.complete(messages, response_format=response_format)
        try:
            return parse_answer(completion.text, len(texts))
        except ValueError as problem:
            _log.warning("entity extraction: the model's answer was unusable (%s); using the light rules", problem)
            return [extract_mentions(text) for text in texts]


def parse_answer(answer: str, count: int) -> list[list[Mention]]:
    """The mentions of each of ``count`` texts from the model's JSON; ``ValueError`` if malformed."""
    try:
        data = json.loads(answer)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    memories = data.get("memories") if isinstance(data, dict) else None
    if not isinstance(memories, list):
        raise ValueError("no 'memories' list")
    found: list[dict[str, Mention]] = [{} for _ in range(count)]
    for memory in memories:
        index = memory.get("index") if isinstance(memory, dict) else None
        entities = memory.get("entities") if isinstance(memory, dict) else None
        if not isinstance(index, int) or not 1 <= index <= count or not isinstance(entities, list):
            raise ValueError(f"malformed memory entry {memory!r}")
        for entity in entities:
            mention = _mention(entity)
            found[index - 1].setdefault(entity_key(mention.name), mention)
    return [list(mentions.values()) for mentions in found]


def _mention(entity: object) -> Mention:
    if not isinstance(entity, dict):
        raise ValueError(f"malformed entity {entity!r}")
    name, kind = entity.get("name"), entity.get("type")
    if not isinstance(name, str) or not entity_key(name) or len(name) > _MAX_NAME_CHARACTERS:
        raise ValueError(f"malformed entity name {name!r}")
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError(f"malformed entity type {kind!r}")
    return Mention(name.strip(), kind.strip().casefold())
