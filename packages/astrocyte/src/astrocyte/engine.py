"""The facade: :class:`Astrocyte` (async) and :class:`SyncAstrocyte` (the same methods, blocking).

Thin on purpose: construction wires providers (:mod:`astrocyte.pipeline.wiring`), each method checks
what only the facade knows (which banks, which defaults) and delegates to one pipeline module.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from astrocyte.config import AstrocyteConfig, load_config, load_config_dict
from astrocyte.discovery import ProviderKind
from astrocyte.errors import AstrocyteError, CapabilityNotSupported, ValidationError
from astrocyte.knowledge.blocking import SyncKnowledge
from astrocyte.knowledge.service import KnowledgeService
from astrocyte.pipeline import banks as bank_ops
from astrocyte.pipeline import forget as forget_ops
from astrocyte.pipeline import health as health_ops
from astrocyte.pipeline import recall as recall_ops
from astrocyte.pipeline import reflect as reflect_ops
from astrocyte.pipeline import retain as retain_ops
from astrocyte.pipeline import transfer
from astrocyte.pipeline.banks import BankStats
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.filters import RecallFilters
from astrocyte.pipeline.health import HealthReport
from astrocyte.pipeline.wiring import build_context, close_providers, default_config
from astrocyte.types import Bank, ForgetResult, MemoryInput, Metadata, RecallResult, ReflectResult, RetainResult
from astrocyte.validation import check_bank_id, check_positive_int, check_text

P = ParamSpec("P")
T = TypeVar("T")

RetainItem = str | MemoryInput | Mapping[str, Any]


class Astrocyte:
    """Memory for agents: retain, recall, reflect and forget on named banks.

    ``Astrocyte()`` runs on the embedded default (one SQLite file, the local MiniLM embedder);
    :meth:`from_config` and :meth:`from_config_dict` wire what an ``astrocyte.yaml`` names. Use it
    as an async context manager, or call :meth:`close` to release every provider.
    """

    def __init__(self, config: AstrocyteConfig | None = None) -> None:
        self._config = config if config is not None else default_config()
        self._ctx: EngineContext | None = build_context(self._config)
        self._knowledge: KnowledgeService | None = None

    @classmethod
    def from_config(cls, path: str | os.PathLike[str]) -> Astrocyte:
        """Wire the providers named by the YAML file at ``path``."""
        return cls(load_config(path))

    @classmethod
    def from_config_dict(cls, data: Mapping[str, Any]) -> Astrocyte:
        """Wire the providers named by an already parsed configuration (``{"profile": "memory"}``)."""
        return cls(load_config_dict(data))

    @property
    def config(self) -> AstrocyteConfig:
        return self._config

    @property
    def providers(self) -> dict[ProviderKind, Any]:
        """Every configured provider by kind (a copy of the mapping; the providers themselves are live)."""
        return dict(self._context().providers)

    @property
    def knowledge(self) -> KnowledgeService:
        """Knowledge adapters (train, activate, forward, reward, ...) on the configured knowledge store."""
        ctx = self._context()
        if self._knowledge is None:
            store = ctx.providers.get(ProviderKind.KNOWLEDGE_STORE)
            if store is None:
                raise CapabilityNotSupported(
                    "no knowledge_store is configured; name one (for example `knowledge_store: sqlite`)"
                )
            self._knowledge = KnowledgeService(store, ctx.embedder, ctx.config.knowledge)
        return self._knowledge

    async def __aenter__(self) -> Astrocyte:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release every provider (closing connections); later calls raise. Closing twice is harmless."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            await close_providers(ctx.providers.values())

    # ------------------------------------------------------------------------------ memories

    async def retain(
        self,
        content: str,
        bank_id: str,
        *,
        metadata: Metadata | None = None,
        tags: list[str] | None = None,
        occurred_at: datetime | None = None,
        source: str | None = None,
    ) -> RetainResult:
        """Store ``content`` in ``bank_id`` (chunked when long; deduplicated against the bank)."""
        item = MemoryInput(content=content, metadata=metadata, tags=tags, occurred_at=occurred_at, source=source)
        [result] = await retain_ops.retain_items(self._context(), [item], bank_id, prefix="")
        return result

    async def retain_many(self, items: Sequence[RetainItem], bank_id: str) -> list[RetainResult]:
        """Store many items (texts, mappings of :class:`MemoryInput` fields, or MemoryInputs) in one
        call: validated together, embedded in batches, written in one unit. One result per item."""
        return await retain_ops.retain_items(self._context(), items, bank_id, prefix="items[{index}].")

    async def recall(
        self,
        query: str,
        bank_id: str | None = None,
        *,
        banks: Sequence[str] | None = None,
        limit: int | None = None,
        max_tokens: int | None = None,
        tags: Iterable[str] | None = None,
        tag_match: str = "any",
        time_range: tuple[datetime, datetime] | None = None,
        metadata_filters: Mapping[str, Any] | None = None,
    ) -> RecallResult:
        """The memories of ``bank_id`` (or of several ``banks``) that best match ``query``.

        ``limit`` and ``max_tokens`` default to the configuration's ``defaults``; ``tags`` match
        any of them (``tag_match="all"``: every one); ``time_range`` bounds ``occurred_at``.
        """
        ctx = self._context()
        check_text(query, "query")
        bank_ids = _bank_ids(bank_id, banks)
        chosen_limit = check_positive_int(ctx.config.defaults.recall_limit if limit is None else limit, "limit")
        budget = ctx.config.defaults.max_tokens if max_tokens is None else max_tokens
        filters = RecallFilters.checked(tags, tag_match, time_range, metadata_filters)
        return await recall_ops.recall(
            ctx,
            query,
            bank_ids,
            limit=chosen_limit,
            max_tokens=None if budget is None else check_positive_int(budget, "max_tokens"),
            filters=filters,
        )

    async def reflect(
        self,
        query: str,
        bank_id: str,
        *,
        tags: Iterable[str] | None = None,
        tag_match: str = "any",
        time_range: tuple[datetime, datetime] | None = None,
        metadata_filters: Mapping[str, Any] | None = None,
    ) -> ReflectResult:
        """An answer to ``query`` from ``bank_id``'s memories, citing them as ``[n]`` = ``sources[n - 1]``:
        generated by the configured LLM provider, else extracted (``mode="extractive"``)."""
        ctx = self._context()
        check_text(query, "query")
        check_bank_id(bank_id)
        filters = RecallFilters.checked(tags, tag_match, time_range, metadata_filters)
        return await reflect_ops.reflect(ctx, query, bank_id, filters=filters)

    async def forget(
        self,
        bank_id: str,
        *,
        memory_ids: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        before: datetime | None = None,
        all: bool = False,
    ) -> ForgetResult:
        """Remove memories from every store: by id, by tag (any), retained ``before`` an instant
        (selectors combine as "and"), or ``all`` of the bank."""
        return await forget_ops.forget(
            self._context(), bank_id, memory_ids=memory_ids, tags=tags, before=before, everything=all
        )

    # ------------------------------------------------------------------------------ banks

    async def create_bank(
        self, bank_id: str, *, description: str | None = None, metadata: Metadata | None = None
    ) -> Bank:
        """Record a new bank; raises :class:`~astrocyte.errors.Conflict` when it exists."""
        return await bank_ops.create_bank(self._context(), bank_id, description, metadata)

    async def list_banks(self) -> list[Bank]:
        """Every recorded bank, ordered by id."""
        return await bank_ops.list_banks(self._context())

    async def bank_stats(self, bank_id: str) -> BankStats:
        """How many memories ``bank_id`` holds, with its record."""
        return await bank_ops.bank_stats(self._context(), bank_id)

    async def delete_bank(self, bank_id: str) -> ForgetResult:
        """Empty ``bank_id`` in every store and drop its record."""
        return await bank_ops.delete_bank(self._context(), bank_id)

    async def export_bank(self, bank_id: str, path: str | os.PathLike[str], *, include_vectors: bool = True) -> int:
        """Write ``bank_id`` to ``path`` as JSON Lines; returns the number of memories written."""
        return await transfer.export_bank(self._context(), bank_id, path, vectors=include_vectors)

    async def import_bank(self, path: str | os.PathLike[str], bank_id: str | None = None) -> int:
        """Load an export into ``bank_id`` (default: the bank it came from); importing again changes nothing."""
        return await transfer.import_bank(self._context(), path, bank_id)

    async def health(self) -> HealthReport:
        """Every configured store's health, asked concurrently."""
        return await health_ops.health(self._context())

    def _context(self) -> EngineContext:
        if self._ctx is None:
            raise AstrocyteError("this Astrocyte is closed; create a new one")
        return self._ctx


