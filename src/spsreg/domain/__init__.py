"""Pure domain model of the SPS registry: entities, value objects, units, scale scoring. No I/O."""

from spsreg.domain.acknowledgements import (
    AcknowledgementKind,
    AlertAcknowledgement,
    AlertKey,
    is_silenced,
    latest_decision,
    record_decision,
)
from spsreg.domain.adverse_events import AdverseEvent, AdverseEventAction, AdverseEventOutcome
from spsreg.domain.assessments import Assessment, Visit, VisitKind
from spsreg.domain.base import DomainModel
from spsreg.domain.conditions import Comorbidity, ComorbidityKind, GeneticMarker
from spsreg.domain.diary import DiaryDose, DiaryEntry, SpasmTrigger
from spsreg.domain.labs import AssayMethod, LabResult, QualitativeResult, Specimen
from spsreg.domain.medications import (
    Administration,
    Dose,
    DosingSchedule,
    IntrathecalPump,
    MedicationCourse,
    PumpRefill,
    Route,
    StopReason,
    TherapyIntent,
)
from spsreg.domain.patient import (
    Consent,
    ConsentKind,
    ConsentStatus,
    Patient,
    PatientIdentifiers,
    Phenotype,
    Sex,
    Site,
    VitalStatus,
)
from spsreg.domain.record import RECORD_SECTIONS, PatientRecord
from spsreg.domain.therapies import NonDrugTherapy, NonDrugTherapyKind, Procedure, ProcedureKind
from spsreg.domain.units import DoseUnit

__all__ = [
    "RECORD_SECTIONS",
    "AcknowledgementKind",
    "Administration",
    "AdverseEvent",
    "AdverseEventAction",
    "AdverseEventOutcome",
    "AlertAcknowledgement",
    "AlertKey",
    "AssayMethod",
    "Assessment",
    "Comorbidity",
    "ComorbidityKind",
    "Consent",
    "ConsentKind",
    "ConsentStatus",
    "DiaryDose",
    "DiaryEntry",
    "DomainModel",
    "Dose",
    "DoseUnit",
    "DosingSchedule",
    "GeneticMarker",
    "IntrathecalPump",
    "LabResult",
    "MedicationCourse",
    "NonDrugTherapy",
    "NonDrugTherapyKind",
    "Patient",
    "PatientIdentifiers",
    "PatientRecord",
    "Phenotype",
    "Procedure",
    "ProcedureKind",
    "PumpRefill",
    "QualitativeResult",
    "Route",
    "Sex",
    "Site",
    "SpasmTrigger",
    "Specimen",
    "StopReason",
    "TherapyIntent",
    "Visit",
    "VisitKind",
    "VitalStatus",
    "is_silenced",
    "latest_decision",
    "record_decision",
]
