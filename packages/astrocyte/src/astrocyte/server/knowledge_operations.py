"""The knowledge adapter operations of both servers: one wire request in, one service call, one wire result.

Access: knowledge spaces are not banks, so bank grants play no part. The authenticated principal
*is* the knowledge principal: it reads and writes its personal space ``user:<name>``, the group
spaces whose members the ``knowledge:`` settings list it in, and reads the protected spaces
(writable by ``knowledge.admins`` only). The development identity of ``auth: none`` acts as
``knowledge.default_principal``, the same one the CLI uses, so a local server sees the CLI's adapters.
"""

from __future__ import annotations

from astrocyte.engine import Astrocyte
from astrocyte.errors import AccessDenied
from astrocyte.governance import Principal
from astrocyte.knowledge.spaces import PRINCIPAL_PATTERN
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
    SpaceOut,
    SpacesOut,
    TrainIn,
    TrainOut,
    TuneIn,
    TuneOut,
)


def knowledge_principal(principal: Principal) -> str | None:
    """The knowledge principal of an authenticated caller (``None``: the configured default)."""
    if principal.unrestricted:
        return None
    if PRINCIPAL_PATTERN.fullmatch(principal.name) is None:
        raise AccessDenied(
            f"identity {principal.name!r} cannot own a knowledge space: "
            "its name must be 1-128 letters, digits or . _ @ + -"
        )
    return principal.name


async def train(engine: Astrocyte, principal: Principal, body: TrainIn) -> TrainOut:
    result = await engine.knowledge.train(
        body.content,
        principal=knowledge_principal(principal),
        space=body.space,
        force_update=body.force_update,
        fork_from=body.fork_from,
    )
    return TrainOut.model_validate(result)


async def activate(engine: Astrocyte, principal: Principal, body: ActivateIn) -> ActivateOut:
    result = await engine.knowledge.activate(
        body.query,
        principal=knowledge_principal(principal),
        space=body.space,
        limit=body.limit,
        threshold=body.threshold,
    )
    return ActivateOut.model_validate(result)


async def forward(engine: Astrocyte, principal: Principal, body: ForwardIn) -> ForwardOut:
    result = await engine.knowledge.forward(
        body.uri,
        execution_id=body.execution_id,
        solution=body.solution.model_dump() if body.solution is not None else None,
        principal=knowledge_principal(principal),
    )
    return ForwardOut.model_validate(result)


async def reward(engine: Astrocyte, principal: Principal, body: RewardIn) -> RewardOut:
    result = await engine.knowledge.reward(
        body.execution_id, body.outcome, body.feedback, principal=knowledge_principal(principal)
    )
    return RewardOut.model_validate(result)


async def tune(engine: Astrocyte, principal: Principal, body: TuneIn) -> TuneOut:
    result = await engine.knowledge.tune(body.uri, body.content, principal=knowledge_principal(principal))
    return TuneOut.model_validate(result)


async def export(engine: Astrocyte, principal: Principal, body: AdapterIn) -> ExportOut:
    markdown = await engine.knowledge.export(body.uri, principal=knowledge_principal(principal))
    return ExportOut(uri=body.uri, markdown=markdown)


async def delete(engine: Astrocyte, principal: Principal, body: AdapterIn) -> DeleteOut:
    return DeleteOut.model_validate(await engine.knowledge.delete(body.uri, principal=knowledge_principal(principal)))


async def attach(engine: Astrocyte, principal: Principal, body: AttachIn) -> ArtifactOut:
    result = await engine.knowledge.attach(
        body.uri,
        body.name,
        body.content,
        mime_type=body.mime_type,
        replace=body.replace,
        principal=knowledge_principal(principal),
    )
    return ArtifactOut.model_validate(result)


async def artifacts(engine: Astrocyte, principal: Principal, body: ArtifactsIn) -> ArtifactsOut:
    found = await engine.knowledge.artifacts(
        body.uri, principal=knowledge_principal(principal), include_content=body.include_content
    )
    return ArtifactsOut(artifacts=[ArtifactOut.model_validate(item) for item in found])


async def spaces(engine: Astrocyte, principal: Principal) -> SpacesOut:
    found = await engine.knowledge.spaces(principal=knowledge_principal(principal))
    return SpacesOut(spaces=[SpaceOut.model_validate(space) for space in found])


__all__ = [
    "activate",
    "artifacts",
    "attach",
    "delete",
    "export",
    "forward",
    "knowledge_principal",
    "reward",
    "spaces",
    "train",
    "tune",
]
