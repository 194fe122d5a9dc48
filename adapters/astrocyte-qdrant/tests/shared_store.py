"""One store for every scenario of a contract class, as a long-lived deployment has.

The suites write to banks of their own, so scenarios can share a store; opening a shard or a
local-mode directory (with its payload indexes) per scenario cost most of the run time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


class SharedStore:
    """Mix in before a contract suite and define :meth:`open`."""

    @staticmethod
    def open(folder: Path) -> Any:
        raise NotImplementedError("define open(folder) to return the store under test")

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        store = cls.open(tmp_path_factory.mktemp("store"))
        yield store
        asyncio.run(store.close())

    @pytest.fixture
    def store(self, shared_store: Any) -> Any:
        return shared_store
