"""Hypothesis strategies for every domain class and for whole, valid PatientRecords.

Each strategy draws only objects the domain accepts (cross-field rules included), so a test can
treat any drawn value as real data. Text is drawn from all of Unicode (letters, marks, symbols,
CJK, emoji) with the separators that break naive exporters: commas, quotes, CR, LF and CRLF.
Optional text is either absent or non-empty: the CSV encoding writes both as an empty cell.

``example_record()`` is a fixed, hand-written record with every section populated, the explicit
case beside the generated ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from spsreg.domain import (
    AcknowledgementKind,
    Administration,
    AdverseEvent,
    AdverseEventAction,
    AdverseEventOutcome,
    AlertAcknowledgement,
    AssayMethod,
    Assessment,
    Comorbidity,
    ComorbidityKind,
    Consent,
    ConsentKind,
    ConsentStatus,
    DiaryDose,
    DiaryEntry,
    Dose,
    DoseUnit,
    DosingSchedule,
    GeneticMarker,
    IntrathecalPump,
    LabResult,
    MedicationCourse,
    NonDrugTherapy,
    NonDrugTherapyKind,
    Patient,
    PatientIdentifiers,
    PatientRecord,
    Phenotype,
    Procedure,
    ProcedureKind,
    PumpRefill,
    QualitativeResult,
    Route,
    Sex,
    Site,
    SpasmTrigger,
    Specimen,
    StopReason,
    TherapyIntent,
    Visit,
    VisitKind,
    VitalStatus,
)

__all__ = [
    "STRATEGIES",
    "administrations",
    "adverse_events",
    "alert_acknowledgements",
    "assessments",
    "comorbidities",
    "consents",
    "diary_doses",
    "diary_entries",
    "doses",
    "example_record",
    "example_sites",
    "free_text",
    "genetic_markers",
    "intrathecal_pumps",
    "lab_results",
    "medication_courses",
    "non_drug_therapies",
    "patient_identifiers",
    "patient_records",
    "patients",
    "procedures",
    "pump_refills",
    "record_ids",
    "sites",
    "visits",
]

EARLIEST = date(1950, 1, 1)
LATEST = date(2040, 12, 31)

_word = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1, max_size=6
)
_separators = st.sampled_from([" ", ", ", '"', ' "', "\n", "\r\n", "\r", "; "])


@st.composite
def free_text(draw: st.DrawFn, max_length: int = 60) -> str:
    """Non-empty text without surrounding whitespace (the domain strips it)."""
    words = draw(st.lists(_word, min_size=1, max_size=4))
    text = words[0]
    for word in words[1:]:
        text += draw(_separators) + word
    return text[:max_length].rstrip()


def optional_text(max_length: int) -> st.SearchStrategy[str | None]:
    return st.none() | free_text(max_length)


def record_ids() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,15}", fullmatch=True)


def _dates(start: date = EARLIEST, end: date = LATEST) -> st.SearchStrategy[date]:
    return st.dates(min_value=start, max_value=end)


@st.composite
def _interval(draw: st.DrawFn, start: date = EARLIEST) -> tuple[date, date | None]:
    first = draw(_dates(start))
    last = draw(st.none() | _dates(first))
    return first, last


def _positive(maximum: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=maximum, exclude_min=True)


def sites() -> st.SearchStrategy[Site]:
    return st.builds(
        Site,
        id=record_ids(),
        name=free_text(200),
        country=st.from_regex(r"[A-Z]{2}", fullmatch=True),
    )


@st.composite
def patients(draw: st.DrawFn, site_id: str | None = None) -> Patient:
    birth = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    birth_month = birth.replace(day=1)
    status = draw(st.sampled_from(VitalStatus))
    onset = draw(st.none() | _dates(birth_month))
    return Patient(
        id=draw(record_ids()),
        pseudonym=draw(st.from_regex(r"[A-Z0-9][A-Z0-9-]{2,15}", fullmatch=True)),
        site_id=site_id if site_id is not None else draw(record_ids()),
        sex=draw(st.sampled_from(Sex)),
        birth_year_month=f"{birth.year:04d}-{birth.month:02d}",
        vital_status=status,
        date_of_death=draw(st.none() | _dates(birth_month)) if status is VitalStatus.DEAD else None,
        first_contact_date=draw(st.none() | _dates(birth_month)),
        onset_date=onset,
        diagnosis_date=draw(st.none() | _dates(onset or birth_month)),
        diagnosis_code=draw(st.sampled_from(["ORPHA:3198"]) | free_text(20)),
        genetic_diagnosis=draw(optional_text(200)),
        undiagnosed=draw(st.booleans()),
        phenotype=draw(st.none() | st.sampled_from(Phenotype)),
        biobank_link=draw(optional_text(200)),
        functioning_classification=draw(optional_text(200)),
    )


@st.composite
def patient_identifiers(draw: st.DrawFn, birth_year_month: str | None = None) -> PatientIdentifiers:
    if birth_year_month is None:
        born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    else:
        year, month = (int(part) for part in birth_year_month.split("-"))
        born = date(year, month, draw(st.integers(1, 28)))
    ascii_word = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)
    email = st.builds(lambda a, b, c: f"{a}@{b}.{c}", ascii_word, ascii_word, ascii_word)
    return PatientIdentifiers(
        given_name=draw(free_text(100)),
        family_name=draw(free_text(100)),
        hospital_number=draw(free_text(50)),
        date_of_birth=born,
        address=draw(optional_text(300)),
        phone=draw(optional_text(50)),
        email=draw(st.none() | email),
    )


@st.composite
def consents(draw: st.DrawFn) -> Consent:
    status = draw(st.sampled_from(ConsentStatus))
    recorded, withdrawn = draw(_interval())
    return Consent(
        id=draw(record_ids()),
        kind=draw(st.sampled_from(ConsentKind)),
        status=status,
        recorded_on=recorded,
        withdrawn_on=withdrawn if status is ConsentStatus.WITHDRAWN else None,
    )


@st.composite
def lab_results(draw: st.DrawFn) -> LabResult:
    numeric = draw(st.booleans())
    value = draw(st.floats(allow_nan=False, allow_infinity=False)) if numeric else None
    titre = draw(st.none() | st.integers(1, 100_000))
    qualitative = draw(st.none() | st.sampled_from(QualitativeResult))
    if value is None and titre is None and qualitative is None:
        qualitative = QualitativeResult.POSITIVE
    return LabResult(
        id=draw(record_ids()),
        analyte=draw(st.sampled_from(["gad65_antibody", "glyr_antibody"]) | free_text(64)),
        collected_on=draw(_dates()),
        specimen=draw(st.sampled_from(Specimen)),
        method=draw(st.sampled_from(AssayMethod)),
        value=value,
        unit=draw(free_text(32)) if numeric else None,
        qualitative=qualitative,
        titre_denominator=titre,
        laboratory=draw(optional_text(200)),
    )


@st.composite
def comorbidities(draw: st.DrawFn) -> Comorbidity:
    kind = draw(st.sampled_from(ComorbidityKind))
    diagnosed, resolved = draw(_interval())
    known = draw(st.booleans())
    return Comorbidity(
        id=draw(record_ids()),
        kind=kind,
        detail=draw(free_text(200)) if kind is ComorbidityKind.OTHER else draw(optional_text(200)),
        diagnosed_on=diagnosed if known else None,
        resolved_on=resolved if known else None,
    )


def genetic_markers() -> st.SearchStrategy[GeneticMarker]:
    return st.builds(
        GeneticMarker,
        id=record_ids(),
        system=free_text(32),
        locus=free_text(32),
        allele=free_text(64),
        tested_on=st.none() | _dates(),
        method=optional_text(64),
    )


_responses: st.SearchStrategy[int | float | str | None] = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(""),
    free_text(40),
    st.from_regex(r"[0-9]{1,3}", fullmatch=True),
)
"""Item responses of every type: a number written like a text ("3") must stay a text."""


def assessments() -> st.SearchStrategy[Assessment]:
    return st.builds(
        Assessment,
        id=record_ids(),
        scale_id=st.sampled_from(["sps_stiffness_index", "hfs"]) | free_text(64),
        scale_version=st.sampled_from(["1", "2.0"]) | free_text(32),
        responses=st.dictionaries(free_text(20), _responses, max_size=4),
    )


@st.composite
def visits(draw: st.DrawFn) -> Visit:
    return Visit(
        id=draw(record_ids()),
        visit_date=draw(_dates()),
        kind=draw(st.sampled_from(VisitKind)),
        weight_kg=draw(st.none() | _positive(400)),
        assessments=tuple(
            draw(st.lists(assessments(), max_size=2, unique_by=lambda a: a.scale_id))
        ),
    )


def doses() -> st.SearchStrategy[Dose]:
    return st.builds(
        Dose,
        value=st.floats(min_value=0, exclude_min=True, allow_infinity=False),
        unit=st.sampled_from(DoseUnit),
    )


@st.composite
def medication_courses(draw: st.DrawFn) -> MedicationCourse:
    schedule = draw(st.sampled_from(DosingSchedule))
    times = period = course_days = None
    if schedule in (DosingSchedule.REGULAR, DosingSchedule.AS_NEEDED):
        required = schedule is DosingSchedule.REGULAR
        times = draw(st.integers(1, 24)) if required or draw(st.booleans()) else None
        period = draw(st.integers(1, 730)) if required or draw(st.booleans()) else None
    elif schedule is DosingSchedule.CYCLIC_COURSE:
        period = draw(st.integers(1, 730))
        course_days = draw(st.integers(1, min(14, period)))
        times = draw(st.none() | st.integers(1, 24))
    dose = draw(doses())
    needs_weight = dose.unit.per == "kg"
    start, stop = draw(_interval())
    return MedicationCourse(
        id=draw(record_ids()),
        drug_id=draw(st.sampled_from(["diazepam", "ivig", "rituximab"]) | free_text(64)),
        route=draw(st.sampled_from(Route)),
        intent=draw(st.sampled_from(TherapyIntent)),
        schedule=schedule,
        dose=dose,
        times_per_period=times,
        period_days=period,
        course_days=course_days,
        weight_kg=draw(_positive(400)) if needs_weight else draw(st.none() | _positive(400)),
        start_date=start,
        stop_date=stop,
        stop_reason=draw(st.sampled_from(StopReason)) if stop is not None else None,
    )


def administrations(course_id: str | None = None) -> st.SearchStrategy[Administration]:
    return st.builds(
        Administration,
        id=record_ids(),
        course_id=st.just(course_id) if course_id is not None else record_ids(),
        given_on=_dates(),
        dose=doses(),
        cycle_number=st.none() | st.integers(1, 50),
        day_of_cycle=st.none() | st.integers(1, 14),
    )


@st.composite
def pump_refills(
    draw: st.DrawFn, implanted_on: date = EARLIEST, reservoir_ml: float = 100.0
) -> PumpRefill:
    refilled = draw(_dates(implanted_on))
    return PumpRefill(
        id=draw(record_ids()),
        refilled_on=refilled,
        volume_ml=draw(_positive(reservoir_ml)),
        concentration_mcg_per_ml=draw(_positive(10_000)),
        daily_dose_mcg=draw(_positive(5_000)),
        alarm_date=draw(st.none() | _dates(refilled)),
    )


@st.composite
def intrathecal_pumps(draw: st.DrawFn) -> IntrathecalPump:
    implanted, removed = draw(_interval())
    reservoir = draw(_positive(100))
    refills = draw(st.lists(pump_refills(implanted, reservoir), max_size=2))
    return IntrathecalPump(
        id=draw(record_ids()),
        implanted_on=implanted,
        removed_on=removed,
        reservoir_volume_ml=reservoir,
        device=draw(optional_text(100)),
        refills=tuple(refills),
    )


@st.composite
def procedures(draw: st.DrawFn) -> Procedure:
    kind = draw(st.sampled_from(ProcedureKind))
    start, end = draw(_interval())
    return Procedure(
        id=draw(record_ids()),
        kind=kind,
        start_date=start,
        end_date=end,
        sessions=draw(st.none() | st.integers(1, 100)),
        detail=draw(free_text(200)) if kind is ProcedureKind.OTHER else draw(optional_text(200)),
    )


@st.composite
def non_drug_therapies(draw: st.DrawFn) -> NonDrugTherapy:
    start, stop = draw(_interval())
    return NonDrugTherapy(
        id=draw(record_ids()),
        kind=draw(st.sampled_from(NonDrugTherapyKind)),
        start_date=start,
        stop_date=stop,
        sessions_per_month=draw(st.none() | _positive(62)),
        detail=draw(optional_text(200)),
    )


@st.composite
def adverse_events(draw: st.DrawFn) -> AdverseEvent:
    grade = draw(st.integers(1, 5))
    non_fatal = [o for o in AdverseEventOutcome if o is not AdverseEventOutcome.FATAL]
    onset, resolved = draw(_interval())
    return AdverseEvent(
        id=draw(record_ids()),
        term=draw(st.sampled_from(["Somnolence", "Falls"]) | free_text(120)),
        grade=grade,
        onset_date=onset,
        resolved_date=resolved,
        serious=True if grade >= 4 else draw(st.booleans()),
        outcome=AdverseEventOutcome.FATAL if grade == 5 else draw(st.sampled_from(non_fatal)),
        action_taken=draw(st.sampled_from(AdverseEventAction)),
    )


def diary_doses() -> st.SearchStrategy[DiaryDose]:
    return st.builds(
        DiaryDose,
        drug_id=st.sampled_from(["diazepam", "baclofen"]) | free_text(64),
        doses=st.integers(0, 48),
    )


@st.composite
def diary_entries(draw: st.DrawFn) -> DiaryEntry:
    score = st.none() | st.integers(0, 10)
    stiffness = draw(score)
    triggers = draw(st.lists(st.sampled_from(SpasmTrigger), unique=True, max_size=3))
    taken = draw(st.lists(diary_doses(), unique_by=lambda d: d.drug_id, max_size=2))
    spasms = draw(st.none() | st.integers(0, 1000))
    falls = draw(st.none() | st.integers(0, 100))
    sedation = draw(score)
    if (stiffness, spasms, falls, sedation) == (None,) * 4 and not triggers and not taken:
        stiffness = draw(st.integers(0, 10))
    return DiaryEntry(
        id=draw(record_ids()),
        entry_date=draw(_dates()),
        stiffness=stiffness,
        spasm_count=spasms,
        falls=falls,
        triggers=tuple(triggers),
        sedation=sedation,
        doses_taken=tuple(taken),
    )


def _renumbered(items: list[Any], prefix: str) -> list[Any]:
    return [item.model_copy(update={"id": f"{prefix}{n}"}) for n, item in enumerate(items)]


@st.composite
def patient_records(
    draw: st.DrawFn, site_id: str | None = None, max_items: int = 2
) -> PatientRecord:
    """A valid record: ids unique within it, references resolved, diary days distinct.

    Ids are renumbered after drawing (``<patient id>.<section><n>``) so that they are unique, and
    every reference (dose-change chain, administrations, suspected courses) names a drawn course.
    """
    patient = draw(patients(site_id))
    base = patient.id[:40]

    def many(strategy: st.SearchStrategy[Any], prefix: str, **kwargs: Any) -> list[Any]:
        return _renumbered(
            draw(st.lists(strategy, max_size=max_items, **kwargs)), f"{base}.{prefix}"
        )

    courses = many(medication_courses(), "mc")
    course_ids = [course.id for course in courses]
    chained = [
        course.model_copy(update={"previous_course_id": course_ids[n - 1]})
        if n > 0 and draw(st.booleans())
        else course
        for n, course in enumerate(courses)
    ]
    given = many(administrations(), "ad") if course_ids else []
    given = [a.model_copy(update={"course_id": draw(st.sampled_from(course_ids))}) for a in given]
    events = [
        event.model_copy(
            update={
                "suspected_course_ids": tuple(
                    draw(st.lists(st.sampled_from(course_ids), unique=True, max_size=2))
                )
                if course_ids
                else ()
            }
        )
        for event in many(adverse_events(), "ae")
    ]
    visit_list = []
    for visit in many(visits(), "v"):
        update: dict[str, Any] = {
            "assessments": tuple(_renumbered(list(visit.assessments), f"{visit.id}.a"))
        }
        if patient.date_of_death is not None and visit.visit_date > patient.date_of_death:
            update["visit_date"] = patient.date_of_death
        visit_list.append(visit.model_copy(update=update))
    pump_list = [
        pump.model_copy(update={"refills": tuple(_renumbered(list(pump.refills), f"{pump.id}.r"))})
        for pump in many(intrathecal_pumps(), "p")
    ]
    with_identifiers = draw(st.booleans())
    record = PatientRecord(
        patient=patient,
        identifiers=draw(patient_identifiers(patient.birth_year_month))
        if with_identifiers
        else None,
        consents=tuple(many(consents(), "c")),
        lab_results=tuple(many(lab_results(), "l")),
        comorbidities=tuple(many(comorbidities(), "cm")),
        genetic_markers=tuple(many(genetic_markers(), "g")),
        visits=tuple(visit_list),
        medication_courses=tuple(chained),
        administrations=tuple(given),
        pumps=tuple(pump_list),
        procedures=tuple(many(procedures(), "pr")),
        non_drug_therapies=tuple(many(non_drug_therapies(), "nd")),
        adverse_events=tuple(events),
        diary_entries=tuple(many(diary_entries(), "d", unique_by=lambda e: e.entry_date)),
    )
    # model_copy does not validate: validate the whole record again from plain data.
    return PatientRecord.model_validate(record.model_dump())


@st.composite
def alert_acknowledgements(draw: st.DrawFn) -> AlertAcknowledgement:
    """A decision about a monitoring alert (not part of a PatientRecord)."""
    moment = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2039, 12, 31), timezones=st.just(UTC)
        )
    )
    snoozed = draw(st.booleans())
    return AlertAcknowledgement(
        id=draw(record_ids()),
        patient_id=draw(record_ids()),
        rule_id=draw(record_ids()),
        fingerprint=draw(st.from_regex(r"[0-9a-f]{16,128}", fullmatch=True)),
        kind=AcknowledgementKind.SNOOZE if snoozed else AcknowledgementKind.ACKNOWLEDGE,
        reason=draw(free_text(200)),
        acknowledged_by=draw(free_text(200)),
        acknowledged_at=moment,
        snoozed_until=draw(_dates(moment.date())) if snoozed else None,
    )


STRATEGIES: dict[type[BaseModel], st.SearchStrategy[Any]] = {
    Site: sites(),
    Patient: patients(),
    PatientIdentifiers: patient_identifiers(),
    Consent: consents(),
    LabResult: lab_results(),
    Comorbidity: comorbidities(),
    GeneticMarker: genetic_markers(),
    Assessment: assessments(),
    Visit: visits(),
    Dose: doses(),
    MedicationCourse: medication_courses(),
    Administration: administrations(),
    PumpRefill: pump_refills(),
    IntrathecalPump: intrathecal_pumps(),
    Procedure: procedures(),
    NonDrugTherapy: non_drug_therapies(),
    AdverseEvent: adverse_events(),
    DiaryDose: diary_doses(),
    DiaryEntry: diary_entries(),
    PatientRecord: patient_records(),
    AlertAcknowledgement: alert_acknowledgements(),
}
"""A strategy for every domain class (a test checks none is missing)."""


def example_sites() -> tuple[Site, ...]:
    return (
        Site(id="SITE-A", name='Centre Hospitalier, Neurologie "A"', country="FR"),
        Site(id="SITE-B", name="Klinikum Nord", country="DE"),
    )


def example_record(patient_id: str = "p-0001", site_id: str = "SITE-A") -> PatientRecord:
    """A hand-written record with every section populated and awkward text in free fields."""
    day = date(2021, 3, 1)
    return PatientRecord.model_validate(
        {
            "patient": {
                "id": patient_id,
                "pseudonym": "SPS-0001",
                "site_id": site_id,
                "sex": "female",
                "birth_year_month": "1971-04",
                "first_contact_date": "2019-05-02",
                "onset_date": "2017-06-01",
                "diagnosis_date": "2019-06-15",
                "phenotype": "classic",
                "genetic_diagnosis": "none known; HLA-DRB1*03:01 carrier",
                "functioning_classification": "b7800 muscle stiffness, moderate",
            },
            "identifiers": {
                "given_name": "Zoë",
                "family_name": "O'Brien-Łukasz",
                "hospital_number": "H-12345",
                "date_of_birth": "1971-04-17",
                "address": "12 Rue de la Paix,\n75002 Paris",
                "email": "zoe@example.org",
            },
            "consents": [
                {
                    "id": f"{patient_id}.c1",
                    "kind": "registry",
                    "status": "granted",
                    "recorded_on": "2019-05-02",
                },
                {
                    "id": f"{patient_id}.c2",
                    "kind": "data_reuse",
                    "status": "withdrawn",
                    "recorded_on": "2019-05-02",
                    "withdrawn_on": "2022-01-10",
                },
            ],
            "lab_results": [
                {
                    "id": f"{patient_id}.l1",
                    "analyte": "gad65_antibody",
                    "collected_on": "2019-06-01",
                    "specimen": "serum",
                    "method": "ria",
                    "value": 12.5,
                    "unit": "nmol/L",
                    "qualitative": "positive",
                    "laboratory": 'Lab "Central", Bldg 2',
                },
                {
                    "id": f"{patient_id}.l2",
                    "analyte": "gad65_antibody",
                    "collected_on": "2019-06-01",
                    "specimen": "csf",
                    "method": "indirect_immunofluorescence",
                    "titre_denominator": 320,
                },
            ],
            "comorbidities": [
                {
                    "id": f"{patient_id}.cm1",
                    "kind": "type_1_diabetes",
                    "diagnosed_on": "1990-01-01",
                },
                {
                    "id": f"{patient_id}.cm2",
                    "kind": "other",
                    "detail": "coeliac disease — biopsy proven",
                },
            ],
            "genetic_markers": [
                {
                    "id": f"{patient_id}.g1",
                    "system": "HLA",
                    "locus": "DRB1",
                    "allele": "03:01",
                    "tested_on": "2019-07-01",
                    "method": "sequencing",
                },
            ],
            "visits": [
                {
                    "id": f"{patient_id}.v1",
                    "visit_date": "2021-03-01",
                    "kind": "baseline",
                    "weight_kg": 64.5,
                    "assessments": [
                        {
                            "id": f"{patient_id}.v1.a1",
                            "scale_id": "sps_stiffness_index",
                            "scale_version": "1",
                            "responses": {
                                "lower_trunk": 1,
                                "upper_trunk": 1.0,
                                "face": None,
                                "note": "3",
                                "comment": "",
                                'free text, with "quotes"': "stiff\r\nmorning",
                            },
                        },
                        {
                            "id": f"{patient_id}.v1.a2",
                            "scale_id": "hfs",
                            "scale_version": "1",
                            "responses": {},
                        },
                    ],
                },
                {"id": f"{patient_id}.v2", "visit_date": "2021-09-01", "kind": "infusion"},
            ],
            "medication_courses": [
                {
                    "id": f"{patient_id}.mc1",
                    "drug_id": "diazepam",
                    "route": "oral",
                    "intent": "symptomatic",
                    "schedule": "regular",
                    "dose": {"value": 5, "unit": "mg"},
                    "times_per_period": 3,
                    "period_days": 1,
                    "start_date": "2019-06-15",
                    "stop_date": "2020-01-01",
                    "stop_reason": "dose_changed",
                },
                {
                    "id": f"{patient_id}.mc2",
                    "drug_id": "diazepam",
                    "route": "oral",
                    "intent": "symptomatic",
                    "schedule": "regular",
                    "dose": {"value": 10, "unit": "mg"},
                    "times_per_period": 3,
                    "period_days": 1,
                    "start_date": "2020-01-01",
                    "previous_course_id": f"{patient_id}.mc1",
                },
                {
                    "id": f"{patient_id}.mc3",
                    "drug_id": "ivig",
                    "route": "iv",
                    "intent": "immunotherapy",
                    "schedule": "cyclic_course",
                    "dose": {"value": 2, "unit": "g/kg"},
                    "period_days": 28,
                    "course_days": 2,
                    "weight_kg": 64.5,
                    "start_date": "2021-03-01",
                },
                {
                    "id": f"{patient_id}.mc4",
                    "drug_id": "baclofen",
                    "route": "intrathecal",
                    "intent": "symptomatic",
                    "schedule": "continuous",
                    "dose": {"value": 150, "unit": "mcg"},
                    "start_date": "2021-05-01",
                },
            ],
            "administrations": [
                {
                    "id": f"{patient_id}.ad1",
                    "course_id": f"{patient_id}.mc3",
                    "given_on": "2021-03-01",
                    "dose": {"value": 64.5, "unit": "g"},
                    "cycle_number": 1,
                    "day_of_cycle": 1,
                },
                {
                    "id": f"{patient_id}.ad2",
                    "course_id": f"{patient_id}.mc3",
                    "given_on": "2021-03-02",
                    "dose": {"value": 64.5, "unit": "g"},
                    "cycle_number": 1,
                    "day_of_cycle": 2,
                },
            ],
            "pumps": [
                {
                    "id": f"{patient_id}.p1",
                    "implanted_on": "2021-05-01",
                    "reservoir_volume_ml": 40,
                    "device": "SynchroMed II",
                    "refills": [
                        {
                            "id": f"{patient_id}.p1.r1",
                            "refilled_on": "2021-06-01",
                            "volume_ml": 20,
                            "concentration_mcg_per_ml": 2000,
                            "daily_dose_mcg": 150,
                            "alarm_date": "2021-08-15",
                        },
                    ],
                },
            ],
            "procedures": [
                {
                    "id": f"{patient_id}.pr1",
                    "kind": "plasmapheresis",
                    "start_date": "2020-02-01",
                    "end_date": "2020-02-10",
                    "sessions": 5,
                },
            ],
            "non_drug_therapies": [
                {
                    "id": f"{patient_id}.nd1",
                    "kind": "physical_therapy",
                    "start_date": "2019-07-01",
                    "sessions_per_month": 4.5,
                    "detail": "aquatic; gait",
                },
            ],
            "adverse_events": [
                {
                    "id": f"{patient_id}.ae1",
                    "term": "Somnolence",
                    "grade": 2,
                    "onset_date": "2020-01-05",
                    "resolved_date": "2020-02-01",
                    "suspected_course_ids": [f"{patient_id}.mc2"],
                    "outcome": "recovered",
                    "action_taken": "dose_reduced",
                },
                {
                    "id": f"{patient_id}.ae2",
                    "term": "Headache",
                    "grade": 1,
                    "onset_date": "2021-03-02",
                    "suspected_course_ids": [f"{patient_id}.mc3", f"{patient_id}.mc2"],
                },
            ],
            "diary_entries": [
                {
                    "id": f"{patient_id}.d1",
                    "entry_date": day.isoformat(),
                    "stiffness": 6,
                    "spasm_count": 4,
                    "falls": 1,
                    "triggers": ["noise", "cold"],
                    "sedation": 2,
                    "doses_taken": [
                        {"drug_id": "diazepam", "doses": 3},
                        {"drug_id": "baclofen", "doses": 0},
                    ],
                },
                {
                    "id": f"{patient_id}.d2",
                    "entry_date": (day + timedelta(days=1)).isoformat(),
                    "triggers": ["emotional_stress"],
                },
            ],
        }
    )
