"""The cohort criteria model: an immutable, validated tree of criteria nodes.

Every node has a ``kind`` (the discriminator of the union), an optional ``id`` used in results
and an optional ``label`` for people. Leaves read one kind of fact (age, sex, phenotype, an
antibody result, a comorbidity, a therapy, a scale score, a consent); ``all``, ``any`` and ``not``
combine them with three-valued (Kleene) logic, see :mod:`spsreg.query.verdicts`.

Ids of drugs, analytes, scales and phenotypes are checked against the knowledge pack when a node
is built, so a criteria document naming an unknown drug is refused before any engine runs it.
The semantics of each leaf, including what counts as missing data, are in ``docs/query.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from spsreg.domain.medications import StopReason
from spsreg.domain.patient import ConsentKind, Sex
from spsreg.domain.scales import SCALE_IDS, scale_definition
from spsreg.knowledge import DrugClass, load_knowledge_pack
from spsreg.knowledge.errors import UnknownPackEntryError
from spsreg.knowledge.labs import ThresholdKind
from spsreg.knowledge.vocabulary import ComorbidityKind, Phenotype, Specimen
from spsreg.query.antibody_terms import LabInterpretation, TitreThreshold, ValueThreshold
from spsreg.query.terms import Comparator, QueryModel, Window
from spsreg.query.tree import criterion_keys

__all__ = [
    "AgeCriterion",
    "AllOf",
    "AntibodyCriterion",
    "AnyOf",
    "Cohort",
    "ComorbidityCriterion",
    "ConsentCriterion",
    "Criterion",
    "LeafCriterion",
    "Not",
    "PhenotypeCriterion",
    "ScoreCriterion",
    "SexCriterion",
    "TherapyCriterion",
]

_NODE_ID = r"^[a-z][a-z0-9_-]{0,63}$"


class _Node(QueryModel):
    id: str | None = Field(
        default=None, pattern=_NODE_ID, description="names this criterion in results"
    )
    label: str | None = Field(default=None, min_length=1, max_length=300)


class AgeCriterion(_Node):
    """Age in completed years at the evaluation date, from the birth year and month."""

    kind: Literal["age"] = "age"
    min_years: int | None = Field(default=None, ge=0, le=130)
    max_years: int | None = Field(default=None, ge=0, le=130)

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min_years is None and self.max_years is None:
            raise ValueError("give min_years, max_years or both")
        if (
            self.min_years is not None
            and self.max_years is not None
            and self.max_years < self.min_years
        ):
            raise ValueError("max_years is below min_years")
        return self


class SexCriterion(_Node):
    kind: Literal["sex"] = "sex"
    any_of: tuple[Sex, ...] = Field(min_length=1)


class PhenotypeCriterion(_Node):
    kind: Literal["phenotype"] = "phenotype"
    any_of: tuple[Phenotype, ...] = Field(min_length=1)


class AntibodyCriterion(_Node):
    """The most recent result of an analyte (in the window), judged in exactly one way:
    ``result`` (interpreted with the knowledge pack's cited, assay-aware cut-offs), ``value``
    (a stated threshold for one method and unit) or ``titre`` (an endpoint titre by one method)."""

    kind: Literal["antibody"] = "antibody"
    analyte: str = Field(min_length=1, max_length=64)
    result: LabInterpretation | None = None
    value: ValueThreshold | None = None
    titre: TitreThreshold | None = None
    specimen: Specimen | None = None
    window: Window | None = None

    @field_validator("analyte")
    @classmethod
    def _known_analyte(cls, analyte: str) -> str:
        try:
            load_knowledge_pack().lab(analyte)
        except UnknownPackEntryError as exc:
            raise ValueError(str(exc)) from None
        return analyte

    @model_validator(mode="after")
    def _one_judgement(self) -> Self:
        given = [name for name in ("result", "value", "titre") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of result, value or titre")
        analyte = load_knowledge_pack().lab(self.analyte)
        if self.result is LabInterpretation.HIGH_TITRE and not any(
            t.kind is ThresholdKind.HIGH_TITRE_ABOVE for t in analyte.thresholds
        ):
            raise ValueError(
                f"the knowledge pack cites no high-titre definition for {self.analyte}: state a "
                "value threshold with its method and unit instead"
            )
        if (
            self.value is not None
            and analyte.measurement(self.value.method, self.value.unit) is None
        ):
            raise ValueError(
                f"{self.analyte} is not measured by {self.value.method.value} in "
                f"{self.value.unit} (see labs.yaml)"
            )
        if self.titre is not None and self.titre.method not in analyte.methods:
            raise ValueError(f"{self.analyte} is not measured by {self.titre.method.value}")
        if self.specimen is not None and self.specimen not in analyte.specimens:
            raise ValueError(f"{self.analyte} is not measured on {self.specimen.value}")
        return self


class ComorbidityCriterion(_Node):
    """A recorded comorbidity: ever diagnosed by the evaluation date, or (``current``) present on
    it (diagnosed on or before it, or undated, and not resolved by it)."""

    kind: Literal["comorbidity"] = "comorbidity"
    comorbidity: ComorbidityKind
    current: bool = False


class TherapyCriterion(_Node):
    """Courses of one drug or of a drug class: current at the evaluation date, or any course in
    the window (default: ever); with ``stopped_for``, a course stopped in the window (default:
    ever) for one of the given reasons."""

    kind: Literal["therapy"] = "therapy"
    drug: str | None = Field(default=None, min_length=1, max_length=64)
    drug_class: DrugClass | None = None
    current: bool = False
    window: Window | None = None
    stopped_for: tuple[StopReason, ...] = ()

    @field_validator("drug")
    @classmethod
    def _known_drug(cls, drug: str | None) -> str | None:
        if drug is not None:
            try:
                load_knowledge_pack().drug(drug)
            except UnknownPackEntryError as exc:
                raise ValueError(str(exc)) from None
        return drug

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.drug is None) == (self.drug_class is None):
            raise ValueError("give exactly one of drug or drug_class")
        if self.current and (self.window is not None or self.stopped_for):
            raise ValueError("current cannot be combined with a window or stopped_for")
        return self

    @property
    def drug_ids(self) -> tuple[str, ...]:
        """The knowledge-pack drug ids this criterion matches, sorted."""
        if self.drug is not None:
            return (self.drug,)
        assert self.drug_class is not None
        return tuple(sorted(d.id for d in load_knowledge_pack().drugs_in_class(self.drug_class)))

    @property
    def therapy_name(self) -> str:
        return self.drug if self.drug is not None else f"class {self.drug_class}"


class ScoreCriterion(_Node):
    """The most recent computable total (or named subscore) of a scale in the window."""

    kind: Literal["score"] = "score"
    scale: str = Field(min_length=1, max_length=64)
    subscore: str | None = Field(default=None, min_length=1, max_length=64)
    comparator: Comparator
    value: float = Field(allow_inf_nan=False)
    window: Window | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.scale not in SCALE_IDS:
            raise ValueError(f"unknown scale {self.scale!r} (known: {', '.join(SCALE_IDS)})")
        scoring = scale_definition(self.scale).scoring
        if self.subscore is None and scoring.total is None:
            subscores = ", ".join(s.id for s in scoring.subscores)
            raise ValueError(f"{self.scale} has no total: name a subscore ({subscores})")
        if self.subscore is not None and self.subscore not in {s.id for s in scoring.subscores}:
            raise ValueError(f"{self.scale} has no subscore {self.subscore!r}")
        return self

    @property
    def measure_name(self) -> str:
        return f"{self.scale} {self.subscore or 'total'}"


class ConsentCriterion(_Node):
    """A consent of the given kind in force on the evaluation date."""

    kind: Literal["consent"] = "consent"
    consent: ConsentKind


class AllOf(_Node):
    kind: Literal["all"] = "all"
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class AnyOf(_Node):
    kind: Literal["any"] = "any"
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class Not(_Node):
    kind: Literal["not"] = "not"
    criterion: Criterion


LeafCriterion = (
    AgeCriterion
    | SexCriterion
    | PhenotypeCriterion
    | AntibodyCriterion
    | ComorbidityCriterion
    | TherapyCriterion
    | ScoreCriterion
    | ConsentCriterion
)
"""Criteria that read facts (every node that is not all/any/not)."""

Criterion = Annotated[LeafCriterion | AllOf | AnyOf | Not, Field(discriminator="kind")]
"""Any node of a criteria tree."""

for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()


class Cohort(QueryModel):
    """A named criteria tree; ``as_of`` fixes the evaluation date every window is relative to
    (an engine may be given another one; without either, evaluation is refused)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, min_length=1, max_length=2000)
    as_of: date | None = None
    criteria: Criterion

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        criterion_keys(self.criteria)
        return self

    def evaluation_date(self, as_of: date | None = None) -> date:
        """The date the criteria are judged at: ``as_of`` if given, else the cohort's own."""
        chosen = as_of if as_of is not None else self.as_of
        if chosen is None:
            raise ValueError("no evaluation date: give as_of to the cohort or to the engine")
        return chosen
