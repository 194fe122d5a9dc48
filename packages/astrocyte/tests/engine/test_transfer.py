"""export_bank / import_bank: JSON Lines, round trip exact, import idempotent, bad files write nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.errors import ValidationError

from ._helpers import keeps_own_vectors, memory_count, nothing_stored
from .conftest import config_for

MEMORIES = [
    {
        "content": "Alice adopted a cat named Pixel.",
        "tags": ["pets"],
        "metadata": {"mood": "glad", "age": 2},
        "occurred_at": datetime(2024, 1, 5, 9, 0, tzinfo=UTC),
        "source": "diary",
    },
    {"content": "Bob adopted a dog named Rex. ünïcödé ✓", "tags": ["pets", "dogs"]},
    {"content": "Carol grows tomatoes."},
]


def memory_lines(path: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines[1:]


async def seeded(engine: Astrocyte) -> Astrocyte:
    await engine.create_bank("home", description="Home life", metadata={"floor": 2})
    await engine.retain_many(MEMORIES, "home")
    return engine


async def test_export_writes_a_header_and_one_line_per_memory(engine: Astrocyte, tmp_path: Path) -> None:
    await seeded(engine)
    path = tmp_path / "home.jsonl"
    assert await engine.export_bank("home", path) == 3
    header, *lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert (header["format"], header["version"], header["bank_id"], header["vectors"]) == (
        "astrocyte.bank",
        1,
        "home",
        True,
    )
    assert (header["description"], header["metadata"], header["dimensions"]) == ("Home life", {"floor": 2}, 384)
    by_text = {line["text"]: line for line in lines}
    pixel = by_text["Alice adopted a cat named Pixel."]
    sequence = pixel["metadata"].pop("_sequence")  # where it stood in its retain call: "<call>:<position>"
    assert sequence.rpartition(":")[2].isdigit()
    assert pixel["metadata"] == {"mood": "glad", "age": 2, "_source": "diary"}
    assert pixel["occurred_at"] == "2024-01-05T09:00:00+00:00"
    assert pixel["tags"] == ["pets"]
    assert len(pixel["vector"]) == 384
    if keeps_own_vectors(engine):  # retain_many stored a contextual vector: its own vector travels beside it
        assert len(pixel["own_vector"]) == 384
        assert pixel["own_vector"] != pixel["vector"]
    else:
        assert "own_vector" not in pixel
    assert not (tmp_path / "home.jsonl.partial").exists()


async def test_round_trip_is_exact_and_import_is_idempotent(backend: str, engine: Astrocyte, tmp_path: Path) -> None:
    source = await seeded(engine)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    await source.export_bank("home", first)
    async with Astrocyte.from_config_dict(config_for(backend, tmp_path / "copy")) as target:
        await _import_twice_and_compare(source, target, first, second)


async def _import_twice_and_compare(source: Astrocyte, target: Astrocyte, first: Path, second: Path) -> None:
    assert await target.import_bank(first) == 3
    assert await target.import_bank(first) == 3  # again: same ids, nothing new
    assert await memory_count(target, "home") == 3
    await target.export_bank("home", second)
    assert memory_lines(second) == memory_lines(first)
    [bank] = await target.list_banks()
    assert (bank.bank_id, bank.description, bank.metadata) == ("home", "Home life", {"floor": 2})
    original = (await source.recall("Who adopted Pixel?", "home")).hits
    copied = (await target.recall("Who adopted Pixel?", "home")).hits
    assert [(hit.memory_id, hit.text, hit.source, hit.strategies) for hit in copied] == [
        (hit.memory_id, hit.text, hit.source, hit.strategies) for hit in original
    ]


async def test_import_into_another_bank_without_vectors_embeds_again(engine: Astrocyte, tmp_path: Path) -> None:
    await seeded(engine)
    path = tmp_path / "plain.jsonl"
    await engine.export_bank("home", path, include_vectors=False)
    assert all("vector" not in line for line in memory_lines(path))
    assert await engine.import_bank(path, "copy") == 3
    assert [hit.text for hit in (await engine.recall("tomatoes", "copy", limit=1)).hits] == ["Carol grows tomatoes."]
    assert await memory_count(engine, "home") == 3


async def test_exporting_an_empty_bank_gives_just_a_header(engine: Astrocyte, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    assert await engine.export_bank("nothing", path) == 0
    assert memory_lines(path) == []


def _write(path: Path, *lines: Any) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8"
    )
    return path


HEADER = {"format": "astrocyte.bank", "version": 1, "bank_id": "home", "vectors": False}
GOOD = {"id": "m1", "text": "A good memory."}


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ((), None),
        (({"format": "other"},), "line 1"),
        ((HEADER, GOOD, "{not json"), "line 3"),
        ((HEADER, GOOD, [1, 2]), "line 3"),
        ((HEADER, GOOD, {"id": "m2", "text": ""}), "line 3.text"),
        ((HEADER, GOOD, {"id": "m2", "text": "fine", "colour": "red"}), "line 3.colour"),
        ((HEADER, GOOD, {"text": "no id"}), "line 3.id"),
        ((HEADER, GOOD, {"id": "m2", "text": "fine", "occurred_at": "soon"}), "line 3.occurred_at"),
        ((HEADER, GOOD, {"id": "m2", "text": "fine", "tags": "one"}), "line 3.tags"),
        (({**HEADER, "vectors": True, "dimensions": 384}, {**GOOD, "vector": [0.5] * 3}), "line 2.vector"),
        (
            ({**HEADER, "vectors": True, "dimensions": 384}, {**GOOD, "vector": [0.5] * 384, "own_vector": [0.5]}),
            "line 2.own_vector",
        ),
        ((HEADER, {**GOOD, "own_vector": [0.5] * 384}), "line 2.own_vector"),
        (({**HEADER, "vectors": True, "dimensions": 3}, {**GOOD, "vector": [0.5] * 3}), "line 1.dimensions"),
        (({**HEADER, "bank_id": "bad bank"}, GOOD), "line 1.bank_id"),
    ],
    ids=[
        "empty",
        "no header",
        "not json",
        "not an object",
        "empty text",
        "unknown key",
        "no id",
        "bad time",
        "tags as a string",
        "wrong vector length",
        "wrong own vector length",
        "own vector without vectors",
        "other dimensions",
        "bad bank id",
    ],
)
async def test_a_bad_file_is_refused_by_line_and_field_and_writes_nothing(
    engine: Astrocyte, tmp_path: Path, lines: tuple[Any, ...], field: str | None
) -> None:
    path = _write(tmp_path / "bad.jsonl", *lines)
    with pytest.raises(ValidationError) as caught:
        await engine.import_bank(path)
    if field is not None:
        assert caught.value.field == field, str(caught.value)
    assert await nothing_stored(engine, "home")


async def test_a_missing_file_is_a_validation_error(engine: Astrocyte, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        await engine.import_bank(tmp_path / "missing.jsonl")
    assert caught.value.field == "path"
