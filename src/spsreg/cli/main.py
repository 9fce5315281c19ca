"""The ``spsreg`` command line: thin commands that parse, call a service and print."""

from __future__ import annotations

from typing import Annotated

import typer

from spsreg import __version__
from spsreg.cli import (
    alerts_commands,
    analysis_commands,
    backup_commands,
    data_commands,
    demo_command,
    patient_commands,
    registry_commands,
    report_commands,
    serve_command,
    trials_commands,
    trials_design_commands,  # noqa: F401 (registers `trials analyze|power` on trials_app)
    trials_randomization_commands,  # noqa: F401 (registers `trials randomize-setup|allocate`)
    trials_record_commands,  # noqa: F401 (registers `trials import|list` on trials_app)
    trials_screening_commands,  # noqa: F401 (registers `trials criteria|screen|...|enrol`)
    users_commands,
)

app = typer.Typer(
    name="spsreg",
    help=(
        "spsreg: registry, therapy monitoring and evidence platform for Stiff Person Syndrome. "
        "Clinical decision support, not a medical device."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"spsreg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="show the version and exit"
        ),
    ] = False,
) -> None:
    """spsreg: registry, therapy monitoring and evidence platform for Stiff Person Syndrome."""


registry_commands.register(app)
backup_commands.register(app)
data_commands.register(app)
demo_command.register(app)
serve_command.register(app)
app.add_typer(patient_commands.patients_app, name="patients")
app.add_typer(registry_commands.audit_app, name="audit")
app.add_typer(alerts_commands.alerts_app, name="alerts")
app.add_typer(analysis_commands.analyze_app, name="analyze")
app.add_typer(report_commands.report_app, name="report")
app.add_typer(trials_commands.trials_app, name="trials")
app.add_typer(users_commands.users_app, name="users")
