"""Executable contract suites, one per SPI. Subclass one and give it a ``store`` fixture::

    from astrocyte.testing.contracts import VectorStoreContract

    class TestMyVectorStore(VectorStoreContract):
        @pytest.fixture
        def store(self):
            return MyVectorStore(dsn=...)

Suites are imported lazily so that importing one does not import the others.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_SUITE_MODULES = {
    "VectorStoreContract": "vector_store",
    "DocumentStoreContract": "document_store",
    "GraphStoreContract": "graph_store",
    "WikiStoreContract": "wiki_store",
    "MentalModelStoreContract": "mental_model_store",
    "SourceStoreContract": "source_store",
    "PageIndexStoreContract": "pageindex_store",
    "BankStoreContract": "bank_store",
    "KnowledgeStoreContract": "knowledge_store",
    "EmbeddingProviderContract": "embedding_provider",
    "LLMProviderContract": "llm_provider",
}

__all__ = sorted(_SUITE_MODULES)


def __getattr__(name: str) -> Any:
    module_name = _SUITE_MODULES.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module_name}"), name)
