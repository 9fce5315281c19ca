"""A CARE-style case report of one patient, de-identified, from the analysis frames and results.

The sections follow the CARE guideline for case reports: patient information, timeline,
diagnostic assessment, therapeutic interventions (with doses), follow-up and outcomes (the
response to each therapy start), adverse events, and what the data cannot say. The report is
de-identified: the patient is named by the registry pseudonym; sex, the 5-year age band at
diagnosis, phenotype and antibody status describe them; there is no name, hospital number,
birth date or calendar date (every date is given as days since a reference day, the diagnosis
when recorded), so the analysis date is not printed either. It is decision support: it
describes what was recorded, and says so.

:func:`build_case_report` returns a :class:`~spsreg.reports.render.ReportDocument`; write it
with :func:`spsreg.reports.render.write_report`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import cast

import pandas as pd

from spsreg.analysis.frames import FRAME_NAMES, CohortFrames
from spsreg.analysis.response import TherapyResponse
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from spsreg.analysis.therapies import therapy_label
from spsreg.reports.figures.style import outcome_display
from spsreg.reports.figures.timeline import patient_timeline
from spsreg.reports.render import (
    BulletList,
    Paragraph,
    ReportDocument,
    Section,
    TableBlock,
    figure_block,
    interval,
    is_missing,
    number,
    percent,
)

__all__ = ["DISCLAIMER", "age_band", "build_case_report", "patient_frames"]

DISCLAIMER = (
    "Clinical decision support, not a medical device: spsreg summarises the data recorded in "
    "the registry to support, never replace, clinical judgement; it does not diagnose, "
    "prescribe or recommend a treatment."
)

_GAD65 = {
    "high_titre": "GAD65 antibody positive, high titre (above the method's cited high-titre cut-off)",
    "positive": "GAD65 antibody positive (below the high-titre cut-off)",
    "negative": "GAD65 antibody negative",
    "unknown": "GAD65 antibody: no classifiable serum result",
}
_GLYR = {
    "positive": "glycine-receptor antibody positive",
    "negative": "glycine-receptor antibody negative",
    "unknown": "glycine-receptor antibody: no result",
}


def age_band(birth_year: float | None, diagnosis: date | None) -> str:
    """The 5-year age band at diagnosis (``45-49``), from the birth year only (the birth month
    is never used), so the band may be one year off at its edges; "not recorded" without both."""
    if birth_year is None or diagnosis is None or is_missing(birth_year):
        return "not recorded"
    age = diagnosis.year - int(birth_year)
    low = (age // 5) * 5
    return f"{low}-{low + 4} years"


def patient_frames(frames: CohortFrames, patient_id: str, pseudonym: str) -> CohortFrames:
    """One patient's rows of every frame, keyed by the pseudonym instead of the patient id."""
    parts = {}
    for name in FRAME_NAMES:
        frame: pd.DataFrame = getattr(frames, name)
        own = frame.loc[frame["patient_id"] == patient_id].reset_index(drop=True)
        own["patient_id"] = pseudonym
        parts[name] = own
    return CohortFrames(as_of=frames.as_of, **parts)


_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


class _Days:
    """Dates as days since the reference day (day 0)."""

    def __init__(self, reference: pd.Timestamp) -> None:
        self.reference = reference

    def __call__(self, value: object, missing: str = "–") -> str:
        if is_missing(value):
            return missing
        return f"day {(pd.Timestamp(value) - self.reference).days}"  # type: ignore[arg-type]

    def in_text(self, text: str) -> str:
        """``text`` with every calendar date (YYYY-MM-DD) replaced by its day number."""
        return _ISO_DATE.sub(lambda m: self(date.fromisoformat(m.group(1))), text)


def _reference(frames: CohortFrames) -> tuple[pd.Timestamp, str]:
    patient = frames.patients.iloc[0]
    for column, label in (("diagnosis_date", "diagnosis"), ("first_contact_date", "first contact")):
        if not is_missing(patient[column]):
            return pd.Timestamp(patient[column]), label
    dated = [frames.outcomes["date"], frames.courses["start_date"], frames.therapy_events["date"]]
    earliest = min((s.min() for s in dated if s.notna().any()), default=pd.Timestamp(frames.as_of))
    return pd.Timestamp(earliest), "first record"


