"""DTOs the pipeline builds without re-running their checks equal the checked ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from astrocyte.errors import ValidationError
from astrocyte.pipeline.prechecked import prechecked
from astrocyte.pipeline.records import mirror_document
from astrocyte.types import Document, Entity, EntityCandidateMatch, EntityLink, MemoryEntityAssociation, VectorItem


def test_a_prechecked_dto_equals_the_checked_one_with_its_defaults_filled_in() -> None:
    assert prechecked(Entity, id="ent_1", name="Alice", entity_type="name") == Entity("ent_1", "Alice", "name")
    assert prechecked(EntityLink, entity_a="a", entity_b="b", link_type="co_occurs") == EntityLink(
        "a", "b", "co_occurs"
    )
    link = prechecked(EntityLink, entity_a="a", entity_b="b", link_type="co_occurs")
    assert (link.key, link.confidence, link.metadata) == ("a|co_occurs|b", 1.0, None)
    association = prechecked(MemoryEntityAssociation, memory_id="m", entity_id="e")
    assert association == MemoryEntityAssociation("m", "e")


def test_a_field_left_without_a_plain_default_is_refused() -> None:
    entity = Entity("ent_1", "Alice")
    with pytest.raises(TypeError, match="co_occurring_names"):
        prechecked(EntityCandidateMatch, entity=entity, name_similarity=1.0)
    with pytest.raises(TypeError, match="nmae"):
        prechecked(Entity, id="ent_1", nmae="Alice")


def test_a_mirrored_document_equals_one_built_with_the_checks_and_owns_its_tags() -> None:
    when = datetime(2024, 3, 5, tzinfo=UTC)
    item = VectorItem(
        id="m1", bank_id="b", vector=[1.0, 0.0], text="Alice met Bob", metadata={"k": 1}, tags=["t"], retained_at=when
    )
    document = mirror_document(item)
    assert document == Document(
        id="m1", text="Alice met Bob", metadata={"k": 1, "_retained_at": when.isoformat()}, tags=["t"]
    )
    assert document.tags is not item.tags


def test_a_mirrored_field_of_the_wrong_type_is_still_refused() -> None:
    item = VectorItem(id="m1", bank_id="b", vector=[1.0], text="t", fact_type={"not": "a string"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="_fact_type"):
        mirror_document(item)
