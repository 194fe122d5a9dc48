"""``export`` then ``train`` reproduces an adapter: a property over generated documents."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from astrocyte.knowledge.export import export_markdown
from astrocyte.knowledge.markdown import ParsedAdapter, parse_document
from astrocyte.knowledge.records import AdapterVectors, StoredAdapter, StoredLayer

_LOWER = string.ascii_lowercase + string.digits
WORD = st.builds(str.__add__, st.sampled_from(string.ascii_letters), st.text(_LOWER, max_size=7))
SLUG = st.lists(st.text(_LOWER, min_size=1, max_size=8), min_size=1, max_size=3).map("-".join)
PHRASE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
EMPHASIS = st.sampled_from(["", "**", "*", "`"])
PATTERN = st.tuples(EMPHASIS, PHRASE, PHRASE).map(lambda parts: f"{parts[1]} {parts[0]}{parts[2]}{parts[0]}".strip())
LINE = st.one_of(
    PHRASE,
    PHRASE.map(lambda text: f"### {text}"),
    PHRASE.map(lambda text: f"- {text}"),
    PHRASE.map(lambda text: f"> {text}"),
    PHRASE.map(lambda text: f"```bash\n## 1. {text}\n# {text}\n```"),
    PHRASE.map(lambda text: "```json\n" + json.dumps({"example": text}) + "\n```"),
    st.just(""),
)
TEXT = st.lists(LINE, max_size=6).map("\n".join)
PREFIX = st.sampled_from(["", "Step 1: ", "2. ", "Step 3 — ", "4) "])
CONTRACT = st.one_of(
    st.builds(
        lambda cmd, seconds: {"type": "shell", "shell": {"cmd": cmd, "timeout_seconds": seconds}},
        PHRASE,
        st.integers(1, 600),
    ),
    st.builds(lambda tool: {"type": "mcp", "mcp": {"tool_name": tool, "arguments": {"q": tool}}}, WORD),
    st.builds(lambda prompt: {"type": "user_input", "user_input": {"prompt": prompt}}, PHRASE),
    st.builds(
        lambda length: {"type": "comment", "comment": {"min_length": length}, "required": False}, st.integers(0, 50)
    ),
)


@st.composite
def documents(draw: Any) -> str:
    titles = draw(st.lists(PHRASE, min_size=1, max_size=5, unique_by=str.casefold))
    titles = [title for title in titles if title.casefold() not in ("activation patterns", "reward signal")] or ["Only"]
    parts = []
    front: dict[str, Any] = draw(st.dictionaries(st.sampled_from(["owner", "team", "level"]), PHRASE, max_size=2))
    if draw(st.booleans()):
        front["slug"] = draw(SLUG)
    if draw(st.booleans()):
        front["version"] = draw(st.sampled_from(["1", "1.2.0", "2024-01"]))
    if front:
        parts.append("---\n" + "\n".join(f"{key}: {json.dumps(value)}" for key, value in front.items()) + "\n---")
    parts.append(f"# {draw(PHRASE)}")
    summary = draw(TEXT)
    if summary.strip():
        parts.append(summary)
    patterns = draw(st.lists(PATTERN, max_size=4))
    if patterns:
        parts.append("## Activation Patterns\n" + "\n".join(f"- {pattern}" for pattern in patterns))
    last_without_contract = len(titles) > 1 and draw(st.booleans())
    for index, title in enumerate(titles):
        section = f"## {draw(PREFIX)}{title}\n{draw(TEXT)}"
        if not (last_without_contract and index == len(titles) - 1):
            section += "\n```json\n" + json.dumps({"contract": draw(CONTRACT)}) + "\n```"
        parts.append(section)
    if draw(st.booleans()):
        parts.append(f"## Reward Signal\n{draw(PHRASE)}")
    return "\n".join(parts) + "\n"


def stored(parsed: ParsedAdapter) -> StoredAdapter:
    """What the service stores for a parsed adapter (ids and vectors do not matter to export)."""
    return StoredAdapter(
        adapter_id="a",
        space_id="user:x",
        slug=parsed.slug or "derived",
        slug_given=parsed.slug is not None,
        title=parsed.title,
        layers=[
            StoredLayer(f"l{index}", index, layer.title, layer.text, layer.contract)
            for index, layer in enumerate(parsed.layers, start=1)
        ],
        vectors=AdapterVectors(title=[], text=[]),
        activation_patterns=parsed.activation_patterns,
        reward_signal=parsed.reward_signal,
        summary=parsed.summary,
        version=parsed.version,
        metadata=parsed.metadata,
    )


def essentials(parsed: ParsedAdapter) -> tuple[Any, ...]:
    layers = [(layer.title, layer.text, layer.contract) for layer in parsed.layers]
    return (
        parsed.title,
        layers,
        parsed.activation_patterns,
        parsed.reward_signal,
        parsed.summary,
        parsed.version,
        parsed.metadata,
    )


@settings(max_examples=100, deadline=None)
@given(documents())
def test_training_an_export_reproduces_the_adapter(document: str) -> None:
    [parsed] = parse_document(document)
    exported = export_markdown(stored(parsed))
    [again] = parse_document(exported)
    assert essentials(again) == essentials(parsed)
    assert again.slug == (parsed.slug or "derived")
    assert export_markdown(stored(again)) == exported
