"""ASGI pieces both HTTP servers share: the body-size limit and the caller's credential headers."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocyte.errors import PayloadTooLarge
from astrocyte.server.problems import describe


class BodyLimit:
    """Refuses a request body over ``limit_for(path)`` bytes with 413.

    A declared ``Content-Length`` over the limit is refused before anything is read. A body without
    one (chunked) is read here up to the limit and handed on whole, unless ``streamed(path)`` says
    the route reads its body as a stream (import): then the read that passes the limit raises
    :class:`PayloadTooLarge`, which the route's error handling answers.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int], streamed: Callable[[str], bool]) -> None:
        self.app = app
        self.limit_for = limit_for
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_problem(send, _too_large(limit))
        elif declared is None and not self.streamed(path):
            await self._buffered(scope, receive, send, limit)
        else:
            await self.app(scope, _counting(receive, limit), send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await send_problem(send, _too_large(limit))
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return limited


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge("body", f"is over this server's limit of {limit} bytes")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def send_problem(send: Send, error: Exception, headers: dict[str, str] | None = None) -> None:
    """Answer with the error's status and ``{"error": ...}`` body, from outside any framework."""
    status, detail = describe(error)
    body = json.dumps({"error": detail.model_dump(exclude_none=True)}).encode()
    extra = [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})


def credential_headers(scope: Scope) -> tuple[str | None, str | None]:
    """``Authorization`` and ``X-API-Key`` of a request, as the authenticator takes them."""
    authorization = api_key = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"x-api-key":
            api_key = value.decode("latin-1")
    return authorization, api_key


__all__ = ["BodyLimit", "credential_headers", "send_problem"]
