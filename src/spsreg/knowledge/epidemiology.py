"""Cited epidemiology of stiff person spectrum disorder, loaded from ``data/epidemiology.yaml``.

The synthetic cohort generator draws sex, age, phenotype, antibody and comorbidity distributions
from here, so every one of those numbers names its source. The YAML refers to sources by key; the
loader resolves each key to a :class:`Citation` on the fact itself, and rejects a file whose counts,
shares or source keys do not add up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spsreg.knowledge.citation import Citation
from spsreg.knowledge.loader import load_yaml

__all__ = [
    "DEFAULT_EPIDEMIOLOGY_PATH",
    "AgeDistribution",
    "AssayReferenceLimit",
    "CitedAssociation",
    "CitedCounts",
    "CitedShare",
    "Epidemiology",
    "Serogroup",
    "SerogroupDistribution",
    "TitreRange",
    "load_epidemiology",
    "parse_epidemiology",
]

DEFAULT_EPIDEMIOLOGY_PATH = Path(__file__).with_name("data") / "epidemiology.yaml"


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    citation: Citation
    note: str | None = None


class CitedShare(_Fact):
    """A proportion of SPSD patients, e.g. 0.30 with type 1 diabetes."""

    share: float = Field(ge=0, le=1)
    statement: str = Field(min_length=1, description="the source's own wording")
    bound: Literal["upper", "lower"] | None = None


class AgeDistribution(_Fact):
    mean_years: float = Field(gt=0, lt=120)
    sd_years: float = Field(gt=0, lt=60)


class CitedCounts(_Fact):
    """Category counts from one cohort; shares are derived so binomial errors stay computable."""

    counts: dict[str, int]

    @model_validator(mode="after")
    def _check(self) -> CitedCounts:
        if not self.counts or any(n < 0 for n in self.counts.values()) or self.total == 0:
            raise ValueError("counts must be non-negative and not all zero")
        return self

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def shares(self) -> dict[str, float]:
        return {key: n / self.total for key, n in self.counts.items()}


class Serogroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=0)
    also_positive: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Serogroup:
        for analyte, n in self.also_positive.items():
            if not 0 <= n <= self.count:
                raise ValueError(f"also_positive {analyte}={n} is outside 0..{self.count}")
        return self


class SerogroupDistribution(_Fact):
    """Mutually exclusive antibody groups of one cohort (gad65, glyr, other, seronegative)."""

    groups: dict[str, Serogroup]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups.values())

    def shares(self) -> dict[str, float]:
        return {key: group.count / self.total for key, group in self.groups.items()}


class CitedAssociation(_Fact):
    """A condition the sources associate with SPSD without giving how often."""

    statement: str = Field(min_length=1)
    sites: tuple[str, ...] = ()


class AssayReferenceLimit(_Fact):
    upper_reference_limit: float = Field(gt=0)
    unit: str = Field(min_length=1)
    statement: str = Field(min_length=1)


class TitreRange(_Fact):
    lowest_denominator: int = Field(gt=0)
    highest_denominator: int = Field(gt=0)
    statement: str = Field(min_length=1)


class Epidemiology(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[1]
    female_share: CitedShare
    age_at_diagnosis: AgeDistribution
    phenotype_distributions: dict[str, CitedCounts]
    serogroups: SerogroupDistribution
    comorbidity_prevalence: dict[str, CitedShare]
    associations_without_frequency: dict[str, CitedAssociation]
    assay_reference_limits: dict[str, AssayReferenceLimit]
    glyr_endpoint_titre_range: TitreRange


def _resolve_sources(node: Any, sources: dict[str, Citation]) -> Any:
    """Replace every ``source: key`` below ``node`` with ``citation: Citation``."""
    if isinstance(node, list):
        return [_resolve_sources(item, sources) for item in node]
    if not isinstance(node, dict):
        return node
    resolved = {key: _resolve_sources(value, sources) for key, value in node.items()}
    if "source" in resolved:
        key = resolved.pop("source")
        if key not in sources:
            raise ValueError(f"unknown source {key!r} in epidemiology data")
        resolved["citation"] = sources[key]
    return resolved


def parse_epidemiology(document: dict[str, Any]) -> Epidemiology:
    """Validate a parsed epidemiology document (the YAML's structure) into typed, cited facts."""
    sources = {
        key: Citation.model_validate(value) for key, value in document.get("sources", {}).items()
    }
    body = {key: value for key, value in document.items() if key != "sources"}
    return Epidemiology.model_validate(_resolve_sources(body, sources))


@lru_cache(maxsize=4)
def load_epidemiology(path: Path = DEFAULT_EPIDEMIOLOGY_PATH) -> Epidemiology:
    """Read and validate the epidemiology file (cached: the file is package data, not user input)."""
    with path.open(encoding="utf-8") as handle:
        document = load_yaml(handle)
    if not isinstance(document, dict):
        raise ValueError(f"{path} does not hold a mapping")
    return parse_epidemiology(document)
