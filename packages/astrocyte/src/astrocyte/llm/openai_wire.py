"""The OpenAI chat-completions and embeddings JSON format, to and from Astrocyte's DTOs.

Kept apart from the HTTP client so that the mapping, which is where OpenAI-compatible servers
differ, is plain functions over dicts. Decoding asks only for what the public format guarantees
(``choices[0].message``, ``data[].embedding``) and tolerates what local servers (vLLM, Ollama,
llama.cpp) leave out: ``usage``, ``model``, tool call ids, embedding ``index``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from astrocyte.errors import CapabilityNotSupported, ValidationError
from astrocyte.types import Completion, ContentPart, Message, TokenUsage, ToolCall, ToolDefinition

_ROLES = ("system", "user", "assistant", "tool")

#: ``tool_choice`` strings the format defines itself; any other string names the one tool to call.
_TOOL_CHOICE_MODES = ("auto", "none", "required")

#: Audio formats the ``input_audio`` part accepts, by the media types that carry them.
_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
}


_JSON_NAMES: dict[type, str] = {list: "array", dict: "object"}


class MalformedResponse(Exception):
    """The server answered 200 with a body that does not follow the format; the message says where."""


# ------------------------------------------------------------------------------------ requests


def chat_request(
    messages: Sequence[Message],
    *,
    model: str,
    max_tokens: int,
    temperature: float,
    tools: list[ToolDefinition] | None,
    tool_choice: str | None,
    response_format: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The body of ``POST /chat/completions``; optional fields are sent only when the caller set them."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [_message(message, f"messages[{index}]") for index, message in enumerate(messages)],
        "max_tokens": max_tokens,
        "temperature": temperature,
    }
    if tools is not None and not isinstance(tools, list):
        raise ValidationError("tools", f"must be a list of ToolDefinition, got {type(tools).__name__}")
    if tools:
        body["tools"] = [_tool(tool, f"tools[{index}]") for index, tool in enumerate(tools)]
    if tool_choice is not None:
        body["tool_choice"] = _tool_choice(tool_choice)
    if response_format is not None:
        if not isinstance(response_format, Mapping):
            raise ValidationError("response_format", f"must be a JSON object, got {type(response_format).__name__}")
        body["response_format"] = dict(response_format)
    return body


def _message(message: Message, where: str) -> dict[str, Any]:
    if not isinstance(message, Message):
        raise ValidationError(where, f"must be an astrocyte.types.Message, got {type(message).__name__}")
    if message.role not in _ROLES:
        raise ValidationError(f"{where}.role", f"must be one of {', '.join(_ROLES)}; got {message.role!r}")
    encoded: dict[str, Any] = {"role": message.role, "content": _content(message.content, f"{where}.content")}
    if message.tool_calls:
        encoded["tool_calls"] = [_tool_call(call) for call in message.tool_calls]
        if encoded["content"] == "":
            encoded["content"] = None  # an assistant turn that only calls tools carries no text
    if message.tool_call_id is not None:
        encoded["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        encoded["name"] = message.name
    return encoded


def _content(content: str | list[ContentPart], where: str) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ValidationError(where, f"must be a string or a list of ContentPart, got {type(content).__name__}")
    return [_part(part, f"{where}[{index}]") for index, part in enumerate(content)]


def _part(part: ContentPart, where: str) -> dict[str, Any]:
    if not isinstance(part, ContentPart):
        raise ValidationError(where, f"must be an astrocyte.types.ContentPart, got {type(part).__name__}")
    if part.type == "text":
        return {"type": "text", "text": _payload(part.text, f"{where}.text")}
    if part.type == "image_url":
        return {"type": "image_url", "image_url": {"url": _payload(part.image_url, f"{where}.image_url")}}
    if part.type == "image_base64":
        data = _payload(part.image_base64, f"{where}.image_base64")
        return {"type": "image_url", "image_url": {"url": f"data:{part.media_type or 'image/png'};base64,{data}"}}
    if part.type == "audio_base64":
        data = _payload(part.audio_base64, f"{where}.audio_base64")
        audio_format = _AUDIO_FORMATS.get((part.media_type or "").lower())
        if audio_format is None:
            raise ValidationError(
                f"{where}.media_type",
                f"must name the audio format, one of {', '.join(sorted(_AUDIO_FORMATS))}; got {part.media_type!r}",
            )
        return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format}}
    if part.type == "audio_url":
        raise CapabilityNotSupported(
            f"{where}: the OpenAI chat format takes audio inline only; send it as an audio_base64 part"
        )
    raise ValidationError(f"{where}.type", f"unknown content part type {part.type!r}")


def _payload(value: str | None, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(where, "must be set for a content part of this type")
    return value


def _tool_call(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
    }


def _tool(tool: ToolDefinition, where: str) -> dict[str, Any]:
    if not isinstance(tool, ToolDefinition):
        raise ValidationError(where, f"must be an astrocyte.types.ToolDefinition, got {type(tool).__name__}")
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
    }


def _tool_choice(choice: str) -> str | dict[str, Any]:
    if not isinstance(choice, str) or not choice:
        raise ValidationError("tool_choice", f"must be 'auto', 'none', 'required' or a tool's name; got {choice!r}")
    if choice in _TOOL_CHOICE_MODES:
        return choice
    return {"type": "function", "function": {"name": choice}}


def embeddings_request(texts: Sequence[str], *, model: str) -> dict[str, Any]:
    """The body of ``POST /embeddings`` for one batch."""
    return {"model": model, "input": list(texts)}


# ------------------------------------------------------------------------------------ responses


def completion(body: Any, *, requested_model: str) -> Completion:
    """The first choice of a chat-completions answer; ``requested_model`` stands in when ``model`` is absent."""
    choices = _field(body, "choices", list, "the response")
    if not choices:
        raise MalformedResponse("`choices` is empty")
    message = _field(choices[0], "message", dict, "choices[0]")
    model = body.get("model") or requested_model
    if not isinstance(model, str):
        raise MalformedResponse(f"`model` must be a string, got {type(model).__name__}")
    raw_calls = message.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise MalformedResponse(f"choices[0].message.tool_calls must be a list, got {type(raw_calls).__name__}")
    calls = [_decode_tool_call(call, index) for index, call in enumerate(raw_calls)]
    return Completion(
        text=_text(message.get("content")),
        model=model,
        usage=_usage(body.get("usage")),
        tool_calls=calls or None,
    )


def _text(content: Any) -> str:
    """Message content as text: a string, nothing (tool calls only), or a list of text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict) and part.get("type") == "text"]
        return "".join(text for text in texts if isinstance(text, str))
    raise MalformedResponse(f"choices[0].message.content must be a string, got {type(content).__name__}")


