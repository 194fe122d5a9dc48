"""Datetimes as integer columns, the same in every store that keeps them so.

A datetime is stored as the integer microseconds since the Unix epoch (UTC): exact for every aware
datetime Python can hold, and ordered as the instants are, so ``ORDER BY`` sorts by time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_time(moment: datetime | None) -> int | None:
    """Microseconds since the epoch of an aware datetime (the DTOs make every datetime aware)."""
    return None if moment is None else (moment - _EPOCH) // _MICROSECOND


def decode_time(micros: int | None) -> datetime | None:
    return None if micros is None else _EPOCH + timedelta(microseconds=micros)


__all__ = ["decode_time", "encode_time"]
