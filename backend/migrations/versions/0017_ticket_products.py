"""A ticket names the registered product it is about (`tickets.product_id`), and a repair
ticket keeps the warranty that product had the day the ticket was created (`tickets.warranty`).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


FK = "fk_tickets_product_id_customer_products"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


# Not in batch mode: on SQLite that copies `tickets`, dropping the statistics' triggers on it
# (0011) and, with foreign keys enforced, cascading the drop of the old table to its events.
# SQLite adds and drops such a column in place.
def upgrade() -> None:
    if _sqlite():
        op.execute(f"ALTER TABLE tickets ADD COLUMN product_id INTEGER CONSTRAINT {FK} "
                   "REFERENCES customer_products (id) ON DELETE SET NULL")
    else:
        op.add_column("tickets", sa.Column("product_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "tickets", "customer_products", ["product_id"], ["id"],
                              ondelete="SET NULL")
    op.add_column("tickets", sa.Column("warranty", sa.JSON(), nullable=True))
    op.create_index("ix_tickets_product_id", "tickets", ["product_id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_product_id", table_name="tickets")
    op.drop_column("tickets", "warranty")
    if _sqlite():
        op.execute("ALTER TABLE tickets DROP COLUMN product_id")
    else:
        op.drop_constraint(FK, "tickets", type_="foreignkey")
        op.drop_column("tickets", "product_id")
