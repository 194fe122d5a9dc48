"""Kill a writing subprocess at a random moment: the harness of the crash-safety tests.

A crash test starts a writer script that prints ``committed <n>`` after each unit of work it has
committed, lets it report a random number of commits, waits a random pause (so the kill lands inside
a unit as often as between two), sends SIGKILL, and then checks what the file holds. The pause is
where the kill lands, never a timing assertion.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys


def run_writer_and_kill(
    script: str, arguments: list[str], rng: random.Random, *, most_reports: int, longest_pause: float
) -> int:
    """Run ``python -c script *arguments``, kill it after 1 to ``most_reports`` reports and a pause of
    up to ``longest_pause`` seconds; returns how many commits it reported (those printed just
    before the kill included)."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    committed = 0
    try:
        for _ in range(rng.randint(1, most_reports)):
            line = process.stdout.readline()
            assert line.startswith("committed "), (
                f"the writer stopped: {line!r} {process.stderr.read() if process.stderr else ''}"
            )
            committed = int(line.split()[1])
        with contextlib.suppress(subprocess.TimeoutExpired):  # a writer that ends by itself is caught below
            process.wait(timeout=rng.uniform(0.0, longest_pause))
    finally:
        process.send_signal(signal.SIGKILL)
        remaining, _ = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the writer ended by itself: {process.returncode}"
    return max([committed, *(int(line.split()[1]) for line in remaining.splitlines() if line.startswith("committed "))])
