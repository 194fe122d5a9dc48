"""The Service Provider Interfaces: what a backend implements to plug into Astrocyte.

Every SPI is a small ``typing.Protocol``: adapters need no base class, only the methods. Each
Protocol carries ``SPI_VERSION``; :mod:`astrocyte.discovery` refuses a provider whose version the
core does not support, and one whose members are missing or not ``async`` where the Protocol's are.

Rules every store follows (the contract suites in :mod:`astrocyte.testing.contracts` check them):

- **Bank-scoped.** Every method takes ``bank_id`` (or reads it from the DTO). Nothing one bank
  stores is ever visible, countable or deletable through another; ids are unique per bank only, so
  the same id may live in two banks as two different items.
- **Upserts.** Storing an item whose id exists in that bank replaces it.
- **Empty input is a no-op** that returns an empty result, never an error.
- **Bad input** raises :class:`~astrocyte.errors.ValidationError` (a ``ValueError``), naming the field.
- **Optional abilities are declared**, never probed: a provider may define a sync ``capabilities()``
  returning the Protocol's capability DTO; :func:`capabilities_of` is the one place that reads it.

The names, signatures and DTOs follow the published Astrocyte SPI. Where this module differs it
says why: the document, graph, wiki, mental model, source and page-index stores add
``delete_bank`` (and the document store ``delete_documents``) because ``forget`` and bank deletion
must reach every store, and the page-index store is a plain tree instead of six role slices.
"""

from __future__ import annotations

import builtins
import inspect
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from astrocyte.errors import SpiError
from astrocyte.knowledge.records import AdapterWrite, RunState, StoredAdapter, StoredArtifact
from astrocyte.stores.vector_rows import VectorRows
from astrocyte.types import (
    Bank,
    Completion,
    Document,
    DocumentFilters,
    DocumentHit,
    DocumentStoreCapabilities,
    EngineCapabilities,
    Entity,
    EntityCandidateMatch,
    EntityLink,
    ForgetRequest,
    ForgetResult,
    GraphHit,
    GraphStoreCapabilities,
    HealthStatus,
    LLMCapabilities,
    MemoryEntityAssociation,
    MemoryLink,
    MentalModel,
    Message,
    PageIndexDocument,
    PageIndexSection,
    PageIndexSectionHit,
    RecallRequest,
    RecallResult,
    ReflectRequest,
    ReflectResult,
    RetainRequest,
    RetainResult,
    SourceChunk,
    SourceDocument,
    ToolDefinition,
    VectorFilters,
    VectorHit,
    VectorItem,
    VectorStoreCapabilities,
    WikiPage,
)
from astrocyte.vectors import FloatMatrix


