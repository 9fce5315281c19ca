"""A mixed-effects model of an outcome over time with immunotherapy exposure (statsmodels MixedLM).

Model, one row per observation of the outcome::

    value ~ years + exposure_1 + ... + phenotype + gad65_status     (random intercept per patient)

* ``years``: years since the patient's first observation of the outcome (the disease course).
* exposure indicators, one per immunotherapy seen in the cohort, 1 on days the therapy is active:
  a medication course of immunotherapy intent from its start until its stop (ongoing courses until
  the analysis date). A therapy given in discrete treatments (a procedure such as plasmapheresis,
  or a course that ended as completed, such as a rituximab cycle) acts after the treatment, so it
  counts as active from its start through the last day of its on-treatment window
  (``AnalysisSettings.window_for(therapy)``, days after the start; see
  :mod:`spsreg.analysis.settings` for the defaults and their sources), or through the last
  treatment day when that is later.
* phenotype and GAD65 band as categorical covariates when they vary among the patients; the
  reference level is the most common one (ties by name), and each term says what it compares.

An exposure coefficient is the mean difference of the outcome on exposed days compared with
unexposed days of the same kind of patient at the same time since first observation. It is an
association in observational data (treatment is given to those who need it), not a causal effect.
A fit that fails, does not converge or lies on the boundary (a patient variance of zero: a singular
fit) is returned with ``converged=False`` and the warnings, never raised.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from spsreg.analysis.cohort import frame_document, json_value
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.lines import IMMUNE_PROCEDURES
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings

__all__ = [
    "COEFFICIENT_COLUMNS",
    "FIT_METHODS",
    "MixedModelResult",
    "exposure_indicators",
    "fit_outcome_model",
]

COEFFICIENT_COLUMNS: tuple[str, ...] = ("term", "estimate", "low", "high", "p")

FIT_METHODS: tuple[str, ...] = ("lbfgs", "bfgs", "cg")
"""Optimisers tried in turn until one converges; one that fails outright (a singular matrix on
the way) is noted and the next is tried. L-BFGS first because it needs about half the time of
BFGS on registry-sized data."""


@dataclass(frozen=True)
class MixedModelResult:
    """The fitted model: fixed-effect coefficients with confidence intervals and p-values.

    ``coefficients`` has columns ``term, estimate, low, high, p`` (outcome units; ``years`` per
    year). ``warnings`` holds every distinct warning of the fit (statsmodels ConvergenceWarning
    included) and the reasons a model could not be fitted; ``notes`` says which terms were left
    out and why.
    """

    outcome: str
    coefficients: pd.DataFrame
    n_patients: int
    n_observations: int
    converged: bool
    formula: str = ""
    exposures: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    patient_variance: float | None = None
    residual_variance: float | None = None
    level: float = 0.95
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def coefficient(self, term: str) -> pd.Series:
        """The row of one term (raises KeyError if the model has no such term)."""
        rows = self.coefficients.loc[self.coefficients["term"] == term]
        if rows.empty:
            raise KeyError(term)
        return rows.iloc[0]

    def to_document(self) -> dict[str, Any]:
        """Stable JSON-ready form (NaN -> None)."""
        return {
            "outcome": self.outcome,
            "model": "linear mixed model, random intercept per patient (statsmodels MixedLM, REML)",
            "formula": self.formula,
            "n_patients": self.n_patients,
            "n_observations": self.n_observations,
            "converged": self.converged,
            "confidence_level": self.level,
            "exposures": list(self.exposures),
            "covariates": list(self.covariates),
            "patient_variance": json_value(self.patient_variance),
            "residual_variance": json_value(self.residual_variance),
            "coefficients": frame_document(self.coefficients),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def exposure_indicators(
    observations: pd.DataFrame,
    frames: CohortFrames,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One boolean column per immunotherapy: was it active on each observation's date?

    ``observations`` needs ``patient_id`` and ``date``; the result has the same index.
    """
    intervals = _exposure_intervals(frames, settings)
    result = pd.DataFrame(index=observations.index)
    if intervals.empty or observations.empty:
        return result
    keyed = observations[["patient_id", "date"]].reset_index(names="_row")
    for therapy in sorted(intervals["therapy"].unique()):
        spans = intervals.loc[intervals["therapy"] == therapy, ["patient_id", "start", "end"]]
        joined = keyed.merge(spans, on="patient_id", how="inner")
        inside = (joined["date"] >= joined["start"]) & (joined["date"] < joined["end"])
        active_rows = pd.Index(joined.loc[inside, "_row"].unique())
        result[therapy] = observations.index.isin(active_rows)
    return result


