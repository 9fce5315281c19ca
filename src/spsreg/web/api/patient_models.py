"""The JSON shapes of the patient list and the patient overview (shared by the API and the page).

The patient page renders :class:`PatientOverviewOut` too, so the page and ``GET
/api/v1/patients/{id}`` always show the same content. Identifiers appear only when the viewer is
staff of the patient's own site (the store decides; they are None otherwise).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from spsreg.domain import PatientIdentifiers
from spsreg.services.monitoring import WorklistEntry
from spsreg.services.patient_overview import PatientPage, age_in_years
from spsreg.store import PatientSummary

__all__ = [
    "IdentifiersOut",
    "PatientListItem",
    "PatientListOut",
    "PatientOverviewOut",
    "alert_out",
    "identifiers_out",
    "list_item",
    "overview_out",
]

Fact = str | int | float | bool | None


class IdentifiersOut(BaseModel):
    """Identifiable data: only for staff of the patient's own site (access-logged)."""

    given_name: str
    family_name: str
    hospital_number: str
    date_of_birth: date


class PatientListItem(BaseModel):
    patient_id: str = Field(description="the registry's patient id")
    pseudonym: str
    site_id: str
    sex: str
    birth_year_month: str = Field(description="YYYY-MM")
    vital_status: str
    phenotype: str | None
    diagnosis_date: date | None
    version: int = Field(description="row version of the patient record")
    identifiers: IdentifiersOut | None = Field(
        None, description="only for staff of the patient's own site"
    )


class PatientListOut(BaseModel):
    items: list[PatientListItem]
    total: int = Field(description="patients matching the search and filters")
    limit: int
    offset: int


class PatientHeaderOut(BaseModel):
    patient_id: str
    pseudonym: str
    site_id: str
    sex: str
    birth_year_month: str
    age_years: int = Field(description="completed years on as_of (birthday taken as the 1st)")
    vital_status: str
    date_of_death: date | None
    onset_date: date | None
    diagnosis_date: date | None
    phenotype: str | None


class AntibodyOut(BaseModel):
    analyte: str
    specimen: str
    method: str
    collected_on: date
    value: float | None
    unit: str | None
    qualitative: str | None
    titre_denominator: int | None


class AntibodyStatusOut(BaseModel):
    gad65: str = Field(description="high_titre, positive, negative or unknown (cited cut-offs)")
    glyr: str = Field(description="positive, negative or unknown")
    latest: list[AntibodyOut]


class ScoreOut(BaseModel):
    scale_id: str
    scale_name: str
    assessed_on: date
    total: float | None = Field(description="None for scales scored as separate subscores")
    minimum: float | None = Field(description="lowest possible total")
    maximum: float | None = Field(description="highest possible total (None: no upper bound)")
    unit: str | None
    band: str | None
    complete: bool
    subscores: dict[str, float | None]


class MedicationOut(BaseModel):
    course_id: str
    drug_id: str
    drug_name: str
    route: str
    intent: str
    dose_value: float
    dose_unit: str
    frequency: str
    dose: str = Field(description="the prescription in words, e.g. '5 mg 3x every day'")
    daily_amount: float | None
    daily_unit: str | None
    start_date: date


class SourceOut(BaseModel):
    reference: str
    url: str | None


class AlertOut(BaseModel):
    alert_id: str = Field(description="the start of the alert's fingerprint")
    rule_id: str
    severity: str
    title: str
    message: str
    explanation: str = Field(description="the facts that raised the alert, in words")
    facts: dict[str, Fact]
    action: str
    sources: list[SourceOut]
    due: date | None


class AdverseEventOut(BaseModel):
    event_id: str
    term: str
    grade: int
    onset_date: date
    resolved_date: date | None
    serious: bool


class DiarySummaryOut(BaseModel):
    first_day: date
    last_day: date
    days_recorded: int
    mean_stiffness: float | None = Field(description="mean of the 0-10 stiffness ratings")
    spasms_counted: int | None
    latest_entry: date | None


class LinksOut(BaseModel):
    page: str
    timeline_svg: str
    timeline: str
    new_visit: str
    new_medication: str
    new_lab: str
    new_adverse_event: str
    case_report: str


