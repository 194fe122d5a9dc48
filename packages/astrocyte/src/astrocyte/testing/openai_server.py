"""A local HTTP server that speaks the OpenAI chat-completions and embeddings wire format, for tests.

A hosted model cannot run in a test, so the ``openai`` provider (and anything built on an
OpenAI-compatible endpoint) is tested against this server instead: real HTTP on 127.0.0.1, real
JSON, nothing patched inside the client. It answers deterministically by default and can be
scripted per test with the statuses, headers, bodies and delays a real server produces under load::

    with LocalOpenAIServer() as server:
        server.enqueue(ScriptedResponse(status=429, headers={"Retry-After": "0"}))
        provider = OpenAIProvider(base_url=server.base_url)
        ...
        assert server.requests[0].body["model"] == "gpt-4o-mini"

Default answers:

- **chat**: ``[<digest>] <last user message>``, where the digest is the first 12 hex digits of the
  message's SHA-256, cut to ``max_tokens`` whitespace-separated tokens (``finish_reason="length"``);
  a JSON object ``{"digest", "echo"}`` when ``response_format`` asks for JSON. When tools are offered
  it calls one, as a model would: the one ``tool_choice`` names, or with ``"auto"`` (the default) a
  tool whose name the last message, when from the user, mentions; ``"required"`` falls back to the
  first tool. Each string parameter of the tool is given the user's message.
- **embeddings**: the :class:`~astrocyte.embedders.hashing.HashingEmbedder` vectors of the inputs.

Only the standard library serves (``ThreadingHTTPServer``), so the core gains no dependency.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from astrocyte.embedders.hashing import HashingEmbedder

_API_ROOT = "/v1"

#: How often the serving thread checks for shutdown; leaving the context waits up to this long.
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class ScriptedResponse:
    """One answer for the next request, whatever it asks.

    ``body`` is sent as JSON; left ``None``, a 200 gets the default answer and any other status an
    OpenAI-style error body. ``raw`` bytes are sent instead of JSON (for malformed answers).
    ``delay_seconds`` passes before the answer is written (for timeouts).
    """

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    raw: bytes | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it; header names are lower-cased, ``body`` is the decoded JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class LocalOpenAIServer:
    """An OpenAI-compatible server on a free port of 127.0.0.1, serving from a background thread.

    Use it as a context manager: entering starts it (``base_url`` is then known), leaving always
    stops it. ``requests`` lists every request received, in order. Each request is answered by the
    next :meth:`enqueue`-d response, else by ``responder`` (a function of the request, for answers
    that depend on what was asked; ``None`` from it means the default), else by the default answer.
    """

    def __init__(
        self,
        *,
        model: str = "local-model",
        embedding_dimensions: int = 64,
        responder: Callable[[RecordedRequest], ScriptedResponse | None] | None = None,
    ) -> None:
        self.model = model
        self._responder = responder
        self._embedder = HashingEmbedder(embedding_dimensions)
        self._script: deque[ScriptedResponse] = deque()
        self._received: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._http: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The API root to give a client, ending in ``/v1`` like OpenAI's."""
        if self._http is None:
            raise RuntimeError("the server is not running; use `with LocalOpenAIServer() as server:`")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}{_API_ROOT}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._received)

    def enqueue(self, *responses: ScriptedResponse) -> None:
        """Answer the next requests with ``responses``, in order; after them the defaults resume."""
        with self._lock:
            self._script.extend(responses)

    def __enter__(self) -> LocalOpenAIServer:
        self._stopping.clear()
        self._http = _Server(("127.0.0.1", 0), _Handler)
        self._http.owner = self
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="local-openai-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stopping.set()  # delayed answers give up instead of holding shutdown
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._thread is not None:
            self._thread.join()
        self._http = self._thread = None

    # -------------------------------------------------------------------------------- serving

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        payload = handler.rfile.read(length)
        try:
            body = json.loads(payload) if payload else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in handler.headers.items()}
        request = RecordedRequest(handler.command, handler.path, headers, body)
        with self._lock:
            self._received.append(request)
            scripted = self._script.popleft() if self._script else None
        if scripted is None and self._responder is not None:
            scripted = self._responder(request)
        if scripted is None:
            scripted = ScriptedResponse()
        if scripted.delay_seconds and self._stopping.wait(scripted.delay_seconds):
            return
        if scripted.raw is not None:
            _send(handler, scripted.status, scripted.raw, scripted.headers)
            return
        if scripted.body is not None:
            answer: tuple[int, Any] = (scripted.status, scripted.body)
        elif scripted.status != 200:
            answer = _error(scripted.status, f"scripted failure {scripted.status}")
        else:
            answer = self._default_answer(handler.path, body)
        _send(handler, answer[0], json.dumps(answer[1]).encode(), scripted.headers)

    def _default_answer(self, path: str, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return _error(400, "the request body must be a JSON object")
        if path == f"{_API_ROOT}/chat/completions":
            return self._chat(body)
        if path == f"{_API_ROOT}/embeddings":
            return self._embeddings(body)
        return _error(404, f"no route for POST {path}")

    def _chat(self, request: dict[str, Any]) -> tuple[int, Any]:
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            return _error(400, "messages must be a non-empty array of objects", param="messages")
        prompt = _last_user_text(messages)
        digest = hashlib.sha256(prompt.encode()).hexdigest()[:12]
        tool = _chosen_tool(messages, request.get("tools") or [], request.get("tool_choice", "auto"))
        if tool is not None:
            arguments = {
                name: prompt
                for name, schema in (tool.get("parameters") or {}).get("properties", {}).items()
                if isinstance(schema, dict) and schema.get("type") == "string"
            }
            function = {"name": tool["name"], "arguments": json.dumps(arguments)}
            call = {"id": f"call_{digest}", "type": "function", "function": function}
            message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish, output_tokens = "tool_calls", len(json.dumps(arguments).split())
        else:
            wants_json = (request.get("response_format") or {}).get("type") in ("json_object", "json_schema")
            text = json.dumps({"digest": digest, "echo": prompt}) if wants_json else f"[{digest}] {prompt}"
            tokens = text.split()
            limit = request.get("max_tokens")
            finish = "length" if isinstance(limit, int) and len(tokens) > limit else "stop"
            tokens = tokens[:limit] if finish == "length" else tokens
            message, output_tokens = {"role": "assistant", "content": " ".join(tokens)}, len(tokens)
        input_tokens = sum(len(_text_of(message).split()) for message in messages)
        return 200, {
            "id": f"chatcmpl-{digest}",
            "object": "chat.completion",
            "model": request.get("model") or self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": _usage(input_tokens, output_tokens),
        }

    def _embeddings(self, request: dict[str, Any]) -> tuple[int, Any]:
        texts = request.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
            return _error(400, "'$.input' is invalid: give a string or a non-empty array of non-empty strings", "input")
        vectors = self._embedder.embed_matrix(texts).tolist()
        return 200, {
            "object": "list",
            "model": request.get("model") or self.model,
            "data": [{"object": "embedding", "index": i, "embedding": vector} for i, vector in enumerate(vectors)],
            "usage": _usage(sum(len(text.split()) for text in texts), 0),
        }


class _Server(ThreadingHTTPServer):
    owner: LocalOpenAIServer
    request_queue_size = 128  # the default backlog of 5 drops bursts of concurrent connections

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out hangs up before its answer is written: expected here, so quiet."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pool is exercised
    disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the second

    def do_POST(self) -> None:
        self.server.owner._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Tests read ``requests`` instead of an access log on stderr."""


def _send(handler: BaseHTTPRequestHandler, status: int, payload: bytes, headers: Mapping[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


def _error(status: int, message: str, param: str | None = None) -> tuple[int, Any]:
    return status, {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": input_tokens,
        "completion_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    return next((_text_of(message) for message in reversed(messages) if message.get("role") == "user"), "")


def _text_of(message: dict[str, Any]) -> str:
    """A message's text: its content string, or the text of its content parts."""
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(part.get("text") or "") for part in content if isinstance(part, dict))
    return str(content or "")


def _chosen_tool(messages: list[dict[str, Any]], tools: list[Any], choice: Any) -> dict[str, Any] | None:
    """The function a model would call here, or ``None`` for a text answer (see the module docstring)."""
    functions = [
        tool["function"] for tool in tools if isinstance(tool, dict) and isinstance(tool.get("function"), dict)
    ]
    if not functions or choice == "none":
        return None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        return next((function for function in functions if function.get("name") == wanted), None)
    last = messages[-1]
    mentioned = (
        next((function for function in functions if str(function.get("name")) in _text_of(last)), None)
        if last.get("role") == "user"
        else None
    )
    return functions[0] if choice == "required" and mentioned is None else mentioned
