"""The MCP server driven by the official ``mcp`` client: over stdio (``astrocyte mcp`` as a subprocess)
and over streamable HTTP (the app on a running uvicorn). Every tool, schema violations, denials."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from astrocyte.config import load_config_dict
from astrocyte.server.mcp import API_KEY_VARIABLE, http_app

from ._support import PRINCIPALS, key_of, running, server_section

MEMORY_TOOLS = {"memory_retain", "memory_recall", "memory_reflect", "memory_banks"}


def structured(result: CallToolResult) -> dict[str, Any]:
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def error_of(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error
    error: dict[str, Any] = structured(result)["error"]
    return error


@asynccontextmanager
async def stdio_client(tmp_path: Path, principal: str, **mcp_settings: Any) -> AsyncIterator[Client]:
    config = {"profile": "memory", "server": server_section(None, mcp=mcp_settings)}
    file = tmp_path / "astrocyte.yaml"
    file.write_text(yaml.safe_dump(config), encoding="utf-8")
    command = str(Path(sys.executable).with_name("astrocyte"))
    environment = dict(os.environ) | {API_KEY_VARIABLE: PRINCIPALS[principal][0]}
    parameters = StdioServerParameters(command=command, args=["mcp", "--config", str(file)], env=environment)
    async with Client(parameters) as client:
        yield client


async def test_stdio_every_tool_schema_violations_and_denials(tmp_path: Path) -> None:
    async with stdio_client(tmp_path, "alice", enable_forget=True) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == MEMORY_TOOLS | {"memory_forget"}
        assert tools["memory_retain"].input_schema["additionalProperties"] is False
        assert tools["memory_forget"].annotations is not None
        assert tools["memory_forget"].annotations.destructive_hint is True

        stored = await client.call_tool("memory_retain", {"content": "Alice prefers window seats", "tags": ["travel"]})
        memory_id = structured(stored)["memory_id"]
        await client.call_tool("memory_retain", {"content": "Alice flies to Lisbon in June"})
        recalled = structured(await client.call_tool("memory_recall", {"query": "Which seat does Alice like?"}))
        assert recalled["hits"][0]["text"] == "Alice prefers window seats"
        assert {hit["bank_id"] for hit in recalled["hits"]} == {"alice"}  # the identity's default bank
        answer = structured(await client.call_tool("memory_reflect", {"query": "Where does Alice fly in June?"}))
        assert "Lisbon" in answer["answer"]
        banks = structured(await client.call_tool("memory_banks", {}))
        assert {bank["bank_id"] for bank in banks["banks"]} == {"alice"}
        forgotten = structured(await client.call_tool("memory_forget", {"memory_ids": [memory_id]}))
        assert forgotten == {"deleted_count": 1}

        unknown = error_of(await client.call_tool("memory_recall", {"query": "x", "colour": "red"}))
        assert (unknown["code"], unknown["field"]) == ("validation_error", "colour")
        missing = error_of(await client.call_tool("memory_retain", {}))
        assert missing["field"] == "content"
        wrong_type = error_of(await client.call_tool("memory_recall", {"query": "x", "limit": "many"}))
        assert wrong_type["field"] == "limit"
        over = error_of(await client.call_tool("memory_recall", {"query": "x", "limit": 10_000}))
        assert over["field"] == "limit"
        denied = await client.call_tool("memory_retain", {"content": "sneaky", "bank": "bob"})
        error = error_of(denied)
        assert (error["code"], error["permission"]) == ("access_denied", "write")
        assert "Do not retry" in denied.content[0].text  # type: ignore[union-attr]
        no_forget = error_of(await client.call_tool("memory_forget", {"all": True, "bank": "bob"}))
        assert (no_forget["code"], no_forget["permission"]) == ("access_denied", "forget")


async def test_stdio_refuses_to_start_without_a_valid_key(tmp_path: Path) -> None:
    config = {"profile": "memory", "server": server_section(None)}
    file = tmp_path / "astrocyte.yaml"
    file.write_text(yaml.safe_dump(config), encoding="utf-8")
    command = str(Path(sys.executable).with_name("astrocyte"))
    environment = dict(os.environ) | {API_KEY_VARIABLE: "ast_wrong"}
    parameters = StdioServerParameters(command=command, args=["mcp", "--config", str(file)], env=environment)
    with pytest.raises(Exception):  # noqa: B017 - the process exits before the handshake; the SDK's error type varies
        async with Client(parameters) as client:
            await client.list_tools()


@pytest.fixture(scope="module")
def mcp_url() -> Any:
    config = load_config_dict({"profile": "memory", "server": server_section(None, mcp={"default_bank": "team"})})
    with running(http_app(config)) as url:
        yield f"{url}/mcp"


@asynccontextmanager
async def http_client(url: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def test_http_every_tool_with_per_request_identity(mcp_url: str) -> None:
    async with http_client(mcp_url, key_of("bob")) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == MEMORY_TOOLS  # forget is off by default
        absent = error_of(await client.call_tool("memory_forget", {"all": True}))
        assert absent["code"] == "not_found"
        stored = structured(await client.call_tool("memory_retain", {"content": "Bob keeps bees on the roof"}))
        assert stored["stored"] is True
        recalled = structured(await client.call_tool("memory_recall", {"query": "who keeps bees?"}))
        assert recalled["hits"][0]["bank_id"] == "bob"  # bob's identity names bob's bank as default
        answer = structured(await client.call_tool("memory_reflect", {"query": "Where are the bees?"}))
        assert "roof" in answer["answer"]
        assert {bank["bank_id"] for bank in structured(await client.call_tool("memory_banks", {}))["banks"]} == {"bob"}
    async with http_client(mcp_url, key_of("alice")) as client:
        stolen = error_of(await client.call_tool("memory_recall", {"query": "bees", "bank": "bob"}))
        assert (stolen["code"], stolen["permission"]) == ("access_denied", "read")
        invalid = error_of(await client.call_tool("memory_reflect", {"query": "", "bank": "alice"}))
        assert invalid["field"] == "query"


async def test_http_refuses_requests_without_a_valid_credential(mcp_url: str) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        response = await http.post(mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
        wrong = await http.post(mcp_url, json={}, headers={"X-API-Key": "ast_wrong"})
        assert wrong.status_code == 401