@runtime_checkable
class VectorStore(Protocol):
    """Dense vectors of memories, searched by similarity. Exactly the published five methods.

    - ``store_vectors`` upserts and returns the ids in input order. All vectors of one store have one
      dimension (fixed by configuration or by the first insert); another dimension raises
      ``ValidationError`` and stores nothing of that call.
    - ``search_similar`` returns at most ``limit`` hits of ``bank_id`` that pass ``filters``, best
      first; ``score`` is cosine similarity clamped to [0, 1] (a zero vector scores 0). A bank with
      nothing in it gives ``[]``; a query of the wrong dimension raises ``ValidationError``.
    - ``delete`` removes the ids found in ``bank_id`` and returns how many it removed; ids of other
      banks are untouched even when equal.
    - ``list_vectors`` pages through a bank in a stable order (by id, in the backend's collation),
      so that paging with ``offset``/``limit`` visits each item exactly once while nothing is written.
      Vectors may come back normalised: cosine similarity depends only on their direction.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def store_vectors(self, items: list[VectorItem]) -> list[str]: ...

    async def search_similar(
        self,
        query_vector: list[float],
        bank_id: str,
        limit: int = 10,
        filters: VectorFilters | None = None,
    ) -> list[VectorHit]: ...

    async def delete(self, ids: list[str], bank_id: str) -> int: ...

    async def list_vectors(self, bank_id: str, offset: int = 0, limit: int = 100) -> list[VectorItem]: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class DocumentStore(Protocol):
    """Memory text indexed for keyword (BM25-like) search: the lexical leg of recall.

    - ``search_fulltext`` treats the query as words, never as query syntax: quotes, operators and
      punctuation in user input must not raise. Hits match at least one query word, best first,
      ``score >= 0``. An empty or all-punctuation query gives ``[]``.
    - ``delete_documents`` returns how many of the ids it removed from ``bank_id``.
    - ``delete_bank`` removes everything of the bank and returns how many documents it removed.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def store_document(self, document: Document, bank_id: str) -> str: ...

    async def search_fulltext(
        self,
        query: str,
        bank_id: str,
        limit: int = 10,
        filters: DocumentFilters | None = None,
    ) -> list[DocumentHit]: ...

    async def get_document(self, document_id: str, bank_id: str) -> Document | None: ...

    async def delete_documents(self, document_ids: list[str], bank_id: str) -> int: ...

    async def delete_bank(self, bank_id: str) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class GraphStore(Protocol):
    """Entities, the links between them, and which memories mention which entities.

    - ``store_entities`` upserts by id; ``store_links`` / ``store_entity_link`` / ``store_memory_links``
      upsert by the link's ``key`` and return those keys. Links may name entities not (yet) stored.
    - ``query_neighbors`` walks entity links (either direction) from the seeds up to ``max_depth``
      hops and returns the memories associated with the entities reached: one hit per memory, at
      the smallest depth it was reached, ``connected_entities`` being the reached entities it
      mentions; ordered by depth, then by how many entities connect it (more first), then by memory
      id; ``score = 1 / (1 + depth)``. ``max_depth`` may be 0: only the seeds' own memories.
    - ``query_entities`` matches a case-insensitive substring of names and aliases; exact
      (case-insensitive) name matches come first.
    - ``find_entity_candidates`` returns entities whose name or alias is similar to ``name`` with a
      similarity in [0, 1] of at least ``threshold``, most similar first; ``..._scored`` also
      compares ``name_embedding`` with stored entity embeddings when both exist.
    - ``find_memory_links`` returns links whose source or target is a seed.
    - ``delete_memories`` drops every association and memory link of those memories and returns how
      many memories had any; ``delete_bank`` drops the whole bank and returns the number of entities.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def store_entities(self, entities: list[Entity], bank_id: str) -> list[str]: ...

    async def store_links(self, links: list[EntityLink], bank_id: str) -> list[str]: ...

    async def store_entity_link(self, link: EntityLink, bank_id: str) -> str: ...

    async def link_memories_to_entities(self, associations: list[MemoryEntityAssociation], bank_id: str) -> None: ...

    async def store_memory_links(self, links: list[MemoryLink], bank_id: str) -> list[str]: ...

    async def find_memory_links(
        self,
        seed_memory_ids: list[str],
        bank_id: str,
        *,
        link_types: list[str] | None = None,
        limit: int = 200,
    ) -> list[MemoryLink]: ...

    async def query_neighbors(
        self, entity_ids: list[str], bank_id: str, max_depth: int = 2, limit: int = 20
    ) -> list[GraphHit]: ...

    async def query_entities(self, query: str, bank_id: str, limit: int = 10) -> list[Entity]: ...

    async def find_entity_candidates(
        self, name: str, bank_id: str, threshold: float = 0.8, limit: int = 5
    ) -> list[Entity]: ...

    async def find_entity_candidates_scored(
        self,
        name: str,
        bank_id: str,
        *,
        name_embedding: list[float] | None = None,
        trigram_threshold: float = 0.3,
        limit: int = 10,
    ) -> list[EntityCandidateMatch]: ...

    async def delete_memories(self, memory_ids: list[str], bank_id: str) -> int: ...

    async def delete_bank(self, bank_id: str) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class WikiStore(Protocol):
    """Compiled pages about entities, topics and concepts, with their revision history.

    ``upsert_page`` stores the page as the next revision (1 for a new page, previous + 1 otherwise,
    whatever ``page.revision`` says) and returns its id; ``revised_at`` is the caller's, or the time of
    the upsert. Earlier revisions stay readable through ``list_revisions`` (oldest first).
    ``list_pages`` gives the newest revision of each page, ordered by ``page_id``. ``delete_page``
    removes the page and its history; ``delete_bank`` returns the number of pages it removed. The
    ``bank_id`` argument decides the bank, whatever ``page.bank_id`` says.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def upsert_page(self, page: WikiPage, bank_id: str) -> str: ...

    async def get_page(self, page_id: str, bank_id: str) -> WikiPage | None: ...

    async def list_pages(self, bank_id: str, scope: str | None = None, kind: str | None = None) -> list[WikiPage]: ...

    async def list_revisions(self, page_id: str, bank_id: str) -> list[WikiPage]: ...

    async def delete_page(self, page_id: str, bank_id: str) -> bool: ...

    async def delete_bank(self, bank_id: str) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class MentalModelStore(Protocol):
    """Saved, revisable summaries ("what this user prefers"); published as not runtime-checkable, fixed here.

    - The ``bank_id`` argument decides the bank, whatever ``model.bank_id`` says.
    - ``upsert`` stores the next revision (1, then previous + 1, whatever ``model.revision`` says)
      and returns its number; ``list`` is ordered by ``model_id``.
    - ``update_via_ops`` applies structured edits to ``structured_doc`` and returns
      ``(revision, {"applied": [...], "skipped": [...], "changed": bool})``, or ``None`` when the model
      does not exist. Operations are dicts: ``{"op": "set", "path": "a.b", "value": v}``,
      ``{"op": "delete", "path": "a.b"}``, ``{"op": "append", "path": "a.list", "value": v}`` and
      ``{"op": "set_content", "value": "text"}``. Paths are dot-separated keys of nested objects;
      ``set`` and ``append`` create what is missing. A malformed operation is skipped with a reason,
      the rest still apply; the revision increases only when the document or content changed
      (:func:`astrocyte.mental_model_ops.apply_operations` is the shared definition).
    - ``refresh`` merges ``new_source_ids`` into the model's sources (keeping order, no duplicates)
      and bumps the revision and ``refreshed_at``; ``None`` when the model does not exist.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def upsert(self, model: MentalModel, bank_id: str) -> int: ...

    async def get(self, model_id: str, bank_id: str) -> MentalModel | None: ...

    async def list(self, bank_id: str, *, scope: str | None = None, kind: str | None = None) -> list[MentalModel]: ...

    async def delete(self, model_id: str, bank_id: str) -> bool: ...

    async def update_via_ops(
        self, model_id: str, bank_id: str, operations_json: builtins.list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]] | None: ...

    async def refresh(self, model_id: str, bank_id: str, new_source_ids: builtins.list[str]) -> MentalModel | None: ...

    async def delete_bank(self, bank_id: str) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class SourceStore(Protocol):
    """Provenance: the documents memories came from and their chunks.

    - ``store_document`` returns the id of a live document of that bank with the same
      ``content_hash`` when there is one (deduplication), else stores the document (upsert by id).
    - ``list_documents`` is newest first (by ``created_at``, then id).
    - ``delete_document`` hides the document and its chunks from every read; storing the same
      content again afterwards stores it anew.
    - ``store_chunks`` deduplicates by ``(document_id, content_hash)`` within the bank, returning the
      existing id; a chunk whose document is not a live document of its bank raises
      ``ValidationError`` and nothing of the call is stored. ``list_chunks`` is ordered by
      ``chunk_index``; ``find_chunk_by_hash`` finds any live chunk of the bank with that hash.
    - ``delete_bank`` returns the number of live documents it removed.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def store_document(self, document: SourceDocument) -> str: ...

    async def get_document(self, document_id: str, bank_id: str) -> SourceDocument | None: ...

    async def find_document_by_hash(self, content_hash: str, bank_id: str) -> SourceDocument | None: ...

    async def list_documents(self, bank_id: str, *, limit: int = 100) -> list[SourceDocument]: ...

    async def delete_document(self, document_id: str, bank_id: str) -> bool: ...

    async def store_chunks(self, chunks: list[SourceChunk]) -> list[str]: ...

    async def get_chunk(self, chunk_id: str, bank_id: str) -> SourceChunk | None: ...

    async def list_chunks(self, document_id: str, bank_id: str) -> list[SourceChunk]: ...

    async def find_chunk_by_hash(self, content_hash: str, bank_id: str) -> SourceChunk | None: ...

    async def delete_bank(self, bank_id: str) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class PageIndexStore(Protocol):
    """Long documents as trees of sections, for section-level recall.

    Far smaller than the published store's six role slices: documents, their section tree, and one
    section search.

    - ``save_sections`` replaces the whole tree of a saved document and returns the section count
      (``[]`` empties it). Every ``parent_node`` names a section of the same call, there are no
      cycles, a section's ``depth`` is its parent's + 1 (0 for a root), and ``line_num`` and
      ``node_id`` are unique; otherwise ``ValidationError`` and the previous tree stays.
    - ``list_documents`` is ordered by id.
    - ``load_skeleton`` returns the sections ordered by ``line_num``.
    - ``search_sections`` ranks sections of the bank by keyword match of ``query`` against title and
      summary, blended with cosine similarity to ``query_embedding`` when both it and the section's
      ``summary_embedding`` exist; best first, ``score > 0`` (sections scoring 0 are left out);
      ``document_id`` restricts to one doc. All embeddings of a bank share one dimension.
    - ``delete_document`` removes the document and its sections.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def save_document(self, document: PageIndexDocument) -> str: ...

    async def get_document(self, document_id: str, bank_id: str) -> PageIndexDocument | None: ...

    async def find_document_by_source(self, source_id: str, bank_id: str) -> PageIndexDocument | None: ...

    async def list_documents(self, bank_id: str) -> list[PageIndexDocument]: ...

    async def delete_document(self, document_id: str, bank_id: str) -> bool: ...

    async def save_sections(self, document_id: str, sections: list[PageIndexSection], bank_id: str) -> int: ...

    async def load_skeleton(self, document_id: str, bank_id: str) -> list[PageIndexSection]: ...

    async def search_sections(
        self,
        query: str,
        bank_id: str,
        *,
        query_embedding: list[float] | None = None,
        top_k: int = 20,
        document_id: str | None = None,
    ) -> list[PageIndexSectionHit]: ...

    async def delete_bank(self, bank_id: str) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class BankStore(Protocol):
    """The catalogue of banks: which exist, since when, and what describes them.

    Memories live in the other stores; this store only records banks so they can be listed,
    described and deleted as units. ``create_bank`` raises :class:`~astrocyte.errors.Conflict`
    (carrying the existing record) when the bank exists; ``ensure_bank`` returns the existing
    record or creates it, which is what a first retain into a new bank does. ``created_at`` is
    stamped by the store when missing. ``list_banks`` is ordered by ``bank_id``. ``delete_bank``
    removes the record only and says whether there was one.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def create_bank(self, bank: Bank) -> Bank: ...

    async def ensure_bank(self, bank: Bank) -> Bank: ...

    async def get_bank(self, bank_id: str) -> Bank | None: ...

    async def list_banks(self) -> builtins.list[Bank]: ...

    async def delete_bank(self, bank_id: str) -> bool: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class KnowledgeStore(Protocol):
    """Knowledge adapters (with their layers and search vectors), their artifacts and their runs.

    Scoped by **space** rather than bank: adapter, layer, artifact and run ids are UUIDs unique
    across spaces (adapter ids are derived from the space), and every listing takes the spaces to
    read, so nothing of a space outside them is ever returned.

    - ``save_adapters`` upserts each write's adapter by ``adapter_id``, all of them or none: a
      ``slug`` another adapter of the same space holds raises :class:`~astrocyte.errors.Conflict`
      (carrying that adapter) and stores nothing of the call. With ``replacing``, the adapter of that
      id (same space only) is removed in the same unit and its artifacts move to the saved adapter
      (a forced update), which also inherits its outcome counts. Outcome counts are the store's
      own: ``successes`` and ``failures`` of a saved record are ignored.
    - ``find_adapters`` returns the adapters of ``space_ids`` (optionally only those with ``slug``),
      ordered by space then adapter id; ``adapter_of_layer`` finds the adapter holding a layer id.
    - ``delete_adapter`` removes the adapter, its layers and its artifacts; says whether it existed.
    - ``record_outcome`` adds one success or failure to an adapter's counts atomically.
    - ``save_artifact`` upserts by ``artifact_id``; a name another artifact of the adapter holds
      raises ``Conflict``. ``find_artifacts`` reads artifacts of ``space_ids`` by id or slug,
      ``list_artifacts`` those of one adapter ordered by name.
    - Runs: ``save_run`` upserts, ``get_run`` reads, ``delete_expired_runs`` removes runs whose
      ``expires_at`` is before ``now`` and returns how many.
    - ``revision`` is a number that changes (grows) with every write to adapters or artifacts, seen by
      every process sharing the store, so a search index built from ``find_adapters`` can be reused
      until it changes.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def save_adapters(self, writes: builtins.list[AdapterWrite]) -> None: ...

    async def get_adapter(self, adapter_id: str) -> StoredAdapter | None: ...

    async def find_adapters(
        self, space_ids: builtins.list[str], *, slug: str | None = None
    ) -> builtins.list[StoredAdapter]: ...

    async def adapter_of_layer(self, layer_id: str) -> StoredAdapter | None: ...

    async def delete_adapter(self, adapter_id: str) -> bool: ...

    async def record_outcome(self, adapter_id: str, *, success: bool) -> None: ...

    async def save_artifact(self, artifact: StoredArtifact) -> None: ...

    async def list_artifacts(self, adapter_id: str) -> builtins.list[StoredArtifact]: ...

    async def find_artifacts(
        self, space_ids: builtins.list[str], *, artifact_id: str | None = None, slug: str | None = None
    ) -> builtins.list[StoredArtifact]: ...

    async def save_run(self, run: RunState) -> None: ...

    async def get_run(self, run_id: str) -> RunState | None: ...

    async def delete_expired_runs(self, now: datetime) -> int: ...

    async def revision(self) -> int: ...

    async def health(self) -> HealthStatus: ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Turns texts into vectors of one fixed dimension, in input order, in one batched call."""

    SPI_VERSION: ClassVar[int] = 1

    async def embed(self, texts: list[str]) -> list[list[float]]: ...

    def dimensions(self) -> int: ...


