"""The rules a page-index section tree must follow before any store saves it.

Every :class:`~astrocyte.spi.PageIndexStore` that ships with the core checks a tree whole, before
it replaces anything, with these functions, so a bad tree is refused in the same words everywhere
and never leaves a half-written document behind. Beyond the SPI's parents, cycles and unique keys:

- ``depth`` is validated, not computed: a root has depth 0 and every other section its parent's
  depth + 1. A caller that sends depths means them, so a disagreement is a bug to report, not
  something to paper over.
- All ``summary_embedding`` vectors of a bank share one dimension, and ``query_embedding`` must
  have it too, because cosine similarity across dimensions is meaningless.
"""

from __future__ import annotations

from collections.abc import Sequence

from astrocyte.errors import ValidationError
from astrocyte.types import PageIndexSection
from astrocyte.validation import check_vector


def check_tree(document_id: str, sections: Sequence[PageIndexSection]) -> None:
    """Raise ``ValidationError`` naming the first section that breaks a tree rule."""
    position_of: dict[str, int] = {}
    line_nums: set[int] = set()
    for index, section in enumerate(sections):
        if section.document_id != document_id:
            raise ValidationError(
                f"sections[{index}].document_id",
                f"is {section.document_id!r}, but these sections are being saved for {document_id!r}",
            )
        if section.line_num in line_nums:
            raise ValidationError(f"sections[{index}].line_num", f"{section.line_num} is used by an earlier section")
        if section.node_id in position_of:
            raise ValidationError(f"sections[{index}].node_id", f"{section.node_id!r} is used by an earlier section")
        line_nums.add(section.line_num)
        position_of[section.node_id] = index
    for index, section in enumerate(sections):
        if section.parent_node is not None and section.parent_node not in position_of:
            raise ValidationError(
                f"sections[{index}].parent_node", f"{section.parent_node!r} is no node_id of this call"
            )
    for index, (section, depth) in enumerate(zip(sections, ancestor_depths(sections, position_of), strict=True)):
        if section.depth != depth:
            raise ValidationError(
                f"sections[{index}].depth",
                f"is {section.depth}, but the section has {depth} ancestors (a root is 0, a child its parent's + 1)",
            )


def ancestor_depths(sections: Sequence[PageIndexSection], position_of: dict[str, int]) -> list[int]:
    """Each section's number of ancestors; a chain of parents that loops raises ``ValidationError``.

    ``position_of`` maps every ``node_id`` to its index in ``sections`` and must know every parent.
    """
    depths: dict[int, int] = {}
    for start in range(len(sections)):
        chain: list[int] = []
        on_chain: set[int] = set()
        current: int | None = start
        while current is not None and current not in depths:
            if current in on_chain:
                raise ValidationError(
                    f"sections[{current}].parent_node", "closes a cycle; every chain of parents must end at a root"
                )
            chain.append(current)
            on_chain.add(current)
            parent = sections[current].parent_node
            current = None if parent is None else position_of[parent]
        depth = -1 if current is None else depths[current]
        for position in reversed(chain):
            depth += 1
            depths[position] = depth
    return [depths[position] for position in range(len(sections))]


def check_dimensions(sections: Sequence[PageIndexSection], bank_dimensions: int | None) -> None:
    """Every embedding of the call has the dimension of the bank's other embeddings (or of the first)."""
    expected = bank_dimensions
    for index, section in enumerate(sections):
        if section.summary_embedding is None:
            continue
        if not section.summary_embedding:
            raise ValidationError(f"sections[{index}].summary_embedding", "must have at least one dimension")
        expected = expected or len(section.summary_embedding)
        if len(section.summary_embedding) != expected:
            raise ValidationError(
                f"sections[{index}].summary_embedding",
                f"has {len(section.summary_embedding)} dimensions; this bank's embeddings have {expected}",
            )


def check_query_embedding(query_embedding: list[float], bank_dimensions: int | None) -> None:
    """A query embedding is a finite vector of the bank's embedding dimension (any, while it has none)."""
    check_vector(query_embedding, "query_embedding")
    if bank_dimensions is not None and len(query_embedding) != bank_dimensions:
        raise ValidationError(
            "query_embedding",
            f"has {len(query_embedding)} dimensions; this bank's section embeddings have {bank_dimensions}",
        )
