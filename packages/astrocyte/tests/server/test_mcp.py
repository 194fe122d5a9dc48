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

from ._adapters import full_run, procedure
from ._support import PRINCIPALS, key_of, running, server_section

MEMORY_TOOLS = {"memory_retain", "memory_recall", "memory_reflect", "memory_banks"}
ADAPTER_OPERATIONS = {"activate", "forward", "reward", "train", "tune", "export", "attach", "artifacts", "spaces"}
DEFAULT_TOOLS = MEMORY_TOOLS | {f"adapter_{operation}" for operation in ADAPTER_OPERATIONS}


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
    async with stdio_client(tmp_path, "alice", enable_forget=True, enable_adapter_delete=True) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == DEFAULT_TOOLS | {"memory_forget", "adapter_delete"}
        assert tools["memory_retain"].input_schema["additionalProperties"] is False
        for destructive in ("memory_forget", "adapter_delete"):
            annotations = tools[destructive].annotations
            assert annotations is not None
            assert annotations.destructive_hint is True

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

        trained = structured(await client.call_tool("adapter_train", {"content": procedure("Renew the certificate")}))
        uri = trained["adapters"][0]["uri"]
        deleted = structured(await client.call_tool("adapter_delete", {"uri": uri}))
        assert (deleted["uri"], deleted["artifacts_deleted"]) == (uri, 0)
        gone = error_of(await client.call_tool("adapter_export", {"uri": uri}))
        assert gone["code"] == "not_found"


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
        assert {tool.name for tool in (await client.list_tools()).tools} == DEFAULT_TOOLS  # no destructive tools
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


async def test_http_a_whole_adapter_run_schema_violations_and_denials(mcp_url: str) -> None:
    async with http_client(mcp_url, key_of("alice")) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["adapter_forward"].input_schema["additionalProperties"] is False
        assert "adapter_delete" not in tools  # off unless enabled

        async def call(operation: str, arguments: dict[str, Any]) -> dict[str, Any]:
            result = await client.call_tool(f"adapter_{operation}", arguments)
            assert not result.is_error, result.content
            return structured(result)

        await full_run(call, "Renew the web certificate", lambda operation: f"adapter_{operation}")
        [personal, *_] = (await call("spaces", {}))["spaces"]
        assert personal["space_id"] == "user:alice"  # the caller's identity is the knowledge principal
        [adapter] = personal["adapters"]
        markdown = (await call("export", {"uri": adapter["uri"]}))["markdown"]
        assert "# Renew the web certificate" in markdown
        assert "certbot renew --cert-name web" in markdown  # the contracts come back too
        attached = await call("attach", {"uri": adapter["uri"], "name": "renew.sh", "content": "certbot renew\n"})
        listed = await call("artifacts", {"uri": adapter["uri"], "include_content": True})
        assert [(item["uri"], item["content"]) for item in listed["artifacts"]] == [
            (attached["uri"], "certbot renew\n")
        ]

        wrong_uri = error_of(await client.call_tool("adapter_forward", {"uri": "https://example.org/x"}))
        assert (wrong_uri["code"], wrong_uri["field"]) == ("validation_error", "uri")
        no_nonce = {"uri": adapter["uri"], "execution_id": "x", "solution": {"proof_hash": "p", "evidence": {}}}
        assert error_of(await client.call_tool("adapter_forward", no_nonce))["field"] == "solution.nonce"
        outcome = error_of(await client.call_tool("adapter_reward", {"execution_id": "x", "outcome": "maybe"}))
        assert outcome["field"] == "outcome"
        extra = error_of(await client.call_tool("adapter_spaces", {"space": "shared"}))
        assert extra["field"] == "space"
        unknown_run = error_of(await client.call_tool("adapter_reward", {"execution_id": "nope", "outcome": "failure"}))
        assert unknown_run["code"] == "not_found"

        protected = await client.call_tool("adapter_train", {"content": procedure("Rotate keys"), "space": "shared"})
        denied = error_of(protected)
        assert denied["code"] == "access_denied"
        assert "Do not retry" in protected.content[0].text  # type: ignore[union-attr]
    async with http_client(mcp_url, key_of("bob")) as client:
        hidden = error_of(await client.call_tool("adapter_export", {"uri": adapter["uri"]}))
        assert hidden["code"] == "not_found"  # alice's personal space is not even visible to bob
        bob_spaces = structured(await client.call_tool("adapter_spaces", {}))["spaces"]
        assert [space["adapters"] for space in bob_spaces if space["space_id"] == "user:bob"] == [[]]