@runtime_checkable
class LLMProvider(Protocol):
    """Chat completion (and optionally embeddings) from a language model.

    ``capabilities().supports_embed`` says whether ``embed`` works; providers ignore ``tools`` and
    ``response_format`` when their backend lacks them.
    """

    SPI_VERSION: ClassVar[int] = 1

    async def complete(
        self,
        messages: list[Message],
        model: str | None = None,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        tools: list[ToolDefinition] | None = None,
        tool_choice: str | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion: ...

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]: ...

    def capabilities(self) -> LLMCapabilities: ...


@runtime_checkable
class EngineProvider(Protocol):
    """A full memory engine that owns its pipeline (Mem0, Zep and the like); governance still wraps it."""

    SPI_VERSION: ClassVar[int] = 1

    def capabilities(self) -> EngineCapabilities: ...

    async def health(self) -> HealthStatus: ...

    async def retain(self, request: RetainRequest) -> RetainResult: ...

    async def recall(self, request: RecallRequest) -> RecallResult: ...

    async def reflect(self, request: ReflectRequest) -> ReflectResult: ...

    async def forget(self, request: ForgetRequest) -> ForgetResult: ...


class TransactionalStore(Protocol):
    """Optional ability of a store (declared by ``capabilities().transactional``): joining one transaction.

    Stores whose ``transaction_key()`` is equal live in one database (for example the SQLite file
    holding vectors, documents and the graph). While ``transaction()`` is open, every write any of
    them makes commits together when it exits normally and is rolled back when it raises, so the
    engine can write a memory's vector, document and graph rows as one unit. Transactions nest:
    an inner one joins the outer. Methods are sync because opening one does no waiting I/O.
    """

    def transaction_key(self) -> str: ...

    def transaction(self) -> AbstractAsyncContextManager[None]: ...


