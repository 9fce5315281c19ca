"""omop_concepts.yaml: every concept id is cited, and the export's concepts are all there."""

from __future__ import annotations

from pathlib import Path

import pytest

from spsreg.knowledge.errors import KnowledgePackError
from spsreg.knowledge.omop_concepts import REQUIRED_CONCEPTS, load_omop_concepts

SHIPPED = Path(__file__).resolve().parents[3] / "src/spsreg/knowledge/data/omop_concepts.yaml"


def test_the_shipped_file_lists_every_concept_the_export_needs() -> None:
    concepts = load_omop_concepts()
    assert concepts.concept_id("gender_male") == 8507
    assert concepts.concept_id("gender_female") == 8532
    assert concepts.concept_id("visit_outpatient") == 9202
    assert concepts.source_code("body_weight") == "29463-7"
    assert all(concepts.concept_id(name) > 0 for name in REQUIRED_CONCEPTS)
    assert all(concept.citation.reference for concept in concepts.concepts)


def test_an_uncited_concept_id_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "concept_name: MALE, domain: Gender, citation: *etl_synthea_person",
        "concept_name: MALE, domain: Gender",
    )
    copy = tmp_path / "omop_concepts.yaml"
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgePackError, match="8507"):
        load_omop_concepts(copy)


def test_a_missing_required_concept_is_refused(tmp_path: Path) -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if "id: unit_kilogram" not in line]
    copy = tmp_path / "omop_concepts.yaml"
    copy.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgePackError, match="unit_kilogram"):
        load_omop_concepts(copy)
