"""``openai``: an :class:`~astrocyte.spi.LLMProvider` for any OpenAI-compatible HTTP endpoint.

OpenAI itself, vLLM, Ollama and the llama.cpp server all speak ``POST /chat/completions`` and
``POST /embeddings``; one provider pointed at a different ``base_url`` serves them all. The JSON
mapping lives in :mod:`astrocyte.llm.openai_wire`; this module owns the transport: one pooled
``httpx.AsyncClient``, retries, and turning every failure into the error a caller can act on.

- 429, 408, 5xx, timeouts and refused connections are transient: retried with exponential
  backoff and jitter, or after the server's ``Retry-After`` when it sends one. When retries run
  out, a 429 becomes :class:`~astrocyte.errors.RateLimited` and the rest
  :class:`~astrocyte.errors.ProviderUnavailable`, naming the host.
- 401 and 403 are a configuration problem, not an outage: :class:`~astrocyte.errors.ConfigError`
  pointing at ``llm_provider_config.api_key``; a 404 or a redirect points at ``base_url`` or
  ``model``. Other 4xx answers reject this request: :class:`~astrocyte.errors.ValidationError`
  naming the parameter the server blamed.
- A 200 whose body does not follow the format is ``ProviderUnavailable`` saying what was wrong.

The SPI lets a provider ignore ``tools`` and ``response_format`` where its backend lacks them. A
server cannot be asked which it lacks, so the configuration declares it (``supports_tools: false``,
``supports_response_format: false``) and the provider then leaves them out of its requests; a
server refusing them is answered with an error that names the setting.

The API key never appears in an error: server messages are scrubbed of it before they are quoted.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import ssl
from asyncio import sleep
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar, NoReturn, TypeVar

import httpx

from astrocyte.errors import ConfigError, Problem, ProviderUnavailable, RateLimited, ValidationError
from astrocyte.llm import openai_wire
from astrocyte.types import Completion, LLMCapabilities, Message, ToolDefinition
from astrocyte.validation import check_non_negative, check_non_negative_int, check_positive_int

#: Where OpenAI serves its API; every other server is reached by setting ``base_url``.
DEFAULT_BASE_URL = "https://api.openai.com/v1"

#: The longest ``Retry-After`` this provider waits out. A server asking for longer ends the retries
#: at once, and the error carries its ``retry_after`` so the caller decides whether to wait.
MAX_RETRY_AFTER_SECONDS = 60.0

#: The ceiling of one exponential backoff step, so a large ``max_retries`` cannot wait for hours.
MAX_BACKOFF_SECONDS = 30.0

#: Statuses that say "try again later" rather than "this request is wrong".
_TRANSIENT_STATUSES = frozenset({408, 429})

_CONFIG = "llm_provider_config"

#: Request fields a server may lack, with the setting that declares it does.
_OPTIONAL_FIELDS = {
    "tools": "supports_tools",
    "tool_choice": "supports_tools",
    "response_format": "supports_response_format",
}

_Decoded = TypeVar("_Decoded")

#: How much of a server's error message is quoted in ours.
_QUOTE_LIMIT = 300


class OpenAIProvider:
    """Chat completions and embeddings from an OpenAI-compatible server over HTTP.

    One ``httpx.AsyncClient`` (a connection pool) per provider, created on first use in the running
    event loop; ``close()`` releases it. ``api_key`` is sent as a bearer token only when set; ``headers``
    are added to every request (for example an organisation id or a proxy's key). Embeddings are
    requested ``embed_batch_size`` texts at a time. ``timeout_seconds`` bounds each phase of a
    request (connecting, sending, each wait for data), which is what tells a dead server from a
    long answer.
    """

    SPI_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        model: str = "gpt-4o-mini",
        embedding_model: str = "text-embedding-3-small",
        timeout_seconds: float = 60.0,
        max_retries: int = 3,
        backoff_seconds: float = 0.5,
        headers: dict[str, str] | None = None,
        embed_batch_size: int = 256,
        supports_tools: bool = True,
        supports_response_format: bool = True,
    ) -> None:
        self.base_url, self._host = _check_base_url(base_url)
        self.api_key = _check_optional_text(api_key, "api_key") or None
        self.model = _check_model(model, "model")
        self.embedding_model = _check_model(embedding_model, "embedding_model")
        self.timeout_seconds = _check_timeout(timeout_seconds)
        self.max_retries = check_non_negative_int(max_retries, "max_retries")
        self.backoff_seconds = check_non_negative(backoff_seconds, "backoff_seconds")
        self.embed_batch_size = check_positive_int(embed_batch_size, "embed_batch_size")
        self.supports_tools = _check_flag(supports_tools, "supports_tools")
        self.supports_response_format = _check_flag(supports_response_format, "supports_response_format")
        extra_headers = _check_headers(headers)
        self._headers = {**extra_headers, **({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {})}
        self._secrets = tuple(secret for secret in (self.api_key, *extra_headers.values()) if secret)
        self._backend = f"OpenAI-compatible API at {self._host}"
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def capabilities(self) -> LLMCapabilities:
        """Text, images and inline audio map onto the chat format; whether a model accepts them is the server's."""
        return LLMCapabilities(
            supports_multimodal_completion=True,
            modalities_supported=("text", "image", "audio"),
            supports_multimodal_embedding=False,
            supports_batch_embed=True,
            supports_embed=True,
        )

    async def complete(
        self,
        messages: list[Message],
        model: str | None = None,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        tools: list[ToolDefinition] | None = None,
        tool_choice: str | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        if not isinstance(messages, list) or not messages:
            raise ValidationError("messages", "must be a non-empty list of Message; a completion needs a prompt")
        chosen_model = _check_model(model, "model") if model is not None else self.model
        body = openai_wire.chat_request(
            messages,
            model=chosen_model,
            max_tokens=check_positive_int(max_tokens, "max_tokens"),
            temperature=check_non_negative(temperature, "temperature"),
            tools=tools if self.supports_tools else None,
            tool_choice=tool_choice if self.supports_tools else None,
            response_format=response_format if self.supports_response_format else None,
        )
        answer = await self._post("/chat/completions", body)
        return self._decoded("/chat/completions", openai_wire.completion, answer, requested_model=chosen_model)

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        if not isinstance(texts, list):
            raise ValidationError("texts", f"must be a list of strings, got {type(texts).__name__}")
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{index}]", f"must be a string, got {type(text).__name__}")
        chosen_model = _check_model(model, "model") if model is not None else self.embedding_model
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.embed_batch_size):
            batch = texts[start : start + self.embed_batch_size]
            answer = await self._post("/embeddings", openai_wire.embeddings_request(batch, model=chosen_model))
            vectors += self._decoded("/embeddings", openai_wire.embeddings, answer, expected=len(batch))
        if len({len(vector) for vector in vectors}) > 1:
            self._malformed("/embeddings", "batches of one call came back with different dimensions")
        return vectors

    async def close(self) -> None:
        """Release the connection pool; the provider opens a new one if it is used again."""
        client, loop = self._client, self._client_loop
        self._client = self._client_loop = None
        if client is not None and loop is asyncio.get_running_loop():
            await client.aclose()

    # -------------------------------------------------------------------------------- transport

    def _client_for_running_loop(self) -> httpx.AsyncClient:
        """The pool of the running loop.

        A pool's connections belong to the loop that opened them, so a call from another loop (a
        caller running ``asyncio.run`` per call) gets a new pool. The old one cannot be closed from
        here; its sockets close when it is collected. Callers that switch loops should ``close()``
        before a loop ends, or better keep one loop.
        """
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = httpx.AsyncClient(
                headers=self._headers, timeout=httpx.Timeout(self.timeout_seconds), verify=_shared_tls_context()
            )
            self._client_loop = loop
        return self._client

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        """POST ``body`` and return the decoded JSON answer, retrying transient failures."""
        client = self._client_for_running_loop()
        attempt = 0
        while True:
            status: int | None = None
            retry_after: float | None = None
            try:
                response = await client.post(f"{self.base_url}{path}", json=body)
            except httpx.TimeoutException:
                failure = f"POST {path} timed out after {self.timeout_seconds:g} s"
            except httpx.TransportError as exc:
                failure = f"POST {path} could not be completed ({type(exc).__name__}: {exc})"
            else:
                status = response.status_code
                if response.is_success:
                    return self._json(response, path)
                if not _is_transient(status):
                    self._reject(response, path)
                failure = f"POST {path} answered HTTP {status}{self._quoted(response)}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            attempts = attempt + 1
            if attempt >= self.max_retries or (retry_after is not None and retry_after > MAX_RETRY_AFTER_SECONDS):
                self._give_up(status, failure, attempts, retry_after)
            await sleep(retry_delay(attempt, self.backoff_seconds, retry_after))
            attempt = attempts

    def _json(self, response: httpx.Response, path: str) -> Any:
        try:
            return response.json()
        except ValueError:
            self._malformed(path, f"the body is not JSON: {self._scrub(response.text[:_QUOTE_LIMIT])!r}")

    def _decoded(self, path: str, decode: Callable[..., _Decoded], answer: Any, **options: Any) -> _Decoded:
        """``decode(answer, **options)``, a malformed answer reported as the backend's failure."""
        try:
            return decode(answer, **options)
        except openai_wire.MalformedResponse as exc:
            self._malformed(path, str(exc))

    def _malformed(self, path: str, what: str) -> NoReturn:
        raise ProviderUnavailable(self._backend, self._scrub(f"malformed answer to POST {path}: {what}"))

    def _give_up(self, status: int | None, failure: str, attempts: int, retry_after: float | None) -> NoReturn:
        tried = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        if status == 429:
            wait = retry_after if retry_after is not None else retry_delay(attempts, self.backoff_seconds, None)
            raise RateLimited(self._scrub(f"{self._backend}: {failure}; gave up after {tried}"), retry_after=wait)
        raise ProviderUnavailable(self._backend, self._scrub(f"{failure}; gave up after {tried}"))

    def _reject(self, response: httpx.Response, path: str) -> NoReturn:
        """Raise the error of a final, non-transient answer: whose fault it is decides the type."""
        status = response.status_code
        _, param = openai_wire.error_detail(_body_or_none(response))
        said = self._quoted(response)
        if status in (401, 403):
            hint = "set it to a key this server accepts" if self.api_key else "no key is set; this server requires one"
            raise ConfigError(
                f"{self._backend} refused the credentials (HTTP {status})",
                [Problem(f"{_CONFIG}.api_key", f"{hint} (the server said{said or ' nothing'})")],
            )
        if status in (404, 405) or response.is_redirect:
            raise ConfigError(
                f"{self._backend} answered HTTP {status} to POST {path}",
                [
                    Problem(
                        f"{_CONFIG}.base_url",
                        f"{self.base_url} must be the API root that serves {path[1:]} (usually ending in /v1); "
                        f"also check {_CONFIG}.model (the server said{said or ' nothing'})",
                    )
                ],
            )
        setting = _OPTIONAL_FIELDS.get(param or "")
        hint = f"; if this server lacks `{param}`, set {_CONFIG}.{setting}: false" if setting else ""
        raise ValidationError(param or "request", f"{self._backend} rejected the request (HTTP {status}){said}{hint}")

    def _quoted(self, response: httpx.Response) -> str:
        """The server's own words about a failure, short and without secrets."""
        message, _ = openai_wire.error_detail(_body_or_none(response))
        text = message or response.text
        return self._scrub(f": {text[:_QUOTE_LIMIT]}") if text.strip() else ""

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


