"""Errors raised by the store.

They carry messages written for the person at the keyboard: what was refused and what to do next.
None of them reveals whether a record outside the caller's scope exists.
"""

from __future__ import annotations

__all__ = ["ConflictError", "NotFoundError", "ScopeError", "StoreError"]


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class ConflictError(StoreError):
    """A write was refused because the stored data differ from what the caller expected.

    ``current_version`` is the row version now stored when the conflict is a stale edit, so that a
    form can reload and show what changed; it is ``None`` for conflicts that are not about versions
    (an existing patient under ``on_existing="reject"``, a record id already in use).
    """

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class NotFoundError(StoreError):
    """The record does not exist, or it exists outside the caller's scope (the two look the same)."""


class ScopeError(StoreError):
    """The caller asked for something its scope never allows (another site, a site-less clinician).

    Raised before any data are read, so it says nothing about what is stored.
    """
