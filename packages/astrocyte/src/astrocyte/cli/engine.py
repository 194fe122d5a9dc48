"""Which engine a command talks to: ``--config FILE``, else ``./astrocyte.yaml``, else the embedded default."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from astrocyte.engine import Astrocyte

T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="ASTROCYTE_CONFIG",
        help="astrocyte.yaml to use (default: ./astrocyte.yaml if present, else the embedded default).",
    ),
]

LOCAL_CONFIG = Path("astrocyte.yaml")


def open_engine(config: Path | None) -> Astrocyte:
    """The engine named by ``config``, the working directory's ``astrocyte.yaml``, or the default."""
    if config is not None:
        return Astrocyte.from_config(config)
    if LOCAL_CONFIG.is_file():
        return Astrocyte.from_config(LOCAL_CONFIG)
    return Astrocyte()


def run_with_engine(config: Path | None, work: Callable[[Astrocyte], Awaitable[T]]) -> T:
    """Open the engine, run ``work`` on it, and close it whatever happens."""

    async def session() -> T:
        async with open_engine(config) as engine:
            return await work(engine)

    return asyncio.run(session())
