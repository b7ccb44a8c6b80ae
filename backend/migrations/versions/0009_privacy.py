"""Privacy: customers marked anonymised, and the privacy log (exports and erasures).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("anonymised_at", TZ_DATETIME, nullable=True))
    op.create_table(
        "privacy_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("tickets_cancelled", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_privacy_actions_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_actions"),
    )
    op.create_index("ix_privacy_actions_customer_id", "privacy_actions", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_privacy_actions_customer_id", table_name="privacy_actions")
    op.drop_table("privacy_actions")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("anonymised_at")
