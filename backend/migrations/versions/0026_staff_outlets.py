"""Staff belong to an outlet (服务网点): `staff.outlet_id`, optional, a foreign key to
`outlets`. Admins set it (POST /api/v1/staff, PATCH /api/v1/staff/{username}, `frontdesk staff
add --outlet ID`); a dispatcher's low-stock alerts are their outlet's (backend/parts/alerts.py).

Added in place, as 0017 added `tickets.product_id`: on SQLite `ALTER TABLE ADD COLUMN …
REFERENCES` (batch mode would copy `staff`, and with foreign keys enforced the copy's drop of
the old table would cascade to its sign-ins); on PostgreSQL a column and a named constraint.
The downgrade drops the index, the constraint and the column (SQLite: ALTER TABLE DROP COLUMN,
3.35+: see 0012). Every account starts with no outlet.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

FK = "fk_staff_outlet_id_outlets"
INDEX = "ix_staff_outlet_id"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        op.execute(f"ALTER TABLE staff ADD COLUMN outlet_id INTEGER CONSTRAINT {FK} "
                   "REFERENCES outlets (id)")
    else:
        op.add_column("staff", sa.Column("outlet_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "staff", "outlets", ["outlet_id"], ["id"])
    op.create_index(INDEX, "staff", ["outlet_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="staff")
    if _sqlite():
        op.execute("ALTER TABLE staff DROP COLUMN outlet_id")
    else:
        op.drop_constraint(FK, "staff", type_="foreignkey")
        op.drop_column("staff", "outlet_id")
