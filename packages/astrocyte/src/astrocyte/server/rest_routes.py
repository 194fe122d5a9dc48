"""The routes of the REST API. Each one: who is calling (:func:`caller`), may they (a grant per bank),
within the limits, then one facade call and its result in a wire shape of :mod:`astrocyte.server.schemas`."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.background import BackgroundTask

from astrocyte.engine import Astrocyte
from astrocyte.errors import ValidationError
from astrocyte.governance import Authenticator, Permission, Principal, RateLimiter, check_batch, check_recall_limit
from astrocyte.governance.settings import LimitSettings
from astrocyte.server.http import credential_headers
from astrocyte.server.metrics import Metrics
from astrocyte.server.operations import require_selector, visible_banks
from astrocyte.server.schemas import (
    BANK_ID_REGEX,
    BankIn,
    BankOut,
    BanksOut,
    BankStatsOut,
    ErrorOut,
    ForgetIn,
    ForgetOut,
    ImportOut,
    MemoryIn,
    MultiRecallIn,
    RecallIn,
    RecallOut,
    ReflectIn,
    ReflectOut,
    RetainBatchIn,
    RetainBatchOut,
    RetainOut,
)

API_VERSION = "v1"
IMPORT_SUFFIX = "/import"
NDJSON = "application/x-ndjson"


@dataclass(frozen=True)
class ServerState:
    """What the app's lifespan opened, shared by every request."""

    engine: Astrocyte
    authenticator: Authenticator
    limiter: RateLimiter
    limits: LimitSettings
    metrics: Metrics


@dataclass(frozen=True)
class Caller:
    principal: Principal
    engine: Astrocyte
    limits: LimitSettings

    def may(self, permission: Permission, *bank_ids: str) -> Astrocyte:
        """The engine, once every bank is allowed ``permission``; else :class:`MissingGrant`."""
        for bank_id in bank_ids:
            self.principal.require(permission, bank_id)
        return self.engine


_bearer = HTTPBearer(auto_error=False, description="An API key or a JWT.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


async def caller(
    request: Request,
    _bearer_doc: Annotated[Any, Security(_bearer)] = None,
    _key_doc: Annotated[Any, Security(_api_key)] = None,
) -> Caller:
    """The authenticated caller, with one call spent of its rate budget."""
    state: ServerState = request.app.state.astrocyte
    authorization, api_key = credential_headers(request.scope)
    principal = await state.authenticator.authenticate(authorization, api_key)
    state.limiter.take(principal.name)
    return Caller(principal, state.engine, state.limits)


CallerDep = Annotated[Caller, Depends(caller)]
BankPath = Annotated[str, PathParam(pattern=BANK_ID_REGEX, description="The bank: 1-128 of [A-Za-z0-9._:-].")]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        400: "The request could not be read.",
        401: "No credential, or one that does not verify.",
        403: "The caller lacks the permission named in the error.",
        404: "No such bank, memory, adapter or run.",
        409: "It exists already.",
        413: "Over a size limit.",
        422: "Invalid input; 'field' names it.",
        429: "Rate limited; see Retry-After.",
        501: "This server has no backend for it (for example no knowledge_store is configured).",
        503: "A backend is unavailable.",
    }.items()
}

router = APIRouter(prefix=f"/{API_VERSION}", responses=ERROR_RESPONSES)
service_router = APIRouter()


# ------------------------------------------------------------------------------------------ memories


@router.post("/banks/{bank_id}/memories", response_model=RetainOut, tags=["memories"])
async def retain(bank_id: BankPath, body: MemoryIn, who: CallerDep) -> RetainOut:
    """Remember one text in the bank (chunked when long, deduplicated). Needs `write`."""
    engine = who.may(Permission.WRITE, bank_id)
    result = await engine.retain(
        body.content,
        bank_id,
        metadata=body.metadata,
        tags=body.tags,
        occurred_at=body.occurred_at,
        source=body.source,
    )
    return RetainOut.model_validate(result)


@router.post("/banks/{bank_id}/memories/batch", response_model=RetainBatchOut, tags=["memories"])
async def retain_batch(bank_id: BankPath, body: RetainBatchIn, who: CallerDep) -> RetainBatchOut:
    """Remember many texts at once, all or none; one result per item, in order. Needs `write`."""
    engine = who.may(Permission.WRITE, bank_id)
    check_batch(body.items, who.limits)
    items = [item.model_dump(exclude_none=True) for item in body.items]
    results = await engine.retain_many(items, bank_id)
    return RetainBatchOut(results=[RetainOut.model_validate(result) for result in results])


@router.post("/banks/{bank_id}/recall", response_model=RecallOut, tags=["memories"])
async def recall(bank_id: BankPath, body: RecallIn, who: CallerDep) -> RecallOut:
    """The bank's memories that best match the query. Needs `read`."""
    engine = who.may(Permission.READ, bank_id)
    check_recall_limit(body.limit, who.limits)
    result = await engine.recall(body.query, bank_id, limit=body.limit, max_tokens=body.max_tokens, **body.filters())
    return RecallOut.model_validate(result)


@router.post("/recall", response_model=RecallOut, tags=["memories"])
async def recall_many(body: MultiRecallIn, who: CallerDep) -> RecallOut:
    """Recall from several banks at once, ranked together. Needs `read` on every bank."""
    engine = who.may(Permission.READ, *body.banks)
    check_recall_limit(body.limit, who.limits)
    result = await engine.recall(
        body.query, banks=body.banks, limit=body.limit, max_tokens=body.max_tokens, **body.filters()
    )
    return RecallOut.model_validate(result)


