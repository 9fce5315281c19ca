"""Pack checks that need more than one entry or more than one file.

Each model validates itself; these checks cover what no single entry can see: unique ids and
names, references between files (a monitoring need names a lab analyte, an equivalence entry a
benzodiazepine), full coverage of the domain's phenotype and comorbidity ids, and one pack version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import cast

from spsreg.knowledge.base import PackFile
from spsreg.knowledge.comorbidities import ComorbiditiesFile
from spsreg.knowledge.disease_codes import DiseaseCodesFile
from spsreg.knowledge.drugs import DrugClass, DrugsFile
from spsreg.knowledge.equivalence import BenzodiazepineEquivalenceFile
from spsreg.knowledge.errors import PackProblem
from spsreg.knowledge.labs import LabsFile
from spsreg.knowledge.matching import normalise_name
from spsreg.knowledge.phenotypes import PhenotypesFile
from spsreg.knowledge.vocabulary import ComorbidityKind, Phenotype

__all__ = ["cross_file_problems"]


def _duplicates(file: str, field: str, values: Iterable[str]) -> list[PackProblem]:
    counts = Counter(values)
    return [
        PackProblem(file, value, field, f"{field} {value!r} is used {n} times; ids must be unique")
        for value, n in counts.items()
        if n > 1
    ]


def cross_file_problems(files: Mapping[str, PackFile]) -> list[PackProblem]:
    """Checks that need more than one entry or more than one file."""
    drugs = cast(DrugsFile, files["drugs.yaml"])
    labs = cast(LabsFile, files["labs.yaml"])
    phenotypes = cast(PhenotypesFile, files["phenotypes.yaml"])
    comorbidities = cast(ComorbiditiesFile, files["comorbidities.yaml"])
    codes = cast(DiseaseCodesFile, files["codes.yaml"])
    equivalence = cast(BenzodiazepineEquivalenceFile, files["benzodiazepine_equivalence.yaml"])

    problems: list[PackProblem] = []
    versions = {pack_file.pack_version for pack_file in files.values()}
    if len(versions) > 1:
        for name, pack_file in files.items():
            if pack_file.pack_version != drugs.pack_version:
                problems.append(
                    PackProblem(
                        name,
                        "-",
                        "pack_version",
                        f"is {pack_file.pack_version!r} but drugs.yaml is {drugs.pack_version!r}; "
                        "all files of a pack carry the same version",
                    )
                )
    problems += _duplicates("drugs.yaml", "id", (d.id for d in drugs.drugs))
    problems += _duplicates(
        "drugs.yaml", "name or synonym", _names(d.searchable_names for d in drugs.drugs)
    )
    problems += _duplicates("drugs.yaml", "interaction id", (i.id for i in drugs.interactions))
    problems += _duplicates("labs.yaml", "id", (a.id for a in labs.analytes))
    problems += _duplicates(
        "labs.yaml", "name or synonym", _names(a.searchable_names for a in labs.analytes)
    )
    problems += _duplicates("phenotypes.yaml", "id", (p.id.value for p in phenotypes.phenotypes))
    problems += _duplicates(
        "comorbidities.yaml", "id", (c.id.value for c in comorbidities.comorbidities)
    )
    problems += _duplicates(
        "codes.yaml", "code", (f"{c.system.value}:{c.code}" for c in codes.codes)
    )
    problems += _missing_members(
        "phenotypes.yaml", Phenotype, {p.id for p in phenotypes.phenotypes}
    )
    problems += _missing_members(
        "comorbidities.yaml", ComorbidityKind, {c.id for c in comorbidities.comorbidities}
    )

    drug_by_id = {drug.id: drug for drug in drugs.drugs}
    lab_ids = {analyte.id for analyte in labs.analytes}
    for drug in drugs.drugs:
        for index, need in enumerate(drug.monitoring):
            for analyte in need.analytes:
                if analyte not in lab_ids:
                    problems.append(
                        PackProblem(
                            "drugs.yaml",
                            drug.id,
                            f"monitoring[{index}].analytes",
                            f"{analyte!r} is not a lab analyte in labs.yaml",
                        )
                    )
            stray = [r.value for r in need.routes if r not in drug.allowed_routes]
            if stray:
                problems.append(
                    PackProblem(
                        "drugs.yaml",
                        drug.id,
                        f"monitoring[{index}].routes",
                        f"route(s) {', '.join(stray)} are not allowed routes of the drug",
                    )
                )
    for interaction in drugs.interactions:
        for side, party in enumerate(interaction.between):
            if party.drug_id is not None and party.drug_id not in drug_by_id:
                problems.append(
                    PackProblem(
                        "drugs.yaml",
                        interaction.id,
                        f"between[{side}].drug_id",
                        f"{party.drug_id!r} is not a drug in drugs.yaml",
                    )
                )
    for table in equivalence.tables:
        for index, entry in enumerate(table.entries):
            listed = drug_by_id.get(entry.drug_id)
            field = f"entries[{index}]"
            if listed is None:
                reason = f"{entry.drug_id!r} is not a drug in drugs.yaml"
            elif listed.drug_class is not DrugClass.BENZODIAZEPINE:
                reason = f"{entry.drug_id} is a {listed.drug_class.value}, not a benzodiazepine"
            elif entry.route not in listed.allowed_routes:
                reason = f"{entry.drug_id} is not given by the {entry.route.value} route"
            else:
                continue
            problems.append(PackProblem("benzodiazepine_equivalence.yaml", table.id, field, reason))
    return problems


def _names(groups: Iterable[tuple[str, ...]]) -> Iterator[str]:
    # A name may repeat within one entry (an id equal to its name); across entries it is ambiguous.
    for names in groups:
        yield from {normalise_name(name) for name in names}


def _missing_members(file: str, enum: type[StrEnum], present: set[StrEnum]) -> list[PackProblem]:
    return [
        PackProblem(
            file, member.value, "id", "the domain defines this id but the pack does not describe it"
        )
        for member in enum
        if member not in present
    ]
