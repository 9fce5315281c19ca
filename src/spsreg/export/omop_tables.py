"""The OMOP CDM v5.4 tables the export writes: column names, CDM types and required flags.

Transcribed from the OHDSI CommonDataModel repository (``inst/ddl/5.4/postgresql/
OMOPCDM_postgresql_5.4_ddl.sql`` for the columns, their order and NOT NULL, and
``inst/csv/OMOP_CDMv5.4_Field_Level.csv`` for the type names: ``integer``, ``float``, ``date``,
``datetime``, ``varchar(n)`` and ``varchar(MAX)``). Columns are kept in CDM order so a CSV can be
bulk-loaded into the CDM DDL without a column list. Tables appear in the order of the DDL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["OMOP_TABLES", "CdmType", "OmopColumn", "OmopTable", "omop_table"]


class CdmType(StrEnum):
    """The base types of the CDM field-level specification (varchar carries its length apart)."""

    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"
    VARCHAR = "varchar"


_VARCHAR = re.compile(r"^varchar\((\d+|MAX)\)$")


@dataclass(frozen=True)
class OmopColumn:
    """One CDM field: its name, its type as the CDM writes it, and whether it is required."""

    name: str
    cdm_type: str  # e.g. "integer", "varchar(50)", "varchar(MAX)"
    required: bool

    @property
    def base_type(self) -> CdmType:
        return CdmType.VARCHAR if _VARCHAR.match(self.cdm_type) else CdmType(self.cdm_type)

    @property
    def max_length(self) -> int | None:
        """The varchar length; None for varchar(MAX) and for other types."""
        match = _VARCHAR.match(self.cdm_type)
        if match is None or match.group(1) == "MAX":
            return None
        return int(match.group(1))


@dataclass(frozen=True)
class OmopTable:
    name: str
    columns: tuple[OmopColumn, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def csv_file(self) -> str:
        return f"{self.name}.csv"

    @property
    def parquet_file(self) -> str:
        return f"{self.name}.parquet"


_SPEC: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "person": (
        ("person_id", "integer", True),
        ("gender_concept_id", "integer", True),
        ("year_of_birth", "integer", True),
        ("month_of_birth", "integer", False),
        ("day_of_birth", "integer", False),
        ("birth_datetime", "datetime", False),
        ("race_concept_id", "integer", True),
        ("ethnicity_concept_id", "integer", True),
        ("location_id", "integer", False),
        ("provider_id", "integer", False),
        ("care_site_id", "integer", False),
        ("person_source_value", "varchar(50)", False),
        ("gender_source_value", "varchar(50)", False),
        ("gender_source_concept_id", "integer", False),
        ("race_source_value", "varchar(50)", False),
        ("race_source_concept_id", "integer", False),
        ("ethnicity_source_value", "varchar(50)", False),
        ("ethnicity_source_concept_id", "integer", False),
    ),
    "observation_period": (
        ("observation_period_id", "integer", True),
        ("person_id", "integer", True),
        ("observation_period_start_date", "date", True),
        ("observation_period_end_date", "date", True),
        ("period_type_concept_id", "integer", True),
    ),
    "visit_occurrence": (
        ("visit_occurrence_id", "integer", True),
        ("person_id", "integer", True),
        ("visit_concept_id", "integer", True),
        ("visit_start_date", "date", True),
        ("visit_start_datetime", "datetime", False),
        ("visit_end_date", "date", True),
        ("visit_end_datetime", "datetime", False),
        ("visit_type_concept_id", "integer", True),
        ("provider_id", "integer", False),
        ("care_site_id", "integer", False),
        ("visit_source_value", "varchar(50)", False),
        ("visit_source_concept_id", "integer", False),
        ("admitted_from_concept_id", "integer", False),
        ("admitted_from_source_value", "varchar(50)", False),
        ("discharged_to_concept_id", "integer", False),
        ("discharged_to_source_value", "varchar(50)", False),
        ("preceding_visit_occurrence_id", "integer", False),
    ),
    "condition_occurrence": (
        ("condition_occurrence_id", "integer", True),
        ("person_id", "integer", True),
        ("condition_concept_id", "integer", True),
        ("condition_start_date", "date", True),
        ("condition_start_datetime", "datetime", False),
        ("condition_end_date", "date", False),
        ("condition_end_datetime", "datetime", False),
        ("condition_type_concept_id", "integer", True),
        ("condition_status_concept_id", "integer", False),
        ("stop_reason", "varchar(20)", False),
        ("provider_id", "integer", False),
        ("visit_occurrence_id", "integer", False),
        ("visit_detail_id", "integer", False),
        ("condition_source_value", "varchar(50)", False),
        ("condition_source_concept_id", "integer", False),
        ("condition_status_source_value", "varchar(50)", False),
    ),
    "drug_exposure": (
        ("drug_exposure_id", "integer", True),
        ("person_id", "integer", True),
        ("drug_concept_id", "integer", True),
        ("drug_exposure_start_date", "date", True),
        ("drug_exposure_start_datetime", "datetime", False),
        ("drug_exposure_end_date", "date", True),
        ("drug_exposure_end_datetime", "datetime", False),
        ("verbatim_end_date", "date", False),
        ("drug_type_concept_id", "integer", True),
        ("stop_reason", "varchar(20)", False),
        ("refills", "integer", False),
        ("quantity", "float", False),
        ("days_supply", "integer", False),
        ("sig", "varchar(MAX)", False),
        ("route_concept_id", "integer", False),
        ("lot_number", "varchar(50)", False),
        ("provider_id", "integer", False),
        ("visit_occurrence_id", "integer", False),
        ("visit_detail_id", "integer", False),
        ("drug_source_value", "varchar(50)", False),
        ("drug_source_concept_id", "integer", False),
        ("route_source_value", "varchar(50)", False),
        ("dose_unit_source_value", "varchar(50)", False),
    ),
    "procedure_occurrence": (
        ("procedure_occurrence_id", "integer", True),
        ("person_id", "integer", True),
        ("procedure_concept_id", "integer", True),
        ("procedure_date", "date", True),
        ("procedure_datetime", "datetime", False),
        ("procedure_end_date", "date", False),
        ("procedure_end_datetime", "datetime", False),
        ("procedure_type_concept_id", "integer", True),
        ("modifier_concept_id", "integer", False),
        ("quantity", "integer", False),
        ("provider_id", "integer", False),
        ("visit_occurrence_id", "integer", False),
        ("visit_detail_id", "integer", False),
        ("procedure_source_value", "varchar(50)", False),
        ("procedure_source_concept_id", "integer", False),
        ("modifier_source_value", "varchar(50)", False),
    ),
    "measurement": (
        ("measurement_id", "integer", True),
        ("person_id", "integer", True),
        ("measurement_concept_id", "integer", True),
        ("measurement_date", "date", True),
        ("measurement_datetime", "datetime", False),
        ("measurement_time", "varchar(10)", False),
        ("measurement_type_concept_id", "integer", True),
        ("operator_concept_id", "integer", False),
        ("value_as_number", "float", False),
        ("value_as_concept_id", "integer", False),
        ("unit_concept_id", "integer", False),
        ("range_low", "float", False),
        ("range_high", "float", False),
        ("provider_id", "integer", False),
        ("visit_occurrence_id", "integer", False),
        ("visit_detail_id", "integer", False),
        ("measurement_source_value", "varchar(50)", False),
        ("measurement_source_concept_id", "integer", False),
        ("unit_source_value", "varchar(50)", False),
        ("unit_source_concept_id", "integer", False),
        ("value_source_value", "varchar(50)", False),
        ("measurement_event_id", "integer", False),
        ("meas_event_field_concept_id", "integer", False),
    ),
    "observation": (
        ("observation_id", "integer", True),
        ("person_id", "integer", True),
        ("observation_concept_id", "integer", True),
        ("observation_date", "date", True),
        ("observation_datetime", "datetime", False),
        ("observation_type_concept_id", "integer", True),
        ("value_as_number", "float", False),
        ("value_as_string", "varchar(60)", False),
        ("value_as_concept_id", "integer", False),
        ("qualifier_concept_id", "integer", False),
        ("unit_concept_id", "integer", False),
        ("provider_id", "integer", False),
        ("visit_occurrence_id", "integer", False),
        ("visit_detail_id", "integer", False),
        ("observation_source_value", "varchar(50)", False),
        ("observation_source_concept_id", "integer", False),
        ("unit_source_value", "varchar(50)", False),
        ("qualifier_source_value", "varchar(50)", False),
        ("value_source_value", "varchar(50)", False),
        ("observation_event_id", "integer", False),
        ("obs_event_field_concept_id", "integer", False),
    ),
}

OMOP_TABLES: tuple[OmopTable, ...] = tuple(
    OmopTable(name, tuple(OmopColumn(*column) for column in columns))
    for name, columns in _SPEC.items()
)
"""The eight tables written, in CDM DDL order."""

_BY_NAME = {table.name: table for table in OMOP_TABLES}


def omop_table(name: str) -> OmopTable:
    """The table definition by CDM table name (KeyError for a table the export does not write)."""
    return _BY_NAME[name]
