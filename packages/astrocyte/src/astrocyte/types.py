"""Data transfer objects of every SPI and of the four memory operations.

Names and fields follow the published Astrocyte contract, so an adapter written against its guide
(``from astrocyte.types import VectorItem, VectorHit, VectorFilters, HealthStatus``) works unchanged.
Fields this project adds always carry defaults, so older adapters keep constructing these objects.
Validation happens in ``__post_init__`` where the contract demands it: a bad DTO never reaches a
store, and the error names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from astrocyte.errors import ValidationError
from astrocyte.validation import (
    as_utc,
    check_bank_id,
    check_id,
    check_metadata,
    check_non_negative,
    check_tags,
    check_text,
    check_vector,
)

MetadataValue = str | int | float | bool | None
Metadata = dict[str, MetadataValue]
TagMatch = Literal["any", "all"]


# --------------------------------------------------------------------------------------- health


@dataclass
class HealthStatus:
    healthy: bool
    message: str | None = None
    latency_ms: float | None = None
    last_check_at: datetime | None = None


# --------------------------------------------------------------------------------------- vectors


@dataclass
class VectorItem:
    """One stored memory vector. ``id`` is unique within its bank, not across banks.

    ``own_vector`` is the memory's own embedding when ``vector`` is something else (retain stores
    each chunk's vector blended with its neighbours', :mod:`astrocyte.pipeline.context_vectors`);
    ``None`` means ``vector`` is its own. Near-duplicate checks compare own vectors: two texts are
    duplicates by what they say, not by what surrounded them. A store declaring ``threshold_search``
    keeps it (same dimension as ``vector``) and returns it from ``list_vectors``; others may drop it.
    """

    id: str
    bank_id: str
    vector: list[float]
    text: str
    metadata: Metadata | None = None
    tags: list[str] | None = None
    fact_type: str | None = None
    occurred_at: datetime | None = None
    memory_layer: str | None = None
    retained_at: datetime | None = None
    chunk_id: str | None = None
    own_vector: list[float] | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "id")
        check_bank_id(self.bank_id)
        check_text(self.text)
        check_vector(self.vector)
        if self.own_vector is not None:
            check_vector(self.own_vector, "own_vector")
        self.metadata = check_metadata(self.metadata)
        self.tags = check_tags(self.tags)
        self.occurred_at = as_utc(self.occurred_at, "occurred_at")
        self.retained_at = as_utc(self.retained_at, "retained_at")


@dataclass
class VectorFilters:
    """Conditions every hit must meet; ``None`` means "no condition".

    - ``tags``: the hit carries any of them (``tag_match="all"``: every one of them);
    - ``fact_types``: the hit's fact type is one of them;
    - ``time_range``: ``start <= occurred_at <= end``; hits without ``occurred_at`` are excluded;
    - ``metadata_filters``: every key equals the given value;
    - ``as_of``: only memories retained at or before that instant;
    - ``session_id``: shorthand for ``metadata_filters={"session_id": ...}``.
    ``bank_id`` is kept for compatibility only: the bank is always the method's argument.
    """

    bank_id: str | None = None
    tags: list[str] | None = None
    fact_types: list[str] | None = None
    time_range: tuple[datetime, datetime] | None = None
    metadata_filters: Metadata | None = None
    as_of: datetime | None = None
    session_id: str | None = None
    tag_match: TagMatch = "any"

    def __post_init__(self) -> None:
        self.tags = check_tags(self.tags, "filters.tags")
        self.fact_types = check_tags(self.fact_types, "filters.fact_types")
        self.metadata_filters = check_metadata(self.metadata_filters, "filters.metadata_filters")
        self.as_of = as_utc(self.as_of, "filters.as_of")
        self.time_range = _check_time_range(self.time_range, "filters.time_range")
        if self.tag_match not in ("any", "all"):
            raise _invalid("filters.tag_match", f"must be 'any' or 'all', got {self.tag_match!r}")

    def effective_metadata(self) -> Metadata | None:
        """Metadata conditions with ``session_id`` folded in, so stores have one rule to apply."""
        if self.session_id is None:
            return self.metadata_filters
        return {**(self.metadata_filters or {}), "session_id": self.session_id}


@dataclass
class VectorHit:
    """A search result; ``score`` is cosine similarity clamped to [0, 1], higher is closer."""

    id: str
    text: str
    score: float
    metadata: Metadata | None = None
    tags: list[str] | None = None
    fact_type: str | None = None
    occurred_at: datetime | None = None
    memory_layer: str | None = None
    retained_at: datetime | None = None
    chunk_id: str | None = None

    def __post_init__(self) -> None:
        self.score = check_non_negative(self.score, "score")


# --------------------------------------------------------------------------------------- documents


@dataclass
class Document:
    """Text indexed for keyword search; a memory's document shares the memory's id."""

    id: str
    text: str
    metadata: Metadata | None = None
    tags: list[str] | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "id")
        check_text(self.text)
        self.metadata = check_metadata(self.metadata)
        self.tags = check_tags(self.tags)


@dataclass
class DocumentFilters:
    tags: list[str] | None = None
    metadata_filters: Metadata | None = None
    tag_match: TagMatch = "any"

    def __post_init__(self) -> None:
        self.tags = check_tags(self.tags, "filters.tags")
        self.metadata_filters = check_metadata(self.metadata_filters, "filters.metadata_filters")
        if self.tag_match not in ("any", "all"):
            raise _invalid("filters.tag_match", f"must be 'any' or 'all', got {self.tag_match!r}")


@dataclass
class DocumentHit:
    """A keyword match; ``score`` is the store's relevance (BM25-like), >= 0, higher is better."""

    document_id: str
    text: str
    score: float
    metadata: Metadata | None = None
    tags: list[str] | None = None

    def __post_init__(self) -> None:
        self.score = check_non_negative(self.score, "score")


