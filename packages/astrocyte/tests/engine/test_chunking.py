"""Chunking, sentences and the token estimate: sizes respected, sentences kept whole, overlap real."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from astrocyte.pipeline.chunking import chunk_spans, chunk_text
from astrocyte.pipeline.sentences import split_sentences
from astrocyte.pipeline.tokens import estimate_tokens


def test_sentences_end_at_punctuation_cjk_stops_and_line_breaks() -> None:
    text = 'He said "stop." Then left! Really?  Yes…\nNew line 東京に行った。次の日'
    assert split_sentences(text) == [
        'He said "stop."',
        "Then left!",
        "Really?",
        "Yes…",
        "New line 東京に行った。",
        "次の日",
    ]
    assert split_sentences("  \n ") == []
    assert split_sentences("3.14 is pi") == ["3.14 is pi"]


def test_token_estimate_counts_cjk_characters_as_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("東京") == 2


def test_short_text_is_one_chunk_unchanged() -> None:
    assert chunk_text("One sentence. Two.", 100, 20) == ["One sentence. Two."]


def test_chunks_are_sentence_aligned_and_overlap() -> None:
    sentences = [f"This is sentence {index:02d}." for index in range(20)]  # 20 characters each
    chunks = chunk_text(" ".join(sentences), 100, 45)
    assert all(len(chunk) <= 100 for chunk in chunks)
    for chunk in chunks:
        assert chunk.startswith("This is sentence")
        assert chunk.endswith(".")
    for previous, following in itertools.pairwise(chunks):
        assert split_sentences(following)[:2] == split_sentences(previous)[-2:]  # 2 x 20 + 1 space <= 45


def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces_and_a_long_word_anywhere() -> None:
    words = " ".join(f"word{index}" for index in range(60))
    chunks = chunk_text(words + ". " + "x" * 250, 100, 0)
    assert all(len(chunk) <= 100 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == (words + "." + "x" * 250).replace(" ", "")
    pieces = [piece for chunk in chunks for piece in chunk.split()]
    assert all(piece.rstrip(".") in words.split() or set(piece) == {"x"} for piece in pieces)  # no word cut


def test_token_sized_chunks() -> None:
    text = " ".join(f"Sentence {index} is here." for index in range(50))
    chunks = chunk_text(text, 20, 5, unit="tokens")
    assert len(chunks) > 5
    assert all(estimate_tokens(chunk) <= 20 for chunk in chunks)


@settings(max_examples=25, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab .!?\n東"), min_size=1, max_size=400),
    size=st.integers(min_value=16, max_value=80),
    overlap_share=st.floats(min_value=0, max_value=0.9),
)
def test_chunks_are_ordered_slices_that_fit_and_cover_the_text(text: str, size: int, overlap_share: float) -> None:
    spans = chunk_spans(text, size, int(size * overlap_share))
    if len(text) <= size:
        assert spans == [(0, len(text))]
        return
    assert [start for start, _ in spans] == sorted({start for start, _ in spans})  # strictly increasing
    covered = [False] * len(text)
    for start, end in spans:
        assert text[start:end].strip()
        assert end - start <= size
        covered[start:end] = [True] * (end - start)
    assert all(covered[index] for index, character in enumerate(text) if not character.isspace())
