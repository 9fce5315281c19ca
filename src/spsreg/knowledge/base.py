"""Shared building blocks of the knowledge-pack files.

Every pack file is a frozen, strictly validated model: a misspelt key in a YAML file is an error,
not a silently ignored line, because a reviewer must be able to trust that what they read in the
file is exactly what the software uses.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from spsreg.knowledge.citation import Citation

__all__ = ["PACK_ID_PATTERN", "PackFile", "PackModel", "Unverified"]

PACK_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
"""Ids in the pack are snake_case so that records can name them unambiguously."""


class PackModel(BaseModel):
    """Immutable pack entry; unknown keys are rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Unverified(PackModel):
    """A fact deliberately left out because no stored source confirms it.

    Recording the gap (rather than leaving it silently empty) tells the reviewer that the absence
    is a decision, and tells the user why the software cannot answer that question.
    """

    field: str = Field(min_length=1, description="the fact that is absent, e.g. 'rxnorm'")
    note: str = Field(min_length=10, description="why it is absent and what the reference says")


class PackFile(PackModel):
    """Header shared by every pack file: which pack release it belongs to and when it was reviewed.

    ``sources`` holds citations that several entries share; the YAML files refer to them with
    anchors (``&name`` / ``*name``) so one source is written, and reviewed, once.
    """

    pack_version: str = Field(min_length=1, max_length=32)
    reviewed_on: date
    sources: dict[str, Citation] = Field(default_factory=dict)
    unverified: tuple[Unverified, ...] = ()
