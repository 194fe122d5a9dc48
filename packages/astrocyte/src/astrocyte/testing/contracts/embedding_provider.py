"""Contract suite for :class:`astrocyte.spi.EmbeddingProvider`.

The suite's fixture is still called ``store`` (the provider under test) so every suite binds the
same way; an embedding provider is the thing it checks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from astrocyte.spi import EmbeddingProvider
from astrocyte.testing.contracts._support import ContractSuite, cosine

_PARAPHRASE = ("The cat sat on the mat by the door.", "A cat was sitting on the mat near the door.")
_UNRELATED = "Quarterly revenue grew by five percent in the northern region."


class EmbeddingProviderContract(ContractSuite):
    protocol = EmbeddingProvider

    async def test_dimensions_is_a_positive_int(self, store: Any) -> None:
        """dimensions() is a positive integer that never changes."""
        dimensions = store.dimensions()
        assert isinstance(dimensions, int)
        assert not isinstance(dimensions, bool)
        assert dimensions >= 1
        assert store.dimensions() == dimensions

    async def test_empty_batch_gives_empty_list(self, store: Any) -> None:
        """Embedding no texts returns [] instead of failing."""
        assert await store.embed([]) == []

    async def test_one_vector_per_text_of_the_declared_dimension(self, store: Any) -> None:
        """Each text gets one finite vector of dimensions() floats, in input order."""
        texts = ["alpha", "beta gamma", "delta epsilon zeta"]
        vectors = await store.embed(texts)
        assert len(vectors) == len(texts)
        for vector in vectors:
            assert len(vector) == store.dimensions()
            assert all(isinstance(value, float) and math.isfinite(value) for value in vector)

    async def test_order_follows_input(self, store: Any) -> None:
        """Reversing the batch reverses the vectors."""
        texts = ["red apples", "blue oceans", "green forests"]
        forward = await store.embed(texts)
        backward = await store.embed(list(reversed(texts)))
        for vector, reversed_vector in zip(forward, reversed(backward), strict=True):
            np.testing.assert_allclose(vector, reversed_vector, rtol=1e-4, atol=1e-5)

    async def test_deterministic_across_calls(self, store: Any) -> None:
        """The same text embeds to the same vector every time."""
        first = await store.embed(["a stable sentence"])
        second = await store.embed(["a stable sentence"])
        np.testing.assert_allclose(first[0], second[0], rtol=1e-4, atol=1e-5)

    async def test_batch_does_not_change_a_vector(self, store: Any) -> None:
        """A text's vector does not depend on the other texts in its batch."""
        alone = await store.embed(["the lighthouse keeper"])
        batched = await store.embed(["unrelated words here", "the lighthouse keeper", "more filler text"])
        np.testing.assert_allclose(alone[0], batched[1], rtol=1e-4, atol=1e-5)

    async def test_paraphrase_is_closer_than_unrelated_text(self, store: Any) -> None:
        """A paraphrase sharing most words lies closer than an unrelated sentence."""
        first, second, unrelated = await store.embed([*_PARAPHRASE, _UNRELATED])
        assert cosine(first, second) > cosine(first, unrelated)

    async def test_unicode_and_long_text_embed(self, store: Any) -> None:
        """Unicode, emoji and a long text embed without error to full vectors."""
        texts = ["Zoë met 東京 friends 🎉", "word " * 2000]
        vectors = await store.embed(texts)
        assert [len(vector) for vector in vectors] == [store.dimensions()] * 2
