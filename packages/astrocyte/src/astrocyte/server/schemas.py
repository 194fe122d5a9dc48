"""The wire shapes of the servers: request bodies (strict: unknown fields are refused) and results.

The REST API and the MCP tools share these models, so a field means the same over both and the
OpenAPI document and the MCP input/output schemas come from one source. Bounds here are those of
the wire (an integer a database column can hold, a finite instant); the engine checks the rest
and the server's configurable limits are checked in :mod:`astrocyte.governance.limits`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from astrocyte.types import ReflectResult
from astrocyte.validation import BANK_ID_PATTERN

BANK_ID_REGEX = f"^{BANK_ID_PATTERN.pattern}$"
BankId = Annotated[str, StringConstraints(pattern=BANK_ID_REGEX)]
Text = Annotated[str, StringConstraints(min_length=1)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Scalar = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)] | float | bool | str | None
Metadata = dict[Annotated[str, StringConstraints(min_length=1)], Scalar]


def _utc(value: datetime) -> datetime:
    """Instants are compared across stores in UTC; a naive one is taken as UTC."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


Instant = Annotated[datetime, AfterValidator(_utc)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------- requests


class MemoryIn(_Strict):
    content: Text = Field(description="The text to remember; long text is split into chunks.")
    tags: list[Tag] | None = Field(default=None, description="Labels to filter on later.")
    metadata: Metadata | None = Field(default=None, description="Flat key/value pairs (str, number, bool).")
    occurred_at: Instant | None = Field(default=None, description="When it happened (ISO 8601).")
    source: str | None = Field(default=None, description="Where it came from (a URL, a file, a person).")


class RetainBatchIn(_Strict):
    items: list[MemoryIn] = Field(min_length=1, description="The memories, stored together or not at all.")


class _Filters(_Strict):
    tags: list[Tag] | None = Field(default=None, description="Only memories carrying these tags.")
    tag_match: Literal["any", "all"] = Field(default="any", description="Any of the tags, or all of them.")
    occurred_from: Instant | None = Field(default=None, description="Only memories that happened at or after.")
    occurred_to: Instant | None = Field(default=None, description="Only memories that happened at or before.")
    metadata_filters: Metadata | None = Field(default=None, description="Only memories with these metadata values.")

    def time_range(self) -> tuple[datetime, datetime] | None:
        if self.occurred_from is None and self.occurred_to is None:
            return None
        start = self.occurred_from or datetime.min.replace(tzinfo=UTC)
        return start, self.occurred_to or datetime.max.replace(tzinfo=UTC)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments of the facade's recall and reflect."""
        return {
            "tags": self.tags,
            "tag_match": self.tag_match,
            "time_range": self.time_range(),
            "metadata_filters": self.metadata_filters,
        }


class RecallIn(_Filters):
    query: Text = Field(description="What to look for, in plain words.")
    limit: int | None = Field(default=None, ge=1, le=1_000_000, description="How many memories at most.")
    max_tokens: int | None = Field(default=None, ge=1, le=100_000_000, description="Token budget of the result.")


class MultiRecallIn(RecallIn):
    banks: list[BankId] = Field(min_length=1, max_length=64, description="The banks to recall from together.")


class ReflectIn(_Filters):
    query: Text = Field(description="The question to answer from memory.")


class ForgetIn(_Strict):
    memory_ids: list[Text] | None = Field(default=None, description="Forget these memories.")
    tags: list[Tag] | None = Field(default=None, description="Forget memories carrying any of these tags.")
    before: Instant | None = Field(default=None, description="Forget memories retained before this instant.")
    all: bool = Field(default=False, description="Forget every memory of the bank.")


class BankIn(_Strict):
    bank_id: BankId
    description: str | None = None
    metadata: Metadata | None = None


# ---------------------------------------------------------------------------------------- results


class _Result(BaseModel):
    """Results are read from the facade's DTOs by attribute: ``RecallOut.model_validate(result)``."""

    model_config = ConfigDict(from_attributes=True)


class RetainOut(_Result):
    memory_id: str | None
    stored: bool
    deduplicated: bool
    chunk_ids: list[str]


class RetainBatchOut(_Result):
    results: list[RetainOut]


class HitOut(_Result):
    memory_id: str | None
    bank_id: str | None
    text: str
    score: float
    tags: list[str] | None
    metadata: dict[str, Scalar] | None
    occurred_at: datetime | None
    retained_at: datetime | None
    source: str | None
    strategies: dict[str, int]


class RecallOut(_Result):
    hits: list[HitOut]
    total_available: int
    truncated: bool


class ReflectOut(_Result):
    answer: str
    mode: Literal["generated", "extractive"]
    sources: list[HitOut]

    @classmethod
    def of(cls, result: ReflectResult) -> ReflectOut:
        sources = [HitOut.model_validate(hit) for hit in result.sources or []]
        return cls(answer=result.answer, mode=result.mode, sources=sources)


class ForgetOut(_Result):
    deleted_count: int


class BankOut(_Result):
    bank_id: str
    description: str | None
    created_at: datetime | None
    metadata: dict[str, Scalar] | None


class BanksOut(_Result):
    banks: list[BankOut]


class BankStatsOut(BankOut):
    memory_count: int


class ImportOut(_Result):
    imported: int


class ErrorDetail(BaseModel):
    code: str = Field(description="The error's type: validation_error, access_denied, rate_limited, ...")
    message: str
    hint: str = Field(description="What to do next.")
    field: str | None = None
    permission: str | None = None
    retry_after: int | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


__all__ = [
    "BANK_ID_REGEX",
    "BankIn",
    "BankOut",
    "BankStatsOut",
    "BanksOut",
    "ErrorDetail",
    "ErrorOut",
    "ForgetIn",
    "ForgetOut",
    "HitOut",
    "ImportOut",
    "MemoryIn",
    "MultiRecallIn",
    "RecallIn",
    "RecallOut",
    "ReflectIn",
    "ReflectOut",
    "RetainBatchIn",
    "RetainBatchOut",
    "RetainOut",
]
