"""Accounts: ``users`` and ``login_failures``.

A snapshot like 0001 to 0004: it does not import the live table definitions.

* ``users``: one row per account (name, role, site, patient for the patient role, argon2id
  password hash as a PHC string, disabled flag, timestamps, row version).
* ``login_failures``: one row per failed login, kept for the one-hour lockout window.

Downgrading drops both tables and the accounts they hold (their audit entries remain).

Revision ID: 0005
Revises: 0004
Create Date: 2025-07-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA_INFO = sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.Text))


def _set_schema_revision(value: str) -> None:
    op.execute(
        SCHEMA_INFO.update().where(SCHEMA_INFO.c.key == "schema_revision").values(value=value)
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=512), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_users_site_id_sites"),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_index("ix_users_site_id", "users", ["site_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name="fk_login_failures_user_name_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index(
        "ix_login_failures_user_name_failed_at", "login_failures", ["user_name", "failed_at"]
    )
    _set_schema_revision(revision)


def downgrade() -> None:
    op.drop_index("ix_login_failures_user_name_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_users_site_id", table_name="users")
    op.drop_table("users")
    _set_schema_revision(down_revision)
