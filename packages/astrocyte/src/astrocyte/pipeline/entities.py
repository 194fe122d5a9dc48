"""Entities named in memories, found without a language model, and the graph rows that record them.

The light extractor finds dates (``2024-03-05``, ``March 5, 2024``, ``5 March 2024``, ``March 2024``,
``5/3/2024``) and names: runs of up to four capitalised words, possibly joined by a lower-case
particle (``Bank of America``, ``Ludwig van Beethoven``). Common words capitalised at the start of a
sentence (``The``, ``Yesterday``, ``We``) are left out of names; month and weekday names count only
inside a date. It is recall-oriented and cheap: a false name costs one graph row.

An entity's id is derived from its words, case-folded (:func:`entity_key`), so "Alice" in two memories
is one entity, and recall can look up the entities a query names by hashing the query's word runs,
without asking the store to search names.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from astrocyte.pipeline.prechecked import prechecked
from astrocyte.pipeline.stopwords import FUNCTION_WORDS
from astrocyte.text import words
from astrocyte.types import Entity, EntityLink, MemoryEntityAssociation

#: Words of an entity name at most: also the longest query word run looked up as an entity.
MAX_NAME_WORDS = 4
#: Entities of one memory linked pairwise as co-occurring (the first ones named): bounds links to 10.
_LINKED_PER_MEMORY = 5
CO_OCCURS = "co_occurs"

_MONTH_NAMES = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_MONTHS = _MONTH_NAMES.split()
_WEEKDAY_NAMES = "monday tuesday wednesday thursday friday saturday sunday"
_WEEKDAYS = _WEEKDAY_NAMES.split()
_MONTH = r"(?:" + "|".join(name.capitalize() for name in _MONTHS) + r")\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}"
    rf"|{_MONTH} {_DAY}(?:,? \d{{4}})?"
    rf"|{_DAY} {_MONTH}(?: \d{{4}})?"
    rf"|{_MONTH} \d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4})\b"
)
_DIGIT = re.compile(r"\d")
_APOSTROPHES = "'\u2019"
_PARTICLE_NAMES = "of the de da del della di du la le van von der den y al bin"
#: Every uppercase letter of the Basic Multilingual Plane: ``re`` has no Unicode category classes.
_UPPERCASE = re.escape("".join(character for character in map(chr, range(0x10000)) if character.isupper()))
_WORD_TAIL = rf"(?:[\w{_APOSTROPHES}.-]*\w)?"
_CAPITALISED_WORD = rf"[{_UPPERCASE}]{_WORD_TAIL}"
_PARTICLE = "(?:" + "|".join(_PARTICLE_NAMES.split()) + r")(?!\w)"
#: A run of capitalised words one space apart, lower-case particles allowed between them, not
#: inside a word. The capital comes first and the character before it is checked afterwards (a
#: look-behind over both): a pattern that starts with a character class lets ``re`` skip to the
#: next capital at C speed, where one that starts with a look-behind is tried at every position
#: (measured 2.5x slower over the benchmark corpus, same matches there and on LoCoMo).
_NAME_RUN = re.compile(
    rf"[{_UPPERCASE}](?<![\w{_APOSTROPHES}.-].){_WORD_TAIL}"
    rf"(?: (?:{_CAPITALISED_WORD}|{_PARTICLE}))*"
)
#: Capitalised only because they start a sentence (or are pronouns): never names on their own.
_COMMON = FUNCTION_WORDS | frozenset(_MONTHS) | frozenset(_WEEKDAYS)


@dataclass(frozen=True)
class Mention:
    """An entity as one memory names it."""

    name: str
    entity_type: str

    @property
    def entity_id(self) -> str:
        return entity_id(self.name)


@lru_cache(maxsize=65_536)
def entity_key(name: str) -> str:
    """What identifies an entity: its words, case-folded, single-spaced (punctuation ignored)."""
    return " ".join(words(name))


@lru_cache(maxsize=65_536)
def entity_id(name: str) -> str:
    """The id of the entity ``name`` names; cached, as memories keep naming the same few entities."""
    return "ent_" + hashlib.sha256(entity_key(name).encode("utf-8")).hexdigest()[:24]


def query_entity_ids(query: str) -> list[str]:
    """Ids of every run of up to :data:`MAX_NAME_WORDS` words of ``query``: the entities it may name."""
    tokens = words(query)
    runs = {
        " ".join(tokens[start : start + length])
        for length in range(1, MAX_NAME_WORDS + 1)
        for start in range(len(tokens) - length + 1)
    }
    return sorted(entity_id(run) for run in runs)


def extract_mentions(text: str) -> list[Mention]:
    """The dates and names ``text`` mentions, each once (first spelling wins), in order of appearance."""
    found: dict[str, tuple[int, Mention]] = {}
    date_spans = []
    # Every date form holds a digit: most texts hold none, and a scan for one is cheaper than the
    # date pattern's alternatives tried at every position.
    for match in _DATE.finditer(text) if _DIGIT.search(text) else ():
        date_spans.append(match.span())
        _remember(found, match.start(), Mention(match.group(), "date"))
    for start, name in _names(text):
        if not any(low <= start < high for low, high in date_spans):
            _remember(found, start, Mention(name, "name"))
    return [mention for _, mention in sorted(found.values(), key=lambda pair: pair[0])]


@dataclass
class GraphRows:
    """What the graph store records for a batch of memories."""

    entities: list[Entity] = field(default_factory=list)
    links: list[EntityLink] = field(default_factory=list)
    associations: list[MemoryEntityAssociation] = field(default_factory=list)


def graph_rows(memory_ids: Sequence[str], mentions: Sequence[Sequence[Mention]]) -> GraphRows:
    """Entities (one per id), memory associations and co-occurrence links of the memories."""
    rows = GraphRows()
    entities: dict[str, Entity] = {}
    links: dict[tuple[str, str], EntityLink] = {}
    # Entities are checked (a model may name them); a memory's associations and links, made of
    # hashes alone, are built unchecked (see prechecked).
    for memory_id, named in zip(memory_ids, mentions, strict=True):
        ids = [mention.entity_id for mention in named]
        for mention, found in zip(named, ids, strict=True):
            if found not in entities:
                entities[found] = Entity(found, mention.name, mention.entity_type)
            rows.associations.append(prechecked(MemoryEntityAssociation, memory_id=memory_id, entity_id=found))
        for pair in itertools.combinations(sorted(set(ids[:_LINKED_PER_MEMORY])), 2):
            if pair not in links:
                links[pair] = prechecked(EntityLink, entity_a=pair[0], entity_b=pair[1], link_type=CO_OCCURS)
    rows.entities = list(entities.values())
    rows.links = list(links.values())
    return rows


def _remember(found: dict[str, tuple[int, Mention]], position: int, mention: Mention) -> None:
    key = entity_key(mention.name)
    if key and key not in found:
        found[key] = (position, mention)


def _names(text: str) -> list[tuple[int, str]]:
    """``(position, name)`` of each run of capitalised words: without the common words it starts with
    and the particles it ends with, at most :data:`MAX_NAME_WORDS` words."""
    names: list[tuple[int, str]] = []
    for run in _NAME_RUN.finditer(text):
        tokens = run.group().split(" ")
        first = 0
        while first < len(tokens) and (tokens[first].casefold() in _COMMON or not _capitalised(tokens[first])):
            first += 1
        kept = tokens[first : first + MAX_NAME_WORDS]
        while kept and not _capitalised(kept[-1]):
            kept.pop()
        if kept:
            offset = sum(len(token) + 1 for token in tokens[:first])
            names.append((run.start() + offset, " ".join(kept)))
    return names


def _capitalised(token: str) -> bool:
    return token[0].isupper()
