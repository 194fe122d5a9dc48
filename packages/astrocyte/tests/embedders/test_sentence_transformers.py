"""The sentence-transformers embedder: what can be checked without PyTorch.

The workspace does not install PyTorch, so the real forward pass is not exercised here. These tests
cover the wiring around it: the error when the library is missing, SPI conformance, option checks,
and, with a stand-in ``sentence_transformers`` module, that the model is built from the options,
loaded once and lazily, and that its output comes back as lists of floats in input order.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any, ClassVar

import numpy as np
import pytest

from astrocyte.discovery import ProviderKind, check_conformance, load_provider, resolve
from astrocyte.embedders import sentence_transformers as module
from astrocyte.embedders.sentence_transformers import SentenceTransformersEmbedder
from astrocyte.errors import ConfigError, ValidationError


class _StandInModel:
    """Records how it was built and used; embeds each text as (length, first code point, 1)."""

    built: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, name: str, device: str) -> None:
        self.built.append((name, device))
        self.batch_sizes: list[int] = []

    def get_embedding_dimension(self) -> int:
        return 3

    def encode(self, texts: list[str], *, batch_size: int, **options: Any) -> np.ndarray:
        self.batch_sizes.append(batch_size)
        return np.array([[len(text), ord(text[0]) if text else 0, 1] for text in texts], dtype=np.float32)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> type[_StandInModel]:
    """A fake sentence_transformers module in place of the real one (absent here: it needs PyTorch)."""
    fake = types.ModuleType("sentence_transformers")
    fake.SentenceTransformer = _StandInModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", fake)
    monkeypatch.setattr(module, "find_spec", lambda name: object())
    monkeypatch.setattr(_StandInModel, "built", [])
    return _StandInModel


def test_missing_library_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r'pip install "astrocyte\[sentence-transformers\]"'):
        SentenceTransformersEmbedder()


def test_missing_library_reported_through_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Configuring the `sentence-transformers` embedder without the library fails at start-up, with the fix."""
    monkeypatch.setattr(module, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="sentence-transformers"):
        load_provider(ProviderKind.EMBEDDING_PROVIDER, "sentence-transformers")


def test_class_satisfies_the_spi_and_is_registered() -> None:
    check_conformance(SentenceTransformersEmbedder, ProviderKind.EMBEDDING_PROVIDER)
    assert resolve(ProviderKind.EMBEDDING_PROVIDER, "sentence-transformers") is SentenceTransformersEmbedder


@pytest.mark.parametrize(
    ("options", "field"),
    [({"model": " "}, "model"), ({"device": ""}, "device"), ({"batch_size": 0}, "batch_size")],
)
def test_rejects_bad_options(stand_in: type[_StandInModel], options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        SentenceTransformersEmbedder(**options)


async def test_builds_the_model_once_from_its_options(stand_in: type[_StandInModel]) -> None:
    embedder = SentenceTransformersEmbedder(model="/models/mini", device="cuda:1", batch_size=5)
    assert stand_in.built == []  # nothing loads until it is needed
    check_conformance(embedder, ProviderKind.EMBEDDING_PROVIDER)
    vectors = await embedder.embed(["ab", "xyz", ""])
    assert vectors == [[2.0, 97.0, 1.0], [3.0, 120.0, 1.0], [0.0, 0.0, 1.0]]
    assert all(isinstance(value, float) for vector in vectors for value in vector)
    assert embedder.dimensions() == 3
    assert await embedder.embed([]) == []
    assert stand_in.built == [("/models/mini", "cuda:1")]
    assert embedder._model.batch_sizes == [5]


def test_older_library_dimension_method_still_works(stand_in: type[_StandInModel]) -> None:
    """sentence-transformers before 6.0 only has get_sentence_embedding_dimension()."""

    class _OlderModel:
        def __init__(self, name: str, device: str) -> None:
            pass

        def get_sentence_embedding_dimension(self) -> int:
            return 768

    sys.modules["sentence_transformers"].SentenceTransformer = _OlderModel  # type: ignore[attr-defined]
    assert SentenceTransformersEmbedder().dimensions() == 768


async def test_encodes_off_the_event_loop(stand_in: type[_StandInModel], monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    encode = _StandInModel.encode

    def recording(self: _StandInModel, texts: list[str], **options: Any) -> np.ndarray:
        threads.append(threading.get_ident())
        return encode(self, texts, **options)

    monkeypatch.setattr(_StandInModel, "encode", recording)
    await SentenceTransformersEmbedder().embed(["text"])
    assert threads
    assert threading.get_ident() not in threads


@pytest.mark.parametrize(("texts", "field"), [("not a list", "texts"), (["ok", None], r"texts\[1\]")])
async def test_rejects_bad_texts(stand_in: type[_StandInModel], texts: object, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        await SentenceTransformersEmbedder().embed(texts)  # type: ignore[arg-type]
