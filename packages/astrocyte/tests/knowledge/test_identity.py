"""Ids, slugs and URIs."""

from __future__ import annotations

import uuid

import pytest

from astrocyte.errors import Conflict, ValidationError
from astrocyte.knowledge import identity
from astrocyte.knowledge.markdown import parse_document
from astrocyte.knowledge.planning import Planner
from astrocyte.knowledge.records import AdapterVectors

from .conftest import OTHER


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  --Über__Cool--  ", "uber-cool"),
        ("Café Déjà Vu", "cafe-deja-vu"),
        ("日本語", "adapter"),
    ],
)
def test_derived_slugs(title: str, slug: str) -> None:
    assert identity.derive_slug(title) == slug


def test_suffixes_keep_slugs_within_200_characters() -> None:
    base = "a" * 200
    assert identity.suffixed("my-slug", 1) == "my-slug"
    assert identity.suffixed("my-slug", 2) == "my-slug-2"
    assert identity.suffixed(base, 3) == "a" * 198 + "-3"
    assert len(identity.suffixed(base, 100)) == 200


@pytest.mark.parametrize("slug", ["a--b", "-a", "a-", "Upper", "with space", "x" * 201, "", "ü"])
def test_author_slugs_are_strict(slug: str) -> None:
    with pytest.raises(ValidationError, match="slug"):
        identity.check_author_slug(slug)


def test_slug_allocation_gives_up_after_100_attempts() -> None:
    [parsed] = parse_document(OTHER)
    planner = Planner([], "user:ana", 0.9)
    planner.taken = {identity.suffixed("bake-a-sourdough-loaf", attempt) for attempt in range(1, 101)}
    with pytest.raises(Conflict, match="after 100 attempts"):
        planner.place(parsed, AdapterVectors(title=[1.0, 0.0], text=[0.0, 1.0]), force_update=False, source=None)


def test_uris_parse_to_kind_and_key() -> None:
    key = str(uuid.uuid4())
    assert identity.parse_uri(f"astrocyte://adapter/{key.upper()}") == identity.Uri("adapter", key)
    assert identity.parse_uri("astrocyte://adapter/rotate-db").key == "rotate-db"
    assert identity.parse_uri(f"astrocyte://layer/{key}").is_uuid
    assert identity.parse_uri("astrocyte://artifact/run-sh").kind == "artifact"
    with pytest.raises(ValidationError, match="layer URI holds"):
        identity.parse_uri("astrocyte://layer/rotate-db")
    with pytest.raises(ValidationError):
        identity.parse_uri("astrocyte://adapter/a--b")
    with pytest.raises(ValidationError):
        identity.parse_uri(f"astrocyte://layer/{key}", kinds=("adapter",))


def test_layer_and_artifact_ids_are_stable_functions_of_their_owner() -> None:
    owner = identity.adapter_id("user:ana", "Rotate")
    assert identity.layer_id(owner, "Create  the USER") == identity.layer_id(owner, "create the user")
    assert identity.layer_id(owner, "x") != identity.layer_id(identity.adapter_id("user:bob", "Rotate"), "x")
    assert identity.artifact_id(owner, "a.sh") != identity.artifact_id(owner, "b.sh")
    assert identity.fork_id("user:ana", "Rotate", owner) != owner
