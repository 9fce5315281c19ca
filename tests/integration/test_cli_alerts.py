"""``spsreg alerts``, ``alerts ack`` and ``alerts snooze`` on the embedded database: scope, no
identifiers, decisions hide alerts, ids typed back, site configuration files and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Run, cli, cli_with_env, document

ON_DAY = ["--as-of", "2026-10-31"]
COHORT = ["--patients", "4", "--sites", "2", "--years", "1", "--seed", "7"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    run = cli(tmp_path)
    run("init")
    run("generate", *COHORT)
    return tmp_path


def alerts(run: Run, *args: str) -> dict[str, Any]:
    return document(run("alerts", *ON_DAY, *args, "-f", "json"), "alert-worklist")


def test_staff_see_their_sites_alerts_without_identifiers(home: Path) -> None:
    run = cli(home)
    everyone = alerts(run)
    sites = {a["site"] for a in everyone["alerts"]}
    assert everyone["alerts"] and everyone["site"] is None
    for site in sorted(sites):
        own = alerts(run, "--site", site)
        assert own["alerts"] == [a for a in everyone["alerts"] if a["site"] == site]
        shown = run("alerts", *ON_DAY, "--site", site, "-f", "json").stdout
        for patient_id in {a["patient"] for a in own["alerts"]}:
            record = document(
                run("patients", "show", patient_id, "--site", site, "-f", "json"), "patient"
            )["record"]
            identifiers = record["identifiers"]
            assert identifiers, "site staff see identifiers in `patients show`"
            for value in identifiers.values():
                if value:
                    assert str(value) not in shown
    ranks = {"critical": 2, "warning": 1, "info": 0}
    order = [ranks[a["severity"]] for a in everyone["alerts"]]
    assert order == sorted(order, reverse=True)
    table = run("alerts", *ON_DAY).stdout
    assert everyone["alerts"][0]["id"] in table


def test_ack_hides_an_alert_and_include_silenced_shows_it_marked(home: Path) -> None:
    run = cli(home)
    target = alerts(run)["alerts"][0]
    site = ["--site", target["site"]]
    decided = document(
        run("alerts", "ack", target["id"], "--reason", "reviewed", *ON_DAY, *site, "-f", "json"),
        "alert-decision",
    )
    assert (decided["fingerprint"], decided["decision"], decided["by"]) == (
        target["fingerprint"],
        "acknowledge",
        "cli-tester",
    )
    after = alerts(run, *site)
    assert target["fingerprint"] not in {a["fingerprint"] for a in after["alerts"]}
    assert after["silenced_hidden"] == 1
    marked = [a for a in alerts(run, *site, "--include-silenced")["alerts"] if a["silenced"]]
    assert [(a["id"], a["silenced"]["reason"]) for a in marked] == [(target["id"], "reviewed")]


def test_snooze_until_a_date(home: Path) -> None:
    run = cli(home)
    target = alerts(run)["alerts"][-1]
    site = ["--site", target["site"]]
    run(
        "alerts",
        "snooze",
        target["id"][:8],
        "--until",
        "2099-01-01",
        "--reason",
        "visit",
        *ON_DAY,
        *site,
    )
    assert target["rule"] not in {
        a["rule"] for a in alerts(run, *site)["alerts"] if a["patient"] == target["patient"]
    }


def test_unknown_ids_missing_sites_and_bad_dates_are_clear_errors(home: Path) -> None:
    run = cli(home)
    target = alerts(run)["alerts"][0]
    other = "SITE-A" if target["site"] == "SITE-B" else "SITE-B"
    for args, message in (
        (["ack", "123456", "--reason", "r", "--site", target["site"]], "no alert 123456"),
        (["ack", "12", "--reason", "r", "--site", target["site"]], "not an alert id"),
        (["ack", target["id"], "--reason", "r", "--site", other], "no alert"),
        (["ack", target["id"], "--reason", "r"], "works at no site"),
        (["ack", target["id"], "--reason", " ", "--site", target["site"]], "reason"),
        (
            [
                "snooze",
                target["id"],
                "--until",
                "2001-01-01",
                "--reason",
                "r",
                "--site",
                target["site"],
            ],
            "snoozed_until",
        ),
        (["snooze", target["id"], "--until", "soon", "--reason", "r"], "not a date"),
    ):
        result = run("alerts", *args, *ON_DAY, code=1)
        assert result.stdout == ""
        assert result.stderr.startswith("error:") and message in result.stderr, result.stderr
    result = run("alerts", *ON_DAY, "--patient", "no-such-patient", code=1)
    assert "not found" in result.stderr


def test_site_settings_come_from_a_file_or_the_environment(home: Path, tmp_path: Path) -> None:
    run = cli(home)
    listed = alerts(run)["alerts"]
    switched_off = listed[0]["rule"]
    config = tmp_path / "monitoring.yaml"
    config.write_text(f"disabled_rules: [{switched_off}]\n", encoding="utf-8")
    without = alerts(run, "--config", str(config))["alerts"]
    assert without == [a for a in listed if a["rule"] != switched_off]
    by_env = cli_with_env(
        {
            "SPSREG_HOME": str(home),
            "SPSREG_DATABASE_URL": None,
            "SPSREG_MONITORING_CONFIG": str(config),
        }
    )
    assert alerts(by_env)["alerts"] == without
    config.write_text(json.dumps({"settings": {"no_such_rule": {"x": 1}}}), encoding="utf-8")
    result = run("alerts", *ON_DAY, "--config", str(config), code=1)
    assert "no_such_rule" in result.stderr and result.stdout == ""


def test_import_with_alerts_lists_what_the_import_created(tmp_path: Path) -> None:
    source = tmp_path / "cohort.jsonl"
    cli(tmp_path / "gen")("generate", *COHORT, "--out", str(source))
    run = cli(tmp_path / "home")
    run("init")
    imported = document(
        run("import", str(source), *ON_DAY, "--alerts", "--summary-format", "json"),
        "import-report",
    )
    listed = alerts(run)
    assert imported["created"] == 4 and imported["new_alerts"] == listed["alerts"] != []
    table = run("import", str(source), *ON_DAY, "--alerts").stdout
    assert "0 new monitoring alerts" in table  # a re-import changes nothing and creates nothing
    plain = document(run("import", str(source), "--summary-format", "json"), "import-report")
    assert plain["new_alerts"] is None
