"""OMOP standard concept ids the OMOP CDM export may write, each with the source that confirms it.

The file ``omop_concepts.yaml`` is read with the pack's citation rule (every concept id and code
must sit under a citation) and is deliberately small: where no concept id is confirmed the export
writes concept id 0 and keeps the registry's own code in the ``*_source_value`` column, as OHDSI
asks for unmapped source codes. The export looks concepts up by the ids listed in
:data:`REQUIRED_CONCEPTS`, so a site copy that drops one fails when it is loaded, not mid-export.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from pydantic import Field, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackFile, PackModel
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.code_checks import is_valid_loinc
from spsreg.knowledge.errors import KnowledgePackError, PackProblem
from spsreg.knowledge.loader import parse_pack_file, read_yaml

__all__ = [
    "OMOP_CONCEPTS_FILE",
    "REQUIRED_CONCEPTS",
    "OmopConcept",
    "OmopConcepts",
    "OmopConceptsFile",
    "OmopSourceCode",
    "load_omop_concepts",
]

OMOP_CONCEPTS_FILE = "omop_concepts.yaml"

REQUIRED_CONCEPTS: tuple[str, ...] = (
    "gender_male",
    "gender_female",
    "visit_outpatient",
    "type_registry",
    "type_ehr_administration",
    "unit_kilogram",
)
"""The concept ids the OMOP export looks up by name."""


class OmopConcept(PackModel):
    id: str = Field(pattern=PACK_ID_PATTERN, description="the name the export looks it up by")
    concept_id: int = Field(gt=0, description="OMOP standard concept id")
    concept_name: str = Field(min_length=1, description="the concept name in the cited source")
    domain: str = Field(min_length=1)
    citation: Citation


class OmopSourceCode(PackModel):
    """A source code (not an OMOP concept id) written as a ``*_source_value``."""

    id: str = Field(pattern=PACK_ID_PATTERN)
    system: str = Field(pattern=r"^loinc$")
    code: str
    label: str = Field(min_length=1)
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> OmopSourceCode:
        if not is_valid_loinc(self.code):
            raise ValueError(f"{self.code!r} is not a LOINC code with a correct check digit")
        return self


class OmopConceptsFile(PackFile):
    concepts: tuple[OmopConcept, ...] = Field(min_length=1)
    source_codes: tuple[OmopSourceCode, ...] = ()


class OmopConcepts:
    """Lookups over a loaded, checked ``omop_concepts.yaml``."""

    def __init__(self, parsed: OmopConceptsFile, source: str) -> None:
        self.source = source
        self.file = parsed
        self._concepts = {concept.id: concept for concept in parsed.concepts}
        self._codes = {code.id: code for code in parsed.source_codes}

    def concept_id(self, name: str) -> int:
        """The concept id listed under ``name``; KeyError for a name the file does not list."""
        return self._concepts[name].concept_id

    def source_code(self, name: str) -> str:
        return self._codes[name].code

    @property
    def concepts(self) -> tuple[OmopConcept, ...]:
        return self.file.concepts


def _load(path: Path, source: str) -> OmopConcepts:
    raw, problems = read_yaml(path)
    if problems:
        raise KnowledgePackError(problems)
    parsed, problems = parse_pack_file(path.name, raw, OmopConceptsFile)
    if parsed is None or problems:
        raise KnowledgePackError(problems)
    names = [concept.id for concept in parsed.concepts]
    problems = [
        PackProblem(path.name, name, "id", "listed twice")
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    problems += [
        PackProblem(path.name, name, "-", "required by the OMOP export but missing")
        for name in REQUIRED_CONCEPTS
        if name not in names
    ]
    if problems:
        raise KnowledgePackError(problems)
    return OmopConcepts(parsed, source)


def load_omop_concepts(path: Path | None = None) -> OmopConcepts:
    """The shipped concept file (loaded once per process), or a site's reviewed copy at ``path``.

    Raises :class:`KnowledgePackError` listing every problem (uncited ids, a malformed code, a
    concept the export needs that the file does not list).
    """
    if path is not None:
        return _load(path, str(path))
    return _shipped()


@functools.cache
def _shipped() -> OmopConcepts:
    data = resources.files("spsreg.knowledge") / "data" / OMOP_CONCEPTS_FILE
    with resources.as_file(data) as path:
        return _load(path, "spsreg package data")
