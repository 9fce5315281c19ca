"""The citation rule: every clinical number and code in the shipped pack has a source, and a pack
that breaks the rule (or any other loading rule) is refused with file, item, field and reason."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from spsreg.knowledge import KnowledgePackError, load_knowledge_pack, load_knowledge_pack_from
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.loader import uncited_facts
from spsreg.knowledge.pack import PACK_FILES

DATA = resources.files("spsreg.knowledge") / "data"
CODE_FIELDS = {"rxcui", "code"}


def _raw(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def _copy_pack(tmp_path: Path) -> Path:
    for name in PACK_FILES:
        shutil.copyfile(str(DATA / name), tmp_path / name)
    return tmp_path


def _edit(directory: Path, name: str, change: Callable[[Any], None]) -> None:
    path = directory / name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _drug(document: Any, drug_id: str) -> Any:
    return next(d for d in document["drugs"] if d["id"] == drug_id)


def _problems(directory: Path) -> list[tuple[str, str, str, str]]:
    with pytest.raises(KnowledgePackError) as caught:
        load_knowledge_pack_from(directory)
    return [(p.file, p.item_id, p.field, p.reason) for p in caught.value.problems]


# -- the shipped pack -------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PACK_FILES))
def test_every_number_and_code_in_the_raw_yaml_is_cited(name: str) -> None:
    assert uncited_facts(_raw(name), name) == []


def _uncited_model_facts(node: object, path: str, covered: bool) -> Iterator[str]:
    """Walk the loaded models: numbers and code fields must sit under a model with a citation."""
    if isinstance(node, Citation):
        return
    if isinstance(node, BaseModel):
        has_citation = isinstance(getattr(node, "citation", None), Citation) or bool(
            getattr(node, "citations", ())
        )
        covered = covered or has_citation
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in CODE_FIELDS and isinstance(value, str) and not covered:
                yield f"{path}.{name}={value}"
            yield from _uncited_model_facts(value, f"{path}.{name}", covered)
    elif isinstance(node, tuple | list):
        for index, item in enumerate(node):
            yield from _uncited_model_facts(item, f"{path}[{index}]", covered)
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _uncited_model_facts(item, f"{path}.{key}", covered)
    elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
        yield f"{path}={node}"


def test_every_number_and_code_in_the_loaded_models_is_cited() -> None:
    pack = load_knowledge_pack()
    found = [
        fact
        for name, model in pack.files.items()
        for fact in _uncited_model_facts(model, name, False)
    ]
    assert found == []


def test_the_walkers_do_find_numbers_and_codes_when_uncited() -> None:
    # Guard against a walker that silently finds nothing.
    raw = {"drugs": [{"id": "x", "rxnorm": {"rxcui": "1"}, "routes": [{"minimum": 2}]}]}
    assert [p.field for p in uncited_facts(raw, "drugs.yaml")] == [
        "rxnorm.rxcui",
        "routes[0].minimum",
    ]

    class Bare(BaseModel):
        dose: float
        code: str

    class Cited(Bare):
        citation: Citation

    source = Citation(reference="a cited source", level="primary")
    assert list(_uncited_model_facts(Bare(dose=2.0, code="X1"), "m", False)) == [
        "m.dose=2.0",
        "m.code=X1",
    ]
    assert list(_uncited_model_facts(Cited(dose=2.0, code="X1", citation=source), "m", False)) == []


def test_every_citation_names_its_source_and_level() -> None:
    pack = load_knowledge_pack()
    citations = [c for model in pack.files.values() for c in _citations(model)]
    assert len(citations) > 50
    assert all(len(c.reference) >= 10 for c in citations)
    assert {c.level.value for c in citations} == {"primary", "secondary"}


def _citations(node: object) -> Iterator[Citation]:
    if isinstance(node, Citation):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _citations(getattr(node, name))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _citations(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _citations(item)


# -- packs that must be refused ---------------------------------------------------------------
def test_a_copied_pack_loads(tmp_path: Path) -> None:
    pack = load_knowledge_pack_from(_copy_pack(tmp_path))
    assert pack.pack_version == load_knowledge_pack().pack_version
    assert pack.source == str(tmp_path)


def test_an_uncited_dose_is_refused_naming_file_item_and_field(tmp_path: Path) -> None:
    directory = _copy_pack(tmp_path)

    def drop_citation(document: Any) -> None:
        del _drug(document, "diazepam")["routes"][0]["label_doses"][0]["citation"]

    _edit(directory, "drugs.yaml", drop_citation)
    problems = _problems(directory)
    assert (
        "drugs.yaml",
        "diazepam",
        "routes[0].label_doses[0].minimum",
        "number 2 has no citation",
    ) in problems
    assert (
        "drugs.yaml",
        "diazepam",
        "routes[0].label_doses[0].maximum",
        "number 10 has no citation",
    ) in problems
    # The missing citation is explained once, not again as a bare "Field required".
    assert not any(p[2].endswith("citation") for p in problems)


def test_an_uncited_code_is_refused(tmp_path: Path) -> None:
    directory = _copy_pack(tmp_path)
    _edit(directory, "codes.yaml", lambda d: d["codes"][0].pop("citation"))
    assert _problems(directory) == [
        ("codes.yaml", "G25.82", "code", "code 'G25.82' has no citation")
    ]


def test_an_uncited_number_in_a_field_the_models_do_not_know_is_still_caught(
    tmp_path: Path,
) -> None:
    directory = _copy_pack(tmp_path)
    _edit(directory, "labs.yaml", lambda d: d["analytes"][1].update(max_titre=60000))
    problems = _problems(directory)
    assert ("labs.yaml", "glyr_antibody", "max_titre", "number 60000 has no citation") in problems


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (
            "drugs.yaml",
            lambda d: _drug(d, "baclofen")["routes"][1].update(route="spinal"),
            ("drugs.yaml", "baclofen", "routes[1].route", "'spinal'"),
        ),
        (
            "drugs.yaml",
            lambda d: _drug(d, "baclofen")["routes"][1].update(dose_units=["ug"]),
            ("drugs.yaml", "baclofen", "routes[1].dose_units[0]", "did you mean 'mcg'?"),
        ),
        (
            "drugs.yaml",
            lambda d: d["drugs"].append(dict(_drug(d, "diazepam"))),
            ("drugs.yaml", "diazepam", "id", "used 2 times"),
        ),
        (
            "drugs.yaml",
            lambda d: _drug(d, "tizanidine")["monitoring"][0].update(
                analytes=["alt", "liver_panel"]
            ),
            (
                "drugs.yaml",
                "tizanidine",
                "monitoring[0].analytes",
                "'liver_panel' is not a lab analyte",
            ),
        ),
        (
            "drugs.yaml",
            lambda d: _drug(d, "ivig").update(unverified=[]),
            ("drugs.yaml", "ivig", "-", "rxnorm is empty"),
        ),
        (
            "drugs.yaml",
            lambda d: _drug(d, "diazepam")["routes"][0]["label_doses"][0].update(unit="g"),
            ("drugs.yaml", "diazepam", "routes[0]", "not an allowed unit for the oral route"),
        ),
        (
            "drugs.yaml",
            lambda d: _drug(d, "diazepam")["rxnorm"].update(rxcui=3322),
            ("drugs.yaml", "diazepam", "rxnorm.rxcui", "valid string"),
        ),
        (
            "labs.yaml",
            lambda d: d["analytes"][0]["measurements"][1].update(unit="IU/ml"),
            ("labs.yaml", "gad65_antibody", "measurements[1]", "not a known lab unit"),
        ),
        (
            "labs.yaml",
            lambda d: d["analytes"][0]["loinc"][0].update(code="94345-5"),
            ("labs.yaml", "gad65_antibody", "loinc[0]", "correct check digit"),
        ),
        (
            "codes.yaml",
            lambda d: d["codes"][4].update(code="5217009"),
            ("codes.yaml", "5217009", "-", "not a well-formed snomed_ct code"),
        ),
        (
            "phenotypes.yaml",
            lambda d: d["phenotypes"].pop(),
            ("phenotypes.yaml", "overlap", "id", "does not describe it"),
        ),
        (
            "benzodiazepine_equivalence.yaml",
            lambda d: d["tables"][0]["entries"].append(
                {**d["tables"][0]["entries"][0], "drug_id": "baclofen"}
            ),
            (
                "benzodiazepine_equivalence.yaml",
                "ashton_2002",
                "entries[3]",
                "not a benzodiazepine",
            ),
        ),
        (
            "benzodiazepine_equivalence.yaml",
            lambda d: d.update(selected_table="maudsley"),
            ("benzodiazepine_equivalence.yaml", "-", "-", "selected_table 'maudsley'"),
        ),
        (
            "comorbidities.yaml",
            lambda d: d.update(pack_version="2027.1"),
            (
                "comorbidities.yaml",
                "-",
                "pack_version",
                "all files of a pack carry the same version",
            ),
        ),
    ],
)
def test_invalid_packs_are_refused_with_a_located_reason(
    tmp_path: Path,
    file: str,
    change: Callable[[Any], None],
    expected: tuple[str, str, str, str],
) -> None:
    directory = _copy_pack(tmp_path)
    _edit(directory, file, change)
    problems = _problems(directory)
    located = [p for p in problems if p[:3] == expected[:3]]
    assert located, problems
    assert any(expected[3] in p[3] for p in located), located


def test_a_missing_file_and_bad_yaml_are_reported_together(tmp_path: Path) -> None:
    directory = _copy_pack(tmp_path)
    (directory / "codes.yaml").unlink()
    (directory / "labs.yaml").write_text("analytes: [unclosed", encoding="utf-8")
    problems = _problems(directory)
    assert ("codes.yaml", "-", "-") in [p[:3] for p in problems]
    assert any(p[0] == "labs.yaml" and "not valid YAML" in p[3] for p in problems)
    assert all(p[0] in ("codes.yaml", "labs.yaml") for p in problems)


def test_the_error_message_lists_every_problem_readably(tmp_path: Path) -> None:
    directory = _copy_pack(tmp_path)
    _edit(directory, "codes.yaml", lambda d: d["codes"][0].pop("citation"))
    with pytest.raises(
        KnowledgePackError, match=r"1 problem\(s\)[\s\S]*codes.yaml: item 'G25.82', field 'code'"
    ):
        load_knowledge_pack_from(directory)


def test_a_bad_item_is_not_also_reported_as_a_too_short_list(tmp_path: Path) -> None:
    directory = _copy_pack(tmp_path)

    def only_bad_unit(document: Any) -> None:
        route = _drug(document, "baclofen")["routes"][1]
        route.update(dose_units=["ug"], label_doses=[], sps_doses=[])

    _edit(directory, "drugs.yaml", only_bad_unit)
    assert [p[2] for p in _problems(directory)] == ["routes[1].dose_units[0]"]
