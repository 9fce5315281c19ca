"""Commands about the database itself: init, stats, audit verify."""

from __future__ import annotations

from typing import Any

import typer

from spsreg.cli.context import SiteOption, UserOption, actor_for, open_cli_registry, redacted_url
from spsreg.cli.output import FormatOption, OutputFormat, emit, render_table
from spsreg.cli.sharing_options import (
    DisclosureConfigOption,
    ShareOption,
    released,
    sharing_option,
)
from spsreg.store import create_engine_for, database_url_from_env, migrate, verify_audit_chain
from spsreg.store.migrate import schema_status

__all__ = ["audit_app", "register"]

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("stats")(stats)


def init(output_format: FormatOption = OutputFormat.TABLE) -> None:
    """Create the database (or upgrade it to the current schema)."""
    url = database_url_from_env()
    engine = create_engine_for(url)
    try:
        before = schema_status(engine)
        migrate(engine)
        after = schema_status(engine)
    finally:
        engine.dispose()
    action = (
        "created"
        if before.current is None
        else ("upgraded" if before.current != after.current else "current")
    )
    emit(
        output_format,
        "init",
        {"database": redacted_url(url), "schema_revision": after.current, "action": action},
        lines=[f"Database {redacted_url(url)}: {action} (schema {after.current})."],
    )


def stats(
    site: SiteOption = None,
    user: UserOption = None,
    share: ShareOption = False,
    disclosure_config: DisclosureConfigOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Counts per table and per site (within what you may see; controlled unless exact for you)."""
    from spsreg.services.statistics_release import release_statistics

    actor = actor_for(site, user)
    with open_cli_registry() as registry:
        statistics = registry.statistics(actor)
    sharing = sharing_option(actor, statistics.per_site, share, disclosure_config)
    release = release_statistics(statistics, sharing)
    url = redacted_url(database_url_from_env())
    document: dict[str, Any] = {
        "database": url,
        "per_table": release.per_table,
        "per_site": release.per_site,
        **release.metadata(),
    }
    sections = sorted({table for counts in release.per_site.values() for table in counts})
    tables = [
        render_table(
            "Rows per table",
            ["table", "rows"],
            [[name, released(count)] for name, count in sorted(release.per_table.items())],
        ),
        render_table(
            "Rows per site",
            ["site", *sections],
            [
                [site_id, *(released(counts.get(s, 0)) for s in sections)]
                for site_id, counts in sorted(release.per_site.items())
            ],
        ),
    ]
    lines = [f"Database: {url}", sharing.policy_line()]
    emit(output_format, "stats", document, tables=tables, lines=lines)


@audit_app.command("verify")
def audit_verify(output_format: FormatOption = OutputFormat.TABLE) -> None:
    """Check the audit chain: an edited, deleted or reordered entry is reported (exit code 1)."""
    url = database_url_from_env()
    with open_cli_registry() as registry:
        result = verify_audit_chain(registry.engine)
    document = {
        "database": redacted_url(url),
        "ok": result.ok,
        "entries_checked": result.entries_checked,
        "first_broken_sequence": result.first_broken_sequence,
        "problem": result.problem,
        "head": None
        if result.head is None
        else {"sequence": result.head.sequence, "hash": result.head.hash},
    }
    line = (
        f"Audit chain intact: {result.entries_checked} entries verified."
        if result.ok
        else f"Audit chain BROKEN at entry {result.first_broken_sequence}: {result.problem}"
    )
    emit(output_format, "audit-verification", document, lines=[line])
    if not result.ok:
        raise typer.Exit(1)
