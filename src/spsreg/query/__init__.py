"""Cohort queries: an immutable criteria model and the engines that evaluate it.

Public API::

    load_criteria(text_or_path) -> Cohort            # YAML or JSON; errors name the path in the document
    Cohort(criteria=AllOf(criteria=(AgeCriterion(min_years=18), ...)), as_of=date(...))
    MemoryEngine().evaluate(cohort, records, as_of=...) -> CohortResult      # the reference
    SqlEngine(engine).evaluate(cohort, actor, as_of=..., site_id=...) -> CohortResult

Each :class:`PatientResult` gives every criterion's verdict (passed, failed, or undetermined with
the missing data named), keyed by the criterion's id or outline number. See docs/query.md.
"""

from spsreg.query.antibody_terms import LabInterpretation, TitreThreshold, ValueThreshold
from spsreg.query.loading import CriteriaError, load_criteria, parse_criteria
from spsreg.query.memory_engine import MemoryEngine
from spsreg.query.model import (
    AgeCriterion,
    AllOf,
    AntibodyCriterion,
    AnyOf,
    Cohort,
    ComorbidityCriterion,
    ConsentCriterion,
    Criterion,
    LeafCriterion,
    Not,
    PhenotypeCriterion,
    ScoreCriterion,
    SexCriterion,
    TherapyCriterion,
)
from spsreg.query.sql_compiler import SqlCompiler
from spsreg.query.sql_engine import SqlEngine
from spsreg.query.terms import Comparator, Window
from spsreg.query.verdicts import CohortResult, CriterionResult, PatientResult, Verdict

__all__ = [
    "AgeCriterion",
    "AllOf",
    "AntibodyCriterion",
    "AnyOf",
    "Cohort",
    "CohortResult",
    "ComorbidityCriterion",
    "Comparator",
    "ConsentCriterion",
    "CriteriaError",
    "Criterion",
    "CriterionResult",
    "LabInterpretation",
    "LeafCriterion",
    "MemoryEngine",
    "Not",
    "PatientResult",
    "PhenotypeCriterion",
    "ScoreCriterion",
    "SexCriterion",
    "SqlCompiler",
    "SqlEngine",
    "TherapyCriterion",
    "TitreThreshold",
    "ValueThreshold",
    "Verdict",
    "Window",
    "load_criteria",
    "parse_criteria",
]
