"""Latency and throughput arithmetic shared by every benchmark."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Latency:
    """Milliseconds per call over a series of calls."""

    p50_ms: float
    p95_ms: float
    calls: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        milliseconds = np.asarray(seconds) * 1000
        return cls(float(np.percentile(milliseconds, 50)), float(np.percentile(milliseconds, 95)), len(seconds))


def time_each(call: Callable[[str], object], inputs: Sequence[str]) -> Latency:
    """Time ``call`` once per input."""
    durations = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        durations.append(time.perf_counter() - started)
    return Latency.of(durations)


async def time_each_async(call: Callable[[str], Awaitable[object]], inputs: Sequence[str]) -> Latency:
    """Time the awaited ``call`` once per input."""
    durations = []
    for item in inputs:
        started = time.perf_counter()
        await call(item)
        durations.append(time.perf_counter() - started)
    return Latency.of(durations)
