"""``spsreg demo``: create the embedded database, load a synthetic cohort and show what is in it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from spsreg.cli.context import actor_for, open_cli_registry, redacted_url
from spsreg.cli.data_commands import generate_cohort
from spsreg.cli.demo_accounts import ensure_demo_accounts
from spsreg.cli.output import FormatOption, OutputFormat, emit, render_table
from spsreg.store import create_engine_for, data_dir, database_url_from_env, migrate
from spsreg.synth import CohortConfig

__all__ = ["demo", "register"]

DEMO_SEED = 20261121


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    patients: Annotated[int, typer.Option(min=1, help="number of synthetic patients")] = 300,
    sites: Annotated[int, typer.Option(min=1, help="number of sites")] = 3,
    years: Annotated[int, typer.Option(min=1, help="years of follow-up")] = 5,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Create the database, load a synthetic cohort (3 sites, 300 patients, 5 years), show it."""
    url = database_url_from_env()
    engine = create_engine_for(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    config = CohortConfig(patients=patients, sites=sites, years=years, seed=DEMO_SEED)
    truth_path = data_dir() / "demo-ground-truth.json"
    generated = generate_cohort(config, None, truth_path)
    actor = actor_for(None, None)
    with open_cli_registry() as registry:
        accounts, accounts_file = ensure_demo_accounts(registry, actor, data_dir())
        statistics = registry.statistics(actor)
        examples = registry.list_patients(actor)[:5]
    document: dict[str, Any] = {
        "database": redacted_url(url),
        "ground_truth": str(truth_path),
        "generated": generated,
        "per_table": statistics.per_table,
        "per_site": {
            site: counts.get("patients", 0) for site, counts in statistics.per_site.items()
        },
        "accounts": [account.public_fields() for account in accounts],
        "accounts_file": str(accounts_file),
    }
    tables = [
        render_table(
            "Patients per site", ["site", "patients"], sorted(document["per_site"].items())
        ),
        render_table(
            "Records",
            ["table", "rows"],
            sorted((t, n) for t, n in statistics.per_table.items() if n),
        ),
        render_table(
            "Demo accounts (passwords in " + str(accounts_file) + ")",
            ["account", "role", "site", "patient"],
            [(a.name, a.role.value, a.site_id or "-", a.patient_id or "-") for a in accounts],
        ),
    ]
    home = data_dir()
    lines = [
        f"Demo registry ready: {redacted_url(url)}",
        f"Ground truth of the synthetic cohort: {truth_path}",
        "This is synthetic data: no real patient is in it.",
        f"Web app: `spsreg serve`, then open http://127.0.0.1:8000/ and log in with an account "
        f"and password from {accounts_file} (new passwords on every demo run).",
        "",
        "Try (in this shell first: export SPSREG_HOME=" + str(home) + "):",
        "  uv run spsreg patients list",
        f"  uv run spsreg patients show {examples[0].patient_id} --site {examples[0].site_id}"
        if examples
        else "",
        "  uv run spsreg stats --format json",
        f"  uv run spsreg alerts --site {examples[0].site_id} --as-of {config.end_date}"
        if examples
        else "",
        "  uv run spsreg audit verify",
        "  uv run spsreg export --format csv --out var/demo-export",
    ]
    emit(output_format, "demo", document, tables=tables, lines=lines)
