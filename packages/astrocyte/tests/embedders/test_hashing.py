"""The hashing embedder passes the EmbeddingProvider contract and keeps its own promises."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

from astrocyte.embedders import hashed_features
from astrocyte.embedders.hashing import HashingEmbedder, forget_hashed_features
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


def test_vectors_keep_their_pinned_values() -> None:
    """Stored vectors of every bank were made by this hashing scheme: any change to it (the hash, a
    feature's text, a weight) would silently make them incomparable with new ones."""
    expected = np.array(
        [
            [
                "0.069337524",
                "0.20801258",
                "-0.13867505",
                "0.2773501",
                "0.41602516",
                "-0.41602516",
                "-0.34668761",
                "-0.62403774",
            ],
            ["-0.58346", "0.145865", "0.0", "-0.58346", "0.145865", "0.29173", "0.0", "0.43759498"],
        ],
        dtype=np.float32,
    )
    vectors = HashingEmbedder(dimensions=8).embed_matrix(["Alice moved to Paris in May.", "Zoë's naïve café"])
    assert vectors.tobytes() == expected.tobytes()


def test_vectors_do_not_depend_on_what_the_caches_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"word{index % 7} shared pair{index % 3} and more words {index}" for index in range(40)]
    embedder = HashingEmbedder(dimensions=32)
    forget_hashed_features()
    cold = embedder.embed_matrix(texts)
    warm = embedder.embed_matrix(texts)
    # Caches emptied between every batch of three (the words with their pairs, trigrams apart).
    monkeypatch.setattr(hashed_features, "CACHE_LIMIT", 3)
    refilled = np.vstack([embedder.embed_matrix(texts[start : start + 3]) for start in range(0, len(texts), 3)])
    assert cold.tobytes() == warm.tobytes() == refilled.tobytes()


def test_threads_embedding_at_once_get_the_vectors_of_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"thread text {index} with word{index % 11} and word{index % 5}" for index in range(200)]
    embedder = HashingEmbedder(dimensions=64)
    forget_hashed_features()
    results: dict[int, np.ndarray] = {}

    def embed(worker: int) -> None:
        ordered = texts[worker:] + texts[:worker]  # each thread meets the new words in another order
        results[worker] = np.vstack([embedder.embed_matrix(ordered[start : start + 7]) for start in range(0, 200, 7)])

    monkeypatch.setattr(hashed_features, "CACHE_LIMIT", 50)  # caches emptied while others use them
    threads = [threading.Thread(target=embed, args=(worker,)) for worker in range(4)]
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave inside a batch's cache updates, as on a busy machine
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switching)
    forget_hashed_features()
    alone = embedder.embed_matrix(texts)
    assert sorted(results) == [0, 1, 2, 3]  # no thread failed
    for worker, vectors in results.items():
        assert np.roll(vectors, worker, axis=0).tobytes() == alone.tobytes()