class VectorRowsStore(Protocol):
    """Optional ability of a vector store (declared by ``capabilities().vector_rows``): retain's
    batches as columns with float32 blocks.

    Retain holds a batch's vectors as one float32 matrix; through ``store_vectors`` each would
    become a list of Python floats only for the store to convert it back (a quarter of a retain with
    the hashing embedder, measured in session 6). ``store_vector_rows`` writes what
    ``store_vectors(rows.items())`` writes (a repeated id replaces, the last of a batch wins) and
    refuses a malformed batch as :meth:`VectorRows.check` does, writing nothing. ``threshold_ids``
    is ``search_similar_threshold`` with the queries as a float32 matrix, for a store that also
    declares ``threshold_search``; queries of another width or not finite are refused naming
    ``queries``. The contract suite checks both against the list-taking methods.
    """

    async def store_vector_rows(self, rows: VectorRows) -> None: ...

    async def threshold_ids(self, queries: FloatMatrix, bank_id: str, threshold: float) -> list[str | None]: ...


# ------------------------------------------------------------------------------------ capabilities

_CAPABILITY_TYPES: dict[type, type] = {
    VectorStore: VectorStoreCapabilities,
    DocumentStore: DocumentStoreCapabilities,
    GraphStore: GraphStoreCapabilities,
    LLMProvider: LLMCapabilities,
    EngineProvider: EngineCapabilities,
}


