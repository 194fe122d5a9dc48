"""A BERT encoder forward pass in numpy: the part of a sentence-transformers model that needs PyTorch.

Only inference is needed, so each layer reduces to four large matrix products plus attention;
numpy's BLAS runs them at a speed comparable to PyTorch on a CPU, and numpy (already a core
dependency) replaces a 1.4 GB install. Everything stays float32, as in the reference model, so
results agree with sentence-transformers to about 1e-7.

Speed comes from the shapes: the tokens of a batch are packed (no padding rows) for everything
except attention, so each linear layer is one matrix product over exactly the real tokens, with
query, key and value fused into one; attention alone spreads the sequences side by side and runs
as stacked products over (sequence, head) pairs; the attention scale is folded into the query
weights; and the element-wise work (GELU, layer norm, softmax) is done in place, on blocks small
enough to stay in the CPU cache.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]

#: Added to attention scores of padding positions; exp() of it is exactly 0 in float32.
_MASKED = np.float32(np.finfo(np.float32).min)

#: Coefficients of Abramowitz & Stegun 7.1.26: erfc(z) ~ t*(a1 + t*(a2 + ...)) * exp(-z^2), t = 1/(1 + p*z),
#: absolute error below 1.5e-7, the size of float32 rounding, so GELU keeps BERT's exact erf form.
_ERFC_P = 0.3275911
_ERFC_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)

#: Floats of the (tokens, features) activations processed together by the element-wise steps (256 KB):
#: each block and its temporaries stay in the CPU cache between steps instead of going back to memory.
_BLOCK_FLOATS = 64 * 1024

#: Upper bound on attention-score floats computed at once (64 MB): long sequences are taken a few at
#: a time so that a batch of 256-token texts does not allocate hundreds of megabytes.
_MAX_SCORE_FLOATS = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv_weight: Floats  # (hidden, 3 * hidden): query (pre-scaled), key, value side by side
    qkv_bias: Floats
    attention_out_weight: Floats  # (hidden, hidden), transposed for x @ w
    attention_out_bias: Floats
    attention_norm: tuple[Floats, Floats]
    intermediate_weight: Floats  # (hidden, intermediate)
    intermediate_bias: Floats
    output_weight: Floats  # (intermediate, hidden)
    output_bias: Floats
    output_norm: tuple[Floats, Floats]


@dataclass(frozen=True, slots=True)
class BertEncoder:
    """The weights of a BERT encoder, arranged for fast inference; immutable, so safe to share across threads."""

    word_embeddings: Floats
    position_embeddings: Floats
    token_type_embedding: Floats  # row 0: sentence embedding models only ever use segment 0
    embedding_norm: tuple[Floats, Floats]
    layers: tuple[_Layer, ...]
    heads: int
    layer_norm_eps: float

    @property
    def hidden_size(self) -> int:
        return int(self.word_embeddings.shape[1])

    @property
    def max_positions(self) -> int:
        return int(self.position_embeddings.shape[0])

    @classmethod
    def from_weights(cls, weights: Mapping[str, npt.NDArray[np.generic]], config: Mapping[str, object]) -> BertEncoder:
        """Arrange Hugging Face ``BertModel`` tensors (``embeddings.*``, ``encoder.layer.N.*``) for inference."""

        def tensor(name: str) -> Floats:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def linear(name: str) -> tuple[Floats, Floats]:
            return np.ascontiguousarray(tensor(f"{name}.weight").T), tensor(f"{name}.bias")

        def norm(name: str) -> tuple[Floats, Floats]:
            return tensor(f"{name}.weight"), tensor(f"{name}.bias")

        heads = _config_int(config, "num_attention_heads")
        hidden = _config_int(config, "hidden_size")
        query_scale = np.float32(1.0 / math.sqrt(hidden // heads))
        layers = []
        for index in range(_config_int(config, "num_hidden_layers")):
            prefix = f"encoder.layer.{index}"
            query, key, value = (linear(f"{prefix}.attention.self.{part}") for part in ("query", "key", "value"))
            attention_out = linear(f"{prefix}.attention.output.dense")
            intermediate = linear(f"{prefix}.intermediate.dense")
            output = linear(f"{prefix}.output.dense")
            layers.append(
                _Layer(
                    qkv_weight=np.ascontiguousarray(np.concatenate([query[0] * query_scale, key[0], value[0]], axis=1)),
                    qkv_bias=np.concatenate([query[1] * query_scale, key[1], value[1]]),
                    attention_out_weight=attention_out[0],
                    attention_out_bias=attention_out[1],
                    attention_norm=norm(f"{prefix}.attention.output.LayerNorm"),
                    intermediate_weight=intermediate[0],
                    intermediate_bias=intermediate[1],
                    output_weight=output[0],
                    output_bias=output[1],
                    output_norm=norm(f"{prefix}.output.LayerNorm"),
                )
            )
        eps = config.get("layer_norm_eps", 1e-12)
        if not isinstance(eps, (int, float)):
            raise ValueError(f"model config field layer_norm_eps must be a number, got {eps!r}")
        return cls(
            word_embeddings=tensor("embeddings.word_embeddings.weight"),
            position_embeddings=tensor("embeddings.position_embeddings.weight"),
            token_type_embedding=tensor("embeddings.token_type_embeddings.weight")[0].copy(),
            embedding_norm=norm("embeddings.LayerNorm"),
            layers=tuple(layers),
            heads=heads,
            layer_norm_eps=float(eps),
        )

    def mean_pooled(self, sequences: Sequence[Sequence[int]]) -> Floats:
        """For each sequence of token ids, the mean of its last hidden states: shape ``(len(sequences), hidden)``.

        Sequences hold 1 to ``max_positions`` ids each, special tokens included.
        """
        batch = _Batch(np.fromiter(map(len, sequences), dtype=np.intp, count=len(sequences)), self.max_positions)
        ids = np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.intp, count=batch.tokens)
        hidden = self.word_embeddings[ids]
        hidden += self.position_embeddings[batch.positions]
        hidden += self.token_type_embedding
        self._layer_norm(hidden, self.embedding_norm)
        for layer in self.layers:
            hidden = self._layer(layer, hidden, batch)
        pooled: Floats = np.add.reduceat(hidden, batch.starts, axis=0)
        pooled /= batch.lengths[:, None].astype(np.float32)
        return pooled

    def _layer(self, layer: _Layer, hidden: Floats, batch: _Batch) -> Floats:
        """One encoder layer over the packed tokens ``hidden``, shape ``(tokens, hidden_size)``.

        Only attention needs the sequences side by side, so only it runs on the padded layout.
        """
        size, length = self.hidden_size, batch.length
        qkv = _matmul(hidden, layer.qkv_weight)
        qkv += layer.qkv_bias
        # (sequences, length, 3, heads, head_size) -> three (sequences, heads, length, head_size) views
        split = batch.padded(qkv).reshape(-1, length, 3, self.heads, size // self.heads)
        query, key, value = split.transpose(2, 0, 3, 1, 4)
        context = np.empty((batch.size, length, size), dtype=np.float32)
        group = max(1, _MAX_SCORE_FLOATS // (self.heads * length * length))
        for start in range(0, batch.size, group):
            rows = slice(start, start + group)
            scores = _matmul(query[rows], key[rows].transpose(0, 1, 3, 2))
            scores += batch.score_bias[rows]
            _softmax_last_axis(scores)
            # (group, heads, length, head_size) -> (group, length, heads * head_size)
            context[rows] = _matmul(scores, value[rows]).transpose(0, 2, 1, 3).reshape(-1, length, size)
        attended = _matmul(batch.packed(context.reshape(-1, size)), layer.attention_out_weight)
        attended += layer.attention_out_bias
        attended += hidden
        self._layer_norm(attended, layer.attention_norm)
        intermediate = _matmul(attended, layer.intermediate_weight)
        _add_bias_and_gelu(intermediate, layer.intermediate_bias)
        output = _matmul(intermediate, layer.output_weight)
        output += layer.output_bias
        output += attended
        self._layer_norm(output, layer.output_norm)
        return output

    def _layer_norm(self, rows: Floats, norm: tuple[Floats, Floats]) -> None:
        """Layer normalisation of each row, in place, a cache-sized block at a time."""
        gain, bias = norm
        eps = np.float32(self.layer_norm_eps)
        for block in _blocks(rows):
            block -= block.mean(axis=1, keepdims=True)
            variance = np.einsum("ij,ij->i", block, block)[:, None]
            variance *= np.float32(1.0 / block.shape[1])
            variance += eps
            np.sqrt(variance, out=variance)
            block /= variance
            block *= gain
            block += bias


class _Batch:
    """Where each token of a batch sits, packed (one row per real token) and padded (``size x length``).

    Everything but attention works on packed rows, so a long text in a batch of short ones costs
    no work on padding outside attention.
    """

    def __init__(self, lengths: npt.NDArray[np.intp], max_positions: int) -> None:
        if len(lengths) == 0 or lengths.min() < 1 or lengths.max() > max_positions:
            raise ValueError(f"each sequence must hold 1 to {max_positions} token ids")
        self.lengths = lengths
        self.size, self.length, self.tokens = len(lengths), int(lengths.max()), int(lengths.sum())
        self.starts = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.intp)
        self.positions = np.arange(self.tokens) - np.repeat(self.starts, lengths)
        #: row of each packed token in the padded layout, or None when no sequence needs padding
        self.slots = (
            None
            if self.tokens == self.size * self.length
            else (np.repeat(np.arange(self.size) * self.length, lengths) + self.positions)
        )
        real = np.arange(self.length)[None, :] < lengths[:, None]
        self.score_bias = np.where(real, np.float32(0.0), _MASKED).astype(np.float32)[:, None, None, :]

    def padded(self, rows: Floats) -> Floats:
        """Packed rows spread into the padded layout; padding rows are zero, so they never produce NaN."""
        if self.slots is None:
            return rows
        spread = np.zeros((self.size * self.length, rows.shape[1]), dtype=np.float32)
        spread[self.slots] = rows
        return spread

    def packed(self, rows: Floats) -> Floats:
        """Rows of the padded layout back to one row per real token."""
        return rows if self.slots is None else rows[self.slots]


def _blocks(rows: Floats) -> Iterator[Floats]:
    """Views of consecutive rows, about ``_BLOCK_FLOATS`` floats each, for in-place element-wise work."""
    step = max(1, _BLOCK_FLOATS // rows.shape[1])
    for start in range(0, len(rows), step):
        yield rows[start : start + step]


def _matmul(left: Floats, right: Floats) -> Floats:
    """``left @ right`` (stacked over leading axes), typed: numpy's stubs lose the float32 dtype of ``@``."""
    product: Floats = np.matmul(left, right)
    return product


