"""The backends the contract suite runs against, each started or reached once per session.

Chroma runs two ways and the suite checks both: embedded (``PersistentClient`` on a temporary
folder) and as a server reached over HTTP. The server is the one a running deployment names in
ASTROCYTE_CHROMA_URL (CI may start it as a service container); without it, the tests start the
server the chromadb package itself ships (``chroma run``) on a free loopback port. Every contract
scenario writes to banks of its own, so they all share one backend of each kind safely.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

#: Where a running Chroma server is, when one is given (CI's service containers set it).
BACKEND_URL = "ASTROCYTE_CHROMA_URL"
_START_SECONDS = 60


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Constructor settings of the embedded store under test: a persistent folder for the session."""
    return {"path": str(tmp_path_factory.mktemp("chroma"))}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Constructor settings of the store on a Chroma server: the given one, else one started here."""
    url = os.environ.get(BACKEND_URL)
    if url:
        yield {"url": url}
        return
    folder = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    command = [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(folder / "data")]
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, folder / "server.log")
        yield {"url": url}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`chroma run` exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"`chroma run` did not answer at {url} within {_START_SECONDS} s:\n{log.read_text()[-2000:]}")