def capability_type(protocol: type) -> type | None:
    """The capability DTO ``protocol`` declares its optional abilities with, if it has one."""
    return _CAPABILITY_TYPES.get(protocol)


def capabilities_of(provider: object, protocol: type) -> Any:
    """The capabilities ``provider`` declares for ``protocol``, or that Protocol's defaults.

    This is the only place that looks for an optional ``capabilities()`` method; the pipeline asks
    here and branches on the answer, so a capability is declared once and never guessed.
    """
    expected = capability_type(protocol)
    if expected is None:
        raise TypeError(f"{protocol.__name__} has no capability descriptor")
    declare = getattr(provider, "capabilities", None)
    if declare is None:
        return expected()
    declared = declare()
    if inspect.iscoroutine(declared):  # an ``async def capabilities``: closed, so no "never awaited" warning
        declared.close()
        raise SpiError(
            f"{type(provider).__name__}.capabilities() must be a plain method, not async: it is read on every call"
        )
    if not isinstance(declared, expected):
        raise SpiError(
            f"{type(provider).__name__}.capabilities() returned {type(declared).__name__}; "
            f"a {protocol.__name__} must return astrocyte.types.{expected.__name__}"
        )
    return declared


STORE_PROTOCOLS: tuple[type, ...] = (
    BankStore,
    VectorStore,
    DocumentStore,
    GraphStore,
    WikiStore,
    MentalModelStore,
    SourceStore,
    PageIndexStore,
    KnowledgeStore,
)

__all__ = [
    "STORE_PROTOCOLS",
    "BankStore",
    "DocumentStore",
    "EmbeddingProvider",
    "EngineProvider",
    "GraphStore",
    "KnowledgeStore",
    "LLMProvider",
    "MentalModelStore",
    "PageIndexStore",
    "SourceStore",
    "TransactionalStore",
    "VectorRowsStore",
    "VectorStore",
    "WikiStore",
    "capabilities_of",
    "capability_type",
]
