"""Laboratory results: antibodies at enrolment, routine chemistry, and treatment-driven tests.

Antibody results follow the patient's drawn serogroup. GAD65 is measured by the site's one method
(RIA in nmol/L or ELISA in IU/mL; never converted); negative results lie under the cited upper
reference limit of that method, and GlyR titres lie in the cited 1:20-1:60,000 range. Positive
GAD65 levels and all chemistry values are simulation assumptions chosen to look plausible; eGFR
is computed from creatinine (CKD-EPI 2021 creatinine equation) only so that the two agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from spsreg.domain.labs import AssayMethod, LabResult, QualitativeResult, Specimen
from spsreg.domain.patient import Sex
from spsreg.knowledge.epidemiology import Epidemiology
from spsreg.synth.chart import LabOrder
from spsreg.synth.demographics import PatientProfile
from spsreg.synth.schedule import VisitPlan
from spsreg.synth.sites import site_gad65_method

__all__ = ["PANELS", "LabContext", "lab_results"]

PANELS = ("antibodies", "glucose", "hba1c", "renal", "igg", "hbv", "cd19", "liver", "gad65")
_NEURAL_QUALITATIVE = {
    "amphiphysin_antibody": AssayMethod.IMMUNOBLOT,
    "dppx_antibody": AssayMethod.CELL_BASED_ASSAY,
    "gabaa_receptor_antibody": AssayMethod.CELL_BASED_ASSAY,
}


@dataclass
class LabContext:
    """What a lab value depends on besides the profile: exposure on the day of collection."""

    prednisone_days: np.ndarray  # bool per day
    tizanidine_days: np.ndarray  # bool per day
    ivig_course_days: list[int] = field(default_factory=list)
    rituximab_days: list[int] = field(default_factory=list)


class _LabWriter:
    def __init__(
        self,
        rng: np.random.Generator,
        profile: PatientProfile,
        epi: Epidemiology,
        context: LabContext,
    ) -> None:
        self.rng, self.profile, self.epi, self.context = rng, profile, epi, context
        self.results: list[LabResult] = []
        self.gad_method = site_gad65_method(profile.site_index)
        positive = "gad65_antibody" in profile.positive_antibodies
        if self.gad_method is AssayMethod.RIA:
            self.gad_level = float(rng.lognormal(math.log(80.0), 1.0)) if positive else 0.0
        else:
            self.gad_level = float(rng.lognormal(math.log(5000.0), 1.0)) if positive else 0.0
        self.creatinine_base = float(rng.normal(70.0 if profile.sex is Sex.FEMALE else 85.0, 10.0))

    def add(
        self,
        day: int,
        analyte: str,
        specimen: Specimen,
        method: AssayMethod,
        *,
        value: float | None = None,
        unit: str | None = None,
        qualitative: QualitativeResult | None = None,
        titre_denominator: int | None = None,
    ) -> None:
        self.results.append(
            LabResult(
                id=f"{self.profile.patient_id}-lab{len(self.results) + 1:04d}",
                analyte=analyte,
                collected_on=self.profile.date_of(day),
                specimen=specimen,
                method=method,
                laboratory=f"{self.profile.site_id} laboratory",
                value=value,
                unit=unit,
                qualitative=qualitative,
                titre_denominator=titre_denominator,
            )
        )

    def _recent(self, days: list[int], day: int, window: int) -> bool:
        return any(0 <= day - d <= window for d in days)

    def gad65(self, day: int, with_csf: bool = False) -> None:
        rng = self.rng
        if self.gad_level > 0:
            factor = 0.8 if self._recent(self.context.ivig_course_days, day, 90) else 1.0
            value = self.gad_level * factor * float(rng.lognormal(0.0, 0.15))
            lower = self.epi.assay_reference_limits[
                "gad65_ria_serum" if self.gad_method is AssayMethod.RIA else "gad65_elisa_serum"
            ].upper_reference_limit
            value = max(value, lower * 1.5)
        else:
            key = "gad65_ria_serum" if self.gad_method is AssayMethod.RIA else "gad65_elisa_serum"
            value = float(
                rng.uniform(0.0, self.epi.assay_reference_limits[key].upper_reference_limit)
            )
        unit = "nmol/L" if self.gad_method is AssayMethod.RIA else "IU/mL"
        digits = 3 if self.gad_method is AssayMethod.RIA else 1
        self.add(
            day,
            "gad65_antibody",
            Specimen.SERUM,
            self.gad_method,
            value=round(value, digits),
            unit=unit,
        )
        if with_csf and self.gad_level > 0 and self.gad_method is AssayMethod.RIA:
            csf = value / float(rng.uniform(50.0, 500.0))
            self.add(
                day,
                "gad65_antibody",
                Specimen.CSF,
                AssayMethod.RIA,
                value=round(csf, 3),
                unit="nmol/L",
            )

    def antibodies(self, day: int) -> None:
        profile, rng = self.profile, self.rng
        self.gad65(day, with_csf=rng.random() < 0.2)
        titre_range = self.epi.glyr_endpoint_titre_range
        if "glyr_antibody" in profile.positive_antibodies:
            steps = int(math.log2(titre_range.highest_denominator / titre_range.lowest_denominator))
            titre = titre_range.lowest_denominator * 2 ** int(rng.integers(0, steps + 1))
            self.add(
                day,
                "glyr_antibody",
                Specimen.SERUM,
                AssayMethod.CELL_BASED_ASSAY,
                qualitative=QualitativeResult.POSITIVE,
                titre_denominator=titre,
            )
        else:
            self.add(
                day,
                "glyr_antibody",
                Specimen.SERUM,
                AssayMethod.CELL_BASED_ASSAY,
                qualitative=QualitativeResult.NEGATIVE,
            )
        if profile.serogroup != "gad65" or profile.positive_antibodies & set(_NEURAL_QUALITATIVE):
            for analyte, method in _NEURAL_QUALITATIVE.items():
                result = (
                    QualitativeResult.POSITIVE
                    if analyte in profile.positive_antibodies
                    else QualitativeResult.NEGATIVE
                )
                self.add(day, analyte, Specimen.SERUM, method, qualitative=result)

    def chemistry(self, day: int, panel: str) -> None:
        rng, profile, context = self.rng, self.profile, self.context
        t1dm = profile.has_t1dm
        chem = AssayMethod.STANDARD_CHEMISTRY
        if panel == "glucose":
            value = rng.normal(9.0, 3.0) if t1dm else rng.normal(5.2, 0.5)
            if context.prednisone_days[day]:
                value += 4.0 if t1dm else 2.0
            self.add(
                day,
                "glucose",
                Specimen.PLASMA,
                chem,
                value=round(max(2.5, value), 1),
                unit="mmol/L",
            )
        elif panel == "hba1c":
            value = rng.normal(62.0, 10.0) if t1dm else rng.normal(36.0, 3.0)
            self.add(
                day,
                "hba1c",
                Specimen.WHOLE_BLOOD,
                chem,
                value=round(max(20.0, value)),
                unit="mmol/mol",
            )
        elif panel == "renal":
            creatinine = max(35.0, self.creatinine_base + rng.normal(0.0, 5.0))
            self.add(
                day, "creatinine", Specimen.SERUM, chem, value=round(creatinine), unit="umol/L"
            )
            self.add(
                day,
                "egfr",
                Specimen.SERUM,
                chem,
                value=round(self._egfr(day, creatinine)),
                unit="mL/min/1.73m2",
            )
        elif panel == "igg":
            value = rng.normal(10.0, 2.0) + (
                rng.normal(6.0, 2.0) if self._recent(context.ivig_course_days, day, 60) else 0.0
            )
            self.add(day, "igg", Specimen.SERUM, chem, value=round(max(2.0, value), 1), unit="g/L")
        elif panel == "hbv":
            anti_hbc = (
                QualitativeResult.POSITIVE if rng.random() < 0.05 else QualitativeResult.NEGATIVE
            )
            self.add(day, "hbsag", Specimen.SERUM, chem, qualitative=QualitativeResult.NEGATIVE)
            self.add(day, "anti_hbc", Specimen.SERUM, chem, qualitative=anti_hbc)
        elif panel == "cd19":
            depleted = self._recent(context.rituximab_days, day, 270)
            value = rng.uniform(0.0, 5.0) if depleted else rng.lognormal(math.log(200.0), 0.4)
            self.add(
                day,
                "cd19_b_cells",
                Specimen.WHOLE_BLOOD,
                AssayMethod.FLOW_CYTOMETRY,
                value=float(round(value)),
                unit="cells/uL",
            )
        elif panel == "liver":
            factor = 3.0 if context.tizanidine_days[day] and rng.random() < 0.05 else 1.0
            self.add(
                day,
                "alt",
                Specimen.SERUM,
                chem,
                value=float(round(max(5.0, rng.normal(22.0, 7.0)) * factor)),
                unit="U/L",
            )
            self.add(
                day,
                "ast",
                Specimen.SERUM,
                chem,
                value=float(round(max(5.0, rng.normal(24.0, 6.0)) * factor)),
                unit="U/L",
            )
        elif panel == "gad65":
            self.gad65(day)

    def _egfr(self, day: int, creatinine_umol: float) -> float:
        """CKD-EPI 2021 creatinine equation (race-free), used only for internal consistency."""
        female = self.profile.sex is Sex.FEMALE
        kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
        ratio = creatinine_umol / 88.4 / kappa
        age = (self.profile.date_of(day) - self.profile.date_of_birth).days / 365.25
        egfr = 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.2 * 0.9938**age
        return float(egfr) * (1.012 if female else 1.0)


def lab_results(
    rng: np.random.Generator,
    profile: PatientProfile,
    epi: Epidemiology,
    visits: list[VisitPlan],
    orders: list[LabOrder],
    context: LabContext,
) -> list[LabResult]:
    """Routine tests at visits plus the tests ordered by treatment decisions, in date order."""
    writer = _LabWriter(rng, profile, epi, context)
    scheduled: list[LabOrder] = [
        LabOrder(0, panel) for panel in ("antibodies", "glucose", "hba1c", "renal", "liver")
    ]
    last: dict[str, int] = {"glucose": 0, "gad65": 0, "renal": 0}
    for plan in visits[1:]:
        if plan.kind.value == "telehealth":
            continue
        if profile.has_t1dm or plan.day - last["glucose"] >= 330:
            scheduled += [LabOrder(plan.day, "glucose"), LabOrder(plan.day, "hba1c")]
            last["glucose"] = plan.day
        if "gad65_antibody" in profile.positive_antibodies and plan.day - last["gad65"] >= 330:
            scheduled.append(LabOrder(plan.day, "gad65"))
            last["gad65"] = plan.day
        on_ivig = writer._recent(context.ivig_course_days, plan.day, 60)
        if on_ivig and plan.day - last["renal"] >= 150:
            scheduled += [LabOrder(plan.day, "renal"), LabOrder(plan.day, "igg")]
            last["renal"] = plan.day
        if context.rituximab_days and writer._recent(context.rituximab_days, plan.day, 365):
            scheduled.append(LabOrder(plan.day, "cd19"))
    for order in sorted(set(scheduled + orders), key=lambda o: (o.day, PANELS.index(o.panel))):
        if order.panel == "antibodies":
            writer.antibodies(order.day)
        else:
            writer.chemistry(order.day, order.panel)
    return writer.results