@cache
def _shared_tls_context() -> ssl.SSLContext:
    """Loading the CA certificates costs tens of milliseconds; every pool (one per event loop) shares them."""
    return httpx.create_ssl_context()


def _is_transient(status: int) -> bool:
    return status in _TRANSIENT_STATUSES or status >= 500


def _body_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def retry_delay(
    attempt: int, backoff_seconds: float, retry_after: float | None, jitter: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retrying after failed attempt number ``attempt`` (0 for the first).

    The server's ``Retry-After`` wins when it gave one: it knows when it will have room. Otherwise
    the wait doubles per attempt (capped), and a random half of it is jitter so that many clients
    throttled together do not all come back at the same instant.
    """
    if retry_after is not None:
        return retry_after
    step = min(backoff_seconds * 2.0**attempt, MAX_BACKOFF_SECONDS)
    return step / 2 + step / 2 * jitter()


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` in seconds from now: it is either a number of seconds or an HTTP date."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() - now.timestamp()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


# ------------------------------------------------------------------------------------ settings


def _check_base_url(value: object) -> tuple[str, str]:
    """The URL without a trailing slash, and its host (with port) as errors name it."""
    if not isinstance(value, str):
        raise ValidationError("base_url", f"must be a string, got {type(value).__name__}")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValidationError("base_url", f"{value!r} is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError("base_url", f"must be an http:// or https:// URL such as {DEFAULT_BASE_URL}")
    host = f"{url.host}:{url.port}" if url.port is not None else url.host
    return value.rstrip("/"), host


def _check_optional_text(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    return value.strip()


def _check_model(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must name a model, got {value!r}")
    return value


def _check_flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be true or false, got {value!r}")
    return value


def _check_timeout(value: object) -> float:
    seconds = check_non_negative(value, "timeout_seconds")
    if seconds == 0:
        raise ValidationError("timeout_seconds", "must be more than 0")
    return seconds


def _check_headers(value: Mapping[str, str] | None) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("headers", f"must be a mapping of header names to strings, got {type(value).__name__}")
    for name, header in value.items():
        if not isinstance(name, str) or not name or not isinstance(header, str):
            raise ValidationError(f"headers[{name!r}]", "header names and values must be non-empty strings")
    return dict(value)


__all__ = ["DEFAULT_BASE_URL", "OpenAIProvider", "parse_retry_after", "retry_delay"]
