"""Request limits shared by the servers: a token bucket per principal, and size checks.

The bucket refills at ``rate_per_second`` up to ``rate_burst`` calls; a call that finds it empty
is refused with :class:`~astrocyte.errors.RateLimited` carrying how long until one call is free
(the ``Retry-After`` the servers send). Buckets live in process memory: each server process
limits on its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sized
from dataclasses import dataclass

from astrocyte.errors import PayloadTooLarge, RateLimited, ValidationError
from astrocyte.governance.settings import LimitSettings


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by principal name."""

    def __init__(self, rate_per_second: float, burst: int) -> None:
        self._rate = rate_per_second
        self._burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, principal: str) -> None:
        """Spend one call of ``principal``'s budget, or raise :class:`RateLimited`."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(principal, _Bucket(self._burst, now))
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            wait = (1 - bucket.tokens) / self._rate
        raise RateLimited(f"rate limit of {self._rate:g} calls per second reached; retry later", math.ceil(wait))


def check_batch(items: Sized, limits: LimitSettings, field: str = "items") -> None:
    if len(items) > limits.max_batch_items:
        raise PayloadTooLarge(
            field, f"holds {len(items)} items; the limit is {limits.max_batch_items} per call, so split the batch"
        )


def check_recall_limit(limit: int | None, limits: LimitSettings) -> None:
    if limit is not None and limit > limits.max_recall_limit:
        raise ValidationError("limit", f"must be at most {limits.max_recall_limit} on this server, got {limit}")


__all__ = ["RateLimiter", "check_batch", "check_recall_limit"]
