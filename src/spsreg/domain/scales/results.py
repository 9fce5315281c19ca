"""What scoring returns: a :class:`ScaleScore`, or the :class:`ResponseIssue` list that stopped it."""

from __future__ import annotations

from pydantic import Field

from spsreg.domain.base import DomainModel

__all__ = ["ResponseIssue", "ScaleError", "ScaleScore"]


class ResponseIssue(DomainModel):
    """One problem with recorded responses, in words a data manager can act on.

    ``item_id`` is None when the problem concerns the whole assessment (unknown scale or version).
    """

    scale_id: str
    item_id: str | None = None
    value: float | int | str | bool | None = None  # the offending value as received
    reason: str = Field(min_length=1)

    @property
    def message(self) -> str:
        """E.g. 'stiffness_index.face: 2 is not a permitted value (0 = no stiffness, 1 = stiffness)'."""
        where = self.scale_id if self.item_id is None else f"{self.scale_id}.{self.item_id}"
        return f"{where}: {self.reason}"

    def __str__(self) -> str:
        return self.message


class ScaleError(ValueError):
    """Responses that cannot be scored (invalid values, unknown items, unknown scale or version).

    Missing items never raise: they are reported on the :class:`ScaleScore`.
    """

    def __init__(self, issues: list[ResponseIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(issue.message for issue in issues))


class ScaleScore(DomainModel):
    """The computed result of one assessment; derived from the responses, never typed in.

    ``total`` is None when the scale has no total or when missing items prevent it; ``complete``
    says whether every required item was answered, and ``missing_items`` names those that were
    not. ``prorated`` is True only when a published proration rule filled in missing items.
    """

    scale_id: str
    version: str
    total: float | None
    subscores: dict[str, float | None] = Field(default_factory=dict)
    band: str | None = None
    complete: bool
    missing_items: tuple[str, ...] = ()
    prorated: bool = False