# --------------------------------------------------------------------------------------- graph


@dataclass
class Entity:
    id: str
    name: str
    entity_type: str = "unknown"
    aliases: list[str] | None = None
    metadata: Metadata | None = None
    embedding: list[float] | None = None
    mention_count: int = 1

    def __post_init__(self) -> None:
        check_id(self.id, "entity.id")
        check_text(self.name, "entity.name")
        self.aliases = check_tags(self.aliases, "entity.aliases")
        self.metadata = check_metadata(self.metadata, "entity.metadata")
        if self.embedding is not None:
            check_vector(self.embedding, "entity.embedding")


@dataclass
class EntityCandidateMatch:
    """An existing entity that may be the same as a new name, with the evidence for it."""

    entity: Entity
    name_similarity: float
    embedding_similarity: float | None = None
    co_occurring_names: list[str] = field(default_factory=list)
    last_seen: datetime | None = None
    mention_count: int = 1


@dataclass
class EntityLink:
    """A typed edge between two entities; its identity is ``(entity_a, link_type, entity_b)``."""

    entity_a: str
    entity_b: str
    link_type: str
    evidence: str = ""
    confidence: float = 1.0
    created_at: datetime | None = None
    metadata: Metadata | None = None

    def __post_init__(self) -> None:
        check_id(self.entity_a, "link.entity_a")
        check_id(self.entity_b, "link.entity_b")
        check_id(self.link_type, "link.link_type")
        self.confidence = check_non_negative(self.confidence, "link.confidence")
        self.created_at = as_utc(self.created_at, "link.created_at")
        self.metadata = check_metadata(self.metadata, "link.metadata")

    @property
    def key(self) -> str:
        """The id a store returns for this link: stable, so storing it twice updates one edge."""
        return f"{self.entity_a}|{self.link_type}|{self.entity_b}"


@dataclass
class MemoryEntityAssociation:
    memory_id: str
    entity_id: str

    def __post_init__(self) -> None:
        check_id(self.memory_id, "association.memory_id")
        check_id(self.entity_id, "association.entity_id")


