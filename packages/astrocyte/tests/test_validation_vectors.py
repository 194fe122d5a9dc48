"""check_vector accepts exactly the finite one-dimensional vectors, on its fast path and its full check."""

from __future__ import annotations

import numpy as np
import pytest

from astrocyte.errors import ValidationError
from astrocyte.validation import check_vector


@pytest.mark.parametrize(
    "vector",
    [[0.5, -0.25, 1.0], [], [1, 2, 3], [True, 0.5], [1e308, 1e308], np.array([0.1, 0.2]), (0.1, 0.2), ["0.5"]],
)
def test_finite_vectors_pass(vector: object) -> None:
    check_vector(vector)  # [1e308, 1e308] sums to infinity: the full check must still accept it


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ([0.5, float("nan")], "NaN"),
        ([float("inf"), 0.5], "NaN or infinity"),
        ([float("inf"), float("-inf")], "NaN or infinity"),
        ([[0.5, 0.5]], "one-dimensional"),
        ([0.5, "x"], "sequence of numbers"),
        ([0.5, None], "NaN or infinity"),  # numpy reads None as NaN
    ],
)
def test_bad_vectors_get_a_typed_error(vector: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        check_vector(vector)
    assert raised.value.field == "vector"
