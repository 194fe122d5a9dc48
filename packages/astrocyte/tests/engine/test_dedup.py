"""Near duplicates within one call: decided in order, across batches, never pointing at a dropped row."""

from __future__ import annotations

import numpy as np

from astrocyte.pipeline.dedup import CallDuplicates, content_id


def unit(angle_degrees: float) -> list[float]:
    angle = np.radians(angle_degrees)
    return [float(np.cos(angle)), float(np.sin(angle)), 0.0]


def matrix(*angles: float) -> np.ndarray:
    return np.asarray([unit(angle) for angle in angles], dtype=np.float32)


def test_content_ids_are_stable_hashes() -> None:
    assert content_id("same text") == content_id("same text") != content_id("same text.")
    assert len(content_id("x")) == 32


def test_a_chain_of_similar_rows_keeps_those_not_similar_to_a_kept_one() -> None:
    """cos(10 deg) = 0.985: b is like a, c is like b but not like a, so c is kept (b was dropped)."""
    found = CallDuplicates(0.98).check(["a", "b", "c"], matrix(0, 10, 20), [False, False, False])
    assert found == [None, "a", None]


def test_duplicates_are_found_across_batches_and_skipped_rows_ignored() -> None:
    duplicates = CallDuplicates(0.98)
    assert duplicates.check(["a", "x"], matrix(0, 90), [False, True]) == [None, None]
    assert duplicates.check(["b", "y", "c"], matrix(5, 90, 45), [False, False, False]) == ["a", None, None]
    assert duplicates.check(["d"], matrix(89), [False]) == ["y"]  # x was skipped, so y was kept


def test_blocks_are_decided_in_order() -> None:
    """More rows than one block: rows of later blocks compare with the kept rows of earlier ones."""
    angles = [index * 0.5 for index in range(700)]  # neighbours 0.5 deg apart (cos 0.99996), 1 deg: 0.99985
    found = CallDuplicates(0.9999).check([str(index) for index in range(700)], matrix(*angles), [False] * 700)
    kept = [index for index, target in enumerate(found) if target is None]
    assert kept == list(range(0, 700, 2))
    assert all(found[index] == str(index - 1) for index in range(1, 700, 2))
