"""Example patient records for tests: every section populated, every kind of value represented.

Record ids are prefixed with the patient id, so records built for different patients never share an
id (record ids are unique registry-wide). The clinical values are plausible test data, not
reference values.
"""

from __future__ import annotations

import re
from datetime import date

from spsreg.domain import (
    Administration,
    AdverseEvent,
    AdverseEventAction,
    AdverseEventOutcome,
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
    SpasmTrigger,
    Specimen,
    StopReason,
    TherapyIntent,
    Visit,
    VisitKind,
    VitalStatus,
)

__all__ = ["full_record", "minimal_record", "pseudonym_for"]


def pseudonym_for(patient_id: str) -> str:
    """A valid registry pseudonym derived from a patient id (unique per id in tests)."""
    return ("PSN-" + re.sub(r"[^A-Z0-9]", "-", patient_id.upper()))[:32]


def minimal_record(patient_id: str = "p-0001", site_id: str = "SITE-A") -> PatientRecord:
    """A patient with no sections and no identifiers."""
    return PatientRecord(
        patient=Patient(
            id=patient_id,
            pseudonym=pseudonym_for(patient_id),
            site_id=site_id,
            sex=Sex.MALE,
            birth_year_month="1980-01",
        )
    )


def full_record(patient_id: str = "p-0001", site_id: str = "SITE-A") -> PatientRecord:
    """A rich record with every section of ``PatientRecord`` populated."""
    p = patient_id
    diazepam_1 = MedicationCourse(
        id=f"{p}-course-diazepam-1",
        drug_id="diazepam",
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=5.0, unit=DoseUnit.MG),
        times_per_period=3,
        period_days=1,
        start_date=date(2019, 3, 1),
        stop_date=date(2019, 9, 1),
        stop_reason=StopReason.DOSE_CHANGED,
    )
    diazepam_2 = MedicationCourse(
        id=f"{p}-course-diazepam-2",
        drug_id="diazepam",
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=7.5, unit=DoseUnit.MG),
        times_per_period=3,
        period_days=1,
        start_date=date(2019, 9, 1),
        previous_course_id=diazepam_1.id,
    )
    ivig = MedicationCourse(
        id=f"{p}-course-ivig",
        drug_id="ivig",
        route=Route.IV,
        intent=TherapyIntent.IMMUNOTHERAPY,
        schedule=DosingSchedule.CYCLIC_COURSE,
        dose=Dose(value=2.0, unit=DoseUnit.G_PER_KG),
        period_days=28,
        course_days=2,
        weight_kg=72.35,
        start_date=date(2020, 1, 6),
        stop_date=date(2020, 7, 1),
        stop_reason=StopReason.INEFFECTIVE,
    )
    baclofen_itb = MedicationCourse(
        id=f"{p}-course-itb",
        drug_id="baclofen",
        route=Route.INTRATHECAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.CONTINUOUS,
        dose=Dose(value=150.0, unit=DoseUnit.MCG),
        start_date=date(2021, 2, 10),
    )
    return PatientRecord(
        patient=Patient(
            id=p,
            pseudonym=pseudonym_for(p),
            site_id=site_id,
            sex=Sex.FEMALE,
            birth_year_month="1971-04",
            vital_status=VitalStatus.ALIVE,
            first_contact_date=date(2018, 11, 20),
            onset_date=date(2016, 5, 1),
            diagnosis_date=date(2018, 12, 3),
            genetic_diagnosis="not applicable",
            undiagnosed=False,
            phenotype=Phenotype.CLASSIC,
            biobank_link="biobank:sample-set-17",
            functioning_classification="ICF d450.2",
        ),
        identifiers=PatientIdentifiers(
            given_name="Ada",
            family_name="Lovelace-Test",
            hospital_number=f"HN-{p}",
            date_of_birth=date(1971, 4, 14),
            address="1 Test Street, Testville",
            phone="+44 20 7946 0000",
            email="ada.test@example.org",
        ),
        consents=(
            Consent(
                id=f"{p}-consent-registry",
                kind=ConsentKind.REGISTRY,
                status=ConsentStatus.GRANTED,
                recorded_on=date(2018, 11, 20),
            ),
            Consent(
                id=f"{p}-consent-contact",
                kind=ConsentKind.CONTACT_FOR_RESEARCH,
                status=ConsentStatus.WITHDRAWN,
                recorded_on=date(2018, 11, 20),
                withdrawn_on=date(2022, 6, 30),
            ),
        ),
        lab_results=(
            LabResult(
                id=f"{p}-lab-gad-serum",
                analyte="gad65_antibody",
                collected_on=date(2018, 12, 1),
                specimen=Specimen.SERUM,
                method=AssayMethod.RIA,
                value=254.3,
                unit="nmol/L",
                qualitative=QualitativeResult.POSITIVE,
                laboratory="Reference lab",
            ),
            LabResult(
                id=f"{p}-lab-gad-csf",
                analyte="gad65_antibody",
                collected_on=date(2018, 12, 1),
                specimen=Specimen.CSF,
                method=AssayMethod.RIA,
                value=0.75,
                unit="nmol/L",
            ),
            LabResult(
                id=f"{p}-lab-hba1c",
                analyte="hba1c",
                collected_on=date(2020, 1, 2),
                specimen=Specimen.WHOLE_BLOOD,
                method=AssayMethod.STANDARD_CHEMISTRY,
                value=0.1 + 0.2,  # a float with no short decimal form: must round-trip exactly
                unit="mmol/mol",
            ),
        ),
        comorbidities=(
            Comorbidity(
                id=f"{p}-comorbidity-t1d",
                kind=ComorbidityKind.TYPE_1_DIABETES,
                diagnosed_on=date(1995, 8, 1),
            ),
            Comorbidity(
                id=f"{p}-comorbidity-other",
                kind=ComorbidityKind.OTHER,
                detail="coeliac disease",
                diagnosed_on=date(2010, 2, 1),
                resolved_on=date(2012, 2, 1),
            ),
        ),
        genetic_markers=(
            GeneticMarker(
                id=f"{p}-hla-drb1",
                system="HLA",
                locus="DRB1",
                allele="03:01",
                tested_on=date(2019, 1, 15),
                method="sequencing",
            ),
        ),
        visits=(
            Visit(
                id=f"{p}-visit-baseline",
                visit_date=date(2018, 12, 3),
                kind=VisitKind.BASELINE,
                weight_kg=72.35,
                assessments=(
                    Assessment(
                        id=f"{p}-assessment-si-1",
                        scale_id="stiffness_index",
                        scale_version="1",
                        responses={
                            "lower_trunk": 1,
                            "upper_trunk": 1,
                            "legs": 1,
                            "arms": 0,
                            "face": 0,
                            "abdomen": None,
                        },
                    ),
                    Assessment(
                        id=f"{p}-assessment-t25fw-1",
                        scale_id="t25fw",
                        scale_version="1",
                        responses={
                            "trial_1_seconds": 12.4,
                            "trial_2_seconds": 11.9,
                            "assistive_device": 1,
                        },
                    ),
                ),
            ),
            Visit(
                id=f"{p}-visit-followup",
                visit_date=date(2019, 6, 3),
                kind=VisitKind.ROUTINE,
                assessments=(
                    Assessment(
                        id=f"{p}-assessment-mrs-2",
                        scale_id="mrs",
                        scale_version="1",
                        responses={"grade": 3},
                    ),
                ),
            ),
            Visit(id=f"{p}-visit-phone", visit_date=date(2019, 7, 1), kind=VisitKind.TELEHEALTH),
        ),
        medication_courses=(diazepam_1, diazepam_2, ivig, baclofen_itb),
        administrations=(
            Administration(
                id=f"{p}-ivig-c1-d1",
                course_id=ivig.id,
                given_on=date(2020, 1, 6),
                dose=Dose(value=1.0, unit=DoseUnit.G_PER_KG),
                cycle_number=1,
                day_of_cycle=1,
            ),
            Administration(
                id=f"{p}-ivig-c1-d2",
                course_id=ivig.id,
                given_on=date(2020, 1, 7),
                dose=Dose(value=1.0, unit=DoseUnit.G_PER_KG),
                cycle_number=1,
                day_of_cycle=2,
            ),
        ),
        pumps=(
            IntrathecalPump(
                id=f"{p}-pump-1",
                implanted_on=date(2021, 2, 10),
                reservoir_volume_ml=40.0,
                device="test pump",
                refills=(
                    PumpRefill(
                        id=f"{p}-refill-1",
                        refilled_on=date(2021, 5, 10),
                        volume_ml=38.5,
                        concentration_mcg_per_ml=2000.0,
                        daily_dose_mcg=150.0,
                        alarm_date=date(2021, 8, 1),
                    ),
                    PumpRefill(
                        id=f"{p}-refill-2",
                        refilled_on=date(2021, 8, 2),
                        volume_ml=39.0,
                        concentration_mcg_per_ml=2000.0,
                        daily_dose_mcg=175.5,
                    ),
                ),
            ),
        ),
        procedures=(
            Procedure(
                id=f"{p}-plex-1",
                kind=ProcedureKind.PLASMAPHERESIS,
                start_date=date(2020, 9, 1),
                end_date=date(2020, 9, 10),
                sessions=5,
            ),
            Procedure(
                id=f"{p}-itb-implant",
                kind=ProcedureKind.ITB_PUMP_IMPLANT,
                start_date=date(2021, 2, 10),
            ),
        ),
        non_drug_therapies=(
            NonDrugTherapy(
                id=f"{p}-physio",
                kind=NonDrugTherapyKind.PHYSICAL_THERAPY,
                start_date=date(2019, 1, 1),
                stop_date=date(2019, 12, 31),
                sessions_per_month=4.5,
                detail="stretching programme",
            ),
        ),
        adverse_events=(
            AdverseEvent(
                id=f"{p}-ae-somnolence",
                term="Somnolence",
                grade=2,
                onset_date=date(2019, 9, 15),
                resolved_date=date(2019, 10, 1),
                suspected_course_ids=(diazepam_2.id,),
                outcome=AdverseEventOutcome.RECOVERED,
                action_taken=AdverseEventAction.NONE,
            ),
            AdverseEvent(
                id=f"{p}-ae-meningitis",
                term="Meningitis",
                grade=4,
                onset_date=date(2021, 9, 1),
                serious=True,
                suspected_course_ids=(baclofen_itb.id, ivig.id),
                outcome=AdverseEventOutcome.RECOVERING,
                action_taken=AdverseEventAction.DOSE_INTERRUPTED,
            ),
        ),
        diary_entries=(
            DiaryEntry(
                id=f"{p}-diary-2021-03-01",
                entry_date=date(2021, 3, 1),
                stiffness=6,
                spasm_count=4,
                falls=0,
                triggers=(SpasmTrigger.NOISE, SpasmTrigger.COLD),
                sedation=2,
                doses_taken=(
                    DiaryDose(drug_id="diazepam", doses=3),
                    DiaryDose(drug_id="baclofen", doses=0),
                ),
            ),
            DiaryEntry(id=f"{p}-diary-2021-03-02", entry_date=date(2021, 3, 2), stiffness=5),
            DiaryEntry(
                id=f"{p}-diary-2021-02-28",  # saved out of date order: the order must survive
                entry_date=date(2021, 2, 28),
                triggers=(SpasmTrigger.EMOTIONAL_STRESS,),
            ),
        ),
    )


