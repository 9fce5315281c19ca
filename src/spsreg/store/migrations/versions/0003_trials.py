"""Trial records: ClinicalTrials.gov studies kept by the registry, one row per NCT number.

A snapshot like 0001 and 0002: it does not import the live table definitions. The whole record is
a JSON column; status, phase, intervention model and the date CT.gov last posted an update are
columns of their own so that lists can be filtered without reading the JSON. Trials are public data
and refer to no patient, so the table has no foreign keys; later trial tables (criteria, screening,
enrolment) will refer to ``trials.nct_id``. Downgrading drops the table and the records in it (their
audit entries remain).

Revision ID: 0003
Revises: 0002
Create Date: 2025-06-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "trials"
SCHEMA_INFO = sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.Text))


def _set_schema_revision(value: str) -> None:
    op.execute(
        SCHEMA_INFO.update().where(SCHEMA_INFO.c.key == "schema_revision").values(value=value)
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("nct_id", sa.String(length=11), nullable=False),
        sa.Column("overall_status", sa.String(length=32), nullable=True),
        sa.Column("phase", sa.String(length=32), nullable=True),
        sa.Column("intervention_model", sa.String(length=32), nullable=True),
        sa.Column("last_update_posted", sa.Date(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("nct_id", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_overall_status", TABLE, ["overall_status"])
    _set_schema_revision(revision)


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_overall_status", table_name=TABLE)
    op.drop_table(TABLE)
    _set_schema_revision(down_revision)
