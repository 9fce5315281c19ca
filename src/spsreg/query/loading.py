"""Reading criteria documents (YAML or JSON) with errors that name the place in the document.

A document is a mapping with ``criteria`` (one node) and optionally ``name``, ``description`` and
``as_of``. An error says where it is, e.g. ``criteria.criteria[1].analyte: unknown lab analyte
'gad56_antibody' in the knowledge pack (did you mean: gad65_antibody?)``: list positions are
0-based, and the ``kind`` of a node never appears in the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from spsreg.knowledge.loader import format_path, load_yaml
from spsreg.query.model import Cohort
from spsreg.query.tree import COMPOSITE_KINDS

__all__ = ["CriteriaError", "load_criteria", "parse_criteria"]

_LEAF_KINDS = frozenset(
    {"age", "sex", "phenotype", "antibody", "comorbidity", "therapy", "score", "consent"}
)
_NODE_KINDS = _LEAF_KINDS | COMPOSITE_KINDS


class CriteriaError(ValueError):
    """A criteria document that cannot be read or is not valid; ``problems`` are
    ``(path, message)`` pairs, the path in the document's own terms."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  {path}: {message}" for path, message in self.problems)
        super().__init__(f"invalid criteria in {source}:\n{lines}")


def _document_path(location: Sequence[str | int]) -> str:
    """A pydantic error location without the union tags (the node kinds) it inserts."""
    parts: list[str | int] = []
    expect_tag = False
    for index, part in enumerate(location):
        if expect_tag and isinstance(part, str) and part in _NODE_KINDS:
            expect_tag = False
            continue
        parts.append(part)
        after_list = isinstance(part, int) and parts[-2:-1] == ["criteria"]
        expect_tag = (part == "criteria" and index == 0) or part == "criterion" or after_list
    return format_path(parts)


def parse_criteria(document: Any, source: str = "<criteria>") -> Cohort:
    """A validated :class:`Cohort` from parsed YAML/JSON data."""
    if not isinstance(document, dict):
        raise CriteriaError(source, [("-", "a criteria document is a mapping with 'criteria'")])
    try:
        return Cohort.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors()
        # pydantic also reports a list whose every item failed as too short: only the items count
        deeper = {error["loc"][:n] for error in errors for n in range(len(error["loc"]))}
        problems = [
            (_document_path(error["loc"]), error["msg"].removeprefix("Value error, "))
            for error in errors
            if not (error["type"] == "too_short" and error["loc"] in deeper)
        ]
        raise CriteriaError(source, problems) from None


def load_criteria(text_or_path: str | Path) -> Cohort:
    """A cohort from a YAML or JSON file (a :class:`~pathlib.Path`, or a one-line string naming
    an existing ``.yaml``/``.yml``/``.json`` file) or from the document text itself."""
    source = "<text>"
    if isinstance(text_or_path, Path) or (
        "\n" not in text_or_path
        and text_or_path.endswith((".yaml", ".yml", ".json"))
        and Path(text_or_path).is_file()
    ):
        path = Path(text_or_path)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CriteriaError(source, [("-", f"cannot be read: {exc}")]) from None
    else:
        text = text_or_path
    try:
        document = load_yaml(text)
    except (yaml.YAMLError, ValueError) as exc:  # a bad date (2025-02-30) is a ValueError
        raise CriteriaError(source, [("-", f"not valid YAML or JSON: {exc}")]) from None
    return parse_criteria(document, source)
