"""The in-memory :class:`~astrocyte.spi.WikiStore`: compiled pages with their full revision history.

Each page is kept as its list of revisions, oldest first, so "the page" is simply the last entry
and ``list_revisions`` is the list itself. Choices the SPI leaves open, made here and followed by
the contract suite:

- **The bank is the ``bank_id`` argument.** ``page.bank_id`` is overwritten by it, so a page whose
  DTO names another bank is stored (and returned) under the bank it was addressed to and can never
  be slipped into a bank the caller did not name.
- **``revised_at``** is the caller's when given, otherwise the moment of the upsert (UTC).
- **``list_pages``** returns the newest revision of each page, ordered by ``page_id`` (code-point
  order), so a listing is stable between calls.
- **``delete_bank``** counts pages, not revisions.

Pages are deep-copied on the way in and out: what a caller holds never aliases stored history.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

from astrocyte.stores.memory._banks import Banks
from astrocyte.stores.memory._health import healthy_since
from astrocyte.types import HealthStatus, WikiPage
from astrocyte.validation import check_id

_History = list[WikiPage]


class MemoryWikiStore:
    """Wiki pages per bank, each with every revision it ever had (until deleted)."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self) -> None:
        self._banks: Banks[dict[str, _History]] = Banks(dict)

    async def upsert_page(self, page: WikiPage, bank_id: str) -> str:
        history = self._banks.for_write(bank_id).setdefault(page.page_id, [])
        history.append(
            replace(
                copy.deepcopy(page),
                bank_id=bank_id,
                revision=len(history) + 1,
                revised_at=page.revised_at or datetime.now(UTC),
            )
        )
        return page.page_id

    async def get_page(self, page_id: str, bank_id: str) -> WikiPage | None:
        history = self._banks.for_read(bank_id).get(check_id(page_id, "page_id"))
        return copy.deepcopy(history[-1]) if history else None

    async def list_pages(self, bank_id: str, scope: str | None = None, kind: str | None = None) -> list[WikiPage]:
        pages = self._banks.for_read(bank_id)
        newest = (pages[page_id][-1] for page_id in sorted(pages))
        return [
            copy.deepcopy(page)
            for page in newest
            if (scope is None or page.scope == scope) and (kind is None or page.kind == kind)
        ]

    async def list_revisions(self, page_id: str, bank_id: str) -> list[WikiPage]:
        return copy.deepcopy(self._banks.for_read(bank_id).get(check_id(page_id, "page_id"), []))

    async def delete_page(self, page_id: str, bank_id: str) -> bool:
        return self._banks.for_read(bank_id).pop(check_id(page_id, "page_id"), None) is not None

    async def delete_bank(self, bank_id: str) -> int:
        return len(self._banks.drop(bank_id) or {})

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        pages = sum(len(bank) for bank in self._banks)
        return healthy_since(started, f"in-memory wiki store: {len(self._banks)} banks, {pages} pages")
