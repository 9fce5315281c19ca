"""Shared pieces of the loader fuzz tests: a per-example time limit, random JSON-like values,
and mutations of a parsed document (delete, replace or retype one value at one path)."""

from __future__ import annotations

import copy
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

EXAMPLE_SECONDS = 5.0
"""No single fuzz example may take longer than this (a loader must never hang on bad input)."""


class ExampleTooSlow(AssertionError):
    """One example ran past :data:`EXAMPLE_SECONDS`: the loader hangs (or nearly) on it."""


@contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Fail the example (in the main thread, by SIGALRM) if its body runs longer than ``seconds``."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise ExampleTooSlow(f"one example took longer than {seconds} s: a hang on bad input")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded(call: Callable[[], T], seconds: float = EXAMPLE_SECONDS) -> T:
    """``call()`` under :func:`time_limit`."""
    with time_limit(seconds):
        return call()


junk: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "2025-02-30", "18 Years", "N/A", "-1", "1e999", "NCT0"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
"""A random JSON/YAML value (bounded size), with a few strings loaders are known to parse."""


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and list indices) to a value inside ``value``, the root excluded."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += value_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += value_paths(child, (*prefix, index))
    return found


def retyped(value: Any) -> Any:
    """The same content under another JSON type (a number as text, a list as its first item...)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value[0] if value else {}
    if isinstance(value, dict):
        return list(value.values())
    return 0


MUTATIONS = ("delete", "replace", "retype", "duplicate")


def mutated(document: Any, path: tuple[Any, ...], how: str, replacement: Any) -> Any:
    """A deep copy of ``document`` with the value at ``path`` deleted, replaced, retyped, or (in a
    list) duplicated; deleting a list item removes it."""
    data = copy.deepcopy(document)
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if how == "delete":
        del parent[key]
    elif how == "replace":
        parent[key] = replacement
    elif how == "retype":
        parent[key] = retyped(parent[key])
    elif isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    else:
        parent[key] = copy.deepcopy(parent[key])
    return data


@st.composite
def mutation_of(draw: st.DrawFn, document: Any) -> Any:
    """One random mutation of ``document`` (see :func:`mutated`)."""
    path = draw(st.sampled_from(value_paths(document)))
    return mutated(document, path, draw(st.sampled_from(MUTATIONS)), draw(junk))


@st.composite
def damaged_bytes(draw: st.DrawFn, content: bytes) -> bytes:
    """``content`` with a stretch replaced by random bytes (invalid UTF-8 included), or cut short."""
    if draw(st.booleans()):
        return content[: draw(st.integers(0, len(content)))]
    start = draw(st.integers(0, len(content)))
    end = draw(st.integers(start, min(len(content), start + 40)))
    inserted = draw(
        st.binary(max_size=20)
        | st.sampled_from([b"\xff", b"\xc3", b"{", b"}", b"[", b'"', b":", b"- ", b"&a", b"*a"])
    )
    return content[:start] + inserted + content[end:]