@dataclass
class MemoryLink:
    """A typed edge between two memories; its identity is ``(source, link_type, target)``."""

    source_memory_id: str
    target_memory_id: str
    link_type: str
    evidence: str = ""
    confidence: float = 1.0
    weight: float = 1.0
    created_at: datetime | None = None
    metadata: Metadata | None = None

    def __post_init__(self) -> None:
        check_id(self.source_memory_id, "link.source_memory_id")
        check_id(self.target_memory_id, "link.target_memory_id")
        check_id(self.link_type, "link.link_type")
        self.confidence = check_non_negative(self.confidence, "link.confidence")
        self.weight = check_non_negative(self.weight, "link.weight")
        self.created_at = as_utc(self.created_at, "link.created_at")
        self.metadata = check_metadata(self.metadata, "link.metadata")

    @property
    def key(self) -> str:
        return f"{self.source_memory_id}|{self.link_type}|{self.target_memory_id}"


@dataclass
class GraphHit:
    """A memory reached from seed entities; ``depth`` is the entity hops walked (0 = a seed itself).

    The graph store knows memory ids, not memory text, so ``text`` is empty unless the store keeps
    it; the engine fills it from the vector store.
    """

    memory_id: str
    text: str
    connected_entities: list[str]
    depth: int
    score: float

    def __post_init__(self) -> None:
        self.score = check_non_negative(self.score, "score")


# --------------------------------------------------------------------------------------- wiki, models, sources


@dataclass
class WikiPage:
    page_id: str
    bank_id: str
    kind: Literal["entity", "topic", "concept"]
    title: str
    content: str
    scope: str | None = None
    source_ids: list[str] = field(default_factory=list)
    cross_links: list[str] = field(default_factory=list)
    revision: int = 1
    revised_at: datetime | None = None
    tags: list[str] | None = None
    metadata: Metadata | None = None

    def __post_init__(self) -> None:
        check_id(self.page_id, "page_id")
        check_bank_id(self.bank_id)
        if self.kind not in ("entity", "topic", "concept"):
            raise _invalid("kind", f"must be 'entity', 'topic' or 'concept', got {self.kind!r}")
        check_text(self.title, "title")
        check_text(self.content, "content")
        self.revised_at = as_utc(self.revised_at, "revised_at")
        self.tags = check_tags(self.tags)
        self.metadata = check_metadata(self.metadata)


@dataclass
class WikiPageHit:
    page_id: str
    title: str
    content: str
    scope: str | None
    kind: str
    score: float
    source_ids: list[str] = field(default_factory=list)
    bank_id: str | None = None


@dataclass(frozen=True)
class MentalModel:
    """A saved, revisable summary (for example "what this user prefers")."""

    model_id: str
    bank_id: str
    title: str
    content: str
    scope: str | None = None
    source_ids: tuple[str, ...] = ()
    revision: int = 1
    refreshed_at: datetime | None = None
    kind: Literal["general", "preference"] = "general"
    structured_doc: dict[str, Any] | None = None
    source_timestamps: dict[str, datetime] | None = None

    def __post_init__(self) -> None:
        check_id(self.model_id, "model_id")
        check_bank_id(self.bank_id)
        check_text(self.title, "title")
        check_text(self.content, "content")
        if self.kind not in ("general", "preference"):
            raise _invalid("kind", f"must be 'general' or 'preference', got {self.kind!r}")
        object.__setattr__(self, "source_ids", tuple(self.source_ids))
        object.__setattr__(self, "refreshed_at", as_utc(self.refreshed_at, "refreshed_at"))


@dataclass(frozen=True)
class SourceDocument:
    """Where memories came from: a file, a page, a message. Deduplicated by ``content_hash`` per bank."""

    id: str
    bank_id: str
    title: str | None = None
    source_uri: str | None = None
    content_hash: str | None = None
    content_type: str = "text/plain"
    metadata: Metadata | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "id")
        check_bank_id(self.bank_id)
        if self.content_hash is not None:
            check_id(self.content_hash, "content_hash")
        object.__setattr__(self, "metadata", check_metadata(self.metadata))
        object.__setattr__(self, "created_at", as_utc(self.created_at, "created_at"))


