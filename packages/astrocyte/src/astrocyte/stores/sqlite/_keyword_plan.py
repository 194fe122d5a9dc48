"""BM25 search over FTS5 at a cost bounded by the query's rare words, not by the bank.

FTS5 ranks by scoring every row that matches any word of an ``OR`` query, so one frequent word
("in", a user's own name) makes every query cost a pass over most of the file. The plan here splits
the query's words by how many rows hold each (their document frequency, counted once and cached):

- **stop words**, held by half the rows or more: FTS5's own BM25 gives them an IDF of 1e-6 (its floor
  for a non-positive IDF), so leaving them out changes no score beyond that; they are left out
  whenever the other words find ``limit`` rows (else the whole query runs, exactly as before);
- **essential words**, the rarest, as long as together they hold at most :data:`ESSENTIAL_ROWS` rows;
- **frequent words**, the rest.

Rows holding an essential word are ranked in full, in two statements: ``E AND F`` and ``E NOT F``.
Each row's score there is exactly its score in the whole ``OR`` query: FTS5's ``bm25()`` sums over
every phrase of the expression (those under ``NOT`` included) with the same table statistics, and a
phrase a row lacks adds nothing. When ``E AND F`` finds fewer than ``limit`` rows, it found all of
them, and ``E NOT F`` is ranked as ``E`` without those rows (:func:`_outside`): the same rows and
scores, without walking F's long posting lists. A row holding frequent words only scores at most
``sum(idf * (k1 + 1))`` over the frequent words; when the ``limit``-th best row found beats that
bound the answer is exact. Otherwise the rows holding every frequent word (``F1 AND F2 ... NOT E``,
ranked as ``F1 AND F2 ...`` without the rows ``E AND F`` found when it found all of them), the best
of the rest by BM25's own reasoning, are ranked too, and the newest rows holding any of them fill in
only when fewer than ``limit`` rows were found: the one approximation, which keeps a query of
frequent words from ranking a large share of the bank.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable, Sequence

#: FTS5's bm25() constants (k1 = 1.2, b = 0.75): a word adds at most idf * (k1 + 1).
_K1 = 1.2
#: The essential words hold at most this many rows together: what one search ranks at most in full.
ESSENTIAL_ROWS = 2000
#: ``E AND F`` returns up to this many times ``limit`` rows, so that it returns all of them more
#: often (see :func:`_outside`).
HELD_FACTOR = 4
#: Newest rows holding a frequent word ranked when the ranked ones fall short, per missing row.
_FILL_FACTOR = 4
#: Cached document frequencies stay in use while the table size is within this share of the size
#: they were counted at: they only choose the plan, never a score.
_STALE_SHARE = 0.1
_CACHE_LIMIT = 100_000

Rows = list[sqlite3.Row]
#: Runs the search statement for one MATCH expression: ``(expression, order, limit) -> rows``.
Search = Callable[[str, str, int], Rows]

RANKED = "bm25, row_id"
NEWEST = "documents_fts.rowid DESC"


class TermCounts:
    """How many rows of the file's FTS5 table hold each word, counted on first use and cached."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def of(self, connection: sqlite3.Connection, words: Sequence[str], table_rows: int) -> dict[str, int]:
        counts = {}
        for word in words:
            key = word.casefold()
            with self._lock:
                cached = self._counts.get(key)
            if cached is not None and abs(table_rows - cached[1]) <= _STALE_SHARE * cached[1]:
                counts[word] = cached[0]
                continue
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH ?", (_phrase(word),)
            ).fetchone()
            with self._lock:
                if len(self._counts) >= _CACHE_LIMIT:
                    self._counts.clear()
                self._counts[key] = (int(count), table_rows)
            counts[word] = int(count)
        return counts


