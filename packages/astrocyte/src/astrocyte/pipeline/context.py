"""What every pipeline step works with: the providers, the configuration and the shared writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from astrocyte.config import AstrocyteConfig, EngineSettings
from astrocyte.discovery import ProviderKind
from astrocyte.errors import CapabilityNotSupported
from astrocyte.pipeline.extraction import EntityExtractor
from astrocyte.pipeline.writes import MemoryWriter
from astrocyte.spi import BankStore, DocumentStore, EmbeddingProvider, GraphStore, LLMProvider, VectorStore


@dataclass
class EngineContext:
    """The wired engine. ``providers`` holds every configured provider by kind (for health, close
    and bank deletion); the typed fields are the ones the memory pipeline uses."""

    config: AstrocyteConfig
    vectors: VectorStore
    embedder: EmbeddingProvider
    documents: DocumentStore | None
    graph: GraphStore | None
    banks: BankStore | None
    llm: LLMProvider | None
    extractor: EntityExtractor
    writer: MemoryWriter
    providers: dict[ProviderKind, Any] = field(default_factory=dict)

    @property
    def settings(self) -> EngineSettings:
        return self.config.engine

    def bank_store(self) -> BankStore:
        """The bank store, for operations that cannot work without one."""
        if self.banks is None:
            raise CapabilityNotSupported("no bank_store is configured; name one (for example `bank_store: sqlite`)")
        return self.banks
