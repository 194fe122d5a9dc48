"""The demo: a short story retained into the embedded default, then recalled and reflected on.

It runs exactly what ``Astrocyte()`` runs for a user (SQLite file, local MiniLM embeddings, no
server, no key), in a temporary folder so that it leaves nothing behind and every run starts clean.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from astrocyte.engine import Astrocyte
from astrocyte.stores.sqlite import temporary_home
from astrocyte.types import MemoryInput, RecallResult, ReflectResult

STORY: tuple[MemoryInput, ...] = tuple(
    MemoryInput(content=text, tags=list(tags), occurred_at=datetime.fromisoformat(day))
    for text, tags, day in (
        (
            "Alice hiked the Pacific Crest Trail in 2019; the Sierra section was her favourite.",
            ("hobby",),
            "2019-08-01",
        ),
        ("Alice prefers window seats and always books the first flight of the day.", ("travel",), "2024-03-02"),
        ("Alice's new hiking boots gave her blisters on the Mount Tam loop.", ("hobby",), "2025-05-11"),
        ("Alice is allergic to peanuts and carries an epinephrine pen.", ("health",), "2023-01-20"),
        (
            "Alice moved from Portland to Oakland for a job at a robotics startup called Gearbox.",
            ("work",),
            "2024-09-15",
        ),
        ("At Gearbox, Alice's team ships warehouse robot firmware every second Thursday.", ("work",), "2025-02-06"),
        ("Alice wants to climb Mount Whitney next summer with her sister Jo.", ("hobby", "plans"), "2025-06-30"),
        ("Jo, Alice's sister, is a nurse in Sacramento and runs marathons.", ("family",), "2025-01-12"),
    )
)
OTHER_BANK = (MemoryInput(content="Bob keeps bees on his roof in Brooklyn and sells the honey.", tags=["hobby"]),)

QUESTIONS = ("Which trail did Alice hike?", "Where does Alice work now?", "What should a restaurant know about Alice?")
REFLECTION = "What are Alice's outdoor plans?"


@dataclass(frozen=True)
class DemoRun:
    database: str
    retained: int
    recalls: list[tuple[str, RecallResult]]
    isolation: RecallResult
    reflection: ReflectResult


async def run_demo() -> DemoRun:
    """Retain the story into bank ``alice`` (and one memory into ``bob``), then ask about it."""
    with temporary_home(prefix="astrocyte-demo-") as home:
        async with Astrocyte() as engine:
            results = await engine.retain_many(list(STORY), "alice")
            await engine.retain_many(list(OTHER_BANK), "bob")
            recalls = [(question, await engine.recall(question, "alice", limit=3)) for question in QUESTIONS]
            isolation = await engine.recall(QUESTIONS[0], "bob", limit=3)
            reflection = await engine.reflect(REFLECTION, "alice")
        return DemoRun(
            database=os.path.join(home, "astrocyte.db"),
            retained=sum(result.stored for result in results),
            recalls=recalls,
            isolation=isolation,
            reflection=reflection,
        )
