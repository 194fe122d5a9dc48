"""The MCP server (``astrocyte mcp``) on the official SDK's low-level server, over stdio or streamable HTTP.

The low-level server is used so that every tool has exactly the strict input schema and result
schema of its models, and so that errors come back as tool errors carrying the typed error's code
(:mod:`astrocyte.server.mcp_registry`). Identity: over HTTP every request is authenticated from
its headers (an ASGI layer in front of the SDK's app refuses a request without a valid credential
with 401); over stdio the operator who starts the process gives the key in ``ASTROCYTE_API_KEY``,
checked once at start. Grants are checked on each call against the bank it touches.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import uvicorn
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.stdio import stdio_server
from mcp_types import CallToolRequestParams, CallToolResult, ListToolsResult, PaginatedRequestParams
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from astrocyte import __version__
from astrocyte.config import AstrocyteConfig
from astrocyte.engine import Astrocyte
from astrocyte.errors import AstrocyteError, Unauthenticated
from astrocyte.governance import Authenticator, Principal, RateLimiter
from astrocyte.governance.settings import ServerSettings
from astrocyte.server.http import BodyLimit, credential_headers, send_problem
from astrocyte.server.mcp_knowledge import knowledge_tools
from astrocyte.server.mcp_registry import ToolContext, ToolRegistry, ToolSpec
from astrocyte.server.mcp_tools import memory_tools

#: Every family of tools the server offers.
TOOL_SETS: tuple[Callable[[ServerSettings], Iterable[ToolSpec]], ...] = (memory_tools, knowledge_tools)

PRINCIPAL_KEY = "astrocyte.principal"
API_KEY_VARIABLE = "ASTROCYTE_API_KEY"

INSTRUCTIONS = (
    "Astrocyte is long-term memory. Recall before answering questions that may depend on what you were "
    "told before; retain facts worth keeping. Memories live in banks; memory_banks lists those you may use. "
    "Before a multi-step task, adapter_activate finds a stored procedure; adapter_forward walks it step by step."
)


class McpService:
    """The engine, the tools and the identity rules of one MCP server."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.engine: Astrocyte | None = None  # set once the transport has opened it
        self.authenticator = Authenticator(settings)
        limiter = RateLimiter(settings.limits.rate_per_second, settings.limits.rate_burst)
        self.tools = ToolRegistry((spec for tool_set in TOOL_SETS for spec in tool_set(settings)), limiter)
        self.stdio_principal: Principal | None = None
        self.server: Server[Any] = Server(
            "astrocyte",
            version=__version__,
            instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
        )

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=self.tools.listing())

    async def _call_tool(self, ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams) -> CallToolResult:
        return await self.tools.call(params.name, params.arguments or {}, lambda: self._context(ctx))

    def _context(self, ctx: ServerRequestContext[Any, Any]) -> ToolContext:
        if self.engine is None:
            raise AstrocyteError("the MCP server is not started")
        principal = self.stdio_principal
        request = ctx.request
        if isinstance(request, Request):
            principal = request.scope.get(PRINCIPAL_KEY)
        if not isinstance(principal, Principal):
            raise Unauthenticated("this connection has no identity")
        return ToolContext(engine=self.engine, principal=principal, settings=self.settings)


# -------------------------------------------------------------------------------------------- stdio


def run_stdio(config: AstrocyteConfig) -> None:
    """Serve one client on stdin/stdout until it disconnects."""
    anyio.run(serve_stdio, config)


async def serve_stdio(config: AstrocyteConfig) -> None:
    service = McpService(config.server)
    service.stdio_principal = await service.authenticator.authenticate(api_key=os.environ.get(API_KEY_VARIABLE) or None)
    async with Astrocyte(config) as engine, stdio_server() as (read, write):
        service.engine = engine
        await service.server.run(read, write, service.server.create_initialization_options())


# -------------------------------------------------------------------------------------------- HTTP


class Authenticate:
    """Refuses an HTTP request to the MCP endpoint without a valid credential; records who sent it."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator, path: str) -> None:
        self.app = app
        self.authenticator = authenticator
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path):
            await self.app(scope, receive, send)
            return
        authorization, api_key = credential_headers(scope)
        try:
            scope[PRINCIPAL_KEY] = await self.authenticator.authenticate(authorization, api_key)
        except AstrocyteError as error:
            await send_problem(send, error, {"WWW-Authenticate": 'Bearer realm="astrocyte"'})
            return
        await self.app(scope, receive, send)


def http_app(config: AstrocyteConfig, *, path: str = "/mcp") -> Starlette:
    """Streamable HTTP at ``path`` (and ``/health``); the engine opens with the app's lifespan."""
    settings = config.server
    service = McpService(settings)
    inner = service.server.streamable_http_app(streamable_http_path=path, host=settings.host)
    sessions = service.server.session_manager

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with Astrocyte(config) as engine, sessions.run():
            service.engine = engine
            yield

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/health", health), Mount("/", app=inner)],
        middleware=[
            Middleware(BodyLimit, limit_for=lambda _: settings.limits.max_body_bytes, streamed=lambda _: False),
            Middleware(Authenticate, authenticator=service.authenticator, path=path),
        ],
        lifespan=lifespan,
    )


def run_http(config: AstrocyteConfig) -> None:
    uvicorn.run(http_app(config), host=config.server.host, port=config.server.port, log_level="info")


__all__ = ["API_KEY_VARIABLE", "TOOL_SETS", "McpService", "http_app", "run_http", "run_stdio", "serve_stdio"]
