"""Writer of the OMOP CDM v5.4 export: eight tables as CSV and as Parquet, with a manifest.

Layout of ``DIR``: ``csv/<table>.csv``, ``parquet/<table>.parquet`` and ``manifest.json``. Every
table is written into a staging folder inside ``DIR`` while records stream through (rows are
buffered per table and flushed in batches, so memory stays bounded), then each file is renamed
into place; the manifest is removed first and written last, so a directory with a manifest is a
complete export. CSV: UTF-8, comma, header row with the CDM column names in CDM order, ISO dates,
an empty cell for NULL, RFC 4180 quoting and CRLF row endings (as the native CSV export).
Text longer than its CDM ``varchar(n)`` column is cut to ``n`` characters so the file loads into
the CDM DDL. See docs/omop.md for the mapping.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.omop_context import ExportState, PatientContext, Row
from spsreg.export.omop_rows_events import patient_rows
from spsreg.export.omop_tables import OMOP_TABLES, CdmType, OmopColumn, OmopTable
from spsreg.knowledge.omop_concepts import load_omop_concepts
from spsreg.knowledge.pack import load_knowledge_pack

__all__ = [
    "BATCH_ROWS",
    "MANIFEST_FILE",
    "OMOP_FORMAT_NAME",
    "arrow_schema",
    "arrow_type",
    "write_omop",
]

MANIFEST_FILE = "manifest.json"
OMOP_FORMAT_NAME = "spsreg-omop-cdm"
BATCH_ROWS = 5_000
"""Rows buffered per table before they are written out (one Parquet row group per batch)."""

_ARROW_TYPES: dict[CdmType, pa.DataType] = {
    CdmType.INTEGER: pa.int64(),
    CdmType.FLOAT: pa.float64(),
    CdmType.DATE: pa.date32(),
    CdmType.DATETIME: pa.timestamp("us"),
    CdmType.VARCHAR: pa.string(),
}


def arrow_type(column: OmopColumn) -> pa.DataType:
    """The Parquet (Arrow) type of a CDM column."""
    return _ARROW_TYPES[column.base_type]


def arrow_schema(table: OmopTable) -> pa.Schema:
    """The Parquet schema of a table: CDM names and order, required columns not nullable."""
    return pa.schema(
        [pa.field(c.name, arrow_type(c), nullable=not c.required) for c in table.columns]
    )


def _value(column: OmopColumn, value: Any) -> Any:
    if value is None:
        return None
    if column.base_type is CdmType.VARCHAR:
        text = str(value)
        limit = column.max_length
        return text if limit is None else text[:limit]
    if column.base_type is CdmType.FLOAT:
        return float(value)
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _TableSink:
    """The CSV and Parquet writers of one table, fed row by row and flushed in batches."""

    def __init__(self, table: OmopTable, stack: ExitStack, csv_path: Path, parquet_path: Path):
        self.table = table
        self.schema = arrow_schema(table)
        handle = stack.enter_context(csv_path.open("w", encoding="utf-8", newline=""))
        self.csv = csv.writer(handle, lineterminator="\r\n")
        self.csv.writerow(table.header)
        self.parquet = stack.enter_context(pq.ParquetWriter(parquet_path, self.schema))
        self.buffer: list[list[Any]] = []
        self.rows = 0

    def add(self, row: Row) -> None:
        unknown = set(row) - set(self.table.header)
        if unknown:
            raise ValueError(f"{self.table.name} has no column {sorted(unknown)[0]!r}")
        values = [_value(column, row.get(column.name)) for column in self.table.columns]
        for column, value in zip(self.table.columns, values, strict=True):
            if column.required and value is None:
                raise ValueError(f"{self.table.name}.{column.name} is required but empty")
        self.buffer.append(values)
        self.rows += 1
        if len(self.buffer) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        self.csv.writerows([_csv_cell(value) for value in row] for row in self.buffer)
        columns = list(zip(*self.buffer, strict=True))
        arrays = [
            pa.array(list(values), type=field.type)
            for values, field in zip(columns, self.schema, strict=True)
        ]
        self.parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.buffer.clear()


def _manifest(rows: dict[str, int], patients: int, care_sites: dict[str, int]) -> str:
    document = {
        "format": OMOP_FORMAT_NAME,
        "cdm_version": "5.4",
        "patients": patients,
        "csv": {"folder": "csv", "delimiter": ",", "header": True, "null": "", "dates": "ISO 8601"},
        "parquet": {"folder": "parquet"},
        "tables": [
            {
                "table": table.name,
                "csv": f"csv/{table.csv_file}",
                "parquet": f"parquet/{table.parquet_file}",
                "rows": rows[table.name],
            }
            for table in OMOP_TABLES
        ],
        "care_sites": [
            {"care_site_id": key, "site_id": site_id} for site_id, key in care_sites.items()
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_omop(directory: Path, sites: Iterable[Site], records: Iterable[PatientRecord]) -> int:
    """Write the OMOP tables of ``records`` into ``directory``; return the patients written.

    ``care_site_id`` numbers the sites 1, 2, ... in the order given; the manifest lists which
    registry site id (keyed in a de-identified export) each number stands for.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_FILE).unlink(missing_ok=True)
    care_sites = {site.id: number for number, site in enumerate(sites, start=1)}
    state = ExportState(load_knowledge_pack(), load_omop_concepts(), care_sites)
    staging = directory / f".omop-partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "csv").mkdir(parents=True)
    (staging / "parquet").mkdir()
    patients = 0
    try:
        with ExitStack() as stack:
            sinks = {
                table.name: _TableSink(
                    table,
                    stack,
                    staging / "csv" / table.csv_file,
                    staging / "parquet" / table.parquet_file,
                )
                for table in OMOP_TABLES
            }
            for record in records:
                patients += 1
                ctx = PatientContext(state, patients, care_sites.get(record.patient.site_id))
                for name, rows in patient_rows(record, ctx).items():
                    for row in rows:
                        sinks[name].add(row)
            for sink in sinks.values():
                sink.flush()
            counts = {name: sink.rows for name, sink in sinks.items()}
        for folder in ("csv", "parquet"):
            (directory / folder).mkdir(exist_ok=True)
            for path in (staging / folder).iterdir():
                path.replace(directory / folder / path.name)
        (directory / MANIFEST_FILE).write_text(
            _manifest(counts, patients, care_sites), encoding="utf-8"
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return patients
