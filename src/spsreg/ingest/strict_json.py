"""Strict JSON text parsing shared by the native readers.

Python's parser silently keeps the last of two equal keys and accepts ``NaN``; both would hide a
problem in an import file, so both are refused here with a plain reason.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BadJson", "json_kind", "load_json"]


class BadJson(ValueError):
    """Text that is not one well-formed JSON value; the message is the reason, in plain words."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object of ``pairs``; a key given twice is refused (the first repeated key is named).

    Building the dict in C and comparing sizes keeps the common case (no repeated key) cheap; only
    an object that lost a key is walked again to name the key.
    """
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BadJson(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def load_json(text: str) -> Any:
    """Parse one JSON value; raise :class:`BadJson` with a plain reason when it is not one."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except BadJson:
        raise
    except json.JSONDecodeError as exc:
        raise BadJson(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
    except RecursionError as exc:
        raise BadJson("not valid here: the JSON is nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise BadJson(f"not valid JSON: {exc}") from exc


def json_kind(value: Any) -> str:
    """How a JSON value is described in a message: 'an object', 'an array', ..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
