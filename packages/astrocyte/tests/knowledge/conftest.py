"""Engines for the knowledge tests: in-memory stores with the hashing embedder, and documents to train."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from astrocyte.engine import Astrocyte

SETTINGS: dict[str, Any] = {
    "default_principal": "ana",
    "admins": ["root"],
    "groups": {"ops": ["ana", "bob"], "all": ["*"]},
    "protected_spaces": ["handbook"],
}


def contract_fence(contract: dict[str, Any]) -> str:
    return "```json\n" + json.dumps({"contract": contract}) + "\n```"


SHELL = contract_fence({"type": "shell", "shell": {"cmd": "psql -c 'select 1'", "timeout_seconds": 30}})
COMMENT = contract_fence({"type": "comment", "comment": {"min_length": 20}})
MCP = contract_fence({"type": "mcp", "mcp": {"tool_name": "deploy", "arguments": {"env": "prod"}}})
USER_INPUT = contract_fence({"type": "user_input", "user_input": {"prompt": "Did the app reconnect?"}})


def document(title: str = "Rotate database credentials", *, slug: str | None = None, extra: str = "") -> str:
    """A four-step adapter exercising every contract type, with patterns and a reward signal."""
    front = f"---\nslug: {slug}\nowner: ops\n---\n" if slug else ""
    return (
        f"{front}# {title}\n"
        "Credentials of the application database are rotated every quarter.\n"
        "## Activation Patterns\n- the database password expired\n- rotate or renew **DB** credentials\n"
        f"## Step 1: Create the new user\nCreate a login role for the application database.{extra}\n{SHELL}\n"
        f"## 2. Deploy the secret\nCall the deploy tool for production.\n{MCP}\n"
        f"## Confirm with the owner\nAsk the owner to confirm the application reconnected.\n{USER_INPUT}\n"
        "## Verify the database connections\nCheck that the database connections of the application use "
        f"the new user credentials.\n{COMMENT}\n"
        "## Reward Signal\nThe app connects with the new user and the old one is dropped.\n"
    )


OTHER = (
    "# Bake a sourdough loaf\n## Activation Patterns\n- bread with a starter\n"
    "## Feed the starter\nFeed flour and water twelve hours ahead.\n" + COMMENT + "\n"
)


def sqlite_config(path: Path, **knowledge: Any) -> dict[str, Any]:
    """The knowledge store (and the required vector store) on the SQLite file at ``path``."""
    return {
        "embedding_provider": "hashing",
        "vector_store": "sqlite",
        "vector_store_config": {"path": str(path)},
        "knowledge_store": "sqlite",
        "knowledge_store_config": {"path": str(path)},
        "knowledge": {**SETTINGS, **knowledge},
    }


@pytest.fixture
async def brain() -> AsyncIterator[Astrocyte]:
    async with Astrocyte.from_config_dict({"profile": "memory", "knowledge": SETTINGS}) as engine:
        yield engine