@dataclass(frozen=True)
class SourceChunk:
    id: str
    bank_id: str
    document_id: str
    chunk_index: int
    text: str
    content_hash: str | None = None
    metadata: Metadata | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "id")
        check_bank_id(self.bank_id)
        check_id(self.document_id, "document_id")
        if isinstance(self.chunk_index, bool) or not isinstance(self.chunk_index, int) or self.chunk_index < 0:
            raise _invalid("chunk_index", f"must be an integer >= 0, got {self.chunk_index!r}")
        check_text(self.text)
        if self.content_hash is not None:
            check_id(self.content_hash, "content_hash")
        object.__setattr__(self, "metadata", check_metadata(self.metadata))
        object.__setattr__(self, "created_at", as_utc(self.created_at, "created_at"))


# --------------------------------------------------------------------------------------- page index


@dataclass
class PageIndexDocument:
    """A long document kept as a tree of sections (for example a conversation or a manual)."""

    id: str
    bank_id: str
    source_id: str
    md_text: str
    reference_date: datetime | None = None
    built_at: datetime | None = None
    title: str | None = None
    metadata: Metadata | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "id")
        check_bank_id(self.bank_id)
        check_id(self.source_id, "source_id")
        self.reference_date = as_utc(self.reference_date, "reference_date")
        self.built_at = as_utc(self.built_at, "built_at")
        self.metadata = check_metadata(self.metadata)


@dataclass
class PageIndexSection:
    """One node of a document tree; ``line_num`` is unique within the document and orders the tree."""

    document_id: str
    line_num: int
    node_id: str
    title: str
    summary: str = ""
    summary_embedding: list[float] | None = None
    speaker: str | None = None
    session_date: datetime | None = None
    parent_node: str | None = None
    depth: int = 0
    occurred_start: datetime | None = None
    occurred_end: datetime | None = None
    session_id: str | None = None

    def __post_init__(self) -> None:
        check_id(self.document_id, "document_id")
        check_id(self.node_id, "node_id")
        check_text(self.title, "title")
        if isinstance(self.line_num, bool) or not isinstance(self.line_num, int) or self.line_num < 0:
            raise _invalid("line_num", f"must be an integer >= 0, got {self.line_num!r}")
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) or self.depth < 0:
            raise _invalid("depth", f"must be an integer >= 0, got {self.depth!r}")
        if self.summary_embedding is not None:
            check_vector(self.summary_embedding, "summary_embedding")
        self.session_date = as_utc(self.session_date, "session_date")
        self.occurred_start = as_utc(self.occurred_start, "occurred_start")
        self.occurred_end = as_utc(self.occurred_end, "occurred_end")


@dataclass
class PageIndexSectionHit:
    document_id: str
    line_num: int
    node_id: str
    title: str
    score: float
    summary: str = ""

    def __post_init__(self) -> None:
        self.score = check_non_negative(self.score, "score")


# --------------------------------------------------------------------------------------- banks


@dataclass
class Bank:
    """A memory bank's record: the namespace every memory lives in, with what describes it."""

    bank_id: str
    description: str | None = None
    created_at: datetime | None = None
    metadata: Metadata | None = None

    def __post_init__(self) -> None:
        check_bank_id(self.bank_id)
        self.created_at = as_utc(self.created_at, "created_at")
        self.metadata = check_metadata(self.metadata)


# --------------------------------------------------------------------------------------- LLM


@dataclass
class ContentPart:
    type: Literal["text", "image_url", "image_base64", "audio_url", "audio_base64"]
    text: str | None = None
    image_url: str | None = None
    image_base64: str | None = None
    audio_url: str | None = None
    audio_base64: str | None = None
    media_type: str | None = None


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class ToolDefinition:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass
class Message:
    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[ContentPart] = ""
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None


