"""The sharing options of every aggregate command (``--share``, ``--disclosure-config``).

Who an output is for is decided by :func:`spsreg.services.sharing.sharing_for`: exact counts for a
site's own staff about the site's own patients, disclosure-controlled counts for anyone else or
when ``--share`` marks the output for sharing. ``--disclosure-config`` names a YAML file with the
site's policy (``threshold``, ``rounding_base``, ``rounding_rule``); without it the default policy
applies (counts 1-7 suppressed, released counts rounded to 5).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from spsreg.cli.output import fail
from spsreg.store import Actor

if TYPE_CHECKING:
    from spsreg.services.sharing import Sharing

__all__ = ["SUPPRESSED", "DisclosureConfigOption", "ShareOption", "released", "sharing_option"]

SUPPRESSED = "suppressed"
"""How a table printed for people shows a count that is not released."""

ShareOption = Annotated[
    bool,
    typer.Option(
        "--share", help="mark the output for sharing: disclosure-controlled counts, for anyone"
    ),
]
DisclosureConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--disclosure-config",
        help="disclosure policy (YAML: threshold, rounding_base, rounding_rule); default 7 and 5",
    ),
]


def sharing_option(
    actor: Actor, sites: Collection[str], share: bool, config: Path | None
) -> Sharing:
    """The sharing decision of a command's options (a clear error for a bad policy file)."""
    from spsreg.services.sharing import DisclosureConfigError, load_disclosure_policy, sharing_for

    try:
        policy = load_disclosure_policy(config)
    except DisclosureConfigError as error:
        raise fail(str(error)) from error
    return sharing_for(actor, sites, share=share, policy=policy)


def released(count: int | None) -> str:
    """A released count for a printed table: the number, or ``suppressed``."""
    return SUPPRESSED if count is None else str(count)
