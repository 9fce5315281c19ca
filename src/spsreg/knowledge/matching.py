"""Fuzzy matching of names typed by people against pack ids, names and synonyms.

Used both by pack lookups (an unknown drug id suggests close matches) and by record validation,
so that "diazepan" and "Valium" both lead the user to ``diazepam``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["close_matches", "normalise_name"]


def normalise_name(text: str) -> str:
    """Case- and spacing-insensitive form of a name ("Mycophenolate  Mofetil" -> "mycophenolate mofetil")."""
    return " ".join(text.replace("_", " ").replace("-", " ").casefold().split())


def close_matches(
    query: str, labelled_ids: Iterable[tuple[str, str]], limit: int = 3, cutoff: float = 0.6
) -> tuple[str, ...]:
    """Ids whose label is close to ``query``, best first, each id once.

    ``labelled_ids`` pairs every searchable label (an id, a name or a synonym) with the id it
    stands for, so a brand name close to the query suggests the generic id.
    """
    by_label: dict[str, list[str]] = {}
    for label, entry_id in labelled_ids:
        by_label.setdefault(normalise_name(label), []).append(entry_id)
    wanted = normalise_name(query)
    found: list[str] = []
    for label in difflib.get_close_matches(wanted, list(by_label), n=limit * 3, cutoff=cutoff):
        for entry_id in by_label[label]:
            if entry_id not in found:
                found.append(entry_id)
    return tuple(found[:limit])