@dataclass
class TokenUsage:
    input_tokens: int
    output_tokens: int


@dataclass
class Completion:
    text: str
    model: str
    usage: TokenUsage | None = None
    tool_calls: list[ToolCall] | None = None


@dataclass(frozen=True)
class LLMCapabilities:
    supports_multimodal_completion: bool = False
    modalities_supported: tuple[str, ...] = ("text",)
    supports_multimodal_embedding: bool = False
    supports_batch_embed: bool = True
    supports_embed: bool = True


# --------------------------------------------------------------------------------------- capabilities


@dataclass(frozen=True)
class VectorStoreCapabilities:
    """What a vector store promises beyond the published five methods.

    A store without ``capabilities()`` gets these defaults: the published contract (every filter
    honoured, dimensions validated), approximate search, no optional methods. ``filter_tag_match_all``
    is off by default because the published ``VectorFilters`` has no ``tag_match``: a store written
    against it would silently treat "all" as "any", so the engine filters such hits itself. ``delete_bank`` and
    ``count`` announce the optional methods ``delete_bank(bank_id) -> int`` and
    ``count_vectors(bank_id) -> int``, which the engine uses instead of paging when present;
    ``batch_search`` the optional ``search_similar_batch(query_vectors, bank_id, limit=10,
    filters=None) -> list[list[VectorHit]]``: one result list per query, each exactly what
    ``search_similar`` would return, computed in one pass (the engine's near-duplicate check).
    ``transactional`` (here and on the document and graph capabilities) announces
    :class:`astrocyte.spi.TransactionalStore`: stores sharing a ``transaction_key`` can make one
    retain land whole or not at all. ``hybrid_search`` announces the optional ``search_hybrid(query_vector,
    query, bank_id, limit=10, filters=None, *, semantic_weight=1.0, keyword_weight=1.0, rrf_k=60) ->
    list[VectorHit]``: the store ranks its own items' text by keyword too and fuses both rankings by
    weighted reciprocal rank in one round trip, best first, ``score`` being the fused score; recall
    then runs it in place of its semantic and keyword legs (:mod:`astrocyte.pipeline.hybrid`).
    ``threshold_search`` announces the optional ``search_similar_threshold(query_vectors, bank_id,
    threshold) -> list[str | None]``: for each query, the id of an item of the bank whose own vector
    (``VectorItem.own_vector``, or ``vector`` for an item without one) has cosine similarity at least
    ``threshold`` with it (any such item, checked exactly), ``None`` when there is none; such a store
    keeps ``own_vector`` and returns it from ``list_vectors``.
    A store may answer from an index that misses a qualifying item with a small probability it
    documents (the core's stores: below 1e-3 per item, :mod:`astrocyte.stores.threshold_index`);
    the engine's near-duplicate check prefers it to ``batch_search``, as it need not rank the bank.
    ``id_scores`` announces the optional ``score_ids(query_vector, ids, bank_id) -> dict[str, float]``:
    the cosine similarity (clamped to [0, 1], as ``search_similar`` scores) of each of ``ids`` that
    the bank holds, from the vectors the store keeps; ids the bank does not hold are left out, and
    no filter applies. Recall scores its candidate pool against a second query vector with it
    instead of running a second search over the whole bank.
    ``vector_rows`` announces :class:`astrocyte.spi.VectorRowsStore`: ``store_vector_rows(rows)``
    writes a batch given as columns with float32 blocks (:class:`astrocyte.stores.vector_rows.VectorRows`,
    retain's write) exactly as ``store_vectors(rows.items())`` would, and, with ``threshold_search``,
    ``threshold_ids(queries, bank_id, threshold)`` answers ``search_similar_threshold`` for a float32
    matrix of queries: no list of Python floats is made on the way.
    """

    filter_tags: bool = True
    filter_tag_match_all: bool = False
    filter_fact_types: bool = True
    filter_time_range: bool = True
    filter_metadata: bool = True
    filter_as_of: bool = True
    validates_dimensions: bool = True
    exact_search: bool = False
    max_dimensions: int | None = None
    delete_bank: bool = False
    count: bool = False
    batch_search: bool = False
    transactional: bool = False
    hybrid_search: bool = False
    threshold_search: bool = False
    id_scores: bool = False
    vector_rows: bool = False


