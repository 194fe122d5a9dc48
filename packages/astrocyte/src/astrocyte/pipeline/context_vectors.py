"""Contextual memory vectors: each chunk's embedding blended with those of its neighbours in the call.

A retain_many call is read as a sequence (the turns of a conversation, the chunks of a document):
a short turn such as "Yes, last Saturday!" means little alone, and its neighbours say what it is
about. So the vector stored for chunk ``i`` is ``normalise(v_i + weight * sum_d decay^(d-1) *
(v_{i-d} + v_{i+d}))`` for ``d = 1 .. window`` (neighbours that exist), while the stored text stays
the chunk itself. This costs no extra model call (every chunk is embedded once, alone), unlike
embedding each chunk with its neighbours' text, and a chunk still dominates its own vector.
``engine.retain.context_window = 0`` turns it off. Near-duplicate detection compares the chunks'
own vectors, so context never makes two different texts look alike.
"""

from __future__ import annotations

import numpy as np

from astrocyte.vectors import FloatMatrix, normalise_rows


def contextualise(vectors: FloatMatrix, window: int, weight: float, decay: float) -> FloatMatrix:
    """The rows of ``vectors`` (a sequence, in order) blended with their neighbours, unit length."""
    if window <= 0 or weight <= 0 or len(vectors) < 2:
        return vectors
    blended = vectors.astype(np.float32, copy=True)
    for distance in range(1, min(window, len(vectors) - 1) + 1):
        share = np.float32(weight * decay ** (distance - 1))
        blended[distance:] += share * vectors[:-distance]
        blended[:-distance] += share * vectors[distance:]
    return normalise_rows(blended)
