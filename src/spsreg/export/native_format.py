"""Names, versions and canonical JSON shared by the native writers and readers.

The native format has one version number for both encodings (JSON-lines and CSV tables): a change
to how the domain model is represented changes both, and a reader knows from the version alone
which rules apply.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "CSV_FORMAT_NAME",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SUPPORTED_FORMAT_VERSIONS",
    "canonical_json",
    "supported_versions_text",
]

FORMAT_NAME = "spsreg-native"
"""The ``format`` of a JSON-lines header."""

CSV_FORMAT_NAME = "spsreg-native-csv"
"""The ``format`` of a CSV directory's ``manifest.json``."""

FORMAT_VERSION = 1
"""The version the writers produce."""

SUPPORTED_FORMAT_VERSIONS: tuple[int, ...] = (1,)
"""The versions the readers accept; older versions stay readable when a new one is added."""


def supported_versions_text() -> str:
    return ", ".join(str(version) for version in SUPPORTED_FORMAT_VERSIONS)


def canonical_json(value: Any) -> str:
    """One-line JSON with sorted keys, no spaces and UTF-8 text (not ``\\u`` escapes).

    Sorting keys makes the output independent of dict insertion order (assessment responses), so
    the same data always gives the same bytes. Non-finite numbers are refused: JSON has none.
    """
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
