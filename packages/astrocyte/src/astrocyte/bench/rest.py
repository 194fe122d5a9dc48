"""``astrocyte bench rest``: REST recall latency under concurrent clients beside in-process recall.

The server is ``astrocyte serve --dev`` in its own process on the embedded default (SQLite stores,
with the hashing embedder as in ``bench engine`` so the figures measure the framework, not the
model). ``clients`` concurrent HTTP clients share ``queries`` recalls; each request's latency is
measured at the client. One client alone then sends a tenth of them, which separates what HTTP
adds to one request from the queueing that concurrent clients meet on a single server process.
The baseline, measured in the same run on the same SQLite file, is the facade's own ``recall``
called in this process one query at a time.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from astrocyte.bench.corpus import queries, sentences
from astrocyte.bench.engine import BANK, BATCH, bench_config
from astrocyte.bench.timing import Latency, time_each_async
from astrocyte.config import AstrocyteConfig
from astrocyte.engine import Astrocyte
from astrocyte.stores.sqlite import temporary_home


@dataclass(frozen=True)
class RestReport:
    bank_size: int
    clients: int
    rest: Latency
    rest_one_client: Latency
    in_process: Latency

    @property
    def overhead(self) -> float:
        """REST p50 under load over in-process p50 (1.0 = the HTTP layer and contention add nothing)."""
        return self.rest.p50_ms / self.in_process.p50_ms

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"overhead": self.overhead, "store": "sqlite (embedded default)", "embedder": "hashing"}


def run(size: int, query_count: int, clients: int) -> RestReport:
    asked = queries(query_count)
    with temporary_home(prefix="astrocyte-bench-rest-") as home:
        config = bench_config()
        in_process = asyncio.run(_in_process(config, size, asked))
        settings = config.model_dump(exclude={"server"})
        settings["server"] = {"limits": {"rate_per_second": 1e9, "rate_burst": 1_000_000_000}}  # measure, not limit
        file = Path(home) / "astrocyte.yaml"
        file.write_text(yaml.safe_dump(settings), encoding="utf-8")
        port = _free_port()
        command = [sys.executable, "-c", "from astrocyte.cli import main; main()", "serve", "--dev"]
        server = subprocess.Popen(
            [*command, "--config", str(file), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            rest = asyncio.run(_load(base, server, asked, clients))
            alone = asyncio.run(_load(base, server, asked[: max(10, len(asked) // 10)], 1))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return RestReport(bank_size=size, clients=clients, rest=rest, rest_one_client=alone, in_process=in_process)


async def _in_process(config: AstrocyteConfig, size: int, asked: list[str]) -> Latency:
    """Fill the bank, then time the facade's recall one query at a time (after one warm-up call)."""
    async with Astrocyte(config) as engine:
        texts = sentences(size)
        for start in range(0, size, BATCH):
            await engine.retain_many(texts[start : start + BATCH], BANK)
        await engine.recall(asked[0], BANK)
        return await time_each_async(lambda query: engine.recall(query, BANK, limit=10), asked)


async def _load(base: str, server: subprocess.Popen[bytes], asked: list[str], clients: int) -> Latency:
    """``clients`` workers pull queries from one queue; every request is timed at the client."""
    await _wait_until_up(base, server)
    pending: asyncio.Queue[str] = asyncio.Queue()
    for query in asked:
        pending.put_nowait(query)
    durations: list[float] = []
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
        await http.post(f"/v1/banks/{BANK}/recall", json={"query": asked[0], "limit": 10})

        async def worker() -> None:
            while not pending.empty():
                query = pending.get_nowait()
                started = time.perf_counter()
                response = await http.post(f"/v1/banks/{BANK}/recall", json={"query": query, "limit": 10})
                durations.append(time.perf_counter() - started)
                response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(clients)))
    return Latency.of(durations)


async def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base) as http:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"astrocyte serve exited with status {server.returncode}")
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("astrocyte serve did not answer /health within 60 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


__all__ = ["RestReport", "run"]