@router.post("/banks/{bank_id}/reflect", response_model=ReflectOut, tags=["memories"])
async def reflect(bank_id: BankPath, body: ReflectIn, who: CallerDep) -> ReflectOut:
    """An answer to the question from the bank's memories, with its sources. Needs `read`."""
    engine = who.may(Permission.READ, bank_id)
    return ReflectOut.of(await engine.reflect(body.query, bank_id, **body.filters()))


@router.post("/banks/{bank_id}/forget", response_model=ForgetOut, tags=["memories"])
async def forget(bank_id: BankPath, body: ForgetIn, who: CallerDep) -> ForgetOut:
    """Forget memories by id, tag, age, or all of them. Needs `forget`."""
    engine = who.may(Permission.FORGET, bank_id)
    require_selector(body)
    result = await engine.forget(bank_id, memory_ids=body.memory_ids, tags=body.tags, before=body.before, all=body.all)
    return ForgetOut.model_validate(result)


# ------------------------------------------------------------------------------------------ banks


@router.get("/banks", response_model=BanksOut, tags=["banks"])
async def list_banks(who: CallerDep) -> BanksOut:
    """The banks the caller holds any permission on."""
    return await visible_banks(who.engine, who.principal)


@router.post("/banks", response_model=BankOut, status_code=201, tags=["banks"])
async def create_bank(body: BankIn, who: CallerDep) -> BankOut:
    """Record a new bank. Needs `admin` on it."""
    engine = who.may(Permission.ADMIN, body.bank_id)
    return BankOut.model_validate(
        await engine.create_bank(body.bank_id, description=body.description, metadata=body.metadata)
    )


@router.get("/banks/{bank_id}", response_model=BankStatsOut, tags=["banks"])
async def bank_stats(bank_id: BankPath, who: CallerDep) -> BankStatsOut:
    """The bank's record and how many memories it holds. Needs `read`."""
    engine = who.may(Permission.READ, bank_id)
    return BankStatsOut.model_validate(await engine.bank_stats(bank_id))


@router.delete("/banks/{bank_id}", response_model=ForgetOut, tags=["banks"])
async def delete_bank(bank_id: BankPath, who: CallerDep) -> ForgetOut:
    """Empty the bank everywhere and drop its record. Needs `admin`."""
    engine = who.may(Permission.ADMIN, bank_id)
    return ForgetOut.model_validate(await engine.delete_bank(bank_id))


@router.get(
    "/banks/{bank_id}/export",
    tags=["banks"],
    response_class=FileResponse,
    responses={200: {"content": {NDJSON: {"schema": {"type": "string"}}}, "description": "The bank as JSON Lines."}},
)
async def export_bank(
    bank_id: BankPath,
    who: CallerDep,
    include_vectors: Annotated[bool, Query(description="Also export each memory's vector.")] = True,
) -> Response:
    """The bank as JSON Lines (a header line, then one memory per line), streamed. Needs `read`."""
    engine = who.may(Permission.READ, bank_id)
    await engine.bank_stats(bank_id)  # NotFound for a bank that does not exist
    folder = Path(tempfile.mkdtemp(prefix="astrocyte-export-"))
    try:
        file = folder / f"{bank_id}.jsonl"
        await engine.export_bank(bank_id, file, include_vectors=include_vectors)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        file, media_type=NDJSON, filename=file.name, background=BackgroundTask(shutil.rmtree, folder, True)
    )


@router.post(
    "/banks/{bank_id}" + IMPORT_SUFFIX,
    response_model=ImportOut,
    tags=["banks"],
    openapi_extra={
        "requestBody": {"required": True, "content": {NDJSON: {"schema": {"type": "string"}}}},
    },
)
async def import_bank(bank_id: BankPath, request: Request, who: CallerDep) -> ImportOut:
    """Load an export (JSON Lines) into the bank, streamed; importing the same file again changes nothing.
    Needs `write`."""
    engine = who.may(Permission.WRITE, bank_id)
    with tempfile.TemporaryDirectory(prefix="astrocyte-import-") as folder:
        file = Path(folder) / "import.jsonl"
        size = 0
        with file.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationError("body", "is empty; send an export: a header line, then one memory per line")
        try:
            imported = await engine.import_bank(file, bank_id)
        except UnicodeDecodeError:
            raise ValidationError("body", "is not UTF-8 text; send JSON Lines as UTF-8") from None
    return ImportOut(imported=imported)


# ------------------------------------------------------------------------------------------ service


@service_router.get("/health", tags=["service"])
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@service_router.get("/ready", tags=["service"], responses={503: {"description": "A store is unhealthy."}})
async def ready(request: Request) -> JSONResponse:
    """Readiness: every configured store answers its health check."""
    state: ServerState = request.app.state.astrocyte
    report = await state.engine.health()
    components = {
        kind: {"healthy": status.healthy, "message": status.message} for kind, status in report.components.items()
    }
    return JSONResponse(
        {"healthy": report.healthy, "components": components}, status_code=200 if report.healthy else 503
    )


@service_router.get("/metrics", tags=["service"], response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus metrics in the text exposition format."""
    state: ServerState = request.app.state.astrocyte
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")


__all__ = [
    "API_VERSION",
    "ERROR_RESPONSES",
    "IMPORT_SUFFIX",
    "Caller",
    "CallerDep",
    "ServerState",
    "router",
    "service_router",
]
