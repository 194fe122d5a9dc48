"""The REST API (``astrocyte serve``): FastAPI under ``/v1``, on the facade only.

:func:`create_app` builds the application from a configuration: the engine opens with the app's
lifespan, every ``/v1`` route authenticates its caller (:mod:`astrocyte.governance`), spends one
call of the caller's rate budget and checks the caller's grant on each bank it touches before the
engine is called. Every typed error becomes its class's HTTP status with ``{"error": {...}}``
(see :mod:`astrocyte.server.problems`); the OpenAPI document is served at ``/v1/openapi.json``
with the package version. ``/health``, ``/ready`` and ``/metrics`` need no credential.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from astrocyte import __version__
from astrocyte.config import AstrocyteConfig
from astrocyte.engine import Astrocyte
from astrocyte.errors import AstrocyteError, RateLimited, Unauthenticated
from astrocyte.governance import Authenticator, RateLimiter
from astrocyte.server.http import BodyLimit
from astrocyte.server.metrics import Metrics, MetricsMiddleware
from astrocyte.server.problems import describe, invalid_input, retry_after
from astrocyte.server.rest_knowledge import knowledge_router
from astrocyte.server.rest_routes import API_VERSION, IMPORT_SUFFIX, ServerState, router, service_router

log = logging.getLogger("astrocyte.server")

_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable"}


def create_app(config: AstrocyteConfig) -> FastAPI:
    """The REST application for ``config``; the engine it names opens and closes with the app."""
    settings = config.server
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with Astrocyte(config) as engine:
            app.state.astrocyte = ServerState(
                engine=engine,
                authenticator=Authenticator(settings),
                limiter=RateLimiter(settings.limits.rate_per_second, settings.limits.rate_burst),
                limits=settings.limits,
                metrics=metrics,
            )
            yield

    app = FastAPI(
        title="Astrocyte",
        summary="Memory for AI agents: retain, recall, reflect and forget on named banks; knowledge adapters.",
        version=__version__,
        openapi_url=f"/{API_VERSION}/openapi.json",
        docs_url=f"/{API_VERSION}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.include_router(router)
    app.include_router(knowledge_router)
    app.include_router(service_router)
    _handle_errors(app)

    def body_limit(path: str) -> int:
        if path.endswith(IMPORT_SUFFIX):
            return settings.limits.max_import_bytes
        return settings.limits.max_body_bytes

    app.add_middleware(BodyLimit, limit_for=body_limit, streamed=lambda path: path.endswith(IMPORT_SUFFIX))
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _problem(error: BaseException) -> JSONResponse:
    status, detail = describe(error)
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(retry_after(error))
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="astrocyte"'
    return JSONResponse({"error": detail.model_dump(exclude_none=True)}, status_code=status, headers=headers)


def _handle_errors(app: FastAPI) -> None:
    async def typed(request: Request, error: Exception) -> Response:
        return _problem(error)

    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return _problem(invalid_input(error.errors(), skip=("body", "path", "query", "header")))

    async def http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        code = _STATUS_CODES.get(error.status_code, "http_error")
        body = {"error": {"code": code, "message": str(error.detail), "hint": "Check the method and the path."}}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    async def crash(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return _problem(error)

    app.add_exception_handler(AstrocyteError, typed)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(Exception, crash)


__all__ = ["API_VERSION", "create_app"]