def _softmax_last_axis(scores: Floats) -> None:
    """Softmax over the last axis, in place (the maximum is subtracted first, so exp never overflows)."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)


def _add_bias_and_gelu(rows: Floats, bias: Floats) -> None:
    """``rows = gelu(rows + bias)`` in place, with GELU's exact form x * Phi(x) (Phi: the normal CDF).

    Phi(x) = 1 - q for x >= 0 and q for x < 0, where q = erfc(|x| / sqrt 2) / 2, so
    gelu(x) = max(x, 0) - |x| * q: one branch-free expression.
    """
    p = np.float32(_ERFC_P / math.sqrt(2.0))
    a1, a2, a3, a4, a5 = (np.float32(coefficient / 2.0) for coefficient in _ERFC_A)  # /2: q is half of erfc
    for block in _blocks(rows):
        block += bias
        magnitude = np.abs(block)
        t = magnitude * p
        t += np.float32(1.0)
        np.reciprocal(t, out=t)
        q = t * a5
        for coefficient in (a4, a3, a2, a1):
            q += coefficient
            q *= t
        gaussian = np.square(magnitude)
        gaussian *= np.float32(-0.5)
        np.exp(gaussian, out=gaussian)
        q *= gaussian
        q *= magnitude
        np.maximum(block, np.float32(0.0), out=block)
        block -= q


def _config_int(config: Mapping[str, object], key: str) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"model config field {key} must be an integer, got {value!r}")
    return value