def table_rows(connection: sqlite3.Connection) -> int:
    """The row count FTS5's bm25() uses: the first varint of its averages record (``id = 1``)."""
    row = connection.execute("SELECT block FROM documents_fts_data WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return 0
    block: bytes = row[0]
    value = 0
    for position, byte in enumerate(block[:9]):
        if position == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return value


def search(words: Sequence[str], counts: dict[str, int], rows: int, limit: int, run: Search) -> Rows:
    """The best ``limit`` rows for the ``OR`` of ``words`` (distinct), as ``run`` selects them."""
    everything = _any(words)
    kept = [word for word in words if 2 * counts[word] < rows]
    if not kept or sum(counts[word] for word in words) <= ESSENTIAL_ROWS:
        return run(everything, RANKED, limit)  # cheap as it is, or nothing but stop words
    kept.sort(key=lambda word: counts[word])
    essential = [kept[0]]
    held = counts[kept[0]]
    for word in kept[1:]:
        if held + counts[word] > ESSENTIAL_ROWS:
            break
        essential.append(word)
        held += counts[word]
    frequent = kept[len(essential) :]
    if not frequent:
        found = run(_any(essential), RANKED, limit)
    else:
        both = run(f"({_any(essential)}) AND ({_any(frequent)})", RANKED, HELD_FACTOR * limit)
        # Fewer back than asked for: ``both`` is every row holding an essential and a frequent word.
        holding = {row["row_id"] for row in both} if len(both) < HELD_FACTOR * limit else None
        both = both[:limit]
        if holding is None:
            alone = run(f"({_any(essential)}) NOT ({_any(frequent)})", RANKED, limit)
        else:
            alone = _outside(_any(essential), holding, limit, run)
        found = _merged(both, alone, limit=limit)
        if not _beats(found, limit, _bound(frequent, counts, rows)):
            found = _rest(found, essential, frequent, limit, run, holding)
    if len(found) < limit and len(kept) < len(words):
        return run(everything, RANKED, limit)  # too few without the stop words: the exact query
    return found


def _rest(
    found: Rows, essential: list[str], frequent: list[str], limit: int, run: Search, held: set[int] | None
) -> Rows:
    """Add rows holding frequent words only: those holding all of them, then, if still short, the newest.

    ``held``: every row holding an essential and a frequent word, when known (else ``None``).
    """
    without = f"NOT ({_any(essential)})"
    if len(frequent) > 1:
        every = " AND ".join(map(_phrase, frequent))
        ranked = run(f"({every}) {without}", RANKED, limit) if held is None else _outside(every, held, limit, run)
        found = _merged(found, ranked, limit=limit)
    if len(found) < limit:
        newest = run(f"({_any(frequent)}) {without}", NEWEST, _FILL_FACTOR * (limit - len(found)))
        found = _merged(found, newest, limit=limit)
    return found


def _outside(expression: str, held: set[int], limit: int, run: Search) -> Rows:
    """The best ``limit`` rows of ``expression`` but those of ``held``, the ones holding a word left
    out of it: what ``expression NOT (left-out words)`` ranks, with the same scores.

    A phrase a row lacks adds exactly 0.0 to its ``bm25()`` and the other phrases' IDFs do not depend
    on it, so the scores are bit for bit those of the ``NOT`` statement; left out, the words' long
    posting lists are neither counted for their IDF nor walked to exclude rows (measured at 100k
    memories: about half of such a statement's time). Ranking ``limit + len(held)`` rows leaves at
    least ``limit`` once ``held`` is dropped.
    """
    ranked = run(expression, RANKED, limit + len(held))
    return [row for row in ranked if row["row_id"] not in held][:limit]


def _bound(frequent: Sequence[str], counts: dict[str, int], rows: int) -> float:
    """The highest score a row holding frequent words only can reach (FTS5's IDF, any tf, any length)."""
    return sum(max(math.log((rows - counts[word] + 0.5) / (counts[word] + 0.5)), 1e-6) * (_K1 + 1) for word in frequent)


def _beats(found: Rows, limit: int, bound: float) -> bool:
    return len(found) >= limit and -found[limit - 1]["bm25"] > bound


def _merged(*parts: Rows, limit: int) -> Rows:
    """The best ``limit`` distinct rows of ``parts``, in the search's order (bm25, then row id)."""
    best: dict[int, sqlite3.Row] = {}
    for part in parts:
        for row in part:
            best.setdefault(row["row_id"], row)
    return sorted(best.values(), key=lambda row: (row["bm25"], row["row_id"]))[:limit]


def _any(words: Sequence[str]) -> str:
    return " OR ".join(map(_phrase, words))


def _phrase(word: str) -> str:
    """A word as an FTS5 string: never read as an operator (a word holds no ``"``)."""
    return f'"{word}"'
