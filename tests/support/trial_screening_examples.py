"""A small trial and patients for screening, enrolment and randomization tests: a criteria
document and one patient per screening scenario (eligible, not contactable, ineligible for each
reason, undetermined for missing data), screened on ``AS_OF``."""

from __future__ import annotations

from datetime import date
from typing import Any

from spsreg.domain import Consent, LabResult, MedicationCourse, Patient, PatientRecord
from spsreg.domain.trials import TrialArm, TrialDesign, TrialRecord

AS_OF = date(2025, 6, 15)
NCT = "NCT09911111"

CRITERIA_YAML = """\
name: Seropositive classic or partial SPS, no recent anti-CD20
criteria:
  kind: all
  criteria:
    - {kind: age, min_years: 18, max_years: 75, id: adult, label: Aged 18 to 75}
    - {kind: phenotype, any_of: [classic, partial], id: phenotype, label: Classic or partial SPS}
    - kind: antibody
      id: gad65
      label: GAD65 antibodies positive
      analyte: gad65_antibody
      result: positive
    - kind: not
      id: no-anti-cd20
      label: No anti-CD20 therapy in the last 12 months
      criterion: {kind: therapy, drug_class: anti_cd20_antibody, window: {months: 12}}
"""

EXPECTED = {
    # patient id: (status, contactable, first failed criterion key, missing-data count)
    "P01": ("eligible", True, None, 0),
    "P02": ("not_contactable", False, None, 0),
    "P03": ("not_contactable", False, None, 0),
    "P04": ("ineligible", True, "adult", 0),
    "P05": ("ineligible", True, "no-anti-cd20", 0),
    "P06": ("undetermined", True, None, 1),
    "P07": ("undetermined", False, None, 2),
    "P08": ("ineligible", True, "adult", 0),
    "P09": ("eligible", True, None, 0),
    "P10": ("eligible", True, None, 0),
}


def trial(model: str = "PARALLEL") -> TrialRecord:
    return TrialRecord(
        nct_id=NCT,
        brief_title="Example trial in SPS",
        design=TrialDesign(intervention_model=model, allocation="RANDOMIZED"),
        arms=(TrialArm(label="IVIG"), TrialArm(label="Placebo")),
        eligibility={"criteria": "Inclusion: adults with classic or partial SPS, GAD65 positive."},
    )


def _consent(pid: str, status: str = "granted", withdrawn: date | None = None) -> Consent:
    return Consent(
        id=f"{pid}-contact",
        kind="contact_for_research",
        status=status,
        recorded_on=date(2024, 1, 10),
        withdrawn_on=withdrawn,
    )


def _gad65(pid: str) -> LabResult:
    return LabResult.model_validate(
        {
            "id": f"{pid}-gad",
            "analyte": "gad65_antibody",
            "collected_on": date(2024, 5, 1),
            "method": "ria",
            "specimen": "serum",
            "qualitative": "positive",
        }
    )


def _rituximab(pid: str) -> MedicationCourse:
    return MedicationCourse.model_validate(
        {
            "id": f"{pid}-rtx",
            "drug_id": "rituximab",
            "route": "iv",
            "intent": "immunotherapy",
            "schedule": "cyclic_course",
            "dose": {"value": 1000, "unit": "mg"},
            "period_days": 180,
            "course_days": 1,
            "start_date": date(2025, 3, 1),
        }
    )


def _record(
    pid: str,
    *,
    site: str = "SITE-A",
    born: str = "1980-04",
    phenotype: str | None = "classic",
    sex: str = "female",
    **sections: Any,
) -> PatientRecord:
    sections.setdefault("consents", (_consent(pid),))
    sections.setdefault("lab_results", (_gad65(pid),))
    patient = Patient(
        id=pid,
        pseudonym=f"SPS-T{pid}",
        site_id=site,
        sex=sex,
        birth_year_month=born,
        phenotype=phenotype,
    )
    return PatientRecord(patient=patient, **sections)


def scenario_records() -> list[PatientRecord]:
    """One record per scenario of :data:`EXPECTED` (P09 and P10 at site B)."""
    return [
        _record("P01"),
        _record("P02", consents=()),
        _record("P03", consents=(_consent("P03", "withdrawn", date(2025, 1, 2)),)),
        _record("P04", born="2010-01"),
        _record("P05", medication_courses=(_rituximab("P05"),)),
        _record("P06", phenotype=None),
        _record("P07", phenotype=None, lab_results=(), consents=()),
        _record("P08", born="2012-03", phenotype=None),
        _record("P09", site="SITE-B", phenotype="partial", sex="male"),
        _record("P10", site="SITE-B"),
    ]
