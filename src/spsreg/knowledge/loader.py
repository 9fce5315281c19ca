"""Reading pack files: YAML parsing, the citation rule, and readable validation errors.

The citation rule is checked on the raw YAML *before* the typed models are built, so that no number
or code can slip in through a field the models do not (yet) know to cite: every number, and every
value of a code key (``rxcui``, ``code``, ``loinc``), must sit inside an entry that carries a
``citation`` or ``citations`` of its own or in an enclosing entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from spsreg.knowledge.base import PackFile
from spsreg.knowledge.errors import PackProblem
from spsreg.knowledge.vocabulary import UNIT_ALIASES

__all__ = [
    "CITATION_KEYS",
    "CODE_KEYS",
    "format_path",
    "load_yaml",
    "parse_pack_file",
    "read_yaml",
    "uncited_facts",
]

CITATION_KEYS: tuple[str, ...] = ("citation", "citations")
CODE_KEYS: frozenset[str] = frozenset({"rxcui", "code", "loinc"})
_HEADER_KEYS = frozenset({"pack_version", "reviewed_on", "sources"})

Path_ = tuple[str | int, ...]
FileModel = TypeVar("FileModel", bound=PackFile)


def format_path(path: Sequence[str | int]) -> str:
    """('routes', 0, 'dose_units', 1) -> 'routes[0].dose_units[1]'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "-"


_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (several times faster; the knowledge pack
is read by every command), else the pure-Python one: both load the same safe subset."""


def load_yaml(stream: Any) -> Any:
    """Parse one YAML document safely (plain data only: no Python objects)."""
    return yaml.load(stream, Loader=_SafeLoader)


def read_yaml(path: Path) -> tuple[Any, list[PackProblem]]:
    """The parsed document, or the problem that stopped it from being read."""
    try:
        with path.open(encoding="utf-8") as stream:
            raw = load_yaml(stream)
        if _contains_itself(raw, ()):
            reason = "is not valid here: a YAML alias (*name) refers to the entry that holds it"
            return None, [PackProblem(path.name, "-", "-", reason)]
        return raw, []
    except FileNotFoundError:
        return None, [PackProblem(path.name, "-", "-", f"file is missing from {path.parent}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [PackProblem(path.name, "-", "-", f"cannot be read: {error}")]
    except (yaml.YAMLError, ValueError, RecursionError) as error:  # ValueError: 2025-02-30
        return None, [PackProblem(path.name, "-", "-", f"is not valid YAML: {error}")]


def _contains_itself(node: Any, enclosing: tuple[int, ...]) -> bool:
    """Whether a YAML alias made ``node`` (or an entry in it) contain itself: such a document
    has no end, and every check that walks it would recurse forever."""
    if not isinstance(node, Mapping | list):
        return False
    if id(node) in enclosing:
        return True
    inner = (*enclosing, id(node))
    children = node.values() if isinstance(node, Mapping) else node
    return any(_contains_itself(child, inner) for child in children)


def _item_and_field(raw: Any, path: Path_) -> tuple[str, str]:
    """Split a path into the id of the top-level entry it is in and the field within that entry."""
    if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
        items = raw.get(path[0]) if isinstance(raw, Mapping) else None
        item: Any = None
        if isinstance(items, list) and 0 <= path[1] < len(items):
            item = items[path[1]]
        label = f"{path[0]}[{path[1]}]"
        if isinstance(item, Mapping):
            for key in ("id", "code", "drug_id"):
                if isinstance(item.get(key), str | int):
                    label = str(item[key])
                    break
        return label, format_path(path[2:])
    return "-", format_path(path)


def _cites(node: Mapping[str, Any]) -> bool:
    return any(node.get(key) for key in CITATION_KEYS)


def _uncited(raw: Any, file: str) -> tuple[list[PackProblem], set[Path_]]:
    problems: list[PackProblem] = []
    flagged_entries: set[Path_] = set()

    def flag(path: Path_, entry: Path_, what: str) -> None:
        item, field = _item_and_field(raw, path)
        problems.append(PackProblem(file, item, field, f"{what} has no citation"))
        flagged_entries.add(entry)

    def visit(node: Any, path: Path_, entry: Path_, covered: bool) -> None:
        if isinstance(node, Mapping):
            covered = covered or (bool(path) and _cites(node))
            for key, value in node.items():
                if key in CITATION_KEYS or (not path and key in _HEADER_KEYS):
                    continue
                child = (*path, str(key))
                is_code = key in CODE_KEYS and not isinstance(value, Mapping | list | None)
                if is_code and not covered:
                    flag(child, path, f"code {value!r}")
                    continue
                visit(value, child, path, covered)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, (*path, index), entry, covered)
        elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
            flag(path, entry, f"number {node!r}")

    visit(raw, (), (), False)
    return problems, flagged_entries


def uncited_facts(raw: Any, file: str) -> list[PackProblem]:
    """Every number or code in a raw pack document that no citation covers."""
    return _uncited(raw, file)[0]


def _reason(error: Mapping[str, Any]) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("enum", "literal_error", "string_type", "float_type", "int_type"):
        given = error.get("input")
        message = f"{message} (got {given!r})"
        if isinstance(given, str) and given in UNIT_ALIASES:
            message += f"; did you mean {UNIT_ALIASES[given].value!r}?"
    return message


def parse_pack_file(
    file: str, raw: Any, model: type[FileModel]
) -> tuple[FileModel | None, list[PackProblem]]:
    """Apply the citation rule, then build the typed model; collect every problem found."""
    if not isinstance(raw, Mapping):
        return None, [PackProblem(file, "-", "-", "must be a YAML mapping with pack_version etc.")]
    problems, flagged_entries = _uncited(raw, file)
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        item_failures = {tuple(e["loc"][:-1]) for e in errors if e["loc"]}
        for error in errors:
            location: Path_ = tuple(error["loc"])
            if error["type"] == "too_short" and location in item_failures:
                continue  # "too few items" only because an item failed: that item is reported
            if (
                error["type"] == "missing"
                and location
                and location[-1] in CITATION_KEYS
                and location[:-1] in flagged_entries
            ):
                continue  # already reported above as an uncited number or code
            item, field = _item_and_field(raw, location)
            problems.append(PackProblem(file, item, field, _reason(error)))
        return None, problems
    return (parsed if not problems else None), problems
