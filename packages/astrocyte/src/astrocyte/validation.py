"""Input checks shared by the DTOs, the stores and the engine.

Each check raises :class:`~astrocyte.errors.ValidationError` naming the field and the fix, and
returns the value (normalised where that is cheap and unambiguous, such as naive datetimes to UTC),
so callers can write ``self.x = check(...)`` and keep one rule per concept in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast, overload

import numpy as np

from astrocyte.errors import ValidationError

BANK_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MAX_ID_LENGTH = 512


def check_bank_id(value: object, field: str = "bank_id") -> str:
    """A bank id is 1-128 characters of ``[A-Za-z0-9._:-]``; case matters."""
    if not isinstance(value, str) or BANK_ID_PATTERN.fullmatch(value) is None:
        raise ValidationError(
            field,
            f"{value!r} is not a valid bank id; use 1-128 characters of letters, digits, '.', '_', ':' or '-'",
        )
    return value


def check_text(value: object, field: str = "text") -> str:
    """Non-empty text that can be stored anywhere: no NUL characters, no lone surrogates."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(field, "must not be empty or only whitespace")
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters (\\x00); strip them before storing")
    _check_encodable(value, field)
    return value


def check_id(value: object, field: str = "id") -> str:
    """Ids are non-empty strings of at most 512 characters without NUL; any Unicode is allowed."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(field, f"is {len(value)} characters long; the limit is {MAX_ID_LENGTH}")
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters")
    _check_encodable(value, field)
    return value


def all_valid_ids(values: Sequence[object]) -> bool:
    """Whether :func:`check_id` accepts every value, decided for the whole batch with a few C-level
    passes: stores re-check each batch they are given, and a call per value costs more than the
    write. ``False`` only says that the per-value check must run to name the bad value."""
    return _plain_strings(values, MAX_ID_LENGTH)


def all_valid_texts(values: Sequence[object]) -> bool:
    """Whether :func:`check_text` accepts every value (as :func:`all_valid_ids` does for ids)."""
    return _plain_strings(values, None) and all(map(str.strip, cast(Sequence[str], values)))


def all_valid_bank_ids(values: Sequence[object]) -> bool:
    """Whether :func:`check_bank_id` accepts every value; a batch names one bank or a few."""
    try:
        distinct = set(values)
    except TypeError:  # unhashable, so not a string
        return False
    return all(isinstance(value, str) and BANK_ID_PATTERN.fullmatch(value) for value in distinct)


def _plain_strings(values: Sequence[object], max_length: int | None) -> bool:
    """Non-empty strings (at most ``max_length`` characters) without NUL that UTF-8 can encode."""
    if not all(isinstance(value, str) for value in values):
        return False
    strings = cast(Sequence[str], values)
    if not strings:
        return True
    lengths = list(map(len, strings))
    if min(lengths) == 0 or (max_length is not None and max(lengths) > max_length):
        return False
    joined = "".join(strings)
    if "\x00" in joined:
        return False
    if joined.isascii():
        return True
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_encodable(value: str, field: str) -> None:
    """Every store must be able to write the string: a lone surrogate has no UTF-8 encoding (ASCII,
    as most ids are, always has one, and telling costs less than encoding)."""
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            field, f"is not valid Unicode (lone surrogate at position {exc.start}); decode the input as UTF-8 first"
        ) from None


def check_non_negative(value: object, field: str = "score") -> float:
    """A finite number that is zero or more."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValidationError(field, f"must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValidationError(field, f"must be a finite number >= 0, got {value!r}")
    return number


def check_positive_int(value: object, field: str) -> int:
    """An integer of at least 1 (limits, page sizes, depths)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, f"must be an integer >= 1, got {value!r}")
    return value


def check_non_negative_int(value: object, field: str) -> int:
    """An integer of at least 0 (offsets)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, f"must be an integer >= 0, got {value!r}")
    return value


@overload
def as_utc(value: datetime, field: str) -> datetime: ...


@overload
def as_utc(value: None, field: str) -> None: ...


def as_utc(value: datetime | None, field: str) -> datetime | None:
    """Datetimes are compared across stores, so naive ones are taken as UTC and all are made aware."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationError(field, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_metadata(value: Mapping[str, Any] | None, field: str = "metadata") -> dict[str, Any] | None:
    """Metadata is flat: string keys, values that are str, int, float, bool or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a mapping of str to scalar, got {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(field, f"keys must be non-empty strings, got {key!r}")
        if item is not None and not isinstance(item, (str, int, float, bool)):
            raise ValidationError(
                f"{field}[{key!r}]",
                f"must be a str, int, float, bool or None, got {type(item).__name__}; serialise it to a string",
            )
        if isinstance(item, float) and not math.isfinite(item):
            raise ValidationError(f"{field}[{key!r}]", "must be a finite number")
    return dict(value)


def check_tags(value: Iterable[str] | None, field: str = "tags") -> list[str] | None:
    """Tags are non-empty strings; a bare string is refused because it would iterate as characters."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise ValidationError(field, "must be a list of strings, not a single string; wrap it in a list")
    tags = list(value)
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag.strip():
            raise ValidationError(f"{field}[{index}]", f"must be a non-empty string, got {tag!r}")
    return tags


def check_vector(value: object, field: str = "vector") -> None:
    """A vector is a sequence of finite numbers; NaN or infinity would poison every similarity.

    A list of Python numbers whose sum is finite has no NaN or infinity in it, and summing costs
    far less than building an array: every stored memory passes here, so that case is decided
    first, and everything else (or a sum that overflows) by the full check."""
    if type(value) is list:
        try:
            total = sum(value)
        except (TypeError, OverflowError):
            total = None
        if type(total) is float and math.isfinite(total):
            return
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(field, "must be a sequence of numbers") from None
    if array.ndim != 1:
        raise ValidationError(field, f"must be one-dimensional, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValidationError(field, "contains NaN or infinity")