def fit_outcome_model(
    frames: CohortFrames,
    outcome: str = "stiffness_index",
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> MixedModelResult:
    """Fit the model of the module text to ``outcome`` (an outcome id of the outcomes frame)."""
    level = settings.confidence_level
    data = frames.outcomes.loc[
        (frames.outcomes["outcome"] == outcome) & frames.outcomes["value"].notna(),
        ["patient_id", "date", "value"],
    ].reset_index(drop=True)
    n_obs, n_patients = len(data), int(data["patient_id"].nunique())

    def unfitted(reason: str, notes: tuple[str, ...] = ()) -> MixedModelResult:
        return MixedModelResult(
            outcome=outcome,
            coefficients=_empty_coefficients(),
            n_patients=n_patients,
            n_observations=n_obs,
            converged=False,
            level=level,
            warnings=(reason,),
            notes=notes,
        )

    if n_patients < 2 or n_obs < 3:
        return unfitted(
            f"too few observations to fit a model of {outcome}: {n_obs} observations of "
            f"{n_patients} patients (at least 3 observations of 2 patients needed)"
        )
    if float(data["value"].std()) == 0.0:
        return unfitted(f"{outcome} has the same value in every observation: nothing to model")

    first = data.groupby("patient_id")["date"].transform("min")
    design = pd.DataFrame({"years": (data["date"] - first).dt.days / 365.25})
    labels = {"years": "years"}
    notes: list[str] = []
    exposures = exposure_indicators(data, frames, settings)
    for therapy in exposures.columns:
        column = exposures[therapy]
        if column.all() or not column.any():
            state = "every" if column.all() else "no"
            notes.append(f"{therapy} left out: active on {state} observation date")
            continue
        design[f"x{len(labels)}"] = column.astype(float)
        labels[f"x{len(labels)}"] = str(therapy)
    covariates: list[str] = []
    patients = frames.patients.set_index("patient_id")
    for covariate in ("phenotype", "gad65_status"):
        mapped = data["patient_id"].map(patients[covariate])
        values = mapped.where(mapped.notna(), "not recorded").astype(str)
        levels = _levels_by_frequency(values, data["patient_id"])
        if len(levels) < 2:
            notes.append(f"{covariate} left out: the same for every patient")
            continue
        covariates.append(covariate)
        reference = levels[0]
        for level_name in levels[1:]:
            key = f"x{len(labels)}"
            design[key] = (values == level_name).astype(float)
            labels[key] = f"{covariate}: {level_name} (vs {reference})"
    design, dropped = _drop_collinear(design)
    for key in dropped:
        notes.append(f"{labels[key]} left out: collinear with the other terms")
    terms = [str(key) for key in design.columns]
    formula = "value ~ " + (" + ".join(terms) or "1")
    readable = "value ~ " + " + ".join(["1", *(labels[key] for key in terms)]) + " + (1 | patient)"
    frame = pd.concat([data[["patient_id", "value"]], design], axis=1)

    fitted, converged, caught, failures = _fit(formula, frame)
    if fitted is None:
        return unfitted("the model could not be fitted: " + "; ".join(failures), tuple(notes))
    caught = [*failures, *caught]
    coefficients = _coefficients(fitted, labels, level)
    patient_variance = float(np.asarray(fitted.cov_re)[0, 0])
    return MixedModelResult(
        outcome=outcome,
        coefficients=coefficients,
        n_patients=n_patients,
        n_observations=n_obs,
        converged=converged,
        formula=readable,
        exposures=tuple(labels[k] for k in terms if labels[k] in set(exposures.columns)),
        covariates=tuple(covariates),
        patient_variance=patient_variance if math.isfinite(patient_variance) else None,
        residual_variance=float(fitted.scale) if math.isfinite(float(fitted.scale)) else None,
        level=level,
        warnings=tuple(dict.fromkeys(caught)),
        notes=tuple(notes),
    )


def _exposure_intervals(frames: CohortFrames, settings: AnalysisSettings) -> pd.DataFrame:
    """Half-open active periods ``[start, end)`` per patient and immunotherapy."""
    after_as_of = pd.Timestamp(frames.as_of) + pd.Timedelta(days=1)
    courses = frames.courses.loc[frames.courses["intent"] == "immunotherapy"]
    completed = courses["stop_reason"] == "course_completed"
    window_end = courses["start_date"] + _window(courses["therapy"], settings)
    course_end = courses["stop_date"].fillna(after_as_of)
    course_end = course_end.where(~completed, course_end.where(course_end > window_end, window_end))
    course_spans = pd.DataFrame(
        {
            "patient_id": courses["patient_id"],
            "therapy": courses["therapy"],
            "start": courses["start_date"],
            "end": course_end,
        }
    )
    events = frames.therapy_events
    procedures = events.loc[events["therapy"].isin(IMMUNE_PROCEDURES)]
    starts = procedures.loc[procedures["kind"] == "procedure_start"]
    ends = procedures.loc[procedures["kind"] == "procedure_end", ["ref_id", "date"]].rename(
        columns={"date": "last_day"}
    )
    spans = starts.merge(ends, on="ref_id", how="left")
    after_last = spans["last_day"].fillna(spans["date"]) + pd.Timedelta(days=1)
    window_end = spans["date"] + _window(spans["therapy"], settings)
    procedure_spans = pd.DataFrame(
        {
            "patient_id": spans["patient_id"],
            "therapy": spans["therapy"],
            "start": spans["date"],
            "end": after_last.where(after_last > window_end, window_end),
        }
    )
    return pd.concat([course_spans, procedure_spans], ignore_index=True)


def _window(therapies: pd.Series, settings: AnalysisSettings) -> pd.Series:
    """Days from a start to just after the last day of each therapy's on-treatment window."""
    days = therapies.map(lambda therapy: settings.window_for(str(therapy))[1] + 1).astype(float)
    window: pd.Series = pd.to_timedelta(days, unit="D")
    return window


def _levels_by_frequency(values: pd.Series, patient_ids: pd.Series) -> list[str]:
    per_patient = pd.DataFrame({"patient": patient_ids, "level": values}).drop_duplicates()
    counts = per_patient["level"].value_counts()
    return sorted(counts.index.astype(str), key=lambda level: (-int(counts[level]), level))


def _fit(formula: str, frame: pd.DataFrame) -> tuple[Any, bool, list[str], list[str]]:
    """Fit the random-intercept model with each optimiser of :data:`FIT_METHODS` until one
    converges: (the fit, or None when every optimiser failed; whether it converged; the warnings
    of the fit returned; why the optimisers tried before it failed or did not converge)."""
    model = smf.mixedlm(formula, frame, groups=frame["patient_id"])
    failures: list[str] = []
    fallback: tuple[Any, list[str]] | None = None
    for method in FIT_METHODS:
        try:
            with warnings.catch_warnings(record=True) as records:
                warnings.simplefilter("always")
                fitted = model.fit(reml=True, method=method)
        except (np.linalg.LinAlgError, ValueError) as error:
            failures.append(f"{method} optimiser failed ({type(error).__name__}: {error})")
            continue
        caught = [f"{r.category.__name__}: {r.message}" for r in records]
        converged = bool(fitted.converged) and not any(
            issubclass(r.category, ConvergenceWarning) for r in records
        )
        if converged:
            return fitted, True, list(dict.fromkeys(caught)), failures
        failures.append(f"{method} optimiser did not converge")
        if fallback is None:
            fallback = (fitted, caught)
    if fallback is None:
        return None, False, [], failures
    return fallback[0], False, list(dict.fromkeys(fallback[1])), failures


def _drop_collinear(design: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop, in order, each column that adds nothing to the rank of [intercept, kept columns]."""
    kept: list[str] = []
    dropped: list[str] = []
    matrix = np.ones((len(design), 1))
    for column in design.columns:
        candidate = np.column_stack([matrix, design[column].to_numpy(dtype=float)])
        if np.linalg.matrix_rank(candidate) > matrix.shape[1]:
            matrix = candidate
            kept.append(str(column))
        else:
            dropped.append(str(column))
    return design[kept], dropped


def _coefficients(fitted: Any, labels: dict[str, str], level: float) -> pd.DataFrame:
    names = list(fitted.fe_params.index)
    bounds = fitted.conf_int(alpha=1.0 - level)
    rows = [
        {
            "term": "intercept" if name == "Intercept" else labels[name],
            "estimate": float(fitted.fe_params[name]),
            "low": float(bounds.loc[name].iloc[0]),
            "high": float(bounds.loc[name].iloc[1]),
            "p": float(fitted.pvalues[name]),
        }
        for name in names
    ]
    return pd.DataFrame.from_records(rows, columns=list(COEFFICIENT_COLUMNS))


def _empty_coefficients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": pd.Series(dtype=object),
            "estimate": pd.Series(dtype="float64"),
            "low": pd.Series(dtype="float64"),
            "high": pd.Series(dtype="float64"),
            "p": pd.Series(dtype="float64"),
        }
    )
