"""The patient timeline: outcome panels over a treatment panel, checked through the Axes API."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from figure_inputs import all_texts, by_gid, example_frames, make_frames
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from spsreg.reports.figures import patient_timeline
from spsreg.reports.figures.style import NO_DATA

ALERTS = [(date(2024, 5, 10), "benzodiazepine load"), (date(2024, 9, 1), "IVIG check")]


@pytest.fixture(scope="module")
def timeline() -> Figure:
    return patient_timeline(example_frames(), "syn-p1", alerts=ALERTS)


def lines(fig: Figure, gid: str) -> list[Line2D]:
    found = [a for a in by_gid(fig, gid) if isinstance(a, Line2D)]
    assert found, gid
    return found


def test_one_panel_per_recorded_outcome_with_its_unit_above_the_treatment_panel(
    timeline: Figure,
) -> None:
    axes = timeline.axes
    assert [ax.get_ylabel() for ax in axes[:-1]] == [
        "Stiffness index\n(regions)",
        "HSS\n(positive items)",
        "Timed 25-foot walk\n(s)",
        "mRS\n(grade)",
        "Diary stiffness\n(NRS 0-10)",
    ]
    assert axes[0].get_title(loc="left") == "Patient syn-p1: outcomes and treatments"
    assert axes[-1].get_xlabel() == "Date"
    assert all(ax.get_xlim() == axes[-1].get_xlim() for ax in axes)  # one time axis


def test_outcomes_are_drawn_with_every_observation(timeline: Figure) -> None:
    (stiffness,) = lines(timeline, "stiffness_index")
    assert list(stiffness.get_ydata()) == [5, 5, 3, 2]
    (diary,) = lines(timeline, "diary_stiffness")
    assert len(diary.get_ydata()) == 100
    assert diary.get_marker() in ("None", "", None)
    assert diary.get_linewidth() < stiffness.get_linewidth()  # the diary is a thin line


def test_visit_outcomes_differ_in_line_style_and_marker_for_greyscale_print(
    timeline: Figure,
) -> None:
    visit = ["stiffness_index", "heightened_sensitivity", "t25fw", "mrs"]
    looks = [
        (lines(timeline, o)[0].get_linestyle(), lines(timeline, o)[0].get_marker()) for o in visit
    ]
    assert len({style for style, _ in looks}) == 4
    assert len({marker for _, marker in looks}) == 4


def test_treatment_rows_courses_doses_infusions_procedures(timeline: Figure) -> None:
    treat = timeline.axes[-1]
    labels = [t.get_text() for t in treat.get_yticklabels()]
    assert labels == ["Diazepam", "Plasmapheresis", "IVIG", "Adverse events", "Alerts"]
    courses = [a for a in by_gid(timeline, "course") if isinstance(a, PolyCollection)]
    assert len(courses) == 3
    heights = sorted(c.get_paths()[0].get_extents().height for c in courses)
    assert heights[0] < heights[1] == pytest.approx(heights[2])  # 10 mg/d lower than 20 mg/d
    dose_labels = sorted(a.get_text() for a in by_gid(timeline, "dose_label"))
    assert dose_labels == ["10 mg/d", "20 mg/d", "4 g/d"]
    assert sum(len(m.get_xdata()) for m in lines(timeline, "ongoing")) == 2
    (infusions,) = lines(timeline, "infusion")
    assert len(infusions.get_xdata()) == 8
    procedures = by_gid(timeline, "procedure")
    assert len(procedures) == 1
    bar = procedures[0].get_paths()[0].get_extents()  # type: ignore[attr-defined]
    assert bar.width == pytest.approx(11.0)  # 1 to 12 February
    hatches = {c.get_hatch() for c in courses} | {procedures[0].get_hatch()}  # type: ignore[attr-defined]
    assert len(hatches) == 3  # each therapy row has its own hatch


def test_adverse_events_show_grade_by_size_and_label_and_alerts_are_marked(
    timeline: Figure,
) -> None:
    (events,) = [a for a in by_gid(timeline, "adverse_event") if isinstance(a, PathCollection)]
    sizes = events.get_sizes()
    assert len(sizes) == 2 and sizes[0] < sizes[1]  # grade 2 then grade 3
    texts = all_texts(timeline)
    assert "G2 headache" in texts and "G3 somnolence" in texts
    (alerts,) = lines(timeline, "alert")
    assert len(alerts.get_xdata()) == 2
    assert "benzodiazepine load" in texts and "IVIG check" in texts
    legend = [t.get_text() for t in timeline.legends[0].get_texts()]
    assert legend == [
        "medication course (bar height = daily dose)",
        "ongoing",
        "infusion",
        "procedure series",
        "adverse event (size = grade; filled = serious)",
        "monitoring alert",
    ]


def test_days_since_a_reference_date_replace_calendar_dates_when_asked() -> None:
    fig = patient_timeline(
        example_frames(),
        "syn-p1",
        days_from=date(2024, 1, 10),
        days_from_label="first contact",
        title="Case timeline",
    )
    assert fig.axes[-1].get_xlabel() == "Days since first contact (days)"
    assert fig.axes[0].get_title(loc="left") == "Case timeline"
    (stiffness,) = lines(fig, "stiffness_index")
    assert list(stiffness.get_xdata()) == [5.0, 96.0, 187.0, 279.0]
    assert "Alerts" not in [t.get_text() for t in fig.axes[-1].get_yticklabels()]


def test_a_patient_with_courses_only_gets_just_the_treatment_panel() -> None:
    frames = example_frames()
    fig = patient_timeline(frames, "syn-p2")
    assert len(fig.axes) == 1
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Rituximab"]
    courses = by_gid(fig, "course")
    assert len(courses) == 1
    assert not by_gid(fig, "ongoing")  # stopped course: no arrow


@pytest.mark.parametrize(
    ("frames", "patient"),
    [
        (example_frames(), "syn-unknown"),
        (make_frames(), "syn-p1"),
        (
            make_frames(
                patients=[{"patient_id": "syn-p9", "first_contact_date": date(2024, 1, 1)}]
            ),
            "syn-p9",
        ),
    ],
)
def test_no_data_gives_a_figure_that_says_so(frames: object, patient: str) -> None:
    fig = patient_timeline(frames, patient)  # type: ignore[arg-type]
    assert NO_DATA in all_texts(fig)


def test_only_the_chosen_outcomes_get_panels() -> None:
    fig = patient_timeline(example_frames(), "syn-p1", outcomes=("mrs",))
    (mrs,) = lines(fig, "mrs")
    assert np.array_equal(mrs.get_ydata(), [3, 3, 2, 2])
    assert len(fig.axes) == 2


def test_dose_labels_go_inside_above_or_below_a_bar_and_never_over_each_other() -> None:
    def course(cid: str, start: date, stop: date, mg: float) -> dict[str, object]:
        return {
            "patient_id": "syn-p1", "course_id": cid, "therapy": "diazepam", "drug_id": "diazepam",
            "start_date": start, "stop_date": stop, "daily_amount": mg, "amount_unit": "mg",
            "chain_id": "c1",
        }  # fmt: skip

    frames = make_frames(
        patients=[{"patient_id": "syn-p1", "follow_up_end": date(2025, 6, 30)}],
        courses=[
            course("c1", date(2024, 1, 1), date(2024, 1, 6), 5.0),
            course("c2", date(2024, 1, 6), date(2024, 1, 11), 10.0),
            course("c3", date(2024, 1, 11), date(2024, 1, 16), 15.0),
            course("c4", date(2024, 1, 16), date(2025, 6, 1), 20.0),
        ],
    )
    fig = patient_timeline(frames, "syn-p1")
    placed = {a.get_text(): a.xy[1] for a in by_gid(fig, "dose_label")}  # type: ignore[attr-defined]
    # 5 mg above the narrow bar, 10 mg below it, no room left for 15 mg, 20 mg inside its bar
    assert set(placed) == {"5 mg/d", "10 mg/d", "20 mg/d"}
    assert placed["5 mg/d"] > 0.0 > placed["10 mg/d"]
    assert placed["20 mg/d"] == 0.0