def build_case_report(
    frames: CohortFrames,
    patient_id: str,
    pseudonym: str,
    responses: Sequence[TherapyResponse],
    *,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    alerts: Sequence[tuple[date, str]] = (),
) -> ReportDocument:
    """The case report of ``patient_id`` (present in ``frames``) under its ``pseudonym``;
    ``responses`` are the patient's responses (:func:`spsreg.analysis.response.patient_response`)
    and ``alerts`` the monitoring alerts to mark (date, title)."""
    own = patient_frames(frames, patient_id, pseudonym)
    if own.patients.empty:
        raise KeyError(f"patient {patient_id!r} is not in the frames")
    reference, reference_label = _reference(own)
    day = _Days(reference)
    end = pd.Timestamp(frames.as_of)
    timeline = patient_timeline(
        own,
        pseudonym,
        alerts,
        days_from=reference.date(),
        days_from_label=reference_label,
    )
    sections = (
        _patient_information(own, pseudonym, day, reference_label),
        Section(
            "Timeline",
            (
                figure_block(
                    timeline,
                    "timeline",
                    f"Outcomes, treatments, adverse events and monitoring alerts of {pseudonym}, "
                    f"in days since {reference_label} (day 0).",
                ),
            ),
        ),
        _diagnostic_assessment(own, day),
        _interventions(own, day),
        _follow_up(own, responses, settings, day),
        _adverse_events(own, day, alerts),
        _limitations(own, responses, settings, day),
    )
    followed = (end - reference).days
    return ReportDocument(
        kind="case",
        title=f"Case report: {pseudonym}",
        subtitle=(
            "Stiff person spectrum disorder; a CARE-style case report drawn from registry data "
            f"(follow-up to day {followed} since {reference_label})."
        ),
        data_note=(
            f"Registry data up to the analysis date (day {followed} since {reference_label}); "
            "dates are shown as days since that reference day, never as calendar dates."
        ),
        disclaimer=DISCLAIMER,
        sections=sections,
    )


def _patient_information(
    own: CohortFrames, pseudonym: str, day: _Days, reference_label: str
) -> Section:
    patient = own.patients.iloc[0]
    diagnosis = None if is_missing(patient["diagnosis_date"]) else patient["diagnosis_date"].date()
    conditions = sorted({str(k).replace("_", " ") for k in own.comorbidities["kind"]})
    vital = str(patient["vital_status"]).replace("_", " ")
    if not is_missing(patient["date_of_death"]):
        vital += f" (died on {day(patient['date_of_death'])})"
    rows = (
        ("Pseudonym", pseudonym),
        ("Sex", str(patient["sex"])),
        ("Age at diagnosis", age_band(patient["birth_year"], diagnosis)),
        ("Phenotype", str(patient["phenotype"] or "not recorded").replace("_", " ")),
        ("Antibodies", f"{_GAD65[patient['gad65_status']]}; {_GLYR[patient['glyr_status']]}"),
        ("Comorbidities", ", ".join(conditions) or "none recorded"),
        ("Vital status", vital),
        (
            "Follow-up",
            f"to {day(patient['follow_up_end'])} (last recorded fact)"
            if not is_missing(patient["follow_up_end"])
            else "no dated fact recorded",
        ),
    )
    return Section(
        "Patient information (de-identified)",
        (
            TableBlock(("item", "value"), rows),
            Paragraph(
                f"Day 0 is the day of the {reference_label}. No name, hospital number, date of birth or "
                "calendar date appears in this report; the age band comes from the birth year."
            ),
        ),
    )


def _diagnostic_assessment(own: CohortFrames, day: _Days) -> Section:
    patient = own.patients.iloc[0]
    onset, diagnosis = patient["onset_date"], patient["diagnosis_date"]
    delay = (
        f"{(diagnosis - onset).days / 30.44:.0f} months from symptom onset to diagnosis"
        if not is_missing(onset) and not is_missing(diagnosis)
        else "the diagnostic delay cannot be computed (onset or diagnosis not recorded)"
    )
    first = (
        own.outcomes.loc[own.outcomes["source"] == "visit"]
        .sort_values(["outcome", "date"], kind="stable")
        .drop_duplicates("outcome")
    )
    rows = tuple(
        (
            outcome_display(str(r.outcome)).axis_label,
            day(r.date),
            number(r.value),
        )
        for r in first.itertuples()
    )
    return Section(
        "Diagnostic assessment",
        (
            Paragraph(
                f"Symptom onset on {day(onset, 'an unrecorded day')}; diagnosis on "
                f"{day(diagnosis, 'an unrecorded day')}: {delay}. Antibody status is read from "
                "the latest serum result on or before the analysis date against the cited cut-offs "
                "of its own assay method (RIA and ELISA results are never converted)."
            ),
            TableBlock(("outcome (unit)", "first assessed", "value"), rows, "First assessment"),
        ),
    )


