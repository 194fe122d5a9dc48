"""The MCP tool registry: each tool is a name, words for a model, a strict argument model, a result
model, and a coroutine over the facade. The server lists and calls whatever the registry holds.

Tool sets are functions of the server settings returning :class:`ToolSpec` s; :data:`TOOL_SETS`
in :mod:`astrocyte.server.mcp` names them (the memory tools and the knowledge adapter tools), and
a set can leave tools out by configuration (the destructive ``memory_forget`` and ``adapter_delete``
are offered only when ``server.mcp.enable_forget`` / ``enable_adapter_delete`` is true).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pydantic
from mcp_types import CallToolResult, TextContent, Tool, ToolAnnotations
from pydantic import BaseModel

from astrocyte.engine import Astrocyte
from astrocyte.errors import AstrocyteError, NotFound, ValidationError
from astrocyte.governance import Principal, RateLimiter
from astrocyte.governance.settings import ServerSettings
from astrocyte.server.problems import describe, invalid_input

log = logging.getLogger("astrocyte.server.mcp")


@dataclass(frozen=True)
class ToolContext:
    """What a tool runs with: the facade, the caller, the settings."""

    engine: Astrocyte
    principal: Principal
    settings: ServerSettings

    def bank(self, requested: str | None) -> str:
        """The bank a call names, else the connection's default: the identity's, then the server's."""
        chosen = requested or self.principal.default_bank or self.settings.mcp.default_bank
        if chosen is None:
            raise ValidationError("bank", "no default bank is set for this connection; pass 'bank' (see memory_banks)")
        return chosen


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    arguments: type[BaseModel]
    result: type[BaseModel]
    run: Callable[[ToolContext, Any], Awaitable[BaseModel]]
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False

    def listing(self) -> Tool:
        return Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.arguments.model_json_schema(),
            output_schema=self.result.model_json_schema(),
            annotations=ToolAnnotations(
                title=self.title,
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=False,
            ),
        )


class ToolRegistry:
    """The tools of one server, checked and run the same way whatever their family."""

    def __init__(self, specs: Iterable[ToolSpec], limiter: RateLimiter) -> None:
        self._specs = {spec.name: spec for spec in specs}
        self._limiter = limiter

    def listing(self) -> list[Tool]:
        return [spec.listing() for spec in self._specs.values()]

    async def call(self, name: str, arguments: dict[str, Any], context: Callable[[], ToolContext]) -> CallToolResult:
        """Run tool ``name``; every failure comes back as a tool error carrying the typed error's code."""
        try:
            spec = self._specs.get(name)
            if spec is None:
                raise NotFound(f"no tool named {name!r}; the tools are {', '.join(self._specs)}")
            try:
                parsed = spec.arguments.model_validate(arguments)
            except pydantic.ValidationError as invalid:
                raise invalid_input(invalid.errors()) from None
            ready = context()
            self._limiter.take(ready.principal.name)
            result = await spec.run(ready, parsed)
        except Exception as error:
            if not isinstance(error, AstrocyteError):
                log.exception("tool %s failed unexpectedly", name)
            return failure(error)
        data = result.model_dump(mode="json")
        return CallToolResult(
            content=[TextContent(type="text", text=result.model_dump_json())], structured_content=data
        )


def failure(error: BaseException) -> CallToolResult:
    """A tool error: the message and what to do next as text, and the whole description as structure."""
    _, detail = describe(error)
    text = f"{detail.code}: {detail.message}. {detail.hint}"
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content={"error": detail.model_dump(exclude_none=True)},
        is_error=True,
    )


__all__ = ["ToolContext", "ToolRegistry", "ToolSpec", "failure"]
