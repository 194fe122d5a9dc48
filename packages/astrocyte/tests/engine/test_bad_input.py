"""Bad input gets a typed error naming the field, and writes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.errors import ValidationError

from ._helpers import nothing_stored

BANK = "inputs"
TEN_MEGABYTES = "x" * (10 * 1024 * 1024)
Call = Callable[[Astrocyte], Awaitable[Any]]


def retain(content: Any, bank_id: Any = BANK, **options: Any) -> Call:
    return lambda engine: engine.retain(content, bank_id, **options)


def retain_many(items: Any, bank_id: Any = BANK) -> Call:
    return lambda engine: engine.retain_many(items, bank_id)


def recall(query: Any = "anything", bank_id: Any = BANK, **options: Any) -> Call:
    return lambda engine: engine.recall(query, bank_id, **options)


BAD_INPUT: dict[str, tuple[Call, str]] = {
    "empty text": (retain(""), "content"),
    "whitespace text": (retain(" \n\t "), "content"),
    "10 MB text": (retain(TEN_MEGABYTES), "content"),
    "NUL byte": (retain("before\x00after"), "content"),
    "lone surrogate": (retain("broken \ud800 text"), "content"),
    "text not a string": (retain(b"bytes"), "content"),
    "empty bank id": (retain("fine", ""), "bank_id"),
    "bank id with a space": (retain("fine", "my bank"), "bank_id"),
    "bank id with a slash": (retain("fine", "a/b"), "bank_id"),
    "bank id too long": (retain("fine", "b" * 129), "bank_id"),
    "bank id not a string": (retain("fine", None), "bank_id"),
    "tags as one string": (retain("fine", tags="oops"), "tags"),
    "blank tag": (retain("fine", tags=["ok", " "]), "tags[1]"),
    "reserved metadata key": (retain("fine", metadata={"_source": "x"}), "metadata['_source']"),
    "nested metadata": (retain("fine", metadata={"deep": {"a": 1}}), "metadata['deep']"),
    "occurred_at not a datetime": (retain("fine", occurred_at="2024-01-01"), "occurred_at"),
    "empty source": (retain("fine", source=""), "source"),
    "bad item among good ones": (retain_many(["good one", "good two", ""]), "items[2].content"),
    "10 MB item": (retain_many(["good", TEN_MEGABYTES]), "items[1].content"),
    "unknown item key": (retain_many([{"content": "fine", "colour": "red"}]), "items[0].colour"),
    "item without content": (retain_many([{"tags": ["a"]}]), "items[0].content"),
    "item of another type": (retain_many([42]), "items[0]"),
    "items as one string": (retain_many("just text"), "items"),
    "batch into an invalid bank": (retain_many(["fine"], "bad bank"), "bank_id"),
    "empty query": (recall("  "), "query"),
    "query with NUL": (recall("a\x00b"), "query"),
    "recall from an invalid bank": (recall(bank_id="../etc"), "bank_id"),
    "recall from no bank": (recall(bank_id=None), "bank_id"),
    "recall from bank and banks": (recall(banks=["a"]), "banks"),
    "recall from an invalid bank in banks": (recall(bank_id=None, banks=["ok", "not ok"]), "banks[1]"),
    "recall from no banks": (recall(bank_id=None, banks=[]), "banks"),
    "limit zero": (recall(limit=0), "limit"),
    "limit negative": (recall(limit=-3), "limit"),
    "limit not an integer": (recall(limit=2.5), "limit"),
    "max_tokens zero": (recall(max_tokens=0), "max_tokens"),
    "unknown filter key": (recall(metadata_filters={"_retained_at": "x"}), "metadata_filters['_retained_at']"),
    "filter value not a scalar": (recall(metadata_filters={"k": [1]}), "metadata_filters['k']"),
    "unknown tag_match": (recall(tags=["a"], tag_match="some"), "tag_match"),
    "time range backwards": (
        recall(time_range=(datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))),
        "time_range",
    ),
    "time range not a pair": (recall(time_range=(datetime(2024, 1, 1, tzinfo=UTC),)), "time_range"),
    "reflect with an empty query": (lambda engine: engine.reflect("", BANK), "query"),
    "reflect from an invalid bank": (lambda engine: engine.reflect("why?", "bad bank"), "bank_id"),
    "forget without a selector": (lambda engine: engine.forget(BANK), "selector"),
    "forget all and by tags": (lambda engine: engine.forget(BANK, all=True, tags=["a"]), "all"),
    "forget ids as one string": (lambda engine: engine.forget(BANK, memory_ids="abc"), "memory_ids"),
    "forget an empty id": (lambda engine: engine.forget(BANK, memory_ids=["ok", ""]), "memory_ids[1]"),
    "forget before a non-datetime": (lambda engine: engine.forget(BANK, before="yesterday"), "before"),
    "forget from an invalid bank": (lambda engine: engine.forget("a b", all=True), "bank_id"),
}


@pytest.mark.parametrize(("call", "field"), list(BAD_INPUT.values()), ids=list(BAD_INPUT))
async def test_bad_input_is_refused_by_field_and_writes_nothing(engine: Astrocyte, call: Call, field: str) -> None:
    """Each bad input raises ValidationError naming the field, and the bank stays unwritten."""
    with pytest.raises(ValidationError) as caught:
        await call(engine)
    assert caught.value.field == field, str(caught.value)
    assert await nothing_stored(engine, BANK)


async def test_content_limit_is_configurable(make_engine: Any) -> None:
    """max_content_bytes bounds the UTF-8 size, and the message names the setting."""
    engine = await make_engine(engine={"retain": {"max_content_bytes": 10}})
    with pytest.raises(ValidationError, match="max_content_bytes") as caught:
        await engine.retain("ééééé é", BANK)  # 13 bytes in UTF-8, 7 characters
    assert caught.value.field == "content"
    assert (await engine.retain("short", BANK)).stored
