"""What a query says about the memories it wants, read without a language model.

- the entities it names (by the retain-side rules of :mod:`astrocyte.pipeline.entities`, so a name
  in a question and the same name in a memory get the same id);
- whether it asks for a time ("when ...", "how long ago ..."): such questions are answered by
  memories that carry a time expression ("last Saturday", "in 2022", "two weeks ago");
- the period it names ("on 16 June, 2023", "in November 2022", "in 2021"), to be compared with when
  memories happened (``occurred_at``);
- the query without its names (:meth:`QueryAnalysis.masked`): a sentence embedding of "What do
  Alice's kids like?" leans on "Alice", which every memory of a conversation with Alice shares; the
  masked form's embedding measures the topic alone, and the names are matched by features of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache

from astrocyte.pipeline.entities import extract_mentions

_ASKS_TIME = re.compile(r"^\s*(?:when\b|what (?:year|month|date|day|time)\b|how long\b|since when\b)", re.IGNORECASE)
_TIME_EXPRESSION = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|ago|last|next|recently|weekend|week|month|year|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|june|july|"
    r"august|september|october|november|december|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = "(" + "|".join(_MONTHS) + ")"
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_DAY_MONTH_YEAR = re.compile(rf"\b{_ORDINAL} {_MONTH},? (\d{{4}})\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH} {_ORDINAL},? (\d{{4}})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b{_MONTH},? (\d{{4}})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
#: What is left of a possessive once its name is masked out: " 's kids" -> " kids".
_POSSESSIVE = re.compile(r"(?<!\w)['\u2019]s\b")


@dataclass(frozen=True)
class QueryAnalysis:
    names: tuple[str, ...]
    asks_time: bool
    #: The period the query names, as ``[start, end)`` in UTC, or ``None``.
    period: tuple[datetime, datetime] | None = None

    @classmethod
    def of(cls, query: str) -> QueryAnalysis:
        """The analysis of ``query``; a recall asks for it twice (to mask the query, to score its
        candidates), so the last few are kept: an analysis never changes, and its compiled name
        pattern then serves both."""
        return _analysed(query)

    @cached_property
    def _mention(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, self.names)) + r")(?!\w)", re.IGNORECASE)

    def is_about(self, text: str) -> bool:
        """Whether ``text`` starts with a name the query names (``"Alice: ..."``, ``"Alice moved ..."``):
        a memory is usually about what it names first."""
        return self._mention is not None and self._mention.match(text) is not None

    def masked(self, query: str) -> str:
        """``query`` without the names it names (and their possessive ``'s``), or ``query`` itself when
        it names nothing or is nothing but names."""
        if self._mention is None:
            return query
        masked = " ".join(_POSSESSIVE.sub("", self._mention.sub(" ", query)).split())
        return masked or query

    def named_in_each(self, texts: Sequence[str]) -> tuple[list[bool], list[bool]]:
        """For each of ``texts``, :meth:`names_in` and :meth:`is_about`, with one search per text: the
        leftmost match starts the text exactly when a match at its start exists."""
        if self._mention is None:
            return [False] * len(texts), [False] * len(texts)
        found = [self._mention.search(text) for text in texts]
        return [match is not None for match in found], [match is not None and match.start() == 0 for match in found]

    def names_in(self, text: str) -> bool:
        """Whether ``text`` names anything the query names, anywhere."""
        return self._mention is not None and self._mention.search(text) is not None


@lru_cache(maxsize=64)
def _analysed(query: str) -> QueryAnalysis:
    names = tuple(mention.name for mention in extract_mentions(query) if mention.entity_type != "date")
    return QueryAnalysis(names, bool(_ASKS_TIME.search(query)), named_period(query))


def named_period(text: str) -> tuple[datetime, datetime] | None:
    """The first day, month or year ``text`` names, most precise form first; ``None`` if none (or invalid)."""
    try:
        if found := _DAY_MONTH_YEAR.search(text):
            return _day(int(found[3]), _month(found[2]), int(found[1]))
        if found := _MONTH_DAY_YEAR.search(text):
            return _day(int(found[3]), _month(found[1]), int(found[2]))
    except ValueError:  # "31 June, 2023": no such day
        return None
    if found := _MONTH_YEAR.search(text):
        year, month = int(found[2]), _month(found[1])
        start = datetime(year, month, 1, tzinfo=UTC)
        return start, datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    if found := _YEAR.search(text):
        year = int(found[1])
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    return None


def _month(name: str) -> int:
    return _MONTHS.index(name.casefold()) + 1


def _day(year: int, month: int, day: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def mentions_time(text: str) -> bool:
    return bool(_TIME_EXPRESSION.search(text))