PHI_CANARY = "xq9"
"""In every planted value of :func:`phi_canary_record`; "9" is outside the base32 alphabet of
keyed tokens, so a keyed id never contains it by chance."""


def phi_canary_record() -> PatientRecord:
    """The full example record with :data:`PHI_CANARY` planted in every identifier and text field."""
    data = full_record(patient_id="xq9-patient-7731", site_id="xq9-site-hospital").model_dump()
    data["patient"].update(
        pseudonym="XQ9-PSEUDONYM-7731",
        genetic_diagnosis="xq9 genetic diagnosis text",
        biobank_link="https://biobank.example.org/xq9-sample",
        functioning_classification="xq9 ICF free text",
    )
    data["identifiers"].update(
        given_name="Xq9given",
        family_name="Xq9family",
        hospital_number="XQ9-HN-99314",
        address="17 Xq9lane, Xq9town XQ91 4AB",
        phone="+44 7946 0999 xq9",
        email="xq9.patient@example.org",
    )
    data["lab_results"][0]["laboratory"] = "Xq9 Hospital laboratory"
    data["comorbidities"][1]["detail"] = "xq9: patient of Dr Xq9doctor"
    data["genetic_markers"][0]["method"] = "xq9 sequencing"
    data["pumps"][0]["device"] = "XQ9-SERIAL-0042"
    data["procedures"][0]["detail"] = "xq9 procedure note"
    data["non_drug_therapies"][0]["detail"] = "xq9 physio at Xq9town"
    data["adverse_events"][0]["term"] = "xq9 somnolence seen by Dr Xq9"
    return PatientRecord.model_validate(data)
