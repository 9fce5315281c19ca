"""``spsreg trials randomize-setup|allocate``: a trial's concealed randomization list and the
allocation of enrolled patients.

A randomization list is never printed: setup shows the scheme, the numbers of strata and entries
and the commitment; an allocation shows the one entry it took (docs/trials.md, "Randomization").
"""

from __future__ import annotations

from typing import Annotated

import typer

from spsreg.cli.context import SiteOption, UserOption, actor_for, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.cli.trials_commands import trials_app
from spsreg.cli.trials_screening_commands import NctArgument
from spsreg.services.trial_randomization import setup_randomization
from spsreg.store import StoreError

__all__ = ["allocate", "randomize_setup"]


@trials_app.command("randomize-setup")
def randomize_setup(
    nct_id: NctArgument,
    strata: Annotated[
        str, typer.Option("--strata", help="stratification factors: site, phenotype, sex (comma)")
    ] = "site",
    blocks: Annotated[
        str, typer.Option("--blocks", help="block sizes drawn at random, e.g. 2,4 (comma)")
    ] = "2,4",
    ratio: Annotated[
        str, typer.Option("--ratio", help="allocation ratio, e.g. 1:1 or 2:1")
    ] = "1:1",
    size: Annotated[
        int | None, typer.Option("--size", help="at least this many entries per stratum")
    ] = None,
    arms: Annotated[
        str | None, typer.Option("--arms", help="arm labels (comma); default: the trial's arms")
    ] = None,
    reason: Annotated[
        str, typer.Option(help="reason for the audit trail")
    ] = "randomization list set up",
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Generate and store the concealed randomization list (administrator: no --site)."""
    factors = [part.strip() for part in strata.split(",") if part.strip()]
    try:
        block_sizes = [int(part) for part in blocks.split(",")]
    except ValueError as error:
        raise fail(f"--blocks {blocks!r}: write block sizes as integers, e.g. 2,4") from error
    arm_labels = None if arms is None else [a.strip() for a in arms.split(",") if a.strip()]
    with open_cli_registry() as registry:
        try:
            setup = setup_randomization(
                registry,
                actor_for(None, user),
                nct_id,
                factors=factors,
                block_sizes=block_sizes,
                ratio=ratio,
                per_stratum=size,
                arms=arm_labels,
                reason=reason,
            )
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error
    document = {
        "nct_id": nct_id,
        "scheme": setup.scheme,
        "strata": setup.strata,
        "entries": setup.entries,
        "list_digest": setup.list_digest,
        "created_by": setup.created_by,
    }
    scheme = setup.scheme
    table = render_table(
        f"Randomization of {nct_id}",
        ["design", "factors", "treatments", "ratio", "block sizes", "strata", "entries"],
        [
            [
                scheme["design"],
                ",".join(scheme["factors"]) or "-",
                ",".join(scheme["treatments"]),
                ":".join(map(str, scheme["ratio"])),
                ",".join(map(str, scheme["block_sizes"])),
                setup.strata,
                setup.entries,
            ]
        ],
    )
    lines = [
        f"List stored and concealed; commitment (SHA-256 of seed and list): {setup.list_digest}."
    ]
    emit(output_format, "randomization-setup", document, tables=[table], lines=lines)


@trials_app.command("allocate")
def allocate(
    nct_id: NctArgument,
    patient: Annotated[str, typer.Argument(help="an enrolled patient's id")],
    reason: Annotated[str, typer.Option(help="reason for the audit trail")] = "randomized",
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Allocate an enrolled patient: the next entry of their stratum, revealed and audited."""
    with open_cli_registry() as registry:
        try:
            allocation = registry.allocate(actor_for(site, user), nct_id, patient, reason)
        except StoreError as error:
            raise fail(str(error)) from error
    document = {**allocation.to_document(), "already_allocated": allocation.already_allocated}
    table = render_table(
        f"Allocation in {nct_id}",
        ["patient", "stratum", "sequence", "treatment", "allocated at", "by"],
        [
            [
                allocation.patient_id,
                allocation.stratum,
                allocation.sequence,
                allocation.treatment,
                allocation.allocated_at.isoformat(),
                allocation.allocated_by,
            ]
        ],
    )
    lines = ["Already allocated earlier: the same entry." if allocation.already_allocated else ""]
    emit(output_format, "allocation", document, tables=[table], lines=[x for x in lines if x])
