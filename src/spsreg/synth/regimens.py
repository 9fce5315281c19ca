"""Dose regimens the synthetic clinicians prescribe, each with the source of its doses.

The ladders are the generator's choice of steps, but every step lies inside the range its source
gives for SPS or in the label (sps-reference.md, section 4.1). The prednisone course is the one
regimen with no stored source: it is marked as a simulation assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

from spsreg.knowledge.citation import Citation, EvidenceLevel

__all__ = [
    "BACLOFEN",
    "CLONAZEPAM",
    "DIAZEPAM",
    "GABAPENTIN",
    "ITB_CONCENTRATIONS_MCG_PER_ML",
    "ITB_DAILY_DOSE_RANGE_MCG",
    "ITB_INITIAL_DAILY_DOSE_MCG",
    "ITB_RESERVOIRS_ML",
    "IVIG",
    "LEVETIRACETAM",
    "ORAL_LADDERS",
    "PLASMAPHERESIS",
    "PREDNISONE_TAPER",
    "RITUXIMAB",
    "TIZANIDINE",
    "TRAMADOL",
    "CyclicRegimen",
    "OralLadder",
    "OralStep",
]

_PRACTICAL_NEUROLOGY = Citation(
    reference="Practical Neurology SPS treatment tables (as stored in sps-reference.md 4.1)",
    url="https://pn.bmj.com/highwire/markup/138552/expansion",
    level=EvidenceLevel.SECONDARY,
)


@dataclass(frozen=True)
class OralStep:
    dose_mg: float
    times_per_day: int

    @property
    def daily_mg(self) -> float:
        return self.dose_mg * self.times_per_day


@dataclass(frozen=True)
class OralLadder:
    """Titration steps of an oral drug, lowest first."""

    drug_id: str
    steps: tuple[OralStep, ...]
    citation: Citation


@dataclass(frozen=True)
class CyclicRegimen:
    drug_id: str
    dose_value: float
    dose_unit: str
    days_per_course: int
    interval_days: int
    citation: Citation


DIAZEPAM = OralLadder(
    "diazepam",
    (OralStep(5, 2), OralStep(5, 3), OralStep(10, 2), OralStep(10, 3), OralStep(10, 4)),
    Citation(
        reference="Diazepam US label: 2-10 mg 3-4 times daily; SPS tables 5 mg twice daily to "
        "10 mg three times daily; 'medically tolerable doses (20-40 mg/day)' (NCT02282514)",
        url="https://api.fda.gov/drug/label.json?search=set_id%3A%22ec433be5-d84d-425f-9edf-71263f885eec%22",
        level=EvidenceLevel.PRIMARY,
    ),
)
CLONAZEPAM = OralLadder(
    "clonazepam",
    (OralStep(0.5, 2), OralStep(1, 2), OralStep(1, 3), OralStep(2, 2)),
    Citation(
        reference="SPS tables: clonazepam 0.5-5 mg/day (another table 1-6 mg/day)",
        url=_PRACTICAL_NEUROLOGY.url,
        level=EvidenceLevel.SECONDARY,
    ),
)
BACLOFEN = OralLadder(
    "baclofen",
    (OralStep(5, 3), OralStep(10, 3), OralStep(15, 3), OralStep(20, 3), OralStep(20, 4)),
    Citation(
        reference="Oral baclofen: 5 mg three times daily, maximum 80 mg/day (20 mg four times daily)",
        url="https://www.drugs.com/dosage/baclofen.html",
        level=EvidenceLevel.SECONDARY,
    ),
)
GABAPENTIN = OralLadder(
    "gabapentin",
    (OralStep(300, 3), OralStep(600, 3), OralStep(900, 3)),
    Citation(
        reference="SPS tables: gabapentin 300 mg three times daily, up-titrated; max 3600 mg/day",
        url=_PRACTICAL_NEUROLOGY.url,
        level=EvidenceLevel.SECONDARY,
    ),
)
TIZANIDINE = OralLadder(
    "tizanidine",
    (OralStep(2, 3), OralStep(2, 4)),
    Citation(
        reference="Tizanidine label: start 2 mg every 6-8 h; SPS tables to 2 mg three times daily",
        url="https://api.fda.gov/drug/label.json?search=set_id%3A615dfd5c-125a-40e2-a6da-afacde305282",
        level=EvidenceLevel.PRIMARY,
    ),
)
LEVETIRACETAM = OralLadder(
    "levetiracetam",
    (OralStep(500, 2), OralStep(1000, 2)),
    Citation(
        reference="SPS tables: levetiracetam 1000-2000 mg/day in 2 doses",
        url=_PRACTICAL_NEUROLOGY.url,
        level=EvidenceLevel.SECONDARY,
    ),
)
TRAMADOL = OralStep(50, 4)
"""Tramadol 50 mg as needed, at most 4 times a day (label: 50-100 mg every 4-6 h, <= 400 mg/day;
read from a DailyMed copy, a secondary source). Opioid co-prescription itself is a simulation
assumption; its dose is kept well inside the label."""

PREDNISONE_TAPER: tuple[tuple[float, int], ...] = ((30.0, 28), (20.0, 28), (10.0, 28))
"""Simulation assumption (no stored source gives prednisone dosing in SPS): mg once daily, days."""

ORAL_LADDERS: dict[str, OralLadder] = {
    ladder.drug_id: ladder
    for ladder in (DIAZEPAM, CLONAZEPAM, BACLOFEN, GABAPENTIN, TIZANIDINE, LEVETIRACETAM)
}

IVIG = CyclicRegimen(
    "ivig",
    2.0,
    "g/kg",
    days_per_course=2,
    interval_days=28,
    citation=Citation(
        reference="Dalakas et al., NEJM 2001;345:1870-6: IVIG 2 g/kg per month as 1 g/kg/day x 2 days",
        url="https://metajournal.com/articles/1087827/high-dose-intravenous-immune-globulin-stiff-person-syndrome",
        level=EvidenceLevel.PRIMARY,
    ),
)
RITUXIMAB = CyclicRegimen(
    "rituximab",
    1.0,
    "g",
    days_per_course=2,
    interval_days=14,
    citation=Citation(
        reference="Dalakas et al., Ann Neurol 2017;82:271-277: rituximab 1 g x 2 two weeks apart",
        url="https://zendy.io/title/10.1002/ana.25002",
        level=EvidenceLevel.PRIMARY,
    ),
)
PLASMAPHERESIS = CyclicRegimen(
    "plasmapheresis",
    5.0,
    "exchanges",
    days_per_course=5,
    interval_days=2,
    citation=Citation(
        reference="5-6 exchanges (Practical Neurology); 5 treatments every other day (Medscape)",
        url="https://www.medscape.com/answers/1172135-113987/",
        level=EvidenceLevel.SECONDARY,
    ),
)

ITB_DAILY_DOSE_RANGE_MCG = (50.0, 800.0)
"""Intrathecal baclofen in SPS: 50-800 mcg/day (Practical Neurology table)."""
ITB_INITIAL_DAILY_DOSE_MCG = 100.0
"""Label: initial pump dose is twice the effective screening dose (50 mcg bolus) over 24 h."""
ITB_CONCENTRATIONS_MCG_PER_ML = (1000.0, 2000.0)
"""Intrathecal baclofen product strengths listed in openFDA NDC records (1000 and 2000 ug/mL)."""
ITB_RESERVOIRS_ML = (20.0, 40.0)
"""Pump reservoir sizes the generator uses (a device choice, not a clinical fact)."""
