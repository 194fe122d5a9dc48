"""Wording shared by errors that reject a name: a "did you mean" hint and a readable list of choices.

Configuration keys, provider names and profile names are all typed by hand, so every error that
refuses one should point at the nearest valid spelling in the same words; one helper keeps the
config loader and provider discovery saying it the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close enough to help."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def listing(choices: Iterable[str]) -> str:
    """The choices sorted and comma-separated, or ``(none)``, for messages that say what is allowed."""
    names = sorted(choices)
    return ", ".join(names) if names else "(none)"
