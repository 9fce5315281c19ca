"""The rules file: a rule without a source, or with a reference the pack lacks, does not load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from spsreg.knowledge import KnowledgePackError, load_knowledge_pack
from spsreg.knowledge.rules import RULES_FILE, Severity, load_monitoring_rules
from spsreg.monitoring import RuleBook

SHIPPED = Path(__file__).resolve().parents[3] / "src" / "spsreg" / "knowledge" / "data" / RULES_FILE


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / RULES_FILE
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["rules"] if r["id"] == rule_id)
    return found


def problems(path: Path) -> list[tuple[str, str, str, str]]:
    with pytest.raises(KnowledgePackError) as raised:
        RuleBook(load_monitoring_rules(load_knowledge_pack(), path))
    return [(p.file, p.item_id, p.field, p.reason) for p in raised.value.problems]


def test_the_shipped_rules_load_and_every_rule_has_a_source() -> None:
    rules = load_monitoring_rules()
    assert len(rules.rules) >= 25
    assert all(r.citations for r in rules.rules)
    assert {r.severity for r in rules.rules} == set(Severity)


@pytest.mark.parametrize("empty", [None, []])
def test_a_rule_without_citations_fails_with_file_rule_field_and_reason(
    tmp_path: Path, empty: object
) -> None:
    data = shipped()
    target = rule(data, "benzodiazepine_with_opioid")
    if empty is None:
        del target["citations"]
    else:
        target["citations"] = empty
    found = problems(write(tmp_path, data))
    assert found == [
        (
            RULES_FILE,
            "benzodiazepine_with_opioid",
            "citations",
            "a rule needs at least one source; a rule without a source cannot load",
        )
    ]


def test_unknown_kind_and_bad_parameters_are_reported(tmp_path: Path) -> None:
    data = shipped()
    rule(data, "stiffness_index_gap")["kind"] = "stiffness_watch"
    rule(data, "ivig_course_due")["parameters"]["check"] = "soon"
    found = {(item, field) for _, item, field, _ in problems(write(tmp_path, data))}
    assert ("stiffness_index_gap", "kind") in found
    assert ("ivig_course_due", "parameters.check") in found


@pytest.mark.parametrize(
    ("rule_id", "change", "field"),
    [
        (
            "benzodiazepine_with_opioid",
            {"interaction_id": "benzodiazepine_alcohol"},
            "parameters.interaction_id",
        ),
        (
            "oral_baclofen_above_label_maximum",
            {"limit": {"drug_id": "baclofan", "route": "oral", "source": "label"}},
            "parameters.limit.drug_id",
        ),
        ("diazepam_above_label_maximum", {"doses_per_day": None}, "parameters.doses_per_day"),
        ("hbv_screen_before_anti_cd20", {"anchor": "baseline"}, "parameters.anchor"),
        ("stiffness_index_gap", {"scale_id": "stiffness_indx"}, "parameters.scale_id"),
        ("ivig_renal_function_recheck", {"analytes": ["creatinin"]}, "parameters.analytes[0]"),
    ],
)
def test_references_the_pack_does_not_define_fail(
    tmp_path: Path, rule_id: str, change: dict[str, Any], field: str
) -> None:
    data = shipped()
    rule(data, rule_id)["parameters"].update(change)
    assert (rule_id, field) in {(item, f) for _, item, f, _ in problems(write(tmp_path, data))}


def test_settings_and_templates_must_fit_the_kind(tmp_path: Path) -> None:
    data = shipped()
    del rule(data, "stiffness_index_gap")["settings"]
    rule(data, "ivig_course_due")["message"] = "Next course {next_course} is due."
    rule(data, "benzodiazepine_with_opioid")["settings"] = {
        "window_days": {"default": 5, "unit": "days", "description": "not a setting of this kind"}
    }
    found = {(item, field) for _, item, field, _ in problems(write(tmp_path, data))}
    assert ("stiffness_index_gap", "settings.max_interval_days") in found
    assert ("ivig_course_due", "message") in found
    assert ("benzodiazepine_with_opioid", "settings.window_days") in found


def test_a_setting_default_outside_its_own_bounds_fails(tmp_path: Path) -> None:
    data = shipped()
    rule(data, "stiffness_index_gap")["settings"]["max_interval_days"]["default"] = 10
    found = problems(write(tmp_path, data))
    assert any(
        item == "stiffness_index_gap" and "below the minimum" in reason
        for _, item, _, reason in found
    )


def test_a_new_rule_of_an_existing_kind_is_data_only(tmp_path: Path) -> None:
    data = shipped()
    data["rules"].append(
        {
            "id": "mrs_gap_example",
            "kind": "assessment_gap",
            "severity": "info",
            "title": "Modified Rankin not assessed recently",
            "message": "No {scale} since {since}; due by {due_on}.",
            "action": "Record the mRS at the next visit.",
            "parameters": {"scale_id": "mrs"},
            "settings": {
                "max_interval_days": {
                    "default": 365,
                    "minimum": 30,
                    "integer": True,
                    "unit": "days",
                    "description": "a site's interval",
                }
            },
            "citations": [{"reference": "site protocol example", "level": "secondary"}],
        }
    )
    book = RuleBook(load_monitoring_rules(load_knowledge_pack(), write(tmp_path, data)))
    assert "mrs_gap_example" in book.bind().rule_ids
