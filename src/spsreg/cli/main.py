"""The ``spsreg`` command line: thin commands that parse, call a service and print."""

from __future__ import annotations

import typer

from spsreg.cli import data_commands, demo_command, patient_commands, registry_commands

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

registry_commands.register(app)
data_commands.register(app)
demo_command.register(app)
app.add_typer(patient_commands.patients_app, name="patients")
app.add_typer(registry_commands.audit_app, name="audit")
