"""Benzodiazepine load in oral diazepam equivalents (cited table only): limit and escalation."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml
from monitoring_helpers import alerts_for, build_record, build_timeline, only, rule_ids

from spsreg.knowledge import load_knowledge_pack_from
from spsreg.monitoring import SiteMonitoringConfig, evaluate, load_rule_book, timeline_from_record

AS_OF = date(2025, 6, 1)
LOAD_RULE = "benzodiazepine_load_above_sps_reported_diazepam_maximum"
MIXED = {
    "courses": [
        {"drug": "diazepam", "dose": 10, "times": 4, "start": "2025-01-01"},
        {"drug": "clonazepam", "dose": 2, "times": 2, "start": "2025-02-01"},
    ]
}


def test_load_adds_drugs_through_the_selected_table() -> None:
    alert = only(alerts_for(MIXED, AS_OF), LOAD_RULE)
    assert alert.rationale["load_mg"] == 120.0  # 40 + 4 mg clonazepam x 20 (Ashton)
    assert alert.rationale["since"] == date(2025, 2, 1)
    assert alert.rationale["limit_mg"] == 100.0
    assert "Ashton" in str(alert.rationale["table"])
    assert any("eguideline" in (c.url or "") for c in alert.citations)


def test_load_at_the_limit_is_not_above_it() -> None:
    courses = [
        {"drug": "diazepam", "dose": 10, "times": 4, "start": "2025-01-01"},
        {"drug": "clonazepam", "dose": 1.5, "times": 2, "start": "2025-01-01"},
    ]  # 40 + 60
    assert LOAD_RULE not in rule_ids(alerts_for({"courses": courses}, AS_OF))


def test_without_a_selected_table_there_is_no_load_and_no_alert(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[3] / "src" / "spsreg" / "knowledge" / "data"
    shutil.copytree(source, tmp_path / "pack")
    path = tmp_path / "pack" / "benzodiazepine_equivalence.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["selected_table"] = None
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pack = load_knowledge_pack_from(tmp_path / "pack")
    book = load_rule_book(pack=pack)
    timeline = timeline_from_record(build_record(MIXED), pack)
    assert [
        a.rule_id for a in evaluate(timeline, AS_OF, book) if a.kind == "benzodiazepine_load"
    ] == []


def test_escalation_within_the_window_is_a_tolerance_signal() -> None:
    steps = [
        {"from": "2025-03-15", "dose": 5, "times": 2},
        {"from": "2025-05-01", "dose": 5, "times": 3},
    ]
    alert = only(
        alerts_for({"courses": [{"drug": "diazepam", "steps": steps}]}, AS_OF),
        "benzodiazepine_load_escalation",
    )
    assert alert.rationale["baseline_mg"] == 10.0
    assert alert.rationale["load_mg"] == 15.0
    assert alert.rationale["rise_percent"] == 50
    assert alert.rationale["baseline_from"] == date(2025, 3, 15)


def test_a_rise_below_the_fraction_is_not_flagged_and_the_site_can_lower_it() -> None:
    steps = [
        {"from": "2025-03-15", "dose": 10, "times": 3},
        {"from": "2025-05-01", "dose": 10, "times": 4},
    ]
    description = {"courses": [{"drug": "diazepam", "steps": steps}]}  # 30 -> 40: +33%
    assert "benzodiazepine_load_escalation" not in rule_ids(alerts_for(description, AS_OF))
    config = SiteMonitoringConfig(
        settings={"benzodiazepine_load_escalation": {"rise_fraction": 0.3}}
    )
    assert "benzodiazepine_load_escalation" in rule_ids(alerts_for(description, AS_OF, config))


def test_escalation_window_is_a_site_setting() -> None:
    steps = [
        {"from": "2025-01-01", "dose": 5, "times": 2},
        {"from": "2025-05-01", "dose": 5, "times": 3},
    ]
    description = {"courses": [{"drug": "diazepam", "steps": steps}]}
    assert "benzodiazepine_load_escalation" in rule_ids(alerts_for(description, AS_OF))
    short = SiteMonitoringConfig(settings={"benzodiazepine_load_escalation": {"window_days": 30}})
    assert "benzodiazepine_load_escalation" not in rule_ids(alerts_for(description, AS_OF, short))


def test_a_load_that_cannot_be_computed_gives_no_load_alert() -> None:
    description = {
        "courses": [
            {"drug": "diazepam", "dose": 30, "times": 4, "start": "2025-01-01"},
            {"drug": "lorazepam", "dose": 1, "times": 2, "prn": True, "start": "2025-01-01"},
        ]
    }
    timeline = build_timeline(description)
    kinds = {a.kind for a in evaluate(timeline, AS_OF, load_rule_book())}
    assert "benzodiazepine_load" not in kinds
    assert "dose_limit" in kinds  # the diazepam dose itself is still judged
