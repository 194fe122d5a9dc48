"""The contract suites against a real Qdrant server, named by ``ASTROCYTE_QDRANT_URL``.

No Qdrant server can be installed here from a package, so these run only where one is reachable
(the GitHub workflow starts one as a service container and sets the variable; ``ASTROCYTE_QDRANT_API_KEY``
is passed when set). Without it the module is skipped as a whole, with that reason in the report. Each
scenario writes to a fresh collection and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from qdrant_client import AsyncQdrantClient

from astrocyte.testing.contracts.document_store import DocumentStoreContract
from astrocyte.testing.contracts.vector_store import VectorStoreContract
from astrocyte_qdrant.client_store import QdrantDocumentStore, QdrantVectorStore

URL = os.environ.get("ASTROCYTE_QDRANT_URL")
API_KEY = os.environ.get("ASTROCYTE_QDRANT_API_KEY") or None

if URL is None:
    pytest.skip(
        "NOT RUN: ASTROCYTE_QDRANT_URL is not set, so there is no Qdrant server to test against "
        "(set it to e.g. http://localhost:6333; the qdrant-client local mode and qdrant-edge suites ran instead)",
        allow_module_level=True,
    )


@pytest.fixture
async def collection() -> AsyncIterator[str]:
    """A collection name of this scenario alone, dropped from the server afterwards."""
    name = f"astrocyte_test_{uuid.uuid4().hex[:12]}"
    yield name
    client = AsyncQdrantClient(url=URL, api_key=API_KEY)
    await client.delete_collection(name)
    await client.close()


class TestServerVectors(VectorStoreContract):
    @pytest.fixture
    async def store(self, collection: str) -> AsyncIterator[QdrantVectorStore]:
        store = QdrantVectorStore(url=URL, api_key=API_KEY, collection=collection, hybrid=True)
        yield store
        await store.close()


class TestServerDocuments(DocumentStoreContract):
    @pytest.fixture
    async def store(self, collection: str) -> AsyncIterator[QdrantDocumentStore]:
        store = QdrantDocumentStore(url=URL, api_key=API_KEY, collection=collection)
        yield store
        await store.close()


async def test_server_declares_approximate_search(collection: str) -> None:
    """A server searches with HNSW, so the store does not promise exact results."""
    store = QdrantVectorStore(url=URL, api_key=API_KEY, collection=collection)
    assert store.capabilities().exact_search is False
    assert (await store.health()).healthy
    await store.close()
