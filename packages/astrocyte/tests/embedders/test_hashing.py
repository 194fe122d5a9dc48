"""The hashing embedder passes the EmbeddingProvider contract and keeps its own promises."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.errors import ValidationError
from astrocyte.testing.contracts import EmbeddingProviderContract


class TestHashingEmbedderContract(EmbeddingProviderContract):
    @pytest.fixture
    def store(self) -> HashingEmbedder:
        return HashingEmbedder(dimensions=128)


async def test_vectors_are_unit_length_and_text_without_words_is_zero() -> None:
    embedder = HashingEmbedder(dimensions=64)
    vectors = np.asarray(await embedder.embed(["some words here", "?!", ""]))
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-6)
    assert not vectors[1].any()
    assert not vectors[2].any()


def test_vectors_are_identical_across_processes() -> None:
    """Python's own hash() is salted per process; the embedder must not depend on it."""
    script = (
        "from astrocyte.embedders.hashing import HashingEmbedder;"
        "print(HashingEmbedder(32).embed_matrix(['same text in every process']).round(6).tolist())"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1


def test_typos_keep_some_similarity_through_trigrams() -> None:
    embedder = HashingEmbedder(dimensions=512)
    original, typo, other = embedder.embed_matrix(["Jonathan", "Jonathon", "Margaret"])
    assert float(original @ typo) > 0.15 > float(original @ other)


@pytest.mark.parametrize("dimensions", [0, -3, 2.5, True])
def test_rejects_bad_dimensions(dimensions: object) -> None:
    with pytest.raises(ValidationError, match="dimensions"):
        HashingEmbedder(dimensions=dimensions)  # type: ignore[arg-type]


async def test_rejects_non_string_text() -> None:
    with pytest.raises(ValidationError, match=r"texts\[1\]"):
        await HashingEmbedder().embed(["fine", 42])  # type: ignore[list-item]


def test_a_text_embeds_the_same_alone_and_in_any_batch() -> None:
    # The batch's words are summed together by numpy: no text may pick up another's features.
    texts = ["Alice moved to Paris in May.", "", "the the the", "Paris, Alice, May!", "Zoë's café — naïve"]
    embedder = HashingEmbedder(dimensions=64)
    together = embedder.embed_matrix(texts)
    reordered = embedder.embed_matrix(texts[::-1])[::-1]
    alone = np.vstack([embedder.embed_matrix([text]) for text in texts])
    assert np.array_equal(together, alone)
    assert np.array_equal(together, reordered)
    assert together[0] @ together[3] > 0.5  # same words, other order and punctuation
