"""A token estimate without a tokenizer: the unit of ``max_tokens`` budgets and token-sized chunks.

Models count tokens with their own tokenizers, which the engine does not load. The estimate is
additive per character, so a budget check or a chunk boundary costs one prefix sum: a character of
a CJK, kana or hangul script counts as one token (such scripts tokenize at about a character each),
any other character as a quarter of a token (about four characters per token, the usual figure for
English and other alphabetic text under BPE tokenizers). Rounded up, and at least 1 for any text.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: Code points from here on (CJK radicals onwards: kana, hangul, ideographs, ...) weigh one token each.
_WIDE_SCRIPTS_START = 0x2E80
_NARROW_WEIGHT = 0.25


def character_weights(text: str, unit: str) -> npt.NDArray[np.float64]:
    """Each character's share of ``text``'s size in ``unit`` (``"characters"`` or ``"tokens"``)."""
    if unit == "characters":
        return np.ones(len(text), dtype=np.float64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.where(codes >= _WIDE_SCRIPTS_START, 1.0, _NARROW_WEIGHT)


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is, rounded up; 0 only for the empty string."""
    return math.ceil(float(character_weights(text, "tokens").sum()) - 1e-9) if text else 0
