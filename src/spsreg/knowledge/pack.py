"""The SPS knowledge pack: loading, cross-file checks, and the lookups the rest of spsreg uses.

The pack ships inside the package (``spsreg/knowledge/data``). A site can review a copy, change it
(for example select another benzodiazepine equivalence table) and load it with
:func:`load_knowledge_pack_from`; the same checks apply, so a site copy can never be looser than the
shipped one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import cast

from spsreg.knowledge.base import PackFile
from spsreg.knowledge.comorbidities import ComorbiditiesFile, ComorbidityInfo
from spsreg.knowledge.cross_checks import cross_file_problems
from spsreg.knowledge.disease_codes import DiseaseCode, DiseaseCodesFile, KnownConfusion
from spsreg.knowledge.drugs import Drug, DrugClass, DrugsFile, Interaction
from spsreg.knowledge.equivalence import BenzodiazepineEquivalenceFile, EquivalenceTable
from spsreg.knowledge.errors import (
    KnowledgePackError,
    PackProblem,
    UnknownDrugError,
    UnknownLabAnalyteError,
    UnknownPhenotypeError,
)
from spsreg.knowledge.labs import LabAnalyte, LabsFile
from spsreg.knowledge.loader import parse_pack_file, read_yaml
from spsreg.knowledge.matching import close_matches, normalise_name
from spsreg.knowledge.phenotypes import PhenotypeInfo, PhenotypesFile
from spsreg.knowledge.vocabulary import ComorbidityKind, Phenotype, Route

__all__ = [
    "PACK_FILES",
    "KnowledgePack",
    "UnverifiedEntry",
    "load_knowledge_pack",
    "load_knowledge_pack_from",
]

PACK_FILES: MappingProxyType[str, type[PackFile]] = MappingProxyType(
    {
        "drugs.yaml": DrugsFile,
        "benzodiazepine_equivalence.yaml": BenzodiazepineEquivalenceFile,
        "labs.yaml": LabsFile,
        "phenotypes.yaml": PhenotypesFile,
        "codes.yaml": DiseaseCodesFile,
        "comorbidities.yaml": ComorbiditiesFile,
    }
)
"""The files that make up a pack (other files in the data folder belong to other loaders)."""


@dataclass(frozen=True)
class UnverifiedEntry:
    """A fact the pack deliberately does not encode, with the reason."""

    file: str
    item_id: str
    field: str
    note: str


class KnowledgePack:
    """Read-only view over the loaded pack files, with indexes for the common lookups.

    Build it with :func:`load_knowledge_pack` or :func:`load_knowledge_pack_from`, which run the
    cross-file checks this class relies on.
    """

    def __init__(
        self,
        *,
        source: str,
        drugs: DrugsFile,
        equivalence: BenzodiazepineEquivalenceFile,
        labs: LabsFile,
        phenotypes: PhenotypesFile,
        codes: DiseaseCodesFile,
        comorbidities: ComorbiditiesFile,
    ) -> None:
        self.source = source
        self._files: dict[str, PackFile] = {
            "drugs.yaml": drugs,
            "benzodiazepine_equivalence.yaml": equivalence,
            "labs.yaml": labs,
            "phenotypes.yaml": phenotypes,
            "codes.yaml": codes,
            "comorbidities.yaml": comorbidities,
        }
        self._drugs_file = drugs
        self._equivalence = equivalence
        self._codes = codes
        self._drugs = {drug.id: drug for drug in drugs.drugs}
        self._drug_names = {
            normalise_name(name): drug.id for drug in drugs.drugs for name in drug.searchable_names
        }
        self._labs = {analyte.id: analyte for analyte in labs.analytes}
        self._lab_names = {
            normalise_name(name): analyte.id
            for analyte in labs.analytes
            for name in analyte.searchable_names
        }
        self._phenotypes = {info.id: info for info in phenotypes.phenotypes}
        self._comorbidities = {info.id: info for info in comorbidities.comorbidities}

    def __repr__(self) -> str:
        return f"KnowledgePack(version={self.pack_version!r}, source={self.source!r})"

    # -- provenance -------------------------------------------------------------------------
    @property
    def pack_version(self) -> str:
        return self._drugs_file.pack_version

    @property
    def files(self) -> MappingProxyType[str, PackFile]:
        """The parsed pack files by file name, as loaded (for review tools and reports)."""
        return MappingProxyType(self._files)

    @property
    def reviewed_on(self) -> MappingProxyType[str, date]:
        """When each file was last reviewed (file name -> date)."""
        return MappingProxyType({name: f.reviewed_on for name, f in self._files.items()})

    def unverified_items(self) -> tuple[UnverifiedEntry, ...]:
        """Every fact the pack records as deliberately not encoded, file by file."""
        entries: list[UnverifiedEntry] = []
        for name, pack_file in self._files.items():
            entries.extend(
                UnverifiedEntry(name, "-", u.field, u.note) for u in pack_file.unverified
            )
        for drug in self._drugs.values():
            entries.extend(
                UnverifiedEntry("drugs.yaml", drug.id, u.field, u.note) for u in drug.unverified
            )
        for analyte in self._labs.values():
            entries.extend(
                UnverifiedEntry("labs.yaml", analyte.id, u.field, u.note)
                for u in analyte.unverified
            )
        for info in self._phenotypes.values():
            entries.extend(
                UnverifiedEntry("phenotypes.yaml", info.id.value, u.field, u.note)
                for u in info.unverified
            )
        return tuple(entries)

    # -- drugs ------------------------------------------------------------------------------
    @property
    def drugs(self) -> tuple[Drug, ...]:
        return tuple(self._drugs.values())

    def drug(self, drug_id: str) -> Drug:
        """The drug with this id; :class:`UnknownDrugError` (with close matches) otherwise."""
        found = self._drugs.get(drug_id)
        if found is None:
            raise UnknownDrugError(drug_id, self.suggest_drug_ids(drug_id))
        return found

    def find_drug(self, name: str) -> Drug | None:
        """The drug an id, name or synonym (brand names included) refers to, ignoring case."""
        drug_id = self._drug_names.get(normalise_name(name))
        return self._drugs[drug_id] if drug_id is not None else None

    def suggest_drug_ids(self, text: str) -> tuple[str, ...]:
        """Ids a mistyped or unfamiliar drug name most likely meant, best first."""
        exact = self.find_drug(text)
        if exact is not None:
            return (exact.id,)
        return close_matches(text, self._drug_labels())

    def drugs_in_class(self, drug_class: DrugClass | str) -> tuple[Drug, ...]:
        wanted = DrugClass(drug_class)
        return tuple(drug for drug in self._drugs.values() if drug.drug_class is wanted)

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        return self._drugs_file.interactions

    def interactions_between(self, first_id: str, second_id: str) -> tuple[Interaction, ...]:
        """Cited interactions that apply when the two drugs are taken together."""
        first, second = self.drug(first_id), self.drug(second_id)
        return tuple(i for i in self.interactions if i.applies_to(first, second))

    def diazepam_equivalent_mg(
        self, drug_id: str, dose_mg: float, route: Route = Route.ORAL
    ) -> float | None:
        """``dose_mg`` of the drug expressed as oral diazepam mg, or None without a cited equivalence.

        Only the selected table is used; a drug, route or table the sources do not cover gives
        None, never an estimate.
        """
        self.drug(drug_id)
        table = self._equivalence.table
        entry = table.entry(drug_id, route) if table is not None else None
        return entry.to_diazepam_mg(dose_mg) if entry is not None else None

    @property
    def benzodiazepine_equivalence(self) -> EquivalenceTable | None:
        """The equivalence table in use (None: no cited equivalence selected)."""
        return self._equivalence.table

    @property
    def benzodiazepine_equivalence_caveat(self) -> str:
        return self._equivalence.caveat

    def _drug_labels(self) -> Iterator[tuple[str, str]]:
        for drug in self._drugs.values():
            for name in drug.searchable_names:
                yield name, drug.id

    # -- labs -------------------------------------------------------------------------------
    @property
    def labs(self) -> tuple[LabAnalyte, ...]:
        return tuple(self._labs.values())

    def lab(self, analyte: str) -> LabAnalyte:
        found = self._labs.get(analyte)
        if found is None:
            raise UnknownLabAnalyteError(analyte, self.suggest_lab_ids(analyte))
        return found

    def find_lab(self, name: str) -> LabAnalyte | None:
        analyte_id = self._lab_names.get(normalise_name(name))
        return self._labs[analyte_id] if analyte_id is not None else None

    def suggest_lab_ids(self, text: str) -> tuple[str, ...]:
        exact = self.find_lab(text)
        if exact is not None:
            return (exact.id,)
        labels = ((name, a.id) for a in self._labs.values() for name in a.searchable_names)
        return close_matches(text, labels)

    # -- phenotypes, comorbidities, disease codes --------------------------------------------
    @property
    def phenotypes(self) -> tuple[PhenotypeInfo, ...]:
        return tuple(self._phenotypes.values())

    def phenotype(self, phenotype_id: Phenotype | str) -> PhenotypeInfo:
        try:
            return self._phenotypes[Phenotype(phenotype_id)]
        except ValueError:
            labels = ((p.value, p.value) for p in self._phenotypes)
            raise UnknownPhenotypeError(
                str(phenotype_id), close_matches(str(phenotype_id), labels)
            ) from None

    @property
    def comorbidities(self) -> tuple[ComorbidityInfo, ...]:
        return tuple(self._comorbidities.values())

    def comorbidity(self, kind: ComorbidityKind | str) -> ComorbidityInfo:
        return self._comorbidities[ComorbidityKind(kind)]

    @property
    def disease_codes(self) -> tuple[DiseaseCode, ...]:
        return self._codes.codes

    @property
    def known_code_confusions(self) -> tuple[KnownConfusion, ...]:
        return self._codes.known_confusions

    def disease_code_for(self, code: str) -> DiseaseCode | None:
        """The SPS code entry with exactly this code, in any system."""
        return next((entry for entry in self._codes.codes if entry.code == code), None)

    def code_confusion(self, code: str) -> KnownConfusion | None:
        return next((entry for entry in self._codes.known_confusions if entry.code == code), None)


# -- loading ---------------------------------------------------------------------------------
def load_knowledge_pack_from(directory: Path) -> KnowledgePack:
    """Load and check a pack from a folder (a site's reviewed copy, or a test fixture).

    Raises :class:`KnowledgePackError` listing every problem (file, item id, field, reason).
    """
    return _load(directory, source=str(directory))


@functools.cache
def load_knowledge_pack() -> KnowledgePack:
    """The pack shipped with spsreg (loaded once per process)."""
    with resources.as_file(resources.files("spsreg.knowledge") / "data") as directory:
        return _load(directory, source="spsreg package data")


def _load(directory: Path, source: str) -> KnowledgePack:
    problems: list[PackProblem] = []
    parsed: dict[str, PackFile] = {}
    for name, model in PACK_FILES.items():
        raw, read_problems = read_yaml(directory / name)
        problems.extend(read_problems)
        if read_problems:
            continue
        pack_file, file_problems = parse_pack_file(name, raw, model)
        problems.extend(file_problems)
        if pack_file is not None:
            parsed[name] = pack_file
    if not problems:
        problems.extend(cross_file_problems(parsed))
    if problems:
        raise KnowledgePackError(problems)
    return KnowledgePack(
        source=source,
        drugs=cast(DrugsFile, parsed["drugs.yaml"]),
        equivalence=cast(BenzodiazepineEquivalenceFile, parsed["benzodiazepine_equivalence.yaml"]),
        labs=cast(LabsFile, parsed["labs.yaml"]),
        phenotypes=cast(PhenotypesFile, parsed["phenotypes.yaml"]),
        codes=cast(DiseaseCodesFile, parsed["codes.yaml"]),
        comorbidities=cast(ComorbiditiesFile, parsed["comorbidities.yaml"]),
    )
