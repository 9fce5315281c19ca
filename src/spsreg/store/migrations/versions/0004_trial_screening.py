"""Trial screening, enrolment and randomization: criteria, enrolments, lists and allocations.

A snapshot like 0001 to 0003: it does not import the live table definitions.

* ``trial_criteria``: a trial's structured eligibility criteria (the document as given and as
  canonical JSON), versioned.
* ``trial_enrolments``: one row per trial and patient. The foreign key to ``patients`` is checked
  at commit (DEFERRABLE INITIALLY DEFERRED), because a whole-record replace deletes and re-inserts
  the patient row in one transaction.
* ``randomization_lists``: a trial's scheme and the secret seed its list was drawn from.
* ``allocations``: the whole generated list, one row per entry; ``patient_id`` is set when the
  entry is used (deferred foreign key, as above; one entry per patient and trial).

Downgrading drops the four tables and what they hold (their audit entries remain).

Revision ID: 0004
Revises: 0003
Create Date: 2025-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA_INFO = sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.Text))


def _set_schema_revision(value: str) -> None:
    op.execute(
        SCHEMA_INFO.update().where(SCHEMA_INFO.c.key == "schema_revision").values(value=value)
    )


def _deferred_patient_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["patient_id"],
        ["patients.id"],
        name=f"fk_{table}_patient_id_patients",
        deferrable=True,
        initially="DEFERRED",
    )


def _trial_key(table: str, referred: str = "trials") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["nct_id"], [f"{referred}.nct_id"], name=f"fk_{table}_nct_id_{referred}"
    )


def upgrade() -> None:
    op.create_table(
        "trial_criteria",
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("document_text", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        _trial_key("trial_criteria"),
        sa.PrimaryKeyConstraint("nct_id", name="pk_trial_criteria"),
    )
    op.create_table(
        "trial_enrolments",
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("criteria_version", sa.Integer(), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        _trial_key("trial_enrolments"),
        _deferred_patient_key("trial_enrolments"),
        sa.PrimaryKeyConstraint("nct_id", "patient_id", name="pk_trial_enrolments"),
    )
    op.create_index("ix_trial_enrolments_site_id", "trial_enrolments", ["site_id"])
    op.create_table(
        "randomization_lists",
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("scheme", sa.JSON(), nullable=False),
        sa.Column("seed", sa.String(length=128), nullable=False),
        sa.Column("list_digest", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        _trial_key("randomization_lists"),
        sa.PrimaryKeyConstraint("nct_id", name="pk_randomization_lists"),
    )
    op.create_table(
        "allocations",
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("stratum", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("block_size", sa.Integer(), nullable=False),
        sa.Column("treatment", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("allocated_by", sa.String(length=200), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        _trial_key("allocations", "randomization_lists"),
        _deferred_patient_key("allocations"),
        sa.PrimaryKeyConstraint("nct_id", "stratum", "sequence", name="pk_allocations"),
        sa.UniqueConstraint("nct_id", "patient_id", name="uq_allocations_nct_id_patient_id"),
    )
    _set_schema_revision(revision)


def downgrade() -> None:
    op.drop_table("allocations")
    op.drop_table("randomization_lists")
    op.drop_index("ix_trial_enrolments_site_id", table_name="trial_enrolments")
    op.drop_table("trial_enrolments")
    op.drop_table("trial_criteria")
    _set_schema_revision(down_revision)