@dataclass(frozen=True)
class DocumentStoreCapabilities:
    """``batch_store`` announces the optional ``store_documents(documents, bank_id) -> list[str]``;
    ``batch_get`` the optional ``get_documents(document_ids, bank_id) -> list[Document]`` (the ones
    found, in the order of ``document_ids``, each once): one read for what ``get_document`` reads one
    by one."""

    filter_tags: bool = True
    filter_tag_match_all: bool = False
    filter_metadata: bool = True
    batch_store: bool = False
    transactional: bool = False
    batch_get: bool = False


@dataclass(frozen=True)
class GraphStoreCapabilities:
    """``entity_embeddings``: ``find_entity_candidates_scored`` compares stored entity embeddings;
    ``ranked_neighbors`` announces the optional ``rank_neighbors(entity_ids, bank_id, max_depth=1,
    limit=20) -> list[GraphHit]``: memories connected to the seeds, best first by the store's own
    weighing of the entities connecting them, at a cost bounded whatever the bank size (what
    recall's graph strategy uses instead of ``query_neighbors``, which must rank every memory reached)."""

    entity_embeddings: bool = True
    transactional: bool = False
    ranked_neighbors: bool = False


@dataclass(frozen=True)
class EngineCapabilities:
    supports_reflect: bool = True
    supports_forget: bool = True
    supports_semantic_search: bool = True
    supports_keyword_search: bool = False
    supports_graph_search: bool = False
    supports_temporal_search: bool = False
    supports_dispositions: bool = False
    supports_consolidation: bool = False
    supports_entities: bool = False
    supports_tags: bool = True
    supports_metadata: bool = True
    supports_compile: bool = False
    max_retain_bytes: int | None = None
    max_recall_results: int | None = None
    max_embedding_dims: int | None = None


# --------------------------------------------------------------------------------------- the four operations


@dataclass
class RetainRequest:
    content: str
    bank_id: str
    metadata: Metadata | None = None
    tags: list[str] | None = None
    occurred_at: datetime | None = None
    source: str | None = None
    content_type: str = "text"

    def __post_init__(self) -> None:
        check_text(self.content, "content")
        check_bank_id(self.bank_id)
        self.metadata = check_metadata(self.metadata)
        self.tags = check_tags(self.tags)
        self.occurred_at = as_utc(self.occurred_at, "occurred_at")


@dataclass
class MemoryInput:
    """One item of ``retain_many``: the content and what describes it, all but ``content`` optional.

    Not validated on construction: the engine checks each item when it is retained, so that an error
    names the item's position (``items[3].content``).
    """

    content: str
    metadata: Metadata | None = None
    tags: list[str] | None = None
    occurred_at: datetime | None = None
    source: str | None = None


@dataclass
class RetainResult:
    stored: bool
    memory_id: str | None = None
    deduplicated: bool = False
    error: str | None = None
    retention_action: str | None = None
    curated: bool = False
    memory_layer: str | None = None
    chunk_ids: list[str] = field(default_factory=list)


@dataclass
class RecallRequest:
    query: str
    bank_id: str
    max_results: int = 10
    max_tokens: int | None = None
    fact_types: list[str] | None = None
    tags: list[str] | None = None
    time_range: tuple[datetime, datetime] | None = None
    include_sources: bool = False
    metadata_filters: Metadata | None = None
    as_of: datetime | None = None
    session_id: str | None = None

    def __post_init__(self) -> None:
        check_text(self.query, "query")
        check_bank_id(self.bank_id)
        if isinstance(self.max_results, bool) or not isinstance(self.max_results, int) or self.max_results < 1:
            raise _invalid("max_results", f"must be an integer >= 1, got {self.max_results!r}")
        self.tags = check_tags(self.tags)
        self.fact_types = check_tags(self.fact_types, "fact_types")
        self.metadata_filters = check_metadata(self.metadata_filters, "metadata_filters")
        self.time_range = _check_time_range(self.time_range, "time_range")
        self.as_of = as_utc(self.as_of, "as_of")


