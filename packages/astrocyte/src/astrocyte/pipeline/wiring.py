"""From configuration to a wired engine: every provider it names, loaded through discovery.

``Astrocyte()`` without configuration gets :func:`default_config`: every store ``sqlite`` in one
file at :func:`astrocyte.stores.sqlite.default_path` and the local ``minilm`` embedder. With
configuration, exactly the providers it names are loaded; the engine needs a vector store and an
embedding provider, and uses a document store (keyword recall, exact dedup), graph store (entities,
graph recall), bank store (the bank catalogue) and LLM provider (generated reflect, LLM entity
extraction) when they are named.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Iterable
from typing import Any

from astrocyte.config import AstrocyteConfig
from astrocyte.discovery import ProviderKind, load_provider
from astrocyte.errors import ConfigError, Problem
from astrocyte.pipeline.context import EngineContext
from astrocyte.pipeline.extraction import EntityExtractor, LightExtractor, LlmExtractor
from astrocyte.pipeline.writes import MemoryWriter

_REQUIRED = (ProviderKind.VECTOR_STORE, ProviderKind.EMBEDDING_PROVIDER)
_DEFAULT_STORES = (
    ProviderKind.VECTOR_STORE,
    ProviderKind.DOCUMENT_STORE,
    ProviderKind.GRAPH_STORE,
    ProviderKind.WIKI_STORE,
    ProviderKind.MENTAL_MODEL_STORE,
    ProviderKind.SOURCE_STORE,
    ProviderKind.PAGEINDEX_STORE,
    ProviderKind.BANK_STORE,
    ProviderKind.KNOWLEDGE_STORE,
)


def default_config() -> AstrocyteConfig:
    """The embedded default: every store on one SQLite file, the MiniLM embedder, no LLM."""
    from astrocyte.stores.sqlite import default_path  # the one concrete backend the core names

    settings: dict[str, Any] = {"embedding_provider": "minilm"}
    for kind in _DEFAULT_STORES:
        settings[kind.value] = "sqlite"
        settings[kind.config_key] = {"path": default_path()}
    return AstrocyteConfig.model_validate(settings)


def build_context(config: AstrocyteConfig) -> EngineContext:
    """Load every provider ``config`` names; on any failure, release those already created."""
    _check_required(config)
    providers: dict[ProviderKind, Any] = {}
    try:
        for kind in ProviderKind:
            name, settings = config.provider(kind)
            if name is not None:
                providers[kind] = load_provider(kind, name, settings)
        return _context(config, providers)
    except BaseException:
        close_in_thread(providers.values())
        raise


async def close_providers(providers: Iterable[Any]) -> None:
    """Call ``close()`` (sync or async) on every provider that has one, even if one of them fails."""
    failures: list[Exception] = []
    for provider in providers:
        close = getattr(provider, "close", None)
        if close is None:
            continue
        try:
            outcome = close()
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as failure:
            failures.append(failure)
    if failures:
        raise failures[0]


def close_in_thread(providers: Iterable[Any]) -> None:
    """:func:`close_providers` from synchronous code, whether or not an event loop is running here."""
    pending = list(providers)
    if not pending:
        return
    worker = threading.Thread(target=lambda: asyncio.run(close_providers(pending)), name="astrocyte-close")
    worker.start()
    worker.join()


def _check_required(config: AstrocyteConfig) -> None:
    problems = [
        Problem(kind.value, f"is required: the memory engine needs a {kind.label}")
        for kind in _REQUIRED
        if config.provider(kind)[0] is None
    ]
    if config.engine_provider is not None:
        problems.append(Problem("engine_provider", "is not supported by this version of the Astrocyte facade"))
    if config.engine.retain.entity_extraction == "llm" and config.llm_provider is None:
        problems.append(Problem("engine.retain.entity_extraction", "is 'llm' but no llm_provider is named"))
    if problems:
        raise ConfigError("the configuration cannot run the memory engine", problems)


def _context(config: AstrocyteConfig, providers: dict[ProviderKind, Any]) -> EngineContext:
    vectors = providers[ProviderKind.VECTOR_STORE]
    documents = providers.get(ProviderKind.DOCUMENT_STORE)
    graph = providers.get(ProviderKind.GRAPH_STORE)
    llm = providers.get(ProviderKind.LLM_PROVIDER)
    return EngineContext(
        config=config,
        vectors=vectors,
        embedder=providers[ProviderKind.EMBEDDING_PROVIDER],
        documents=documents,
        graph=graph,
        banks=providers.get(ProviderKind.BANK_STORE),
        llm=llm,
        extractor=_extractor(config, llm),
        writer=MemoryWriter(vectors, documents, graph),
        providers=providers,
    )


def _extractor(config: AstrocyteConfig, llm: Any) -> EntityExtractor:
    wanted = config.engine.retain.entity_extraction
    if llm is not None and wanted != "rules":
        return LlmExtractor(llm)
    return LightExtractor()
