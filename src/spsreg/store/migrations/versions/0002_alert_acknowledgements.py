"""Alert acknowledgements and snoozes: clinicians' decisions about monitoring alerts.

A snapshot like 0001: it does not import the live table definitions. The foreign key to
``patients`` is checked at commit (DEFERRABLE INITIALLY DEFERRED, on SQLite and PostgreSQL), because
a whole-record replace deletes and re-inserts the patient row in one transaction and the patient's
decisions must survive it. Downgrading drops the table and the decisions in it.

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE = "alert_acknowledgements"
SCHEMA_INFO = sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.Text))


def _set_schema_revision(value: str) -> None:
    op.execute(
        SCHEMA_INFO.update().where(SCHEMA_INFO.c.key == "schema_revision").values(value=value)
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=f"fk_{TABLE}_patient_id_patients",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_patient_id_rule_id", TABLE, ["patient_id", "rule_id"])
    _set_schema_revision(revision)


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_patient_id_rule_id", table_name=TABLE)
    op.drop_table(TABLE)
    _set_schema_revision(down_revision)