class PatientOverviewOut(BaseModel):
    as_of: date
    patient: PatientHeaderOut
    identifiers: IdentifiersOut | None = Field(description="only for the patient's own site staff")
    antibodies: AntibodyStatusOut
    latest_scores: list[ScoreOut]
    medications: list[MedicationOut]
    diazepam_equivalent_mg_per_day: float | None = Field(
        description="benzodiazepine load; None when no cited equivalence covers an active course"
    )
    alerts: list[AlertOut]
    silenced_alerts: int = Field(description="alerts kept quiet by a clinician's decision")
    adverse_events: list[AdverseEventOut]
    diary: DiarySummaryOut
    links: LinksOut


def identifiers_out(identifiers: PatientIdentifiers | None) -> IdentifiersOut | None:
    if identifiers is None:
        return None
    return IdentifiersOut(
        given_name=identifiers.given_name,
        family_name=identifiers.family_name,
        hospital_number=identifiers.hospital_number,
        date_of_birth=identifiers.date_of_birth,
    )


def list_item(summary: PatientSummary, identifiers: PatientIdentifiers | None) -> PatientListItem:
    return PatientListItem(
        patient_id=summary.patient_id,
        pseudonym=summary.pseudonym,
        site_id=summary.site_id,
        sex=summary.sex.value,
        birth_year_month=summary.birth_year_month,
        vital_status=summary.vital_status.value,
        phenotype=None if summary.phenotype is None else summary.phenotype.value,
        diagnosis_date=summary.diagnosis_date,
        version=summary.version,
        identifiers=identifiers_out(identifiers),
    )


def _fact(value: object) -> Fact:
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def alert_out(entry: WorklistEntry) -> AlertOut:
    alert = entry.alert
    facts = {name: _fact(value) for name, value in alert.rationale.items()}
    explanation = "; ".join(
        f"{name.replace('_', ' ')}: {'not recorded' if value is None else value}"
        for name, value in facts.items()
    )
    return AlertOut(
        alert_id=entry.alert_id,
        rule_id=alert.rule_id,
        severity=alert.severity.value,
        title=alert.title,
        message=alert.message,
        explanation=explanation,
        facts=facts,
        action=alert.action,
        sources=[SourceOut(reference=c.reference, url=c.url) for c in alert.citations],
        due=alert.due,
    )


def links(patient_id: str) -> LinksOut:
    base = f"/patients/{patient_id}"
    return LinksOut(
        page=base,
        timeline_svg=f"{base}/timeline.svg",
        timeline=f"/api/v1{base}/timeline",
        new_visit=f"{base}/visits/new",
        new_medication=f"{base}/medications/new",
        new_lab=f"{base}/labs/new",
        new_adverse_event=f"{base}/adverse-events/new",
        case_report=f"/reports/case/{patient_id}",
    )


def overview_out(page: PatientPage) -> PatientOverviewOut:
    """The patient page's content as the API's response model."""
    patient = page.patient
    return PatientOverviewOut(
        as_of=page.as_of,
        patient=PatientHeaderOut(
            patient_id=patient.id,
            pseudonym=patient.pseudonym,
            site_id=patient.site_id,
            sex=patient.sex.value,
            birth_year_month=patient.birth_year_month,
            age_years=age_in_years(patient.birth_year_month, page.as_of),
            vital_status=patient.vital_status.value,
            date_of_death=patient.date_of_death,
            onset_date=patient.onset_date,
            diagnosis_date=patient.diagnosis_date,
            phenotype=None if patient.phenotype is None else patient.phenotype.value,
        ),
        identifiers=identifiers_out(page.identifiers),
        antibodies=AntibodyStatusOut(
            gad65=page.gad65_status,
            glyr=page.glyr_status,
            latest=[
                AntibodyOut(
                    analyte=r.analyte,
                    specimen=r.specimen.value,
                    method=r.method.value,
                    collected_on=r.collected_on,
                    value=r.value,
                    unit=r.unit,
                    qualitative=None if r.qualitative is None else r.qualitative.value,
                    titre_denominator=r.titre_denominator,
                )
                for r in page.antibodies
            ],
        ),
        latest_scores=[ScoreOut(**vars(score)) for score in page.latest_scores],
        medications=[MedicationOut(**vars(line)) for line in page.medications],
        diazepam_equivalent_mg_per_day=page.diazepam_equivalent_mg_per_day,
        alerts=[alert_out(entry) for entry in page.alerts],
        silenced_alerts=page.silenced_alerts,
        adverse_events=[AdverseEventOut(**vars(event)) for event in page.adverse_events],
        diary=DiarySummaryOut(**vars(page.diary)),
        links=links(patient.id),
    )
