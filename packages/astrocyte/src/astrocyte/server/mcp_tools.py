"""The memory tools of the MCP server: retain, recall, reflect, forget, banks.

Descriptions are written for the model that reads them: when to call the tool, what it returns,
and what the arguments mean. Arguments reuse the REST request models plus an optional ``bank``
(the connection's default bank when omitted); results reuse the REST result models.
"""

from __future__ import annotations

from pydantic import Field

from astrocyte.governance import Permission
from astrocyte.governance.limits import check_recall_limit
from astrocyte.governance.settings import ServerSettings
from astrocyte.server.mcp_registry import ToolContext, ToolSpec
from astrocyte.server.operations import require_selector, visible_banks
from astrocyte.server.schemas import (
    BankId,
    BanksOut,
    ForgetIn,
    ForgetOut,
    MemoryIn,
    RecallIn,
    RecallOut,
    ReflectIn,
    ReflectOut,
    RetainOut,
    _Strict,
)

_BANK = "The memory bank to use; omit it to use this connection's default bank."


class RetainArgs(MemoryIn):
    bank: BankId | None = Field(default=None, description=_BANK)


class RecallArgs(RecallIn):
    bank: BankId | None = Field(default=None, description=_BANK)


class ReflectArgs(ReflectIn):
    bank: BankId | None = Field(default=None, description=_BANK)


class ForgetArgs(ForgetIn):
    bank: BankId | None = Field(default=None, description=_BANK)


class BanksArgs(_Strict):
    """No arguments."""


async def _retain(context: ToolContext, args: RetainArgs) -> RetainOut:
    bank = context.bank(args.bank)
    context.principal.require(Permission.WRITE, bank)
    result = await context.engine.retain(
        args.content, bank, metadata=args.metadata, tags=args.tags, occurred_at=args.occurred_at, source=args.source
    )
    return RetainOut.model_validate(result)


async def _recall(context: ToolContext, args: RecallArgs) -> RecallOut:
    bank = context.bank(args.bank)
    context.principal.require(Permission.READ, bank)
    check_recall_limit(args.limit, context.settings.limits)
    result = await context.engine.recall(
        args.query, bank, limit=args.limit, max_tokens=args.max_tokens, **args.filters()
    )
    return RecallOut.model_validate(result)


async def _reflect(context: ToolContext, args: ReflectArgs) -> ReflectOut:
    bank = context.bank(args.bank)
    context.principal.require(Permission.READ, bank)
    return ReflectOut.of(await context.engine.reflect(args.query, bank, **args.filters()))


async def _forget(context: ToolContext, args: ForgetArgs) -> ForgetOut:
    bank = context.bank(args.bank)
    context.principal.require(Permission.FORGET, bank)
    require_selector(args)
    result = await context.engine.forget(
        bank, memory_ids=args.memory_ids, tags=args.tags, before=args.before, all=args.all
    )
    return ForgetOut.model_validate(result)


async def _banks(context: ToolContext, args: BanksArgs) -> BanksOut:
    return await visible_banks(context.engine, context.principal)


RETAIN = ToolSpec(
    name="memory_retain",
    title="Remember",
    description=(
        "Store a fact, event, preference or note in long-term memory so it can be recalled in later "
        "conversations. Call it when the user shares something worth keeping (who they are, what they "
        "decided, what happened). Write 'content' as a self-contained sentence; add 'tags' to group "
        "memories and 'occurred_at' when you know when it happened. Storing the same text twice is "
        "harmless (it is deduplicated). Returns the memory id."
    ),
    arguments=RetainArgs,
    result=RetainOut,
    run=_retain,
    idempotent=True,
)
RECALL = ToolSpec(
    name="memory_recall",
    title="Recall",
    description=(
        "Search long-term memory for what is relevant to a question or topic. Call it before answering "
        "anything that may depend on earlier conversations or stored facts. 'query' is plain words; "
        "'limit' caps how many memories come back; filter by 'tags', by 'occurred_from'/'occurred_to', "
        "or by 'metadata_filters'. Returns the memories best first, each with its text, score and id."
    ),
    arguments=RecallArgs,
    result=RecallOut,
    run=_recall,
    read_only=True,
    idempotent=True,
)
REFLECT = ToolSpec(
    name="memory_reflect",
    title="Answer from memory",
    description=(
        "Answer a question from long-term memory: recalls the relevant memories and composes an answer "
        "that cites them as [n], with the memories it used as 'sources'. Use it for questions that "
        "need several memories combined; use memory_recall when you want the raw memories."
    ),
    arguments=ReflectArgs,
    result=ReflectOut,
    run=_reflect,
    read_only=True,
    idempotent=True,
)
FORGET = ToolSpec(
    name="memory_forget",
    title="Forget",
    description=(
        "Permanently delete memories: by 'memory_ids' (from memory_recall), by 'tags', those retained "
        "'before' an instant, or 'all' of the bank. Selectors combine as 'and'. This cannot be undone: "
        "only call it when the user clearly asks to forget something. Returns how many were deleted."
    ),
    arguments=ForgetArgs,
    result=ForgetOut,
    run=_forget,
    destructive=True,
    idempotent=True,
)
BANKS = ToolSpec(
    name="memory_banks",
    title="List memory banks",
    description=(
        "List the memory banks this connection may use, with their descriptions. Call it to find the "
        "right 'bank' for the other memory tools, or when a call says a bank does not exist."
    ),
    arguments=BanksArgs,
    result=BanksOut,
    run=_banks,
    read_only=True,
    idempotent=True,
)


def memory_tools(settings: ServerSettings) -> list[ToolSpec]:
    """The memory tools; forget only when ``server.mcp.enable_forget`` is true."""
    tools = [RETAIN, RECALL, REFLECT, BANKS]
    if settings.mcp.enable_forget:
        tools.insert(3, FORGET)
    return tools


__all__ = ["memory_tools"]
