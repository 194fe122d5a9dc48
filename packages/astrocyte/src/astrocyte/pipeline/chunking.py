"""Long text cut into overlapping, sentence-aligned chunks, each stored as one memory.

Sizes are measured in ``engine.retain.chunk_unit``: ``characters``, or ``tokens`` as estimated by
:mod:`astrocyte.pipeline.tokens` (no tokenizer is loaded). A text within ``chunk_size`` is one chunk,
unchanged. Longer text is packed sentence by sentence into chunks of at most ``chunk_size``; each next
chunk starts with the last whole sentences of the previous one that fit in ``chunk_overlap`` (so a
fact cut at a boundary is still whole in one chunk). A sentence longer than ``chunk_size`` is cut at
the last whitespace that fits, or mid-word when a single word is longer. Chunks are slices of the
text: nothing inside them is rewritten.
"""

from __future__ import annotations

import numpy as np

from astrocyte.pipeline.sentences import Span, sentence_spans
from astrocyte.pipeline.tokens import character_weights


def chunk_text(text: str, size: int, overlap: int, unit: str = "characters") -> list[str]:
    """``text`` as chunks of at most ``size`` (in ``unit``) overlapping by up to ``overlap``."""
    return [text[start:end] for start, end in chunk_spans(text, size, overlap, unit)]


def chunk_spans(text: str, size: int, overlap: int, unit: str = "characters") -> list[Span]:
    """Where each chunk of :func:`chunk_text` lies in ``text``: ``(start, end)``, starts increasing."""
    if len(text) <= size:  # no character weighs more than 1 in either unit: it fits
        return [(0, len(text))]
    sizes = _Sizes(text, unit)
    if sizes.of(0, len(text)) <= size:
        return [(0, len(text))]
    pieces = [piece for span in sentence_spans(text) for piece in _fitting_pieces(text, span, size, sizes)]
    chunks: list[Span] = []
    first = 0
    while first < len(pieces):
        last = first
        while last + 1 < len(pieces) and sizes.of(pieces[first][0], pieces[last + 1][1]) <= size:
            last += 1
        chunks.append((pieces[first][0], pieces[last][1]))
        if last == len(pieces) - 1:
            break
        first = _next_start(pieces, first, last, size, overlap, sizes)
    return chunks


def _next_start(pieces: list[Span], first: int, last: int, size: int, overlap: int, sizes: _Sizes) -> int:
    """The first piece of the next chunk: the earliest piece after ``first`` such that the pieces from
    it to ``last`` fit in ``overlap`` and, with the next new piece, in ``size`` (so every chunk
    brings something new)."""
    start = last + 1
    following_end = pieces[last + 1][1]
    while (
        start - 1 > first
        and sizes.of(pieces[start - 1][0], pieces[last][1]) <= overlap
        and sizes.of(pieces[start - 1][0], following_end) <= size
    ):
        start -= 1
    return start


def _fitting_pieces(text: str, span: Span, size: int, sizes: _Sizes) -> list[Span]:
    """``span`` cut into pieces of at most ``size``, at whitespace where possible."""
    pieces: list[Span] = []
    start, end = span
    while sizes.of(start, end) > size:
        cut = sizes.furthest_end(start, size)
        space = text.rfind(" ", start + 1, cut + 1)
        if space > start:
            cut = space
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


class _Sizes:
    """Prefix sums of character weights: the size of any slice in O(1)."""

    def __init__(self, text: str, unit: str) -> None:
        self._prefix = np.concatenate(([0.0], np.cumsum(character_weights(text, unit))))

    def of(self, start: int, end: int) -> float:
        return float(self._prefix[end] - self._prefix[start])

    def furthest_end(self, start: int, size: int) -> int:
        """The largest end whose slice from ``start`` fits in ``size``; at least one character."""
        end = int(np.searchsorted(self._prefix, self._prefix[start] + size + 1e-9, side="right")) - 1
        return max(end, start + 1)
