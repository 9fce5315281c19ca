"""``spsreg trials``: trial records, eligibility screening and feasibility, small-trial design and
analysis. The commands live in their own modules and register on :data:`trials_app`."""

from __future__ import annotations

import typer

__all__ = ["trials_app"]

trials_app = typer.Typer(
    help="Clinical trials: records, screening, feasibility, randomization, design and analysis.",
    no_args_is_help=True,
)
