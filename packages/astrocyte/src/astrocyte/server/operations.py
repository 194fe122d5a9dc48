"""Steps the REST routes and the MCP tools share beyond one facade call."""

from __future__ import annotations

from astrocyte.engine import Astrocyte
from astrocyte.errors import ValidationError
from astrocyte.governance import Principal
from astrocyte.server.schemas import BankOut, BanksOut, ForgetIn


async def visible_banks(engine: Astrocyte, principal: Principal) -> BanksOut:
    """The recorded banks ``principal`` holds any permission on; the others are not even named."""
    banks = await engine.list_banks()
    visible = set(principal.visible(bank.bank_id for bank in banks))
    return BanksOut(banks=[BankOut.model_validate(bank) for bank in banks if bank.bank_id in visible])


def require_selector(body: ForgetIn) -> None:
    """Forget needs something to select; an empty request is a mistake, not "forget nothing"."""
    if body.memory_ids is None and body.tags is None and body.before is None and not body.all:
        raise ValidationError("memory_ids", "name what to forget: memory_ids, tags, before, or all=true")


__all__ = ["require_selector", "visible_banks"]