def _interventions(own: CohortFrames, day: _Days) -> Section:
    courses = own.courses
    rows = tuple(
        (
            therapy_label(str(c.therapy)),
            f"{c.drug_id} ({c.route})",
            str(c.intent),
            number(c.daily_amount, 2, "not fixed")
            + ("" if is_missing(c.amount_unit) else f" {c.amount_unit}/day"),
            day(c.start_date),
            day(c.stop_date, "ongoing"),
            "" if is_missing(c.stop_reason) else str(c.stop_reason).replace("_", " "),
            "" if is_missing(c.previous_course_id) else "dose change",
        )
        for c in courses.itertuples()
    )
    events = own.therapy_events
    given = events.loc[events["kind"] == "administration"].groupby("therapy")["date"]
    infusions = tuple(
        (therapy_label(str(t)), str(len(d)), day(d.min()), day(d.max())) for t, d in given
    )
    starts = events.loc[events["kind"] == "procedure_start"]
    ends = events.loc[events["kind"] == "procedure_end"].set_index("ref_id")["date"]
    procedures = tuple(
        (therapy_label(str(p.therapy)), day(p.date), day(ends.get(p.ref_id), "not recorded"))
        for p in starts.itertuples()
    )
    return Section(
        "Therapeutic interventions",
        (
            TableBlock(
                (
                    "therapy",
                    "drug (route)",
                    "intent",
                    "daily amount",
                    "start",
                    "stop",
                    "why stopped",
                    "note",
                ),
                rows,
                "Medication courses (daily amount averaged over the dosing interval)",
            ),
            TableBlock(("therapy", "administrations", "first", "last"), infusions, "Infusions"),
            TableBlock(("procedure", "start", "end"), procedures, "Procedures"),
        ),
    )


def _response_row(r: TherapyResponse, day: _Days) -> tuple[str, ...]:
    duration = "" if r.duration_of_response_days is None else str(r.duration_of_response_days)
    worn = r.wearing_off
    return (
        therapy_label(r.therapy),
        r.event.replace("_", " "),
        day(r.start_date),
        outcome_display(r.outcome).label,
        f"{number(r.baseline_mean)} (n={r.baseline_n})",
        f"{number(r.on_treatment_mean)} (n={r.on_treatment_n})",
        f"{number(r.change)} {interval(r.change_low, r.change_high)}",
        percent(r.relative_change),
        {True: "yes", False: "no", None: "undetermined"}[r.responder],
        "" if r.time_to_response_days is None else str(r.time_to_response_days),
        duration + ("+" if duration and r.response_censored else ""),
        "" if worn is None else f"{worn.difference:+.1f} ({worn.cycles} cycles)",
    )


def _follow_up(
    own: CohortFrames, responses: Sequence[TherapyResponse], settings: AnalysisSettings, day: _Days
) -> Section:
    assessable = [r for r in responses if r.assessable]
    latest = own.outcomes.sort_values(["outcome", "date"], kind="stable").drop_duplicates(
        "outcome", keep="last"
    )
    low, high = settings.on_treatment_from_days, settings.on_treatment_to_days
    methods = (
        f"For each start, restart or dose change, the outcome's mean in the {settings.baseline_days} "
        f"days before (baseline) is compared with its mean on days {low}-{high} after (on "
        "treatment, cut where the therapy stopped). The interval is a "
        f"{settings.confidence_level:.0%} Welch t interval from the patient's own variability. "
        f"Responder: the outcome fell by at least {settings.responder_relative_change:.0%} of "
        "its baseline mean (the change the rituximab trial was powered for; no validated SPS "
        "responder definition exists). Duration ends when the outcome returns to baseline "
        "(+ means still responding at the last observation). Wearing-off: late minus early part "
        "of each infusion cycle (positive means worse before the next infusion)."
    )
    return Section(
        "Follow-up and outcomes",
        (
            Paragraph(methods),
            TableBlock(
                (
                    "therapy",
                    "event",
                    "start",
                    "outcome",
                    "baseline mean",
                    "on-treatment mean",
                    "change [CI]",
                    "relative",
                    "responder",
                    "days to response",
                    "response days",
                    "wearing-off",
                ),
                tuple(_response_row(r, day) for r in assessable),
                f"Response per therapy ({len(assessable)} assessable of {len(responses)} "
                "start x outcome pairs; lower values are better for every outcome)",
            ),
            TableBlock(
                ("therapy", "event", "start", "outcome", "why not assessable"),
                tuple(
                    (
                        therapy_label(r.therapy),
                        r.event.replace("_", " "),
                        day(r.start_date),
                        outcome_display(r.outcome).label,
                        day.in_text(r.reason or ""),
                    )
                    for r in responses
                    if not r.assessable
                ),
                "Not assessable (reported, never imputed)",
            ),
            TableBlock(
                ("outcome (unit)", "last recorded", "value"),
                tuple(
                    (outcome_display(str(r.outcome)).axis_label, day(r.date), number(r.value))
                    for r in latest.itertuples()
                ),
                "Latest recorded outcomes",
            ),
        ),
    )


