"""Synthetic SPS cohort generator with known ground truth (pure: no file I/O).

Public API::

    generate_sites(config) -> list[Site]
    iter_synthetic_patients(config) -> Iterator[SyntheticPatient]   # .record, .truth
    cohort_truth(config) -> CohortTruth
    ground_truth_document(config, patients_truth) -> dict           # JSON-serialisable, versioned

Deterministic per seed; patient ``i`` depends only on (config, i). See docs/synthetic-cohort.md.
"""

from spsreg.synth.config import DEFAULT_END_DATE, CohortConfig
from spsreg.synth.generator import SyntheticPatient, iter_synthetic_patients, synthesize_patient
from spsreg.synth.sites import generate_sites
from spsreg.synth.truth import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    GENERATOR_VERSION,
    CohortTruth,
    PatientTruth,
    cohort_truth,
    ground_truth_document,
)

__all__ = [
    "DEFAULT_END_DATE",
    "DOCUMENT_FORMAT",
    "DOCUMENT_VERSION",
    "GENERATOR_VERSION",
    "CohortConfig",
    "CohortTruth",
    "PatientTruth",
    "SyntheticPatient",
    "cohort_truth",
    "generate_sites",
    "ground_truth_document",
    "iter_synthetic_patients",
    "synthesize_patient",
]
