"""Citations: every clinical number and code in the knowledge pack names where it came from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Citation", "EvidenceLevel"]


class EvidenceLevel(StrEnum):
    PRIMARY = "primary"  # registry record, label, terminology file, peer-reviewed paper or abstract
    SECONDARY = "secondary"  # review, drug-information site, news item, third-party summary


class Citation(BaseModel):
    """Where a fact was read: a human-readable reference, an address, and how strong it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(
        min_length=3, description="e.g. 'Orphanet ORPHA:3198' or 'Dalakas, NEJM 2001;345:1870-6'"
    )
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    level: EvidenceLevel
    note: str | None = None
