"""Damaged knowledge-pack files never crash or hang their loaders.

Copies of the shipped files are damaged in a temporary folder (a key dropped, a value replaced or
retyped, a list item duplicated, a stretch of bytes replaced or cut off) and loaded: the result is
a pack (rules, concepts, scale) or the loader's own error naming the file and the field.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from fuzz_limits import bounded, damaged_bytes, mutation_of
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spsreg.knowledge.errors import KnowledgePackError
from spsreg.knowledge.omop_concepts import load_omop_concepts
from spsreg.knowledge.pack import PACK_FILES, load_knowledge_pack, load_knowledge_pack_from
from spsreg.knowledge.rules import load_monitoring_rules
from spsreg.knowledge.scales import ScaleDefinitionError, parse_scale_definition

T = TypeVar("T")
FUZZ = settings(deadline=None, max_examples=40)
DATA = Path(__file__).parents[2] / "src" / "spsreg" / "knowledge" / "data"
RAW: dict[str, Any] = {
    path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in DATA.glob("*.yaml")
}
SCALES = {path.name: path.read_text(encoding="utf-8") for path in (DATA / "scales").glob("*.yaml")}
PACK = load_knowledge_pack()
ALIAS_LOOP = b"pack_version: '1'\nanalytes: &loop [*loop]\n"


def _damaged_file(names: list[str]) -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, new content): a mutated document re-dumped as YAML, or damaged bytes."""

    def damage(name: str) -> st.SearchStrategy[tuple[str, bytes]]:
        dumped = mutation_of(RAW[name]).map(
            lambda doc: yaml.safe_dump(doc, allow_unicode=True).encode("utf-8")
        )
        raw_bytes = damaged_bytes((DATA / name).read_bytes())
        return st.tuples(st.just(name), dumped | raw_bytes)

    return st.sampled_from(names).flatmap(damage)


def _loaded(call: Callable[[], T], files: set[str]) -> T | KnowledgePackError:
    try:
        return bounded(call)
    except KnowledgePackError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file in files and problem.item_id and problem.field and problem.reason
        str(error).encode("utf-8")
        return error


def _copy_with(folder: str, name: str, content: bytes) -> Path:
    directory = Path(folder) / "pack"
    directory.mkdir()
    for path in DATA.glob("*.yaml"):
        shutil.copy(path, directory)
    (directory / name).write_bytes(content)
    return directory


@FUZZ
@given(_damaged_file(sorted(PACK_FILES)))
@example(("labs.yaml", ALIAS_LOOP))  # an alias loop (was a RecursionError)
@example(("drugs.yaml", (DATA / "drugs.yaml").read_bytes() + b"\nx: 2025-02-30\n"))  # ValueError
@example(("codes.yaml", b"pack_version: " + b"9" * 5000 + b"\n"))  # integer too long (ValueError)
def test_a_damaged_pack_file_loads_or_names_file_and_field(damage: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = _copy_with(folder, *damage)
        _loaded(lambda: load_knowledge_pack_from(directory), set(PACK_FILES))


@FUZZ
@given(_damaged_file(["rules.yaml"]))
@example(("rules.yaml", ALIAS_LOOP.replace(b"analytes", b"rules")))
def test_damaged_monitoring_rules_load_or_name_file_and_field(damage: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _copy_with(folder, *damage) / "rules.yaml"
        _loaded(lambda: load_monitoring_rules(PACK, path), {"rules.yaml"})


@settings(FUZZ, max_examples=25)
@given(_damaged_file(["omop_concepts.yaml"]))
def test_damaged_omop_concepts_load_or_name_file_and_field(damage: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _copy_with(folder, *damage) / "omop_concepts.yaml"
        _loaded(lambda: load_omop_concepts(path), {"omop_concepts.yaml"})


def _scale_texts() -> st.SearchStrategy[tuple[str, str]]:
    def damage(name: str) -> st.SearchStrategy[tuple[str, str]]:
        document = yaml.safe_load(SCALES[name])
        dumped = mutation_of(document).map(lambda doc: yaml.safe_dump(doc, allow_unicode=True))
        text = damaged_bytes(SCALES[name].encode()).map(lambda b: b.decode("utf-8", "replace"))
        return st.tuples(st.just(name), dumped | text)

    return st.sampled_from(sorted(SCALES)).flatmap(damage)


@settings(FUZZ, max_examples=80)
@given(_scale_texts())
@example(("mrs.yaml", SCALES["mrs.yaml"] + "\nversion: 2025-02-30\n"))  # was a bare ValueError
@example(("mrs.yaml", "id: &loop [*loop]\n"))
def test_a_damaged_scale_definition_parses_or_names_its_problems(case: tuple[str, str]) -> None:
    name, text = case
    try:
        bounded(lambda: parse_scale_definition(text, name))
    except ScaleDefinitionError as error:
        assert error.source_name == name and error.problems
        assert all(problem.strip() for problem in error.problems)
        str(error).encode("utf-8")
