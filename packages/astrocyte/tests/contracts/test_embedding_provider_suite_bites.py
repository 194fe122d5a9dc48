"""The EmbeddingProvider suite fails providers that break its promises."""

from __future__ import annotations

import pytest

from .conftest import RunContract

_BROKEN = {
    "drops_last_text": (
        """
        from astrocyte.embedders.hashing import HashingEmbedder
        class Broken(HashingEmbedder):
            async def embed(self, texts):
                return (await super().embed(texts))[:-1] if len(texts) > 1 else await super().embed(texts)
        """,
        {"test_one_vector_per_text_of_the_declared_dimension", "test_order_follows_input"},
    ),
    "random_noise": (
        """
        import random
        from astrocyte.embedders.hashing import HashingEmbedder
        class Broken(HashingEmbedder):
            async def embed(self, texts):
                return [[v + random.random() for v in row] for row in await super().embed(texts)]
        """,
        {"test_deterministic_across_calls", "test_batch_does_not_change_a_vector"},
    ),
    "batch_dependent": (
        """
        from astrocyte.embedders.hashing import HashingEmbedder
        class Broken(HashingEmbedder):
            async def embed(self, texts):
                rows = await super().embed(texts)
                return [[v * len(texts) for v in row] for row in rows]
        """,
        {"test_batch_does_not_change_a_vector"},
    ),
    "short_vectors": (
        """
        from astrocyte.embedders.hashing import HashingEmbedder
        class Broken(HashingEmbedder):
            async def embed(self, texts):
                return [row[:-1] for row in await super().embed(texts)]
        """,
        {"test_one_vector_per_text_of_the_declared_dimension", "test_unicode_and_long_text_embed"},
    ),
    "ignores_meaning": (
        """
        from astrocyte.embedders.hashing import HashingEmbedder
        class Broken(HashingEmbedder):
            async def embed(self, texts):
                return await super().embed(["constant"] * len(texts))
        """,
        {"test_paraphrase_is_closer_than_unrelated_text"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_provider(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("EmbeddingProviderContract", source, "Broken(dimensions=64)")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"


def test_honest_provider_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract(
        "EmbeddingProviderContract", "from astrocyte.embedders.hashing import HashingEmbedder", "HashingEmbedder(64)"
    )
    assert not outcome.failed
    assert outcome.passed