def _decode_tool_call(raw: Any, index: int) -> ToolCall:
    where = f"choices[0].message.tool_calls[{index}]"
    function = _field(raw, "function", dict, where)
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise MalformedResponse(f"{where}.function.name is missing")
    arguments = function.get("arguments") or {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise MalformedResponse(f"{where} ({name}) has arguments that are not valid JSON: {exc}") from None
    if not isinstance(arguments, dict):
        raise MalformedResponse(f"{where} ({name}) has arguments that are not a JSON object")
    call_id = raw.get("id")
    if not isinstance(call_id, str) or not call_id:
        call_id = f"call_{index}"  # llama.cpp and older Ollama leave ids out; a tool result must name one
    return ToolCall(id=call_id, name=name, arguments=arguments)


def _usage(raw: Any) -> TokenUsage | None:
    if not isinstance(raw, dict):
        return None
    prompt, completion_tokens = raw.get("prompt_tokens"), raw.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion_tokens, int):
        return None
    return TokenUsage(input_tokens=prompt, output_tokens=completion_tokens)


def embeddings(body: Any, *, expected: int) -> list[list[float]]:
    """The vectors of one embeddings answer in input order: by ``index`` when given, else as listed."""
    data = _field(body, "data", list, "the response")
    if len(data) != expected:
        raise MalformedResponse(f"`data` holds {len(data)} embeddings for {expected} inputs")
    rows: list[list[float] | None] = [None] * expected
    for position, item in enumerate(data):
        vector = _field(item, "embedding", list, f"data[{position}]")
        index = item.get("index", position)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < expected:
            raise MalformedResponse(f"data[{position}].index is {index!r}, outside 0..{expected - 1}")
        if rows[index] is not None:
            raise MalformedResponse(f"data holds two embeddings for index {index}")
        rows[index] = _vector(vector, f"data[{position}].embedding")
    vectors = [row for row in rows if row is not None]
    if len({len(vector) for vector in vectors}) > 1:
        raise MalformedResponse("the embeddings of one answer differ in dimension")
    return vectors


def _vector(raw: list[Any], where: str) -> list[float]:
    if not raw:
        raise MalformedResponse(f"{where} is empty")
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in raw):
        raise MalformedResponse(f"{where} holds something other than numbers")
    vector = [float(value) for value in raw]
    if not all(math.isfinite(value) for value in vector):
        raise MalformedResponse(f"{where} holds NaN or infinity")
    return vector


def _field(container: Any, name: str, kind: type, where: str) -> Any:
    if not isinstance(container, dict):
        raise MalformedResponse(f"{where} must be a JSON object, got {type(container).__name__}")
    value = container.get(name)
    if not isinstance(value, kind):
        found = "nothing" if value is None else type(value).__name__
        raise MalformedResponse(f"{where} must have `{name}` as a JSON {_JSON_NAMES[kind]}, found {found}")
    return value


def error_detail(body: Any) -> tuple[str | None, str | None]:
    """``(message, param)`` of an OpenAI-style error body ``{"error": {"message", "param"}}``, when present."""
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, str):
        return error, None
    if not isinstance(error, dict):
        message = body.get("message") or body.get("detail")
        return (message if isinstance(message, str) else None), None
    message, param = error.get("message"), error.get("param")
    return (message if isinstance(message, str) else None), (param if isinstance(param, str) and param else None)
