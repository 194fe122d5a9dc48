"""Adapters back to markdown: what ``export`` returns and what ``train`` reads again unchanged.

The output follows the document format of :mod:`astrocyte.knowledge.markdown` exactly, so training
an export reproduces the same title, summary, activation patterns, layers (titles, texts,
contracts) and reward signal; the property test in the knowledge tests checks it on generated
documents.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from astrocyte.knowledge.records import StoredAdapter


def export_markdown(adapter: StoredAdapter, *, include_slug: bool = True) -> str:
    """The adapter as one markdown document (frontmatter with slug, version and metadata)."""
    front: dict[str, Any] = {}
    if include_slug:
        front["slug"] = adapter.slug
    if adapter.version is not None:
        front["version"] = adapter.version
    front.update(adapter.metadata)
    parts: list[str] = []
    if front:
        parts.append("---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---")
    parts.append(f"# {adapter.title}")
    if adapter.summary:
        parts.append(adapter.summary)
    if adapter.activation_patterns:
        parts.append("## Activation Patterns\n" + "\n".join(f"- {pattern}" for pattern in adapter.activation_patterns))
    for layer in adapter.layers:
        section = f"## {layer.title}"
        if layer.text:
            section += f"\n\n{layer.text}"
        if layer.contract is not None:
            section += (
                "\n\n```json\n" + json.dumps({"contract": layer.contract}, ensure_ascii=False, indent=2) + "\n```"
            )
        parts.append(section)
    if adapter.reward_signal:
        parts.append(f"## Reward Signal\n\n{adapter.reward_signal}")
    return "\n\n".join(parts) + "\n"


__all__ = ["export_markdown"]
