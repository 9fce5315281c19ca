"""What a native reader returns: the sites of a batch and, record by record, a result or problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.ingest.errors import RecordError

__all__ = ["Locator", "NativeBatch", "ParsedRecord", "ReadResult", "UnmappedItem"]


Locator = Callable[[tuple[int | str, ...]], tuple[str, int, str]]
"""Maps a location inside a record (``('medication_courses', 2, 'dose', 'unit')``) to the file,
line and column it was read from; a CSV record spans several tables."""


@dataclass(frozen=True)
class UnmappedItem:
    """Something in the source that no registry field holds: counted and listed in the import
    report, never silently dropped (a FHIR resource or element, a REDCap field).

    ``category`` groups the counts (a FHIR resource type, ``redcap-field``); ``item`` says what
    it is (``Observation/abc: LOINC 8302-2 Body height``, a field name); ``reason`` why it was
    not mapped.
    """

    file: str
    line: int
    category: str
    item: str
    reason: str


@dataclass(frozen=True)
class ParsedRecord:
    """A patient record that passed validation, with the line it was read from.

    ``locate`` is set by readers whose records span several files (CSV), so that a problem found
    later (by the knowledge-pack checks) can be reported at its own table, row and column.
    """

    file: str
    line: int
    record: PatientRecord
    locate: Locator | None = field(default=None, compare=False)
    unmapped: tuple[UnmappedItem, ...] = field(default=(), compare=False)
    """What the source held for this patient that the record does not (foreign formats)."""


ReadResult = ParsedRecord | RecordError
"""One item of a batch: a valid record, or one problem (a rejected record may have several)."""


@dataclass(frozen=True)
class NativeBatch:
    """The content of one native file or directory.

    ``file_errors`` holds problems with the batch as a whole (missing header, unsupported format
    version, malformed table layout); when there are any, nothing else is read and iterating
    yields exactly these errors. Otherwise iterating yields, in file order, a
    :class:`ParsedRecord` for each valid record and one :class:`RecordError` per problem of each
    rejected record. Each iteration reads afresh, so a JSON-lines batch streams from disk.
    """

    source: str
    format_version: int | None
    sites: tuple[Site, ...]
    file_errors: tuple[RecordError, ...]
    _results: Callable[[], Iterator[ReadResult]]
    unmapped: tuple[UnmappedItem, ...] = ()
    """Source content of no patient that was not mapped (a foreign format's other resources)."""

    def __iter__(self) -> Iterator[ReadResult]:
        if self.file_errors:
            return iter(self.file_errors)
        return self._results()

    @property
    def accepted(self) -> bool:
        """True when the batch as a whole could be read (its records may still be rejected)."""
        return not self.file_errors
