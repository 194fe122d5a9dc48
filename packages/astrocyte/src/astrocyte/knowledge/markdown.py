"""Markdown to knowledge adapters: one H1 = one adapter, layers end at ``json`` contract fences.

The document format (see ``docs`` in the README's knowledge section)::

    ---                      optional YAML frontmatter: slug, version; other keys kept as metadata
    # Title                  one H1 per adapter; text before the first H1 is an error
    intro prose              optional: the adapter's summary
    ## Activation Patterns   optional: bullets describing when the adapter applies
    ## Step title            a layer; its prose ends at a line-start ```json fence holding {"contract": ...}
    ## Last step             the last layer may have no contract
    ## Reward Signal         optional, last: what success means

Rules the reference system got wrong and this parser gets right (its notes, section 12): several
H1s give several adapters, never one merged adapter; step prefixes (``Step 1:``, ``2.``,
``Step 3 —``) are removed from H2 titles only outside code fences, and only when a separator
follows the number, so ``## 3D printing`` keeps its title; activation-pattern bullets lose only
their bullet marker, so ``**bold**`` stays intact. Every rejection is a :class:`DocumentError`
naming the line and the rule broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from astrocyte.errors import ValidationError
from astrocyte.knowledge.contracts import check_contract
from astrocyte.knowledge.identity import check_author_slug

_H1 = re.compile(r"# +(\S.*?)\s*")
_H2 = re.compile(r"## +(\S.*?)\s*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_CONTRACT_FENCE = re.compile(r"```json\s*")
_STEP_WORD = re.compile(r"step\s*\d+\s*(?:[:.)\-\u2013\u2014\u00b7\u2022]+\s*|\s+)(?P<rest>\S.*)", re.IGNORECASE)
_STEP_NUMBER = re.compile(r"\d+\s*[:.)\-\u2013\u2014\u00b7\u2022]+\s+(?P<rest>\S.*)")
_BULLET = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+(?P<text>\S.*?)\s*")

ACTIVATION_PATTERNS = "activation patterns"
REWARD_SIGNAL = "reward signal"


class DocumentError(ValidationError):
    """A markdown document breaks a rule: ``line`` (1-based) says where, ``rule`` which one."""

    def __init__(self, line: int, rule: str, message: str) -> None:
        self.line = line
        self.rule = rule
        super().__init__("content", f"line {line}: {message} [{rule}]")


@dataclass(frozen=True)
class DocumentLimits:
    """Size limits a document must fit: total UTF-8 bytes, bytes per line, number of lines."""

    max_bytes: int = 256 * 1024
    max_line_bytes: int = 8192
    max_lines: int = 5000


@dataclass(frozen=True)
class ParsedLayer:
    title: str
    text: str
    contract: dict[str, Any] | None
    line: int


@dataclass(frozen=True)
class ParsedAdapter:
    """One adapter read from markdown; ``line`` is its H1's line in the file."""

    title: str
    line: int
    layers: list[ParsedLayer]
    activation_patterns: list[str] = field(default_factory=list)
    reward_signal: str | None = None
    summary: str = ""
    slug: str | None = None
    version: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


Line = tuple[int, str]


def normalise_step_title(title: str) -> str:
    """``Step 1: Foo``, ``2. Foo``, ``Step 3 — Foo`` -> ``Foo``; ``3D printing`` and ``Step 4`` unchanged.

    Applied until nothing changes, so a title exported and parsed again stays the same.
    """
    while True:
        match = _STEP_WORD.fullmatch(title) or _STEP_NUMBER.fullmatch(title)
        if match is None:
            return title
        title = match["rest"].strip()


def parse_document(
    content: object, limits: DocumentLimits | None = None, *, require_contract: bool = True
) -> list[ParsedAdapter]:
    """Every adapter of a markdown document, in order; raises :class:`DocumentError` on any broken rule.

    ``require_contract=False`` accepts an adapter without any contract fence (used to read the body
    of one layer being tuned, which may keep its existing contract).
    """
    if not isinstance(content, str):
        raise ValidationError("content", f"must be markdown text, got {type(content).__name__}")
    lines = _checked_lines(content, limits or DocumentLimits())
    frontmatter, body = _frontmatter(lines)
    sections = _h1_sections(body)
    slug = frontmatter.pop("slug", None)
    version = frontmatter.pop("version", None)
    if slug is not None and len(sections) > 1:
        raise DocumentError(
            1,
            "slug_with_several_adapters",
            f"a frontmatter slug names one adapter, but this file has {len(sections)} H1s",
        )
    return [
        _SectionParser(title, line, section_lines).parse(
            slug=slug,
            version=None if version is None else str(version),
            metadata=dict(frontmatter),
            require_contract=require_contract,
        )
        for title, line, section_lines in sections
    ]


