"""form_errors: pydantic errors and knowledge-pack issues as plain field messages; never crashes."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from spsreg.domain.medications import MedicationCourse
from spsreg.domain.validation import ValidationIssue
from spsreg.web.form_errors import FORM_KEY, field_messages, issue_messages

LABELS = {"start_date": "the start date", "stop_date": "the stop date", "dose.value": "the dose"}


def errors_of(data: dict[str, Any]) -> ValidationError:
    try:
        MedicationCourse.model_validate(data)
    except ValidationError as error:
        return error
    raise AssertionError("the data were valid")


BASE: dict[str, Any] = {
    "id": "c1",
    "drug_id": "diazepam",
    "route": "oral",
    "intent": "symptomatic",
    "schedule": "regular",
    "dose": {"value": 5, "unit": "mg"},
    "times_per_period": 3,
    "period_days": 1,
    "start_date": "2026-01-01",
}


def test_field_messages_are_sentences() -> None:
    error = errors_of({**BASE, "dose": {"value": 0, "unit": "mg"}, "start_date": "01/01/2026"})
    messages = field_messages(error, labels=LABELS, units={"dose.value": "mg"})
    assert messages["dose.value"] == "The dose must be more than 0 mg."
    assert messages["start_date"] == "Enter a date as YYYY-MM-DD."
    missing = field_messages(errors_of({k: v for k, v in BASE.items() if k != "route"}))
    assert missing == {"route": "Enter route."}


def test_model_errors_go_to_the_field_they_name() -> None:
    error = errors_of({**BASE, "stop_date": "2025-01-01", "stop_reason": "other"})
    messages = field_messages(error, labels=LABELS)
    assert list(messages) == ["stop_date"]
    assert messages["stop_date"].startswith("The stop date (2025-01-01) is before the start date")


def test_enum_choice_and_unknown_shapes() -> None:
    messages = field_messages(
        errors_of({**BASE, "route": "by mouth"}), labels={"route": "the route"}
    )
    assert messages["route"].startswith("Choose the route from the list")
    assert field_messages([{"loc": (), "msg": "", "type": "x"}]) == {
        FORM_KEY: "This value is not valid."
    }
    assert field_messages("nonsense") == {}


def test_issue_messages_keep_only_the_item() -> None:
    issues = [
        ValidationIssue("lab_results[1].unit", "unit", "reported in nmol/L, not IU/mL", "nmol/L"),
        ValidationIssue("lab_results[0].unit", "unit", "another result's problem"),
    ]
    assert issue_messages(issues, prefix="lab_results[1]") == {
        "unit": "Reported in nmol/L, not IU/mL. Suggestion: nmol/L"
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
error_items = st.dictionaries(
    st.sampled_from(["loc", "msg", "type", "ctx", "input", "url"]), json_values, max_size=6
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(error_items | json_values, max_size=5),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)
def test_field_messages_never_crash(errors: list[Any], labels: dict[str, str]) -> None:
    messages = field_messages(errors, labels=labels, units=labels, prefix="dose")
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in messages.items())


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(sorted(BASE)), json_values, max_size=6))
def test_field_messages_of_real_errors_never_crash(overrides: dict[str, Any]) -> None:
    try:
        MedicationCourse.model_validate({**BASE, **overrides})
    except ValidationError as error:
        messages = field_messages(error, labels=LABELS)
        assert messages and all(text.strip() for text in messages.values())
    except Exception as error:
        raise AssertionError(f"unexpected {type(error).__name__}") from error
