"""``spsreg alerts``: the monitoring worklist, and ``alerts ack|snooze`` to record decisions.

Thin: options are parsed here and everything else is :mod:`spsreg.services.monitoring`. An alert
is typed back by its id (the start of its fingerprint, as listed), resolved by evaluating the
rules again on the same ``--as-of`` date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from spsreg.cli.context import SiteOption, UserOption, actor_for, day_option, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail
from spsreg.domain import AlertAcknowledgement
from spsreg.services.monitoring import (
    AlertLookupError,
    SiteConfigError,
    SiteMonitoringConfig,
    Worklist,
    WorklistEntry,
    acknowledge,
    load_site_config,
    resolve_alert,
    snooze,
    worklist,
)
from spsreg.store import Registry, StoreError, Versioned

__all__ = ["ConfigOption", "alert_entry_document", "alerts_app", "monitoring_config"]

alerts_app = typer.Typer(
    help="The monitoring worklist (most severe first); ack and snooze record decisions.",
    invoke_without_command=True,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="SPSREG_MONITORING_CONFIG",
        help="the site's monitoring settings (YAML or JSON: settings, disabled_rules)",
    ),
]
PatientOption = Annotated[
    list[str] | None,
    typer.Option("--patient", help="only this patient id; repeat for several"),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="evaluate on this date (YYYY-MM-DD, default today)")
]
AlertArgument = Annotated[
    str, typer.Argument(metavar="ALERT", help="the alert id shown by `spsreg alerts`")
]
ReasonOption = Annotated[
    str, typer.Option("--reason", help="why (kept with the decision and in the audit trail)")
]


def monitoring_config(path: Path | None) -> SiteMonitoringConfig | None:
    """The site's monitoring settings from ``--config`` (None: the rules' defaults)."""
    if path is None:
        return None
    try:
        return load_site_config(path)
    except SiteConfigError as error:
        raise fail(str(error)) from error


def alert_entry_document(entry: WorklistEntry) -> dict[str, Any]:
    """One alert in the stable JSON form (docs/cli.md), shared by the worklist and imports."""
    alert, decision = entry.alert, entry.silenced_by
    return {
        "id": entry.alert_id,
        "fingerprint": alert.fingerprint,
        "patient": alert.patient_id,
        "site": alert.site_id,
        "rule": alert.rule_id,
        "kind": alert.kind,
        "severity": alert.severity.value,
        "title": alert.title,
        "message": alert.message,
        "action": alert.action,
        "rationale": dict(alert.rationale),
        "source": [{"text": c.reference, "url": c.url} for c in alert.citations],
        "due": alert.due,
        "silenced": None
        if decision is None
        else {
            "decision": decision.kind.value,
            "reason": decision.reason,
            "by": decision.acknowledged_by,
            "at": decision.acknowledged_at,
            "until": decision.snoozed_until,
        },
    }


def _print_worklist(listed: Worklist, site: str | None, output_format: OutputFormat) -> None:
    entries = [alert_entry_document(entry) for entry in listed.entries]
    document = {
        "as_of": listed.as_of,
        "site": site,
        "patients_evaluated": listed.patients_evaluated,
        "count": len(entries),
        "silenced_hidden": listed.silenced_hidden,
        "alerts": entries,
    }
    # Built here rather than with render_table: the id and the patient must never be cut, since
    # they are typed back; the wording of the alert wraps instead.
    table = Table(title=f"Alerts on {listed.as_of} ({len(entries)})", title_justify="left")
    for column in ("id", "severity", "patient"):
        table.add_column(column, no_wrap=True)
    table.add_column("due", no_wrap=True)
    table.add_column("alert", ratio=1)
    for e in entries:
        silenced = e["silenced"]
        note = (
            f"\n[silenced: {silenced['decision']} by {silenced['by']}"
            + (f" until {silenced['until']}" if silenced["until"] else "")
            + "]"
            if silenced
            else ""
        )
        table.add_row(
            e["id"],
            e["severity"],
            e["patient"],
            "" if e["due"] is None else str(e["due"]),
            escape(f"{e['title']}{note}"),
        )
    lines = [
        f"{len(entries)} alerts for {listed.patients_evaluated} patients evaluated on {listed.as_of}.",
        "Message, rationale, suggested action and sources of each alert: add --format json "
        "(or --patient P to narrow the list).",
    ]
    if listed.silenced_hidden:
        lines.append(
            f"{listed.silenced_hidden} silenced alerts are hidden (--include-silenced shows them)."
        )
    lines.append(
        "Decision support, not orders: review each alert; record a decision with "
        "`spsreg alerts ack ID --reason ...` or `spsreg alerts snooze ID --until DATE --reason ...`."
    )
    emit(output_format, "alert-worklist", document, tables=[table], lines=lines)


@alerts_app.callback()
def alerts_command(
    context: typer.Context,
    patient: PatientOption = None,
    as_of: AsOfOption = None,
    include_silenced: Annotated[
        bool,
        typer.Option(
            "--include-silenced", help="also list alerts kept quiet by an ack or a snooze"
        ),
    ] = False,
    config: ConfigOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """List the monitoring alerts of the patients you may see, most severe first."""
    if context.invoked_subcommand is not None:
        return
    day = day_option(as_of, "--as-of")
    settings = monitoring_config(config)
    with open_cli_registry() as registry:
        try:
            listed = worklist(
                registry,
                actor_for(site, user),
                day,
                site=site,
                patient_ids=patient or None,
                config=settings,
                include_silenced=include_silenced,
            )
        except StoreError as error:
            raise fail(str(error)) from error
    _print_worklist(listed, site, output_format)


def _resolve(
    registry: Registry,
    alert: str,
    day: date,
    site: str | None,
    user: str | None,
    patient: list[str] | None,
    settings: SiteMonitoringConfig | None,
) -> WorklistEntry:
    try:
        return resolve_alert(
            registry,
            actor_for(site, user),
            alert,
            day,
            site=site,
            patient_ids=patient or None,
            config=settings,
        )
    except (AlertLookupError, StoreError) as error:
        raise fail(str(error)) from error


def _print_decision(
    entry: WorklistEntry, saved: Versioned[AlertAcknowledgement], output_format: OutputFormat
) -> None:
    decision = saved.record
    document = {
        "id": decision.id,
        "alert": entry.alert_id,
        "fingerprint": decision.fingerprint,
        "patient": decision.patient_id,
        "rule": decision.rule_id,
        "decision": decision.kind.value,
        "reason": decision.reason,
        "by": decision.acknowledged_by,
        "at": decision.acknowledged_at,
        "until": decision.snoozed_until,
        "version": saved.version,
    }
    what = (
        "acknowledged: quiet until its data change"
        if decision.snoozed_until is None
        else f"snoozed: quiet until {decision.snoozed_until} (shown again on that day)"
    )
    emit(
        output_format,
        "alert-decision",
        document,
        lines=[f"Alert {entry.alert_id} ({decision.rule_id}, {decision.patient_id}) {what}."],
    )


@alerts_app.command("ack")
def ack_command(
    alert: AlertArgument,
    reason: ReasonOption,
    patient: PatientOption = None,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Acknowledge an alert: it stays quiet until the data behind it change (audited)."""
    day = day_option(as_of, "--as-of")
    settings = monitoring_config(config)
    with open_cli_registry() as registry:
        entry = _resolve(registry, alert, day, site, user, patient, settings)
        try:
            saved = acknowledge(registry, actor_for(site, user), entry.alert, reason=reason)
        except (StoreError, ValidationError) as error:
            raise fail(_reason_of(error)) from error
    _print_decision(entry, saved, output_format)


@alerts_app.command("snooze")
def snooze_command(
    alert: AlertArgument,
    until: Annotated[
        str, typer.Option("--until", help="show the alert again on this date (YYYY-MM-DD)")
    ],
    reason: ReasonOption,
    patient: PatientOption = None,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Snooze an alert's rule for its patient until a date, whatever the data (audited)."""
    day = day_option(as_of, "--as-of")
    until_day = day_option(until, "--until")
    settings = monitoring_config(config)
    with open_cli_registry() as registry:
        entry = _resolve(registry, alert, day, site, user, patient, settings)
        try:
            saved = snooze(
                registry, actor_for(site, user), entry.alert, until=until_day, reason=reason
            )
        except (StoreError, ValidationError) as error:
            raise fail(_reason_of(error)) from error
    _print_decision(entry, saved, output_format)


def _reason_of(error: Exception) -> str:
    """A store error as is; a refused decision (pydantic) as its first problem, in one line."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"the decision was refused: {where + ': ' if where else ''}{first['msg']}"
    return str(error)
