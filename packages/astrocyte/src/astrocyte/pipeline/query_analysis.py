"""What a query says about the memories it wants, read without a language model.

- the entities it names (by the retain-side rules of :mod:`astrocyte.pipeline.entities`, so a name
  in a question and the same name in a memory get the same id);
- whether it asks for a time ("when ...", "how long ago ..."): such questions are answered by
  memories that carry a time expression ("last Saturday", "in 2022", "two weeks ago").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from astrocyte.pipeline.entities import extract_mentions

_ASKS_TIME = re.compile(r"^\s*(?:when\b|what (?:year|month|date|day|time)\b|how long\b|since when\b)", re.IGNORECASE)
_TIME_EXPRESSION = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|ago|last|next|recently|weekend|week|month|year|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|june|july|"
    r"august|september|october|november|december|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QueryAnalysis:
    names: tuple[str, ...]
    asks_time: bool

    @classmethod
    def of(cls, query: str) -> QueryAnalysis:
        names = tuple(mention.name for mention in extract_mentions(query) if mention.entity_type != "date")
        return cls(names, bool(_ASKS_TIME.search(query)))

    @cached_property
    def _mention(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, self.names)) + r")(?!\w)", re.IGNORECASE)

    def is_about(self, text: str) -> bool:
        """Whether ``text`` starts with a name the query names (``"Alice: ..."``, ``"Alice moved ..."``):
        a memory is usually about what it names first."""
        return self._mention is not None and self._mention.match(text) is not None

    def names_in(self, text: str) -> bool:
        """Whether ``text`` names anything the query names, anywhere."""
        return self._mention is not None and self._mention.search(text) is not None


def mentions_time(text: str) -> bool:
    return bool(_TIME_EXPRESSION.search(text))
