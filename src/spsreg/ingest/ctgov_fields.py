"""Reading values out of CT.gov study JSON while remembering where they came from.

:class:`StudyFields` walks one study object and collects every problem with its JSON path in
CT.gov's own terms (``studies[2].protocolSection.designModule.designInfo.interventionModel``), so the
person fixing a downloaded file finds the exact key. Leaf values are checked where a good message
needs CT.gov knowledge (enumeration codes with a suggestion, partial dates, age limits); the rest is
checked by the domain model, and :meth:`StudyFields.build` translates its errors back to paths.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from spsreg.domain.trials import AgeLimit, parse_age_limit

__all__ = ["StudyFields", "join_path"]

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=BaseModel)


def join_path(base: str, key: str | int) -> str:
    """``base.key`` for an object key, ``base[key]`` for a list index (no dot at the root)."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


class StudyFields:
    """Reads the values of one study and collects ``(path, reason)`` problems instead of raising."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def raw(self, parent: Mapping[str, Any], key: str) -> Any:
        """The value at ``key``; None when absent, null or blank text (CT.gov omits empty keys)."""
        value = parent.get(key)
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def obj(self, parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        """The object at ``key`` (empty when absent); a non-object is a problem."""
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(join_path(path, key), f"expected an object, found {_kind(value)}")
            return {}
        return value

    def objects(
        self, parent: Mapping[str, Any], key: str, path: str
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """The objects of the list at ``key``, each with its path (empty when absent)."""
        value = parent.get(key)
        if value is None:
            return []
        here = join_path(path, key)
        if not isinstance(value, list):
            self.problem(here, f"expected a list of objects, found {_kind(value)}")
            return []
        found: list[tuple[str, Mapping[str, Any]]] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append((join_path(here, index), item))
            else:
                self.problem(join_path(here, index), f"expected an object, found {_kind(item)}")
        return found

    def texts(self, parent: Mapping[str, Any], key: str, path: str) -> tuple[Any, ...]:
        """The items of the list at ``key`` (checked as text by the model); empty when absent."""
        value = parent.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(join_path(path, key), f"expected a list, found {_kind(value)}")
            return ()
        return tuple(value)

    def code(
        self, parent: Mapping[str, Any], key: str, path: str, codes: type[E], what: str
    ) -> E | None:
        """A CT.gov enumeration code (``CROSSOVER``); an unknown one is a problem with a hint."""
        value = self.raw(parent, key)
        return None if value is None else self._code(value, join_path(path, key), codes, what)

    def codes(
        self, parent: Mapping[str, Any], key: str, path: str, codes: type[E], what: str
    ) -> tuple[E, ...]:
        found: list[E] = []
        for index, value in enumerate(self.texts(parent, key, path)):
            code = self._code(value, join_path(join_path(path, key), index), codes, what)
            if code is not None:
                found.append(code)
        return tuple(found)

    def _code(self, value: Any, path: str, codes: type[E], what: str) -> E | None:
        known = [code.value for code in codes]
        if isinstance(value, str) and value in known:
            return codes(value)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value.upper().replace(" ", "_"), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.problem(
            path, f"{value!r} is not a CT.gov {what} code; expected one of {', '.join(known)}{hint}"
        )
        return None

    def date_struct(self, parent: Mapping[str, Any], key: str, path: str) -> Any:
        """The ``date`` of a CT.gov date struct (``startDateStruct: {date, type}``)."""
        struct = self.obj(parent, key, path)
        return self.raw(struct, "date")

    def age(self, parent: Mapping[str, Any], key: str, path: str) -> AgeLimit | None:
        """An age limit such as ``"18 Years"``; ``"N/A"`` means no limit."""
        value = self.raw(parent, key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(join_path(path, key), f"expected text such as '18 Years', found {value!r}")
            return None
        try:
            return parse_age_limit(value)
        except ValueError as error:
            self.problem(join_path(path, key), str(error))
            return None

    def build(
        self, model: type[M], paths: Mapping[str, str], values: Mapping[str, Any]
    ) -> M | None:
        """``model(**values)``, or None with each validation error reported at the CT.gov path
        ``paths`` gives for its field (its own path when the field is not listed)."""
        try:
            return model(**{name: value for name, value in values.items() if value is not None})
        except ValidationError as error:
            for detail in error.errors():
                location = detail["loc"]
                if location and isinstance(location[0], str) and location[0] in paths:
                    path = paths[location[0]]
                    rest = location[1:]
                else:
                    path = paths.get("", "")
                    rest = location
                for part in rest:
                    path = join_path(path, part)
                self.problem(path, _reason(detail))
            return None


def _reason(detail: ErrorDetails) -> str:
    """A pydantic error in words: our own validators' messages as they are (they show the value),
    a required key as missing, anything else with the value found."""
    if detail["type"] == "missing":
        return "missing: ClinicalTrials.gov requires it"
    message = detail["msg"]
    if detail["type"] == "value_error":
        return message.removeprefix("Value error, ")
    found = detail.get("input")
    return message if isinstance(found, dict) else f"{message} (found {found!r})"
