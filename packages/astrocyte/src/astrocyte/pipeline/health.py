"""health: every configured store asked at once; one failing or raising store makes the whole unhealthy.

Embedding and LLM providers have no ``health`` in their SPIs, so they are not listed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from astrocyte.pipeline.context import EngineContext
from astrocyte.spi import STORE_PROTOCOLS
from astrocyte.types import HealthStatus


@dataclass(frozen=True)
class HealthReport:
    """``healthy`` when every component is; ``components`` by provider kind (``vector_store``, ...)."""

    healthy: bool
    components: dict[str, HealthStatus]


async def health(ctx: EngineContext) -> HealthReport:
    checked = {kind.value: store for kind, store in ctx.providers.items() if kind.protocol in STORE_PROTOCOLS}
    statuses = await asyncio.gather(*(_status(provider) for provider in checked.values()))
    components = dict(zip(checked, statuses, strict=True))
    return HealthReport(healthy=all(status.healthy for status in statuses), components=components)


async def _status(provider: Any) -> HealthStatus:
    """The provider's own answer, or an unhealthy status saying what it raised."""
    started = time.perf_counter()
    try:
        status: HealthStatus = await provider.health()
    except Exception as problem:
        return HealthStatus(
            healthy=False,
            message=f"health() raised {type(problem).__name__}: {problem}",
            latency_ms=(time.perf_counter() - started) * 1000,
            last_check_at=datetime.now(UTC),
        )
    return status
