"""What the tests of the SQLite stores share: one store on a file for a whole module, and an aborted transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol, TypeVar

import pytest


class _Closable(Protocol):
    def __init__(self, path: str | None = None) -> None: ...

    async def close(self) -> None: ...


Store = TypeVar("Store", bound=_Closable)


def shared_file_store(store_class: type[Store]) -> Any:
    """A module-scoped fixture: one ``store_class`` on one file for every scenario, as a long-lived deployment has."""

    @pytest.fixture(scope="module")
    def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
        store = store_class(str(tmp_path_factory.mktemp("shared") / "astrocyte.db"))
        yield store
        asyncio.run(store.close())

    return shared_store


class Aborted(Exception):
    """Raised inside a transaction to roll it back."""


async def abort_after(transaction: Callable[[], Any], work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` inside ``transaction()``, then raise :class:`Aborted` so that it rolls back."""
    async with transaction():
        await work()
        raise Aborted
