"""A broken scale definition fails to load and says where (file, item, field) and why."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from spsreg.knowledge import scales as scales_module
from spsreg.knowledge.scales import ScaleDefinitionError, parse_scale_definition

_PACKAGE_ROOT = resources.files("spsreg")  # taken before any test redirects the loader


def packaged(name: str) -> str:
    folder = _PACKAGE_ROOT / "knowledge" / "data" / "scales"
    return (folder / name).read_text(encoding="utf-8")


def mutated(name: str, old: str, new: str) -> str:
    text = packaged(name)
    assert old in text, f"test set-up: {old!r} not in {name}"
    return text.replace(old, new, 1)


def problems(name: str, text: str) -> list[str]:
    with pytest.raises(ScaleDefinitionError) as caught:
        parse_scale_definition(text, name)
    assert caught.value.source_name == name
    assert str(caught.value).startswith(f"{name}: ")
    return list(caught.value.problems)


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        pytest.param(
            "phq9.yaml",
            "    sources: [kroenke2001]\n  - id: phq9_2",
            "    sources: []\n  - id: phq9_2",
            "item phq9_1, field sources: its numbers need a citation, but no source is cited",
            id="item-without-citation",
        ),
        pytest.param(
            "phq9.yaml",
            "{label: mild, minimum: 5, maximum: 9, sources: [kroenke2001]}",
            "{label: mild, minimum: 5, maximum: 9, sources: []}",
            "band mild, field sources: its numbers need a citation, but no source is cited",
            id="band-without-citation",
        ),
        pytest.param(
            "gad7.yaml",
            "    unit: points\n    sources: [spitzer2006]",
            "    unit: points",
            "field scoring.total.sources: its numbers need a citation, but no source is cited",
            id="total-range-without-citation",
        ),
        pytest.param(
            "t25fw.yaml",
            "    description: Length of the walking course; walking speed is this length divided by the mean time.\n    sources: [ninds_cde_t25fw]",
            "    description: Length of the walking course; walking speed is this length divided by the mean time.",
            "constant course_length_ft, field sources: its numbers need a citation, but no source is cited",
            id="constant-without-citation",
        ),
        pytest.param(
            "promis_global10.yaml",
            "      sources: [assessment_center_tables, awell_promis10, hays_physical_table]",
            "      sources: []",
            "item global07, field recode.sources: its numbers need a citation, but no source is cited",
            id="recode-without-citation",
        ),
        pytest.param(
            "phq9.yaml",
            "maximum: 4, sources: [kroenke2001]",
            "maximum: 4, sources: [kroenke]",
            "band minimal, field sources: cites unknown source 'kroenke' (declared: kroenke2001)",
            id="unknown-source",
        ),
        pytest.param(
            "gad7.yaml",
            "items:\n",
            "  extra:\n    reference: an unused reference\n    level: secondary\nitems:\n",
            "source extra: declared but cited nowhere",
            id="unused-source",
        ),
        pytest.param(
            "phq9.yaml",
            "    maximum: 27\n    unit: points",
            "    maximum: 28\n    unit: points",
            "field scoring.total: states 0 to 28, but the items give 0 to 27",
            id="total-range-the-items-cannot-give",
        ),
        pytest.param(
            "phq9.yaml",
            "{label: mild, minimum: 5,",
            "{label: mild, minimum: 6,",
            "band mild, field minimum: must follow band minimal without gap or overlap (expected 5)",
            id="gap-between-bands",
        ),
        pytest.param(
            "promis_global10.yaml",
            "        - {raw: 12, t_score: 43.5}\n",
            "",
            "subscore global_mental_health_t, field table: must list every raw score from 4 to 20 once, in order",
            id="conversion-table-with-a-hole",
        ),
        pytest.param(
            "promis_global10.yaml",
            "{raw: 13, t_score: 42.3}",
            "{raw: 13, t_score: 39.0}",
            "subscore global_physical_health_t, field table: T-scores must rise with the raw score",
            id="conversion-table-out-of-order",
        ),
        pytest.param(
            "promis_global10.yaml",
            "        - {low: 1, high: 3, score: 4}\n",
            "        - {low: 1, high: 2, score: 4}\n",
            "item global07, field recode: the rules must cover every answer from 0 to 10 exactly once",
            id="recode-with-a-gap",
        ),
        pytest.param(
            "promis_global10.yaml",
            "range: {type: integer, minimum: 4, maximum: 20, unit: points, sources: [hays2009]}\n      sources: [hays2009, hays_physical_table]",
            "range: {type: integer, minimum: 4, maximum: 19, unit: points, sources: [hays2009]}\n      sources: [hays2009, hays_physical_table]",
            "subscore global_physical_health_raw, field range: does not match what its items can sum to",
            id="subscore-range-the-items-cannot-give",
        ),
        pytest.param(
            "t25fw.yaml",
            "    minimum: 0\n    minimum_inclusive: false\n    maximum: 180\n    unit: s\n    sources",
            "    minimum: 0\n    maximum: 180\n    unit: s\n    sources",
            "field scoring.total: a mean has the same open or closed bounds as its items",
            id="mean-range-bounds-differ-from-items",
        ),
        pytest.param(
            "mrs.yaml",
            "      - {value: 2, label: slight disability}",
            "      - {value: 1, label: slight disability}",
            "item grade, field values: a value is listed twice",
            id="duplicate-value",
        ),
        pytest.param(
            "phq9.yaml",
            "- {value: 3, label: nearly every day}",
            "- {value: 3, labl: nearly every day}",
            "item phq9_1, value 3, field labl: Extra inputs are not permitted",
            id="misspelt-field",
        ),
        pytest.param(
            "mrs.yaml",
            "    sources: [mrs_grades_summary, japan_survey]\nscoring:",
            "    range: {type: integer, minimum: 0, maximum: 6}\n    sources: [mrs_grades_summary, japan_survey]\nscoring:",
            "item grade: give exactly one of 'values' (enumerated answers) or 'range' (a numeric answer)",
            id="values-and-range",
        ),
        pytest.param(
            "phq9.yaml",
            'version: "1"',
            "version: 1",
            "field version: Input should be a valid string",
            id="unquoted-version",
        ),
        pytest.param(
            "falls_spasm_frequency.yaml",
            "      type: integer\n      minimum: 0\n      unit: falls\n    sources",
            "      type: integer\n      minimum: 0.5\n      unit: falls\n    sources",
            "item falls_past_4_weeks, field range: an integer range needs whole-number bounds",
            id="integer-range-with-fractional-bound",
        ),
    ],
)
def test_a_broken_definition_names_file_item_field_and_reason(
    name: str, old: str, new: str, expected: str
) -> None:
    assert expected in problems(name, mutated(name, old, new))


def test_invalid_yaml_is_reported_with_the_file_name() -> None:
    found = problems("mrs.yaml", "id: mrs\nitems: [unclosed")
    assert found[0].startswith("not valid YAML")


def test_a_file_that_is_not_a_mapping_is_rejected() -> None:
    assert problems("mrs.yaml", "- just\n- a list\n") == [
        "the file must hold one mapping (id, name, version, ...)"
    ]


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    text = mutated("phq9.yaml", "{label: mild, minimum: 5,", "{label: mild, minimum: 6,")
    text = text.replace("    maximum: 27\n    unit: points", "    maximum: 28\n    unit: points")
    assert len(problems("phq9.yaml", text)) >= 2


@pytest.fixture
def scales_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the loader at a temporary package folder, and restore its cache afterwards."""
    folder = tmp_path / "knowledge" / "data" / "scales"
    folder.mkdir(parents=True)
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)
    scales_module._load_all.cache_clear()
    yield folder
    scales_module._load_all.cache_clear()


def test_the_loader_reads_every_yaml_file_of_the_folder(scales_folder: Path) -> None:
    (scales_folder / "mrs.yaml").write_text(packaged("mrs.yaml"), encoding="utf-8")
    (scales_folder / "README.txt").write_text("not a definition", encoding="utf-8")
    assert list(scales_module.load_scale_definitions()) == ["mrs"]


def test_a_file_named_differently_from_its_scale_id_is_rejected(scales_folder: Path) -> None:
    (scales_folder / "rankin.yaml").write_text(packaged("mrs.yaml"), encoding="utf-8")
    with pytest.raises(
        ScaleDefinitionError, match=r"rankin.yaml: field id: 'mrs' does not match the file name"
    ):
        scales_module.load_scale_definitions()
