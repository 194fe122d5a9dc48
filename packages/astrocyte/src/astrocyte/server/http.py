"""ASGI pieces both HTTP servers share: the body-size limit and the caller's credential headers."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocyte.errors import PayloadTooLarge
from astrocyte.server.problems import describe


class BodyLimit:
    """Refuses a request body over ``limit_for(path)`` bytes: at once when ``Content-Length`` says so,
    else when the streamed body passes the limit (the read then raises :class:`PayloadTooLarge`)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_problem(send, _too_large(limit))
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, limited, send)


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
