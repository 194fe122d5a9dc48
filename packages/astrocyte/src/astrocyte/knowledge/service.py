"""``brain.knowledge``: train, find, run and maintain knowledge adapters for a calling principal.

Each method takes ``principal`` (default: ``knowledge.default_principal``), from which the readable
and writable spaces follow (:mod:`astrocyte.knowledge.spaces`); a server passes the authenticated
caller. Reads look in every readable space; writes go to one target space. Results are the DTOs of
:mod:`astrocyte.knowledge.results`. Runs (``forward`` / ``reward``) live in
:mod:`astrocyte.knowledge.runs`; this class delegates to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from astrocyte.errors import Conflict, NotFound, ValidationError
from astrocyte.knowledge import identity
from astrocyte.knowledge.artifacts import check_name, checked_content, mime_type_of
from astrocyte.knowledge.building import Placement, embed_adapters, stored_adapter
from astrocyte.knowledge.export import export_markdown
from astrocyte.knowledge.markdown import DocumentLimits, ParsedAdapter, parse_document
from astrocyte.knowledge.planning import Planner, check_distinct_titles, without_slug
from astrocyte.knowledge.records import AdapterWrite, StoredAdapter, StoredArtifact
from astrocyte.knowledge.results import (
    ActivateResult,
    AdapterSummary,
    ArtifactInfo,
    Choice,
    DeleteResult,
    ForwardResult,
    NextCall,
    RewardResult,
    SpaceInfo,
    TrainResult,
    TuneResult,
)
from astrocyte.knowledge.runs import RunEngine
from astrocyte.knowledge.search import HybridIndex
from astrocyte.knowledge.settings import KnowledgeSettings
from astrocyte.knowledge.spaces import SpaceAccess
from astrocyte.knowledge.views import artifact_info, summary
from astrocyte.spi import EmbeddingProvider, KnowledgeStore
from astrocyte.validation import check_text

_SPACE_PREFERENCE = ("user:", "group:", "space:")
#: Search indexes kept per service (one per distinct set of readable spaces, i.e. per caller group).
_MAX_CACHED_INDEXES = 64


class KnowledgeService:
    """Knowledge adapters over one :class:`~astrocyte.spi.KnowledgeStore` and one embedder."""

    def __init__(self, store: KnowledgeStore, embedder: EmbeddingProvider, settings: KnowledgeSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.limits = DocumentLimits(settings.max_document_bytes, settings.max_line_bytes, settings.max_lines)
        self._runs = RunEngine(store, embedder, settings, self.resolve_adapter, self.access)
        self._indexes: dict[tuple[str, ...], tuple[int, HybridIndex]] = {}

    def access(self, principal: str | None) -> SpaceAccess:
        return SpaceAccess(self.settings.default_principal if principal is None else principal, self.settings)

    # ------------------------------------------------------------------------------ train

    async def train(
        self,
        content: str | Sequence[str] | None = None,
        *,
        principal: str | None = None,
        space: str | None = None,
        force_update: bool = False,
        fork_from: str | None = None,
    ) -> TrainResult:
        """Store every adapter of ``content`` (one document or several) in the target space.

        All documents are parsed, checked and embedded before anything is written, and the store
        saves all the adapters or none, so a refused adapter leaves none of its siblings behind. A
        title at least ``knowledge.similarity_threshold`` similar to an adapter of the target space
        raises :class:`Conflict` (``existing`` holds its URI and the score) unless
        ``force_update``, which replaces that adapter in the target space only.
        ``fork_from`` copies an adapter (its export, unless ``content`` is given) under a new id and slug.
        """
        access = self.access(principal)
        target = access.target(space)
        source = await self.resolve_adapter(fork_from, access, field="fork_from") if fork_from is not None else None
        documents = self._documents(content, source)
        parsed = [adapter for document in documents for adapter in parse_document(document, self.limits)]
        if source is not None:
            parsed = [without_slug(adapter) for adapter in parsed]
        check_distinct_titles(parsed)
        existing = await self.store.find_adapters([target.space_id])
        vectors = await embed_adapters(self.embedder, parsed)
        planner = Planner(existing, target.space_id, self.settings.similarity_threshold)
        plans = [
            planner.place(adapter, vector, force_update=force_update, source=source)
            for adapter, vector in zip(parsed, vectors, strict=True)
        ]
        records = [
            stored_adapter(adapter, plan, vector) for adapter, plan, vector in zip(parsed, plans, vectors, strict=True)
        ]
        await self.store.save_adapters(
            [
                AdapterWrite(record, plan.previous.adapter_id if plan.previous is not None else None)
                for record, plan in zip(records, plans, strict=True)
            ]
        )
        summaries = [
            summary(
                record,
                replaced_uri=identity.adapter_uri(plan.previous.slug) if plan.previous is not None else None,
                forked_from=fork_from,
            )
            for record, plan in zip(records, plans, strict=True)
        ]
        return TrainResult(summaries, _train_message(len(documents), summaries))

    def _documents(self, content: str | Sequence[str] | None, source: StoredAdapter | None) -> list[str]:
        if content is None:
            if source is None:
                raise ValidationError("content", "give the markdown to train (or fork_from to copy an adapter)")
            return [export_markdown(source, include_slug=False)]
        documents = [content] if isinstance(content, str) else list(content)
        if not documents:
            raise ValidationError("content", "give at least one markdown document")
        return documents

    # ------------------------------------------------------------------------------ search

    async def activate(
        self,
        query: str,
        *,
        principal: str | None = None,
        space: str | None = None,
        limit: int | None = None,
        threshold: float | None = None,
    ) -> ActivateResult:
        """The adapters of the caller's readable spaces (or of one ``space``) that fit ``query``, best first."""
        check_text(query, "query")
        access = self.access(principal)
        spaces = [access.find(space).space_id] if space is not None else access.readable_ids()
        chosen_limit = self.settings.activate_limit if limit is None else limit
        if isinstance(chosen_limit, bool) or not isinstance(chosen_limit, int) or not 1 <= chosen_limit <= 50:
            raise ValidationError("limit", "must be a whole number from 1 to 50")
        floor = self.settings.activate_threshold if threshold is None else threshold
        if not 0 <= floor <= 1:
            raise ValidationError("threshold", "must be between 0 and 1 (the score scale of activate)")
        index = await self._index(spaces)
        [query_vector] = await self.embedder.embed([query])
        ranked = index.rank(query, query_vector, chosen_limit, floor)
        choices = []
        for hit in ranked:
            uri = identity.adapter_uri(hit.adapter.slug)
            artifacts = [
                artifact_info(artifact, hit.adapter.slug)
                for artifact in await self.store.list_artifacts(hit.adapter.adapter_id)
            ]
            choices.append(
                Choice(
                    uri=uri,
                    title=hit.adapter.title,
                    slug=hit.adapter.slug,
                    space_id=hit.adapter.space_id,
                    score=hit.score,
                    why=hit.reasons,
                    next_call=NextCall("forward", {"uri": _stable_uri(hit.adapter)}),
                    artifacts=artifacts,
                )
            )
        return ActivateResult(query=query, choices=choices, threshold=floor)

    async def _index(self, spaces: list[str]) -> HybridIndex:
        """The search index of ``spaces``, rebuilt only when the store's revision moved (any process's
        write moves it), so a cached index is never stale and an unchanged one is never rebuilt."""
        key = tuple(sorted(spaces))
        revision = await self.store.revision()
        cached = self._indexes.get(key)
        if cached is not None and cached[0] == revision:
            return cached[1]
        index = HybridIndex(await self.store.find_adapters(spaces))
        if len(self._indexes) >= _MAX_CACHED_INDEXES:
            self._indexes.clear()
        self._indexes[key] = (revision, index)
        return index

    # ------------------------------------------------------------------------------ runs

    async def forward(
        self,
        uri: str,
        *,
        execution_id: str | None = None,
        solution: dict[str, Any] | None = None,
        principal: str | None = None,
    ) -> ForwardResult:
        """Start a run (``uri`` of an adapter) or hand in one step's evidence (``uri`` of the layer, with
        ``execution_id`` and ``solution`` = ``{"nonce", "proof_hash", "evidence"}``)."""
        return await self._runs.forward(uri, execution_id=execution_id, solution=solution, principal=principal)

    async def reward(
        self, execution_id: str, outcome: str, feedback: str | None = None, *, principal: str | None = None
    ) -> RewardResult:
        """Record how a run ended (``success`` needs every step passed); outcomes feed the ranking boost."""
        return await self._runs.reward(execution_id, outcome, feedback, principal=principal)

    # ------------------------------------------------------------------------------ maintenance

    async def tune(self, uri: str, content: str, *, principal: str | None = None) -> TuneResult:
        """Edit in place: ``uri`` of an adapter with a whole document, or of a layer with that layer's
        markdown (``## Title`` optional; a contract fence replaces the contract, none keeps it). Every
        vector is recomputed from the edited adapter."""
        access = self.access(principal)
        parsed_uri = identity.parse_uri(uri, kinds=("adapter", "layer"))
        if parsed_uri.kind == "adapter":
            adapter = await self.resolve_adapter(uri, access)
            access.require_write(adapter.space_id)
            parsed = parse_document(content, self.limits)
            if len(parsed) != 1:
                raise ValidationError("content", f"tune takes one adapter; this document has {len(parsed)} H1s")
            [edited] = parsed
            slug, given = (edited.slug, True) if edited.slug is not None else (adapter.slug, adapter.slug_given)
            kept = {}
        else:
            adapter = await self._adapter_of_layer(parsed_uri.key, access)
            access.require_write(adapter.space_id)
            edited = self._edited_layer(adapter, parsed_uri.key, content)
            slug, given = adapter.slug, adapter.slug_given
            kept = {layer.position: layer.layer_id for layer in adapter.layers if layer.layer_id == parsed_uri.key}
        [vectors] = await embed_adapters(self.embedder, [edited])
        placement = Placement(adapter.adapter_id, adapter.space_id, slug, given, previous=adapter, layer_ids=kept)
        record = stored_adapter(edited, placement, vectors)
        await self.store.save_adapters([AdapterWrite(record)])
        return TuneResult(
            uri=identity.adapter_uri(record.slug),
            title=record.title,
            layer_uris=[identity.layer_uri(layer.layer_id) for layer in record.layers],
        )

    def _edited_layer(self, adapter: StoredAdapter, layer_key: str, content: str) -> ParsedAdapter:
        check_text(content, "content")
        current = parse_document(export_markdown(adapter), self.limits)[0]
        position = next(index for index, layer in enumerate(adapter.layers) if layer.layer_id == layer_key)
        body = content if content.lstrip().startswith("## ") else f"## {adapter.layers[position].title}\n\n{content}"
        [wrapped] = parse_document(f"# {adapter.title}\n\n{body}\n", self.limits, require_contract=False)
        if len(wrapped.layers) != 1:
            raise ValidationError("content", "a layer edit holds one step; use the adapter URI to edit several")
        [layer] = wrapped.layers
        if layer.contract is None:
            layer = type(layer)(layer.title, layer.text, adapter.layers[position].contract, layer.line)
        layers = list(current.layers)
        layers[position] = layer
        titles = [identity.normalise_title(item.title) for item in layers]
        if len(set(titles)) != len(titles):
            raise ValidationError("content", f"step title '{layer.title}' is already used by another step")
        return ParsedAdapter(
            title=current.title,
            line=1,
            layers=layers,
            activation_patterns=current.activation_patterns,
            reward_signal=current.reward_signal,
            summary=current.summary,
            slug=None,
            version=current.version,
            metadata=current.metadata,
        )

    async def export(self, uri: str, *, principal: str | None = None) -> str:
        """The adapter as markdown; training it again reproduces the same adapter."""
        return export_markdown(await self.resolve_adapter(uri, self.access(principal)))

    async def delete(self, uri: str, *, principal: str | None = None) -> DeleteResult:
        """Remove an adapter with its layers and artifacts (the caller must be able to write its space)."""
        access = self.access(principal)
        adapter = await self.resolve_adapter(uri, access)
        access.require_write(adapter.space_id)
        artifacts = await self.store.list_artifacts(adapter.adapter_id)
        await self.store.delete_adapter(adapter.adapter_id)
        return DeleteResult(
            uri=identity.adapter_uri(adapter.slug), title=adapter.title, artifacts_deleted=len(artifacts)
        )

    async def attach(
        self,
        uri: str,
        name: str,
        content: str | bytes,
        *,
        mime_type: str | None = None,
        replace: bool = False,
        principal: str | None = None,
    ) -> ArtifactInfo:
        """Attach a file to an adapter; a name already attached needs ``replace=True`` (the id stays)."""
        access = self.access(principal)
        adapter = await self.resolve_adapter(uri, access)
        access.require_write(adapter.space_id)
        checked_name = check_name(name)
        mime = mime_type_of(checked_name, mime_type)
        data, digest = checked_content(content, self.settings.max_artifact_bytes)
        key = identity.artifact_id(adapter.adapter_id, checked_name)
        existing = {artifact.name: artifact for artifact in await self.store.list_artifacts(adapter.adapter_id)}
        if checked_name in existing and not replace:
            raise Conflict(
                f"artifact {checked_name!r} is already attached to {identity.adapter_uri(adapter.slug)}; "
                "pass replace=True",
                existing=artifact_info(existing[checked_name], adapter.slug),
            )
        previous = existing.get(checked_name)
        artifact = StoredArtifact(
            artifact_id=previous.artifact_id if previous is not None else key,
            adapter_id=adapter.adapter_id,
            space_id=adapter.space_id,
            name=checked_name,
            slug=identity.derive_slug(checked_name),
            mime_type=mime,
            sha256=digest,
            content=data,
            created_at=previous.created_at if previous is not None else _now(),
        )
        await self.store.save_artifact(artifact)
        return artifact_info(artifact, adapter.slug)

    async def artifacts(
        self, uri: str, *, principal: str | None = None, include_content: bool = False
    ) -> list[ArtifactInfo]:
        """The artifacts of an adapter (adapter URI), or the one an artifact URI names."""
        access = self.access(principal)
        parsed = identity.parse_uri(uri, kinds=("adapter", "artifact"))
        if parsed.kind == "adapter":
            adapter = await self.resolve_adapter(uri, access)
            found = await self.store.list_artifacts(adapter.adapter_id)
        else:
            key = {"artifact_id": parsed.key} if parsed.is_uuid else {"slug": parsed.key}
            found = await self.store.find_artifacts(access.readable_ids(), **key)
            if not found:
                raise NotFound(f"uri: no artifact {uri!r} in the spaces readable by {access.principal!r}")
            if len(found) > 1:
                ids = ", ".join(identity.artifact_uri(item.artifact_id) for item in found)
                raise Conflict(f"uri: {uri!r} names {len(found)} artifacts; use one of {ids}", existing=ids)
        slugs = {adapter.adapter_id: adapter.slug for adapter in await self.store.find_adapters(access.readable_ids())}
        return [
            artifact_info(artifact, slugs.get(artifact.adapter_id, artifact.adapter_id), with_content=include_content)
            for artifact in found
        ]

    async def spaces(self, *, principal: str | None = None) -> list[SpaceInfo]:
        """The caller's spaces, each with whether it is writable and the adapters it holds."""
        access = self.access(principal)
        adapters = await self.store.find_adapters(access.readable_ids())
        return [
            SpaceInfo(
                space_id=space.space_id,
                name=space.name,
                kind=space.kind,
                writable=space.writable,
                adapters=[summary(adapter) for adapter in adapters if adapter.space_id == space.space_id],
            )
            for space in access.spaces
        ]

    # ------------------------------------------------------------------------------ lookups

    async def resolve_adapter(self, uri: str, access: SpaceAccess, *, field: str = "uri") -> StoredAdapter:
        """The adapter an ``astrocyte://adapter/{slug|uuid}`` names in the caller's readable spaces.

        A slug held in several readable spaces resolves to the personal one, then a group, then a
        protected space (ties: the lowest space id), so the answer never depends on storage order.
        """
        parsed = identity.parse_uri(uri, field, kinds=("adapter",))
        readable = access.readable_ids()
        if parsed.is_uuid:
            adapter = await self.store.get_adapter(parsed.key)
            found = [adapter] if adapter is not None and adapter.space_id in readable else []
        else:
            found = await self.store.find_adapters(readable, slug=parsed.key)
        if not found:
            raise NotFound(f"{field}: no adapter {uri!r} in the spaces readable by {access.principal!r}")
        return min(found, key=lambda item: (_preference(item.space_id), item.space_id))

    async def _adapter_of_layer(self, layer_key: str, access: SpaceAccess) -> StoredAdapter:
        adapter = await self.store.adapter_of_layer(layer_key)
        if adapter is None or not access.can_read(adapter.space_id):
            raise NotFound(
                f"uri: no layer {identity.layer_uri(layer_key)!r} in the spaces readable by {access.principal!r}"
            )
        return adapter


def _train_message(documents: int, summaries: list[AdapterSummary]) -> str:
    count = len(summaries)
    replaced = sum(item.replaced_uri is not None for item in summaries)
    origin = "one document" if documents == 1 else f"{documents} documents"
    text = f"trained {count} adapter{'s' if count != 1 else ''} from {origin}"
    if documents == 1 and count > 1:
        text += f" (it has {count} H1 titles: one adapter each)"
    if replaced:
        text += f"; {replaced} replaced an existing adapter"
    return text


def _stable_uri(adapter: StoredAdapter) -> str:
    return identity.adapter_uri(adapter.adapter_id)


def _preference(space_id: str) -> int:
    return next(
        (rank for rank, prefix in enumerate(_SPACE_PREFERENCE) if space_id.startswith(prefix)), len(_SPACE_PREFERENCE)
    )


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["KnowledgeService"]
