"""Staff numbers (工号, the 一证件 a customer checks at the door): `staff.staff_number`, unique
when set (a unique index: any number of accounts may have none). Admins set it
(PATCH /api/v1/staff/{username}); the scheduled-visit push names the technician by it.

Added in place (ALTER TABLE ADD COLUMN, no table copy); the downgrade drops the index and the
column (on SQLite with ALTER TABLE DROP COLUMN, SQLite 3.35+: see 0012).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("staff_number", sa.String(16), nullable=True))
    op.create_index("ix_staff_staff_number", "staff", ["staff_number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_staff_staff_number", table_name="staff")
    op.execute("ALTER TABLE staff DROP COLUMN staff_number")
