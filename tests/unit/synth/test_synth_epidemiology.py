"""The cited epidemiology file loads, cites every fact, and matches the clinical reference."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from spsreg.domain.conditions import ComorbidityKind
from spsreg.domain.patient import Phenotype
from spsreg.knowledge.epidemiology import (
    DEFAULT_EPIDEMIOLOGY_PATH,
    load_epidemiology,
    parse_epidemiology,
)


def _document() -> dict[str, Any]:
    with DEFAULT_EPIDEMIOLOGY_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def test_cited_values_match_the_clinical_reference() -> None:
    epi = load_epidemiology()
    assert epi.female_share.share == pytest.approx(2 / 3, abs=1e-3)
    assert (epi.age_at_diagnosis.mean_years, epi.age_at_diagnosis.sd_years) == (49.7, 12.9)
    shares = {kind: fact.share for kind, fact in epi.comorbidity_prevalence.items()}
    assert shares == {
        "type_1_diabetes": 0.30,
        "thyroid_autoimmunity": 0.10,
        "pernicious_anaemia": 0.05,
        "epilepsy": 0.05,
    }
    assert epi.comorbidity_prevalence["epilepsy"].bound == "upper"
    assert {k: g.count for k, g in epi.serogroups.groups.items()} == {
        "gad65": 52,
        "glyr": 24,
        "other": 5,
        "seronegative": 40,
    }
    assert epi.serogroups.total == 121
    assert epi.phenotype_distributions["johns_hopkins_2023"].total == 235
    assert epi.phenotype_distributions["referral_centre_1998_2014"].total == 121
    assert epi.associations_without_frequency["cancer"].sites == (
        "breast",
        "lung",
        "colon",
        "thymus",
    )


def test_every_fact_carries_a_citation_with_an_address() -> None:
    epi = load_epidemiology()
    facts = [
        epi.female_share,
        epi.age_at_diagnosis,
        epi.serogroups,
        epi.glyr_endpoint_titre_range,
        *epi.phenotype_distributions.values(),
        *epi.comorbidity_prevalence.values(),
        *epi.associations_without_frequency.values(),
        *epi.assay_reference_limits.values(),
    ]
    for fact in facts:
        assert fact.citation.url is not None and fact.citation.url.startswith("http")


def test_categories_are_domain_values() -> None:
    epi = load_epidemiology()
    for distribution in epi.phenotype_distributions.values():
        for phenotype in distribution.counts:
            Phenotype(phenotype)
    for kind in epi.comorbidity_prevalence:
        ComorbidityKind(kind)


def test_an_unknown_source_key_is_rejected() -> None:
    document = _document()
    document["female_share"]["source"] = "nowhere"
    with pytest.raises(ValueError, match="unknown source 'nowhere'"):
        parse_epidemiology(document)


def test_a_co_positive_count_larger_than_its_group_is_rejected() -> None:
    document = _document()
    document["serogroups"]["groups"]["glyr"]["also_positive"]["gad65_antibody"] = 25
    with pytest.raises(ValidationError, match=r"outside 0\.\.24"):
        parse_epidemiology(document)


def test_a_share_above_one_is_rejected() -> None:
    document = _document()
    document["comorbidity_prevalence"]["type_1_diabetes"]["share"] = 1.3
    with pytest.raises(ValidationError):
        parse_epidemiology(document)
