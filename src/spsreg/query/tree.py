"""Walking a criteria tree: stable keys for every node, and assembling verdicts bottom-up.

A node's key is its ``id`` when it has one, else its outline number in the document: the root is
``root``, its children ``1``, ``2``, ..., their children ``1.1``, ``1.2``, ... (the single child of
``not`` is ``<n>.1``). Keys name criteria in every result, so they must be unique in a tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from spsreg.query.verdicts import (
    CriterionResult,
    Verdict,
    kleene_all,
    kleene_any,
    kleene_not,
)

if TYPE_CHECKING:
    from spsreg.query.model import LeafCriterion

__all__ = ["COMPOSITE_KINDS", "KeyedNode", "assemble", "criterion_keys", "leaves"]

COMPOSITE_KINDS = frozenset({"all", "any", "not"})

KeyedNode = tuple[str, Any]
"""(key, node) of one criterion of a tree."""


def _children(node: Any) -> tuple[Any, ...]:
    if node.kind in ("all", "any"):
        return tuple(node.criteria)
    if node.kind == "not":
        return (node.criterion,)
    return ()


def _walk(node: Any, outline: str) -> Iterator[KeyedNode]:
    yield (node.id or outline), node
    for number, child in enumerate(_children(node), start=1):
        child_outline = str(number) if outline == "root" else f"{outline}.{number}"
        yield from _walk(child, child_outline)


def criterion_keys(root: Any) -> list[KeyedNode]:
    """Every node with its key, in document order (root first); duplicate keys are refused."""
    keyed = list(_walk(root, "root"))
    seen: set[str] = set()
    for key, _ in keyed:
        if key in seen:
            raise ValueError(f"criterion id {key!r} is used more than once in the tree")
        seen.add(key)
    return keyed


def leaves(root: Any) -> list[tuple[str, LeafCriterion]]:
    """The leaf criteria with their keys, in document order."""
    return [(key, node) for key, node in criterion_keys(root) if node.kind not in COMPOSITE_KINDS]


def assemble(
    root: Any,
    leaf_result: Callable[[str, LeafCriterion], CriterionResult],
) -> dict[str, CriterionResult]:
    """Every node's result, in document order: leaves from ``leaf_result``, composites combined
    from their children with Kleene logic."""
    results: dict[str, CriterionResult] = {}

    def visit(node: Any, outline: str) -> CriterionResult:
        key = node.id or outline
        results[key] = CriterionResult(key, node.kind, Verdict.UNDETERMINED)  # document order
        children = [
            visit(child, str(n) if outline == "root" else f"{outline}.{n}")
            for n, child in enumerate(_children(node), start=1)
        ]
        if node.kind == "all":
            verdict, missing = kleene_all(children)
        elif node.kind == "any":
            verdict, missing = kleene_any(children)
        elif node.kind == "not":
            verdict, missing = kleene_not(children[0])
        else:
            results[key] = leaf_result(key, node)
            return results[key]
        results[key] = CriterionResult(key, node.kind, verdict, missing)
        return results[key]

    visit(root, "root")
    return results
