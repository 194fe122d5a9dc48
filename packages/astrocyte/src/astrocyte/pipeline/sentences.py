"""Sentence boundaries, shared by chunking (which never cuts inside a sentence it can keep whole)
and extractive reflect (which quotes whole sentences).

A sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by whitespace or the end (closing quotes and
brackets stay with it), at a CJK full stop, or at a line break. Abbreviations such as "Dr." end a
sentence too: a cheap rule, and a harmless one, since chunks overlap and reflect cites whole memories.
"""

from __future__ import annotations

import re

_CLOSING = "\"'\u201d\u2019)\\]"  # quotes and brackets that stay with the sentence they close
_CJK_STOPS = "\u3002\uff01\uff1f"  # ideographic full stop, fullwidth exclamation and question marks
_CJK_CLOSING = "\u201d\u2019\u300d\u300f)"
_SENTENCE_END = re.compile(rf"[.!?\u2026]+[{_CLOSING}]*(?=\s|$)|[{_CJK_STOPS}]+[{_CJK_CLOSING}]*|\n")

Span = tuple[int, int]


def sentence_spans(text: str) -> list[Span]:
    """``(start, end)`` of each sentence of ``text``, surrounding whitespace excluded, in order."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _append_trimmed(text, start, match.end(), spans)
        start = match.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order."""
    return [text[start:end] for start, end in sentence_spans(text)]


def _append_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