def _adverse_events(own: CohortFrames, day: _Days, alerts: Sequence[tuple[date, str]]) -> Section:
    therapy_of = dict(zip(own.courses["course_id"], own.courses["therapy"], strict=True))
    rows = tuple(
        (
            str(e.term),
            number(e.grade, 0),
            day(e.onset_date),
            day(e.resolved_date, "not resolved"),
            "yes" if not is_missing(e.serious) and bool(e.serious) else "no",
            ", ".join(
                therapy_label(str(therapy_of.get(c, c)))
                for c in cast("tuple[str, ...]", e.suspected_course_ids)
            ),
        )
        for e in own.adverse_events.itertuples()
    )
    blocks: list[Paragraph | TableBlock | BulletList] = [
        TableBlock(
            ("term", "grade", "onset", "resolved", "serious", "suspected therapy"),
            rows,
            "Adverse events (CTCAE-style grade)",
        )
    ]
    if alerts:
        blocks.append(
            BulletList(
                tuple(f"{day.in_text(title)} ({day(pd.Timestamp(on))})" for on, title in alerts)
            )
        )
        blocks.append(
            Paragraph(
                "Monitoring alerts open on the analysis date (decision support for the care "
                "team; see the registry's worklist for their reasons and sources)."
            )
        )
    return Section("Adverse events and monitoring alerts", tuple(blocks))


def _co_treatments(own: CohortFrames, r: TherapyResponse, settings: AnalysisSettings) -> str | None:
    """Other therapies started, changed or stopped between the baseline and the end of the
    on-treatment window of an assessable start: they may explain part of its change."""
    start = pd.Timestamp(r.start_date)
    low = start - pd.Timedelta(days=settings.baseline_days)
    high = start + pd.Timedelta(days=settings.window_for(r.therapy)[1])
    courses = own.courses.loc[own.courses["therapy"] != r.therapy]
    changed = courses.loc[
        courses["start_date"].between(low, high) | courses["stop_date"].between(low, high)
    ]
    names = sorted({therapy_label(str(t)) for t in changed["therapy"]})
    return ", ".join(names) if names else None


def _limitations(
    own: CohortFrames, responses: Sequence[TherapyResponse], settings: AnalysisSettings, day: _Days
) -> Section:
    missing = sum(not r.assessable for r in responses)
    confounded = []
    seen: set[tuple[str, date]] = set()
    for r in responses:
        if r.assessable and r.event == "start" and (r.therapy, r.start_date) not in seen:
            seen.add((r.therapy, r.start_date))
            others = _co_treatments(own, r, settings)
            if others:
                confounded.append(
                    f"{therapy_label(r.therapy)} started on {day(r.start_date)}: "
                    f"{others} also changed in its windows"
                )
    items = [
        "Observational data from routine care: the changes describe what was recorded around "
        "each start; they do not show that the therapy caused them.",
        "A single patient: the intervals come from this patient's own variability and say "
        "nothing about how other patients would respond.",
        f"Missing data: {missing} of {len(responses)} start x outcome pairs could not be "
        "assessed (too few observations in a window). They are listed above and were never "
        "filled in; visits months apart give few observations per window.",
        "Confounding by co-treatments: other therapies started, changed or stopped in the same "
        "windows may explain part of a change"
        + (": " + "; ".join(confounded) + "." if confounded else " (none found here)."),
        "Regression to the mean: therapies are often started when symptoms are at their worst, so "
        "part of a later improvement can be a return towards the patient's usual level.",
        "Diary outcomes are self-reported on the days the patient chose to record; gaps are not "
        "random.",
    ]
    return Section("What the data cannot say", (BulletList(tuple(items)),))
