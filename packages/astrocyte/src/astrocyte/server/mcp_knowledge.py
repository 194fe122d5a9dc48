"""The knowledge adapter tools of the MCP server: find a procedure, walk it step by step, maintain it.

The caller's identity is the knowledge principal (see :mod:`astrocyte.server.knowledge_operations`
for the access model). Results name their follow-up as ``next_call``; here its ``tool`` is the MCP
tool's name (``adapter_forward``, ``adapter_reward``), so a model can call it as written.
``adapter_delete`` is offered only when ``server.mcp.enable_adapter_delete`` is true.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from astrocyte.engine import Astrocyte
from astrocyte.governance import Principal
from astrocyte.governance.settings import ServerSettings
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
    NextCallOut,
    NoArguments,
    RewardIn,
    RewardOut,
    SpacesOut,
    TrainIn,
    TrainOut,
    TuneIn,
    TuneOut,
)
from astrocyte.server.mcp_registry import ToolContext, ToolSpec

PREFIX = "adapter_"

Operation = Callable[[Astrocyte, Principal, Any], Awaitable[BaseModel]]


def _tool_named(call: NextCallOut) -> None:
    call.tool = PREFIX + call.tool


def _run(operation: Operation) -> Callable[[ToolContext, Any], Awaitable[BaseModel]]:
    """The tool body of ``operation``: the caller's identity in, tool names in every ``next_call``."""

    async def run(context: ToolContext, args: Any) -> BaseModel:
        result = await operation(context.engine, context.principal, args)
        if isinstance(result, ForwardOut):
            _tool_named(result.next_call)
        if isinstance(result, ActivateOut):
            for choice in result.choices:
                _tool_named(choice.next_call)
        return result

    return run


async def _spaces(engine: Astrocyte, principal: Principal, args: NoArguments) -> SpacesOut:
    return await operations.spaces(engine, principal)


ACTIVATE = ToolSpec(
    name="adapter_activate",
    title="Find a procedure",
    description=(
        "Find the stored procedures (knowledge adapters) that fit the task at hand. Call it before a "
        "multi-step task (deploying, rotating credentials, an on-call runbook) to follow the team's "
        "procedure instead of improvising. 'query' is the task in plain words. Returns the best "
        "adapters first with a score and why they matched; to follow one, call adapter_forward with "
        "the choice's next_call.args (its 'uri'). No choices means no procedure fits: go on without one."
    ),
    arguments=ActivateIn,
    result=ActivateOut,
    run=_run(operations.activate),
    read_only=True,
    idempotent=True,
)
FORWARD = ToolSpec(
    name="adapter_forward",
    title="Walk a procedure step by step",
    description=(
        "Run a procedure one step at a time. Start: pass only 'uri' (an adapter URI from "
        "adapter_activate); you get an 'execution_id', the first 'layer' (the step's instructions) and "
        "a 'challenge'. Do the step yourself (the server never executes anything), then hand in: "
        "'uri' = layer.uri, 'execution_id', and 'solution' = {nonce, proof_hash} copied from the "
        "challenge plus 'evidence' shaped as challenge.instructions says. If 'accepted' is false, read "
        "'message', fix the evidence and hand in again ('retries_left' attempts remain). When 'status' "
        "is 'completed' (do the last step if 'layer' is still given) or 'blocked', call next_call "
        "(adapter_reward with the outcome it names)."
    ),
    arguments=ForwardIn,
    result=ForwardOut,
    run=_run(operations.forward),
)
REWARD = ToolSpec(
    name="adapter_reward",
    title="Report how a procedure ended",
    description=(
        "Report the outcome of a run once it is completed or blocked: 'success' (only after every "
        "step was accepted) or 'failure', with optional 'feedback' on what went wrong. Outcomes rank "
        "the procedure in later adapter_activate calls. Call it once per run."
    ),
    arguments=RewardIn,
    result=RewardOut,
    run=_run(operations.reward),
)
TRAIN = ToolSpec(
    name="adapter_train",
    title="Store a procedure",
    description=(
        "Store a procedure as a knowledge adapter from markdown: '# Title', optional '## Activation "
        "Patterns' (bullets of when to use it), one '## ' section per step, each with a fenced json "
        '{"contract": {"type": "shell"|"mcp"|"user_input"|"comment", ...}} saying what evidence the '
        "step needs, and an optional '## Reward Signal'. Call it when the user describes a procedure "
        "worth repeating. It goes to your personal space unless 'space' names another. A conflict "
        "error means a similar adapter exists: edit that one with adapter_tune, or pass force_update."
    ),
    arguments=TrainIn,
    result=TrainOut,
    run=_run(operations.train),
)
TUNE = ToolSpec(
    name="adapter_tune",
    title="Edit a procedure",
    description=(
        "Edit a stored procedure in place: 'uri' of the adapter with a whole markdown document (get "
        "it from adapter_export), or 'uri' of one layer with that step's markdown. Call it when a "
        "step turned out wrong or outdated. Returns the adapter's URI and its layers' URIs."
    ),
    arguments=TuneIn,
    result=TuneOut,
    run=_run(operations.tune),
    idempotent=True,
)
EXPORT = ToolSpec(
    name="adapter_export",
    title="Read a procedure as markdown",
    description=(
        "The whole procedure as markdown, in the form adapter_train reads. Call it to show the user "
        "a procedure or before editing it with adapter_tune."
    ),
    arguments=AdapterIn,
    result=ExportOut,
    run=_run(operations.export),
    read_only=True,
    idempotent=True,
)
DELETE = ToolSpec(
    name="adapter_delete",
    title="Delete a procedure",
    description=(
        "Permanently delete a procedure with its steps and attached files. This cannot be undone: "
        "only call it when the user clearly asks to remove that procedure."
    ),
    arguments=AdapterIn,
    result=DeleteOut,
    run=_run(operations.delete),
    destructive=True,
    idempotent=True,
)
ATTACH = ToolSpec(
    name="adapter_attach",
    title="Attach a file to a procedure",
    description=(
        "Attach a text file (a script, a template, a checklist) to a procedure so whoever runs it gets "
        "it with adapter_activate. A name already attached needs replace=true."
    ),
    arguments=AttachIn,
    result=ArtifactOut,
    run=_run(operations.attach),
)
ARTIFACTS = ToolSpec(
    name="adapter_artifacts",
    title="Read a procedure's files",
    description=(
        "The files attached to a procedure ('uri' of the adapter), or one file ('uri' of the "
        "artifact); include_content=true returns their text. Call it when a step refers to a file."
    ),
    arguments=ArtifactsIn,
    result=ArtifactsOut,
    run=_run(operations.artifacts),
    read_only=True,
    idempotent=True,
)
SPACES = ToolSpec(
    name="adapter_spaces",
    title="List procedure spaces",
    description=(
        "The spaces of procedures this connection can see (personal, group, protected), whether each "
        "is writable, and the adapters each holds. Call it to find a 'space' for adapter_train or to "
        "see which procedures exist."
    ),
    arguments=NoArguments,
    result=SpacesOut,
    run=_run(_spaces),
    read_only=True,
    idempotent=True,
)


def knowledge_tools(settings: ServerSettings) -> list[ToolSpec]:
    """The knowledge adapter tools; delete only when ``server.mcp.enable_adapter_delete`` is true."""
    tools = [ACTIVATE, FORWARD, REWARD, TRAIN, TUNE, EXPORT, ATTACH, ARTIFACTS, SPACES]
    if settings.mcp.enable_adapter_delete:
        tools.append(DELETE)
    return tools


__all__ = ["knowledge_tools"]
