"""Planning a train call before anything is written: ids, slugs, the similarity guard, replacements.

Every adapter of a call is placed here first (its id, its slug, the adapter it replaces), so that a
refusal, whichever adapter causes it, comes before the store sees any write.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from astrocyte.errors import Conflict, ValidationError
from astrocyte.knowledge import identity
from astrocyte.knowledge.building import Placement
from astrocyte.knowledge.markdown import ParsedAdapter
from astrocyte.knowledge.records import AdapterVectors, StoredAdapter
from astrocyte.knowledge.views import summary


class Planner:
    """Decides each new adapter's id, slug and the adapter it replaces, before anything is written."""

    def __init__(self, existing: list[StoredAdapter], space_id: str, threshold: float) -> None:
        self.existing = existing
        self.space_id = space_id
        self.threshold = threshold
        self.taken = {adapter.slug for adapter in existing}
        titles = np.asarray([adapter.vectors.title for adapter in existing], dtype=np.float64)
        norms = np.linalg.norm(titles, axis=-1, keepdims=True)
        self.unit_titles = np.divide(titles, norms, out=np.zeros_like(titles), where=norms > 0)
        self.planned: list[tuple[str, npt.NDArray[np.float64]]] = []

    def place(
        self, parsed: ParsedAdapter, vectors: AdapterVectors, *, force_update: bool, source: StoredAdapter | None
    ) -> Placement:
        self._check_siblings(parsed, vectors)
        previous = self._similar(parsed, vectors, force_update=force_update, source=source)
        if source is not None:
            new_id = identity.fork_id(self.space_id, parsed.title, source.adapter_id)
        else:
            new_id = identity.adapter_id(self.space_id, parsed.title)
        if previous is not None:
            self.taken.discard(previous.slug)
        if parsed.slug is not None:
            if parsed.slug in self.taken:
                holder = next((item for item in self.existing if item.slug == parsed.slug), None)
                raise Conflict(
                    f"slug {parsed.slug!r} is already used in space {self.space_id!r}; choose another slug",
                    existing=summary(holder) if holder is not None else parsed.slug,
                )
            slug, given = parsed.slug, True
        elif previous is not None and not previous.slug_given:
            slug, given = previous.slug, False
        else:
            slug, given = self._derived(parsed.title), False
        self.taken.add(slug)
        self.planned.append((parsed.title, _unit(vectors.title)))
        return Placement(new_id, self.space_id, slug, given, previous)

    def _check_siblings(self, parsed: ParsedAdapter, vectors: AdapterVectors) -> None:
        """Two adapters of one call with near-identical titles: neither may replace the other."""
        query = _unit(vectors.title)
        for title, vector in self.planned:
            score = float(vector @ query)
            if score >= self.threshold:
                raise Conflict(
                    f"'{parsed.title}' is {score:.0%} similar to '{title}' trained in the same call; "
                    "give them distinct titles",
                    existing={"title": title, "score": round(score, 4)},
                )

    def _similar(
        self, parsed: ParsedAdapter, vectors: AdapterVectors, *, force_update: bool, source: StoredAdapter | None
    ) -> StoredAdapter | None:
        if not self.existing:
            return None
        scores = self.unit_titles @ _unit(vectors.title)
        same_id = identity.adapter_id(self.space_id, parsed.title)
        for index, adapter in enumerate(self.existing):
            if adapter.adapter_id == same_id:
                scores[index] = max(float(scores[index]), 1.0)
            if source is not None and adapter.adapter_id == source.adapter_id:
                scores[index] = -1.0
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < self.threshold:
            return None
        match = self.existing[best]
        if not force_update:
            uri = identity.adapter_uri(match.slug)
            raise Conflict(
                f"'{parsed.title}' is {score:.0%} similar to '{match.title}' ({uri}) in space {self.space_id!r}; "
                "export and retrain it with force_update=True if it is the same adapter, or change the title",
                existing={"uri": uri, "title": match.title, "score": round(score, 4), "space_id": match.space_id},
            )
        return match

    def _derived(self, title: str) -> str:
        base = identity.derive_slug(title)
        for attempt in range(1, identity.MAX_SLUG_SUFFIX + 1):
            candidate = identity.suffixed(base, attempt)
            if candidate not in self.taken:
                return candidate
        raise Conflict(
            f"no free slug for '{title}' in space {self.space_id!r} after {identity.MAX_SLUG_SUFFIX} attempts; "
            "give one in the frontmatter",
            existing=base,
        )


def _unit(vector: list[float]) -> npt.NDArray[np.float64]:
    row = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(row))
    return row / norm if norm else row


def without_slug(adapter: ParsedAdapter) -> ParsedAdapter:
    return ParsedAdapter(
        adapter.title,
        adapter.line,
        adapter.layers,
        adapter.activation_patterns,
        adapter.reward_signal,
        adapter.summary,
        None,
        adapter.version,
        adapter.metadata,
    )


def check_distinct_titles(adapters: list[ParsedAdapter]) -> None:
    seen: dict[str, int] = {}
    for adapter in adapters:
        key = identity.normalise_title(adapter.title)
        if key in seen:
            raise ValidationError(
                "content", f"line {adapter.line}: adapter '{adapter.title}' is trained twice in one call"
            )
        seen[key] = adapter.line


__all__ = ["Planner", "check_distinct_titles", "without_slug"]
