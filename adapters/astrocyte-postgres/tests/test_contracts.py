"""Every store of the adapter against its SPI's whole contract suite, on the session's server."""

from __future__ import annotations

from astrocyte.testing.contracts import (
    BankStoreContract,
    DocumentStoreContract,
    GraphStoreContract,
    KnowledgeStoreContract,
    MentalModelStoreContract,
    PageIndexStoreContract,
    SourceStoreContract,
    VectorStoreContract,
    WikiStoreContract,
)
from astrocyte_postgres.banks import PostgresBankStore
from astrocyte_postgres.documents import PostgresDocumentStore
from astrocyte_postgres.graph import PostgresGraphStore
from astrocyte_postgres.knowledge import PostgresKnowledgeStore
from astrocyte_postgres.mental_models import PostgresMentalModelStore
from astrocyte_postgres.pageindex import PostgresPageIndexStore
from astrocyte_postgres.sources import PostgresSourceStore
from astrocyte_postgres.vectors import PostgresVectorStore
from astrocyte_postgres.wiki import PostgresWikiStore

from ._binding import class_schema, store_fixture

__all__ = ["class_schema"]


class TestPostgresVectorStore(VectorStoreContract):
    """Small banks: searched exactly."""

    store = store_fixture(PostgresVectorStore)


class TestPostgresVectorStoreThroughHnsw(VectorStoreContract):
    """Every bank searched through the HNSW index on halfvec (iterative scans), 12 dimensions by configuration."""

    dimensions = 12
    store = store_fixture(lambda dsn, schema: PostgresVectorStore(dsn, schema, dimensions=12, exact_search_below=0))


class TestPostgresVectorStoreThroughSinglePrecisionHnsw(VectorStoreContract):
    """The same through an HNSW index on the vectors themselves (``hnsw_halfvec: false``)."""

    dimensions = 12
    store = store_fixture(
        lambda dsn, schema: PostgresVectorStore(dsn, schema, dimensions=12, exact_search_below=0, hnsw_halfvec=False)
    )


class TestPostgresDocumentStore(DocumentStoreContract):
    store = store_fixture(PostgresDocumentStore)


class TestPostgresGraphStore(GraphStoreContract):
    store = store_fixture(PostgresGraphStore)


class TestPostgresWikiStore(WikiStoreContract):
    store = store_fixture(PostgresWikiStore)


class TestPostgresMentalModelStore(MentalModelStoreContract):
    store = store_fixture(PostgresMentalModelStore)


class TestPostgresSourceStore(SourceStoreContract):
    store = store_fixture(PostgresSourceStore)


class TestPostgresPageIndexStore(PageIndexStoreContract):
    store = store_fixture(PostgresPageIndexStore)


class TestPostgresBankStore(BankStoreContract):
    store = store_fixture(PostgresBankStore)


class TestPostgresKnowledgeStore(KnowledgeStoreContract):
    store = store_fixture(PostgresKnowledgeStore)