@dataclass
class MemoryHit:
    """A recalled memory; ``strategies`` maps each strategy that found it to its 1-based rank there."""

    text: str
    score: float
    fact_type: str | None = None
    metadata: Metadata | None = None
    tags: list[str] | None = None
    occurred_at: datetime | None = None
    source: str | None = None
    memory_id: str | None = None
    bank_id: str | None = None
    memory_layer: str | None = None
    utility_score: float | None = None
    retained_at: datetime | None = None
    chunk_id: str | None = None
    strategies: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.score = check_non_negative(self.score, "score")


@dataclass
class RecallTrace:
    strategies_used: list[str] = field(default_factory=list)
    total_candidates: int = 0
    fusion_method: str | None = None
    latency_ms: float | None = None
    strategy_timings_ms: dict[str, float] = field(default_factory=dict)
    strategy_candidate_counts: dict[str, int] = field(default_factory=dict)
    tier_used: int | None = None
    layer_distribution: dict[str, int] | None = None
    cache_hit: bool = False
    wiki_tier_used: bool = False


@dataclass
class RecallResult:
    hits: list[MemoryHit]
    total_available: int
    truncated: bool
    trace: RecallTrace | None = None
    authority_context: str | None = None
    top_semantic_score: float = 0.0


@dataclass
class ReflectRequest:
    query: str
    bank_id: str
    max_tokens: int | None = None
    include_sources: bool = True
    tags: list[str] | None = None
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        check_text(self.query, "query")
        check_bank_id(self.bank_id)
        self.tags = check_tags(self.tags)
        self.as_of = as_utc(self.as_of, "as_of")


@dataclass
class ReflectResult:
    """``mode`` says how the answer was made: ``"generated"`` by an LLM or ``"extractive"`` without one."""

    answer: str
    confidence: float | None = None
    sources: list[MemoryHit] | None = None
    observations: list[str] | None = None
    authority_context: str | None = None
    mode: Literal["generated", "extractive"] = "generated"


@dataclass
class ForgetRequest:
    bank_id: str
    memory_ids: list[str] | None = None
    tags: list[str] | None = None
    before_date: datetime | None = None
    scope: Literal["all"] | None = None

    def __post_init__(self) -> None:
        check_bank_id(self.bank_id)
        self.tags = check_tags(self.tags)
        self.before_date = as_utc(self.before_date, "before_date")
        if self.scope not in (None, "all"):
            raise _invalid("scope", f"must be None or 'all', got {self.scope!r}")
        if self.memory_ids is None and self.tags is None and self.before_date is None and self.scope is None:
            raise _invalid("selector", "name what to forget: memory_ids, tags, before_date or scope='all'")


@dataclass
class ForgetResult:
    deleted_count: int
    archived_count: int = 0


# --------------------------------------------------------------------------------------- helpers


def _invalid(field_name: str, message: str) -> ValidationError:
    return ValidationError(field_name, message)


def _check_time_range(value: tuple[datetime, datetime] | None, field_name: str) -> tuple[datetime, datetime] | None:
    if value is None:
        return None
    try:
        start, end = value
    except (TypeError, ValueError):
        raise _invalid(field_name, "must be a (start, end) pair of datetimes") from None
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise _invalid(field_name, "both ends must be datetimes; use datetime.min or datetime.max for an open end")
    start_utc = as_utc(start, f"{field_name}[0]")
    end_utc = as_utc(end, f"{field_name}[1]")
    if start_utc > end_utc:
        raise _invalid(field_name, f"start {start_utc.isoformat()} is after end {end_utc.isoformat()}")
    return start_utc, end_utc