# ------------------------------------------------------------------------------------ lines and frontmatter


def _checked_lines(content: str, limits: DocumentLimits) -> list[Line]:
    size = len(content.encode("utf-8"))
    if size > limits.max_bytes:
        raise DocumentError(1, "size_limit", f"the document is {size} bytes; the limit is {limits.max_bytes}")
    if "\x00" in content:
        raise DocumentError(content[: content.index("\x00")].count("\n") + 1, "nul_character", "NUL is not allowed")
    raw = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(raw) > limits.max_lines:
        raise DocumentError(
            limits.max_lines + 1, "line_limit", f"the document has {len(raw)} lines; the limit is {limits.max_lines}"
        )
    for number, line in enumerate(raw, start=1):
        if len(line.encode("utf-8")) > limits.max_line_bytes:
            raise DocumentError(number, "line_length", f"the line is longer than {limits.max_line_bytes} bytes")
    return list(enumerate(raw, start=1))


def _frontmatter(lines: list[Line]) -> tuple[dict[str, Any], list[Line]]:
    if not lines or lines[0][1].rstrip() != "---":
        return {}, lines
    closing = next((index for index, (_, text) in enumerate(lines[1:], start=1) if text.rstrip() == "---"), None)
    if closing is None:
        raise DocumentError(1, "frontmatter", "the frontmatter opened here is never closed by a '---' line")
    source = "\n".join(text for _, text in lines[1:closing])
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        raise DocumentError(line, "frontmatter", f"the frontmatter is not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DocumentError(2, "frontmatter", "the frontmatter must be a YAML mapping of keys to values")
    metadata = {str(key): _plain(value) for key, value in data.items()}
    if "slug" in metadata:
        slug_line = next(number for number, text in lines[1:closing] if text.lstrip().startswith("slug"))
        try:
            metadata["slug"] = check_author_slug(metadata["slug"])
        except ValidationError as problem:
            raise DocumentError(slug_line, "slug", problem.reason) from None
    return metadata, lines[closing + 1 :]


def _plain(value: Any) -> Any:
    """YAML values as JSON values: dates become ISO strings, so metadata serialises anywhere."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _h1_sections(lines: list[Line]) -> list[tuple[str, int, list[Line]]]:
    sections: list[tuple[str, int, list[Line]]] = []
    fence = _FenceTracker()
    for number, text in lines:
        heading = None if fence.inside else _H1.fullmatch(text)
        fence.see(text)
        if heading is not None:
            sections.append((heading[1], number, []))
        elif sections:
            sections[-1][2].append((number, text))
        elif text.strip():
            raise DocumentError(
                number, "text_before_h1", "text before the first H1 ('# Title'); start the adapter with its title"
            )
    if not sections:
        raise DocumentError(lines[0][0] if lines else 1, "missing_h1", "no H1 title ('# Title') found")
    return sections


class _FenceTracker:
    """Whether a line is inside a fenced code block (``` or ~~~, closed by the same marker or longer)."""

    def __init__(self) -> None:
        self.marker: str | None = None

    @property
    def inside(self) -> bool:
        return self.marker is not None

    def see(self, text: str) -> None:
        match = _FENCE.fullmatch(text)
        if match is None:
            return
        marker, rest = match[1], match[2]
        if self.marker is None:
            self.marker = marker
        elif marker[0] == self.marker[0] and len(marker) >= len(self.marker) and not rest.strip():
            self.marker = None


# ------------------------------------------------------------------------------------ one adapter


@dataclass
class _Step:
    title: str
    line: int
    lines: list[str] = field(default_factory=list)
    contract: dict[str, Any] | None = None


class _SectionParser:
    """Walks one H1 section line by line: intro, activation patterns, steps, reward signal."""

    def __init__(self, title: str, line: int, lines: list[Line]) -> None:
        self.title, self.line, self.lines = title, line, lines
        self.state = "intro"
        self.intro: list[str] = []
        self.patterns: list[str] = []
        self.patterns_line: int | None = None
        self.reward: list[str] | None = None
        self.reward_line = 0
        self.steps: list[_Step] = []

    def parse(
        self, *, slug: str | None, version: str | None, metadata: dict[str, Any], require_contract: bool
    ) -> ParsedAdapter:
        index = 0
        while index < len(self.lines):
            index = self._consume(index)
        if not self.steps:
            raise DocumentError(self.line, "missing_steps", f"adapter '{self.title}' has no step ('## Step title')")
        if require_contract and all(step.contract is None for step in self.steps):
            raise DocumentError(
                self.steps[0].line, "missing_contract", f"adapter '{self.title}' has no ```json contract fence"
            )
        return ParsedAdapter(
            title=self.title,
            line=self.line,
            layers=[ParsedLayer(step.title, _block(step.lines), step.contract, step.line) for step in self.steps],
            activation_patterns=_patterns(self.patterns),
            reward_signal=(_block(self.reward) or None) if self.reward is not None else None,
            summary=_block(self.intro),
            slug=slug,
            version=version,
            metadata=metadata,
        )

    def _consume(self, index: int) -> int:
        number, text = self.lines[index]
        if _CONTRACT_FENCE.fullmatch(text):
            return self._json_fence(index)
        if _FENCE.fullmatch(text):
            return self._plain_fence(index)
        heading = _H2.fullmatch(text)
        if heading is not None:
            self._heading(number, normalise_step_title(heading[1]))
        else:
            self._text(number, text)
        return index + 1

    def _closing(self, index: int) -> int:
        fence = _FenceTracker()
        for position in range(index, len(self.lines)):
            fence.see(self.lines[position][1])
            if not fence.inside:
                return position
        raise DocumentError(self.lines[index][0], "unclosed_fence", "this code fence is never closed")

    def _plain_fence(self, index: int) -> int:
        closing = self._closing(index)
        for number, text in self.lines[index : closing + 1]:
            self._text(number, text, in_fence=True)
        return closing + 1

    def _json_fence(self, index: int) -> int:
        closing = self._closing(index)
        number = self.lines[index][0]
        body = "\n".join(text for _, text in self.lines[index + 1 : closing])
        try:
            data = json.loads(body)
        except json.JSONDecodeError as problem:
            if '"contract"' in body:
                raise DocumentError(
                    number + 1 + problem.lineno - 1,
                    "malformed_contract_json",
                    f"the contract fence is not valid JSON: {problem.msg}",
                ) from None
            data = None
        if not (isinstance(data, dict) and "contract" in data):
            return self._plain_fence(index)
        if self.state != "step":
            raise DocumentError(number, "orphan_contract", "this contract follows no step heading ('## Step title')")
        try:
            self.steps[-1].contract = check_contract(data["contract"])
        except ValidationError as problem:
            raise DocumentError(number, "invalid_contract", problem.reason) from None
        self.state = "after_contract"
        return closing + 1

    def _heading(self, number: int, title: str) -> None:
        folded = title.casefold()
        if self.state == "reward":
            raise DocumentError(
                self.reward_line, "reward_signal_not_last", "'## Reward Signal' must be the last section"
            )
        if folded == ACTIVATION_PATTERNS:
            if self.steps or self.patterns_line is not None:
                raise DocumentError(
                    number,
                    "activation_patterns_place",
                    "'## Activation Patterns' must come once, before the first step",
                )
            self.patterns_line, self.state = number, "patterns"
            return
        if folded == REWARD_SIGNAL:
            self.reward, self.reward_line, self.state = [], number, "reward"
            return
        if self.state == "step":
            open_step = self.steps[-1]
            raise DocumentError(
                open_step.line,
                "missing_contract",
                f"step '{open_step.title}' has no contract: end it with a ```json {{\"contract\": ...}} fence "
                "(only the last step may have none)",
            )
        for step in self.steps:
            if step.title.casefold() == folded:
                raise DocumentError(
                    number, "duplicate_step_title", f"step title '{title}' is already used at line {step.line}"
                )
        self.steps.append(_Step(title, number))
        self.state = "step"

    def _text(self, number: int, text: str, *, in_fence: bool = False) -> None:
        if self.state == "intro":
            self.intro.append(text)
        elif self.state == "patterns":
            self.patterns.append(text)
        elif self.state == "step":
            self.steps[-1].lines.append(text)
        elif self.state == "reward" and self.reward is not None:
            self.reward.append(text)
        elif text.strip():
            raise DocumentError(
                number,
                "text_outside_step",
                f"text after the contract of step '{self.steps[-1].title}' belongs to no step; "
                "start one with '## Title'",
            )


def _block(lines: Sequence[str]) -> str:
    """The lines without leading and trailing blank lines, joined; trailing spaces of the block removed."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end]).rstrip()


def _patterns(lines: Sequence[str]) -> list[str]:
    """Each bullet (or non-blank line) once, without its bullet marker; emphasis such as ``**x**`` kept."""
    found: dict[str, None] = {}
    for text in lines:
        match = _BULLET.fullmatch(text)
        pattern = match["text"] if match is not None else text.strip()
        if pattern:
            found.setdefault(pattern, None)
    return list(found)


__all__ = [
    "DocumentError",
    "DocumentLimits",
    "ParsedAdapter",
    "ParsedLayer",
    "normalise_step_title",
    "parse_document",
]
