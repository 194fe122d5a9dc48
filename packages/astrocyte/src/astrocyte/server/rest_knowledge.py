"""The knowledge adapter routes of the REST API, under ``/v1/knowledge``.

Every route is ``POST /v1/knowledge/{operation}`` with a JSON body (adapter URIs such as
``astrocyte://adapter/rotate-db`` do not sit well in a path), except ``GET /v1/knowledge/spaces``.
A result's ``next_call.tool`` is the operation to call next, i.e. the last path segment. The caller
must be authenticated; which spaces it may read and write follows from the ``knowledge:`` settings,
not from bank grants (see :mod:`astrocyte.server.knowledge_operations`). ``delete`` needs write
access to the adapter's space, as every other write does.
"""

from __future__ import annotations

from fastapi import APIRouter

from astrocyte.server import knowledge_operations as operations
from astrocyte.server.knowledge_schemas import (
    ActivateIn,
    ActivateOut,
    AdapterIn,
    ArtifactOut,
    ArtifactsIn,
    ArtifactsOut,
    AttachIn,
    DeleteOut,
    ExportOut,
    ForwardIn,
    ForwardOut,
    RewardIn,
    RewardOut,
    SpacesOut,
    TrainIn,
    TrainOut,
    TuneIn,
    TuneOut,
)
from astrocyte.server.rest_routes import API_VERSION, ERROR_RESPONSES, CallerDep

knowledge_router = APIRouter(prefix=f"/{API_VERSION}/knowledge", responses=ERROR_RESPONSES, tags=["knowledge"])


@knowledge_router.get("/spaces", response_model=SpacesOut)
async def spaces(who: CallerDep) -> SpacesOut:
    """The caller's spaces (personal, groups, protected), whether each is writable, and their adapters."""
    return await operations.spaces(who.engine, who.principal)


@knowledge_router.post("/train", response_model=TrainOut)
async def train(body: TrainIn, who: CallerDep) -> TrainOut:
    """Store the adapters of one markdown document (or several), all or none; personal space by default."""
    return await operations.train(who.engine, who.principal, body)


@knowledge_router.post("/activate", response_model=ActivateOut)
async def activate(body: ActivateIn, who: CallerDep) -> ActivateOut:
    """The adapters of the caller's spaces that fit the query, best first."""
    return await operations.activate(who.engine, who.principal, body)


@knowledge_router.post("/forward", response_model=ForwardOut)
async def forward(body: ForwardIn, who: CallerDep) -> ForwardOut:
    """Start a run (adapter URI) or hand in the current step's evidence (layer URI, execution_id, solution)."""
    return await operations.forward(who.engine, who.principal, body)


@knowledge_router.post("/reward", response_model=RewardOut)
async def reward(body: RewardIn, who: CallerDep) -> RewardOut:
    """Record how a run ended; `success` needs every step accepted."""
    return await operations.reward(who.engine, who.principal, body)


@knowledge_router.post("/tune", response_model=TuneOut)
async def tune(body: TuneIn, who: CallerDep) -> TuneOut:
    """Edit an adapter (whole document) or one layer in place. Needs write access to its space."""
    return await operations.tune(who.engine, who.principal, body)


@knowledge_router.post("/export", response_model=ExportOut)
async def export(body: AdapterIn, who: CallerDep) -> ExportOut:
    """The adapter as markdown; training it again reproduces it."""
    return await operations.export(who.engine, who.principal, body)


@knowledge_router.post("/delete", response_model=DeleteOut)
async def delete(body: AdapterIn, who: CallerDep) -> DeleteOut:
    """Delete an adapter with its layers and artifacts. Needs write access to its space."""
    return await operations.delete(who.engine, who.principal, body)


@knowledge_router.post("/attach", response_model=ArtifactOut)
async def attach(body: AttachIn, who: CallerDep) -> ArtifactOut:
    """Attach a text file to an adapter. Needs write access to its space."""
    return await operations.attach(who.engine, who.principal, body)


@knowledge_router.post("/artifacts", response_model=ArtifactsOut)
async def artifacts(body: ArtifactsIn, who: CallerDep) -> ArtifactsOut:
    """The files of an adapter, or one artifact."""
    return await operations.artifacts(who.engine, who.principal, body)


__all__ = ["knowledge_router"]
