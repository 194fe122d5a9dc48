"""Any sentence-transformers model as the embedder, for users who already have PyTorch.

The default ``minilm`` embedder runs all-MiniLM-L6-v2 without PyTorch; this one trades a 1.4 GB
install for every model sentence-transformers can load (other sizes, other languages, a GPU).
Nothing here imports sentence-transformers until the first embedding is needed, because importing
it loads PyTorch, which takes seconds; its absence is still reported as soon as the provider is
configured, with the command that installs it.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from importlib.util import find_spec
from typing import Any, ClassVar

import numpy as np

from astrocyte.embedders._texts import check_texts
from astrocyte.errors import ConfigError, ValidationError
from astrocyte.validation import check_positive_int

INSTALL_COMMAND = 'pip install "astrocyte[sentence-transformers]"'


class SentenceTransformersEmbedder:
    """Embeds with ``sentence_transformers.SentenceTransformer(model, device=device)``.

    ``model`` is a model name sentence-transformers can resolve (it may download it from the
    Hugging Face hub) or the path of a local model folder. The model loads on first use, from
    ``embed`` (in a worker thread) or ``dimensions()`` (blocking: call it once at start-up if the
    event loop must not wait). Calls are serialised with a lock because the Hugging Face tokenizer
    inside the model changes its own settings on every call and is not safe to share between
    threads; PyTorch still spreads each batch over the CPU cores.
    """

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self, model: str = "all-MiniLM-L6-v2", device: str = "cpu", batch_size: int = 64) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ValidationError("model", f"must be a model name or a folder path, got {model!r}")
        if not isinstance(device, str) or not device.strip():
            raise ValidationError("device", f"must name a torch device such as 'cpu' or 'cuda', got {device!r}")
        self._batch_size = check_positive_int(batch_size, "batch_size")
        if find_spec("sentence_transformers") is None:
            raise ConfigError(
                "the sentence-transformers embedder needs the sentence-transformers package (and PyTorch), "
                f"which is not installed; install it with: {INSTALL_COMMAND}, or use the default 'minilm' "
                "embedder, which runs all-MiniLM-L6-v2 without PyTorch"
            )
        self._model_name = model
        self._device = device
        self._lock = threading.Lock()
        self._model: Any = None

    def dimensions(self) -> int:
        with self._lock:
            model = self._loaded()
        # sentence-transformers 6 renamed the method; older releases (back to 2.2) only have the old name.
        measure = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimensions = measure()
        if not isinstance(dimensions, int):
            raise ConfigError(f"the sentence-transformers model {self._model_name!r} does not declare its dimension")
        return dimensions

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed in a worker thread so the event loop keeps serving other requests meanwhile."""
        if not check_texts(texts):
            return []
        matrix = await asyncio.to_thread(self._encode, texts)
        vectors: list[list[float]] = matrix.tolist()
        return vectors

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encoded = self._loaded().encode(
                texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(encoded, dtype=np.float32)

    def _loaded(self) -> Any:
        """The model, loaded on first use; the caller holds the lock."""
        if self._model is None:
            try:
                library = importlib.import_module("sentence_transformers")
            except ImportError as exc:
                raise ConfigError(
                    f"the sentence-transformers embedder cannot import {exc.name}; install it with: {INSTALL_COMMAND}"
                ) from None
            self._model = library.SentenceTransformer(self._model_name, device=self._device)
        return self._model
