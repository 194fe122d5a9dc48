"""A batch's embeddings reach the pipeline as one matrix, and the vectors stored are the embedder's own."""

from __future__ import annotations

import numpy as np

from astrocyte.embedders.hashing import HashingEmbedder
from astrocyte.llm.openai import OpenAIProvider
from astrocyte.pipeline.embedding import RowEmbedder, embed_batch
from astrocyte.testing.openai_server import LocalOpenAIServer

TEXTS = ["Alice moved to Paris in May.", "the the the", "Zoë's café"]


async def test_an_embedder_with_rows_hands_over_its_matrix_and_lists_equal_embed() -> None:
    embedder = HashingEmbedder(dimensions=64)
    assert isinstance(embedder, RowEmbedder)
    embeddings = await embed_batch(embedder, TEXTS)
    assert embeddings.given is None
    assert embeddings.matrix.dtype == np.float32
    assert embeddings.rows == await embedder.embed(TEXTS)


async def test_an_embedder_of_lists_keeps_them_as_given_beside_their_matrix() -> None:
    with LocalOpenAIServer() as server:
        provider = OpenAIProvider(base_url=server.base_url, backoff_seconds=0.001)
        try:
            assert not isinstance(provider, RowEmbedder)
            embeddings = await embed_batch(provider, TEXTS)  # type: ignore[arg-type]
        finally:
            await provider.close()
    assert embeddings.given is not None
    assert embeddings.rows is embeddings.given
    assert np.array_equal(embeddings.matrix, np.asarray(embeddings.given, dtype=np.float32))
    assert embeddings.matrix.shape == (3, len(embeddings.given[0]))
