"""The wire shapes of the knowledge adapter operations, shared by the REST routes and the MCP tools.

Requests are strict (unknown fields are refused); results are read from the frozen dataclasses of
:mod:`astrocyte.knowledge.results` by attribute. URI fields carry a pattern so a client (or a
model) sees the expected shape in the schema; the service still parses every URI and says which
kind it wanted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from astrocyte.server.schemas import Text, _Result, _Strict

_URI_KEY = r"[^/?#\s]+"
AdapterUri = Annotated[str, StringConstraints(pattern=f"^astrocyte://adapter/{_URI_KEY}$")]
AdapterOrLayerUri = Annotated[str, StringConstraints(pattern=f"^astrocyte://(adapter|layer)/{_URI_KEY}$")]
AdapterOrArtifactUri = Annotated[str, StringConstraints(pattern=f"^astrocyte://(adapter|artifact)/{_URI_KEY}$")]
SpaceName = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128)]

_SPACE = (
    "The space to use: 'personal' (the default), a group ('ops' or 'group:ops') or a protected space "
    "('shared' or 'space:shared'); adapter_spaces lists them."
)


# ---------------------------------------------------------------------------------------- requests


class TrainIn(_Strict):
    content: Text | list[Text] | None = Field(
        default=None, description="The adapter as markdown (H1 title, '## ' steps with contracts), or several."
    )
    space: SpaceName | None = Field(default=None, description=_SPACE)
    force_update: bool = Field(default=False, description="Replace the adapter with a similar title in the space.")
    fork_from: AdapterUri | None = Field(default=None, description="Copy this adapter under a new id and slug.")


class ActivateIn(_Strict):
    query: Text = Field(description="The task at hand, in plain words.")
    space: SpaceName | None = Field(default=None, description="Search only this space; omit to search all yours.")
    limit: int | None = Field(default=None, ge=1, le=50, description="How many adapters at most.")
    threshold: float | None = Field(default=None, ge=0, le=1, description="The lowest score returned (0-1).")


class SolutionIn(_Strict):
    nonce: Identifier = Field(description="The 'nonce' of the open challenge, echoed unchanged.")
    proof_hash: Identifier = Field(description="The 'proof_hash' of the open challenge, echoed unchanged.")
    evidence: dict[str, Any] = Field(description="What the step's contract asks for (see challenge.instructions).")


class ForwardIn(_Strict):
    uri: AdapterOrLayerUri = Field(description="An adapter URI to start a run; the current layer's URI to hand in.")
    execution_id: Identifier | None = Field(default=None, description="The run's id; omit it to start a run.")
    solution: SolutionIn | None = Field(default=None, description="The step's evidence; omit it to start a run.")


class RewardIn(_Strict):
    execution_id: Identifier = Field(description="The run's id.")
    outcome: Literal["success", "failure"] = Field(description="'success' needs every step passed.")
    feedback: str | None = Field(default=None, max_length=4000, description="What went well or wrong.")


class TuneIn(_Strict):
    uri: AdapterOrLayerUri = Field(description="The adapter (whole document) or one layer (that step) to edit.")
    content: Text = Field(description="The edited markdown.")


class AdapterIn(_Strict):
    uri: AdapterUri = Field(description="The adapter: astrocyte://adapter/{slug or id}.")


class AttachIn(_Strict):
    uri: AdapterUri = Field(description="The adapter to attach the file to.")
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(description="The file name.")
    content: str = Field(description="The file's text (UTF-8).")
    mime_type: str | None = Field(default=None, max_length=255, description="Guessed from the name when omitted.")
    replace: bool = Field(default=False, description="Replace a file of the same name (its id stays).")


class ArtifactsIn(_Strict):
    uri: AdapterOrArtifactUri = Field(description="An adapter (all its files) or one artifact.")
    include_content: bool = Field(default=False, description="Also return each text file's content.")


class NoArguments(_Strict):
    """No arguments."""


# ---------------------------------------------------------------------------------------- results


class NextCallOut(_Result):
    tool: str = Field(description="The operation (or MCP tool) to call next.")
    args: dict[str, Any] = Field(description="Its arguments, to fill in where the result says.")


class AdapterSummaryOut(_Result):
    uri: str
    adapter_id: str
    slug: str
    title: str
    space_id: str
    layer_count: int
    version: str | None
    replaced_uri: str | None
    forked_from: str | None


class TrainOut(_Result):
    adapters: list[AdapterSummaryOut]
    message: str


class ArtifactOut(_Result):
    uri: str
    artifact_id: str
    adapter_uri: str
    name: str
    slug: str
    mime_type: str
    sha256: str
    size: int
    content: str | None


class ArtifactsOut(_Result):
    artifacts: list[ArtifactOut]


class ChoiceOut(_Result):
    uri: str
    title: str
    slug: str
    space_id: str
    score: float
    why: list[str]
    next_call: NextCallOut
    artifacts: list[ArtifactOut]


class ActivateOut(_Result):
    query: str
    choices: list[ChoiceOut]
    threshold: float


class ChallengeOut(_Result):
    nonce: str
    proof_hash: str
    contract_type: str
    instructions: str


class LayerOut(_Result):
    uri: str
    title: str
    text: str
    position: int
    layer_count: int
    contract: dict[str, Any] | None


class ForwardOut(_Result):
    execution_id: str
    adapter_uri: str
    status: Literal["active", "completed", "blocked"]
    message: str
    layer: LayerOut | None
    challenge: ChallengeOut | None
    next_call: NextCallOut
    accepted: bool | None
    proof_hash: str | None
    retries_left: int
    expires_at: str


class RewardOut(_Result):
    execution_id: str
    adapter_uri: str
    outcome: str
    feedback: str | None
    successes: int
    failures: int


class TuneOut(_Result):
    uri: str
    title: str
    layer_uris: list[str]


class ExportOut(_Result):
    uri: str
    markdown: str = Field(description="The adapter as markdown; training it again reproduces the adapter.")


class DeleteOut(_Result):
    uri: str
    title: str
    artifacts_deleted: int


class SpaceOut(_Result):
    space_id: str
    name: str
    kind: Literal["personal", "group", "protected"]
    writable: bool
    adapters: list[AdapterSummaryOut]


class SpacesOut(_Result):
    spaces: list[SpaceOut]


__all__ = [
    "ActivateIn",
    "ActivateOut",
    "AdapterIn",
    "ArtifactOut",
    "ArtifactsIn",
    "ArtifactsOut",
    "AttachIn",
    "DeleteOut",
    "ExportOut",
    "ForwardIn",
    "ForwardOut",
    "NextCallOut",
    "NoArguments",
    "RewardIn",
    "RewardOut",
    "SpacesOut",
    "TrainIn",
    "TrainOut",
    "TuneIn",
    "TuneOut",
]
