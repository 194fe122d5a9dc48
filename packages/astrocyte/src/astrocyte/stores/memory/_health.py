"""The health report of an in-process store: always reachable, so healthy whenever it can answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from astrocyte.types import HealthStatus


def healthy_since(started: float, message: str) -> HealthStatus:
    """A healthy status whose latency is the time since ``started`` (a ``time.perf_counter()`` reading)."""
    return HealthStatus(
        healthy=True,
        message=message,
        latency_ms=(time.perf_counter() - started) * 1000,
        last_check_at=datetime.now(UTC),
    )