def _bank_ids(bank_id: str | None, banks: Sequence[str] | None) -> list[str]:
    if bank_id is not None and banks is not None:
        raise ValidationError("banks", "give bank_id or banks, not both")
    if banks is None:
        if bank_id is None:
            raise ValidationError("bank_id", "name the bank to recall from (or several with banks=[...])")
        return [check_bank_id(bank_id)]
    if isinstance(banks, (str, bytes)) or not banks:
        raise ValidationError("banks", "must be a non-empty list of bank ids")
    return list(dict.fromkeys(check_bank_id(bank, f"banks[{index}]") for index, bank in enumerate(banks)))


# ---------------------------------------------------------------------------------- blocking facade


def _blocking(
    method: Callable[Concatenate[Astrocyte, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[SyncAstrocyte, P], T]:
    """The blocking twin of an :class:`Astrocyte` method: it runs on the facade's event loop."""

    def call(facade: SyncAstrocyte, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return facade._run(method(facade._engine, *args, **kwargs))

    call.__name__ = method.__name__
    call.__qualname__ = f"SyncAstrocyte.{method.__name__}"
    call.__doc__ = method.__doc__
    return call


class SyncAstrocyte:
    """:class:`Astrocyte` for synchronous code: the same methods, each blocking until done.

    The async engine runs on a private event loop in a background thread, so it may be used from
    any thread (calls are serialised by that loop) and even from inside another event loop. Use it
    as a context manager or call :meth:`close`.
    """

    def __init__(self, config: AstrocyteConfig | None = None) -> None:
        self._engine = Astrocyte(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="astrocyte-loop", daemon=True)
        self._thread.start()
        self._closed = False
        self.knowledge = SyncKnowledge(self._run, lambda: self._engine.knowledge)

    @classmethod
    def from_config(cls, path: str | os.PathLike[str]) -> SyncAstrocyte:
        return cls(load_config(path))

    @classmethod
    def from_config_dict(cls, data: Mapping[str, Any]) -> SyncAstrocyte:
        return cls(load_config_dict(data))

    @property
    def config(self) -> AstrocyteConfig:
        return self._engine.config

    def __enter__(self) -> SyncAstrocyte:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release every provider and stop the background loop. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._engine.close(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            work.close()
            raise AstrocyteError("this SyncAstrocyte is closed; create a new one")
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    retain = _blocking(Astrocyte.retain)
    retain_many = _blocking(Astrocyte.retain_many)
    recall = _blocking(Astrocyte.recall)
    reflect = _blocking(Astrocyte.reflect)
    forget = _blocking(Astrocyte.forget)
    create_bank = _blocking(Astrocyte.create_bank)
    list_banks = _blocking(Astrocyte.list_banks)
    bank_stats = _blocking(Astrocyte.bank_stats)
    delete_bank = _blocking(Astrocyte.delete_bank)
    export_bank = _blocking(Astrocyte.export_bank)
    import_bank = _blocking(Astrocyte.import_bank)
    health = _blocking(Astrocyte.health)


__all__ = ["Astrocyte", "BankStats", "HealthReport", "MemoryInput", "SyncAstrocyte"]
