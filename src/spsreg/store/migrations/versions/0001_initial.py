"""Initial registry schema: sites, patients, identifiers, record sections, audit log, schema info.

This is a snapshot: it must not import the live table definitions, which will move on. A test checks
that the schema it builds equals ``spsreg.store.tables.metadata`` on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 64
CODE = 32


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=ID), nullable=nullable)


def _code(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=CODE), nullable=nullable)


def _section(
    name: str,
    *items: sa.schema.SchemaItem,
    indexed: tuple[str, ...] = (),
    parent: tuple[str, str] | None = None,
) -> None:
    """A record-section table: id, patient_id, [parent key], position, row_version, fields.

    ``parent`` is (column, referenced table) for nested sections; ``indexed`` lists the extra
    single-column indexes (dates, codes searched by analyses).
    """
    parent_columns = [_id(parent[0])] if parent else []
    parent_keys = (
        [
            sa.ForeignKeyConstraint(
                [parent[0]], [f"{parent[1]}.id"], name=f"fk_{name}_{parent[0]}_{parent[1]}"
            )
        ]
        if parent
        else []
    )
    op.create_table(
        name,
        _id("id"),
        _id("patient_id"),
        *parent_columns,
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        *items,
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=f"fk_{name}_patient_id_patients"
        ),
        *parent_keys,
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_patient_id_position", name, ["patient_id", "position"])
    for column in indexed:
        op.create_index(f"ix_{name}_{column}", name, [column])


def upgrade() -> None:
    op.create_table(
        "sites",
        _id("id"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
    )
    op.create_table(
        "patients",
        _id("id"),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        _id("site_id"),
        _code("sex"),
        sa.Column("birth_year_month", sa.String(length=7), nullable=False),
        _code("vital_status"),
        sa.Column("date_of_death", sa.Date(), nullable=True),
        sa.Column("first_contact_date", sa.Date(), nullable=True),
        sa.Column("onset_date", sa.Date(), nullable=True),
        sa.Column("diagnosis_date", sa.Date(), nullable=True),
        sa.Column("diagnosis_code", sa.Text(), nullable=False),
        sa.Column("genetic_diagnosis", sa.String(length=200), nullable=True),
        sa.Column("undiagnosed", sa.Boolean(), nullable=False),
        _code("phenotype", nullable=True),
        sa.Column("biobank_link", sa.String(length=200), nullable=True),
        sa.Column("functioning_classification", sa.String(length=200), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_patients_site_id_sites"),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
        sa.UniqueConstraint("pseudonym", name="uq_patients_pseudonym"),
    )
    op.create_index("ix_patients_site_id", "patients", ["site_id"])
    op.create_index("ix_patients_phenotype", "patients", ["phenotype"])
    op.create_index("ix_patients_diagnosis_date", "patients", ["diagnosis_date"])

    op.create_table(
        "patient_identifiers",
        _id("patient_id"),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("hospital_number", sa.String(length=50), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_patient_identifiers_patient_id_patients"
        ),
        sa.PrimaryKeyConstraint("patient_id", name="pk_patient_identifiers"),
    )
    op.create_index(
        "ix_patient_identifiers_hospital_number", "patient_identifiers", ["hospital_number"]
    )

    _section(
        "consents",
        _code("kind"),
        _code("status"),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        indexed=("recorded_on",),
    )
    _section(
        "lab_results",
        sa.Column("analyte", sa.String(length=64), nullable=False),
        sa.Column("collected_on", sa.Date(), nullable=False),
        _code("specimen"),
        _code("method"),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        _code("qualitative", nullable=True),
        sa.Column("titre_denominator", sa.Integer(), nullable=True),
        sa.Column("laboratory", sa.String(length=200), nullable=True),
        indexed=("analyte", "collected_on"),
    )
    _section(
        "comorbidities",
        _code("kind"),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("diagnosed_on", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        indexed=("kind",),
    )
    _section(
        "genetic_markers",
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("locus", sa.String(length=32), nullable=False),
        sa.Column("allele", sa.String(length=64), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=64), nullable=True),
    )
    _section(
        "visits",
        sa.Column("visit_date", sa.Date(), nullable=False),
        _code("kind"),
        sa.Column("weight_kg", sa.Double(), nullable=True),
        indexed=("visit_date",),
    )
    _section(
        "assessments",
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("scale_version", sa.String(length=32), nullable=False),
        sa.Column("responses", sa.JSON(), nullable=False),
        sa.UniqueConstraint("visit_id", "scale_id", name="uq_assessments_visit_id_scale_id"),
        parent=("visit_id", "visits"),
        indexed=("visit_id", "scale_id"),
    )
    _section(
        "medication_courses",
        sa.Column("drug_id", sa.String(length=64), nullable=False),
        _code("route"),
        _code("intent"),
        _code("schedule"),
        sa.Column("dose_value", sa.Double(), nullable=False),
        _code("dose_unit"),
        sa.Column("times_per_period", sa.Integer(), nullable=True),
        sa.Column("period_days", sa.Integer(), nullable=True),
        sa.Column("course_days", sa.Integer(), nullable=True),
        sa.Column("weight_kg", sa.Double(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("stop_date", sa.Date(), nullable=True),
        _code("stop_reason", nullable=True),
        _id("previous_course_id", nullable=True),
        indexed=("drug_id", "start_date"),
    )
    _section(
        "administrations",
        _id("course_id"),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("dose_value", sa.Double(), nullable=False),
        _code("dose_unit"),
        sa.Column("cycle_number", sa.Integer(), nullable=True),
        sa.Column("day_of_cycle", sa.Integer(), nullable=True),
        indexed=("course_id", "given_on"),
    )
    _section(
        "itb_pumps",
        sa.Column("implanted_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("reservoir_volume_ml", sa.Double(), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=True),
    )
    _section(
        "itb_pump_refills",
        sa.Column("refilled_on", sa.Date(), nullable=False),
        sa.Column("volume_ml", sa.Double(), nullable=False),
        sa.Column("concentration_mcg_per_ml", sa.Double(), nullable=False),
        sa.Column("daily_dose_mcg", sa.Double(), nullable=False),
        sa.Column("alarm_date", sa.Date(), nullable=True),
        parent=("pump_id", "itb_pumps"),
        indexed=("pump_id", "refilled_on"),
    )
    _section(
        "procedures",
        _code("kind"),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("sessions", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        indexed=("kind", "start_date"),
    )
    _section(
        "non_drug_therapies",
        _code("kind"),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("stop_date", sa.Date(), nullable=True),
        sa.Column("sessions_per_month", sa.Double(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
    )
    _section(
        "adverse_events",
        sa.Column("term", sa.String(length=120), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("onset_date", sa.Date(), nullable=False),
        sa.Column("resolved_date", sa.Date(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("suspected_course_ids", sa.JSON(), nullable=False),
        _code("outcome"),
        _code("action_taken"),
        indexed=("term", "onset_date"),
    )
    _section(
        "diary_entries",
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("stiffness", sa.Integer(), nullable=True),
        sa.Column("spasm_count", sa.Integer(), nullable=True),
        sa.Column("falls", sa.Integer(), nullable=True),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("sedation", sa.Integer(), nullable=True),
        sa.Column("doses_taken", sa.JSON(), nullable=False),
        sa.UniqueConstraint(
            "patient_id", "entry_date", name="uq_diary_entries_patient_id_entry_date"
        ),
    )

    op.create_table(
        "audit_log",
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("actor_user", sa.String(length=200), nullable=False),
        _code("actor_role"),
        _id("actor_site_id", nullable=True),
        _code("action"),
        _code("entity_kind"),
        _id("entity_id"),
        _id("patient_id", nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_audit_log"),
        sa.UniqueConstraint("hash", name="uq_audit_log_hash"),
    )
    op.create_index("ix_audit_log_patient_id", "audit_log", ["patient_id"])
    op.create_index("ix_audit_log_entity_kind_entity_id", "audit_log", ["entity_kind", "entity_id"])

    schema_info = op.create_table(
        "schema_info",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_schema_info"),
    )
    op.bulk_insert(
        schema_info,
        [
            {"key": "schema_revision", "value": revision},
            # How audit hashes are computed, so a future scheme can be told apart.
            {"key": "audit_hash_scheme", "value": "sha256-canonical-json-v1"},
        ],
    )


def downgrade() -> None:
    for table in (
        "schema_info",
        "audit_log",
        "diary_entries",
        "adverse_events",
        "non_drug_therapies",
        "procedures",
        "itb_pump_refills",
        "itb_pumps",
        "administrations",
        "medication_courses",
        "assessments",
        "visits",
        "genetic_markers",
        "comorbidities",
        "lab_results",
        "consents",
        "patient_identifiers",
        "patients",
        "sites",
    ):
        op.drop_table(table)
