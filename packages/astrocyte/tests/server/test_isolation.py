"""Isolation under load: 20 clients with different principals retain and recall in their own banks at once
for a few seconds; no response ever holds another bank's memory, and reaching into another bank is 403."""

from __future__ import annotations

import asyncio
import time

import httpx

from astrocyte.config import load_config_dict
from astrocyte.governance.keys import hash_key
from astrocyte.server.rest import create_app

from ._support import running

CLIENTS = 20
SECONDS = 3.0


def key(index: int) -> str:
    return f"ast_isolation-key-{index:02d}"


async def worker(url: str, index: int, deadline: float) -> tuple[int, list[str]]:
    """Retain, recall, reach into the neighbour's bank, until the deadline (at least once);
    returns how many memories were stored and every recalled text that is not this worker's own."""
    bank, marker = f"iso-{index:02d}", f"marker{index:02d}"
    neighbour = f"iso-{(index + 1) % CLIENTS:02d}"
    leaks: list[str] = []
    calls = stored_count = 0
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key(index)}, timeout=60) as http:
        while calls == 0 or time.monotonic() < deadline:
            stored = await http.post(
                f"/v1/banks/{bank}/memories", json={"content": f"{marker} secret note number {calls} of {bank}"}
            )
            assert stored.status_code == 200, stored.text
            stored_count += stored.json()["stored"]
            recalled = await http.post(f"/v1/banks/{bank}/recall", json={"query": "secret note number", "limit": 20})
            assert recalled.status_code == 200, recalled.text
            leaks += [
                hit["text"]
                for hit in recalled.json()["hits"]
                if hit["bank_id"] != bank or not hit["text"].startswith(marker)
            ]
            reached = await http.post(f"/v1/banks/{neighbour}/recall", json={"query": "secret note number"})
            assert reached.status_code == 403
            assert "secret note" not in reached.text
            calls += 1
        held = await http.get(f"/v1/banks/{bank}")
        assert held.json()["memory_count"] == stored_count  # no write of another worker landed here
    return stored_count, leaks


def test_no_bank_sees_another_under_concurrent_load() -> None:
    principals = {
        f"agent-{index:02d}": {"api_keys": [hash_key(key(index))], "grants": {f"iso-{index:02d}": ["read", "write"]}}
        for index in range(CLIENTS)
    }
    limits = {"rate_per_second": 10_000, "rate_burst": 10_000}
    config = load_config_dict({"profile": "memory", "server": {"principals": principals, "limits": limits}})

    async def load(url: str) -> list[tuple[int, list[str]]]:
        deadline = time.monotonic() + SECONDS
        return await asyncio.gather(*(worker(url, index, deadline) for index in range(CLIENTS)))

    with running(create_app(config)) as url:
        results = asyncio.run(load(url))
    assert sum(stored for stored, _ in results) >= CLIENTS
    assert [leak for _, leaks in results for leak in leaks] == []
