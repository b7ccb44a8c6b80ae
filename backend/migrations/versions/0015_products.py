"""The customer's products and the warranty policies: `warranty_policies` (one per category
and region, seeded from backend/products/policies.yml) and `customer_products`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from backend.products.service import default_policies

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    policies = op.create_table(
        "warranty_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("whole_unit_months", sa.Integer(), nullable=False),
        sa.Column("main_parts", sa.JSON(), nullable=False),
        sa.Column("main_parts_months", sa.Integer(), nullable=True),
        sa.Column("wearing_parts", sa.JSON(), nullable=False),
        sa.Column("return_days", sa.Integer(), nullable=False),
        sa.Column("exchange_days", sa.Integer(), nullable=False),
        sa.Column("safe_use_years", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_warranty_policies"),
        sa.UniqueConstraint("category", "region",
                            name="uq_warranty_policies_category_region"),
    )
    op.create_table(
        "customer_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("brand", sa.String(50), nullable=True),
        sa.Column("model", sa.String(64), nullable=True),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("purchased_from", sa.Text(), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("install_address", sa.Text(), nullable=True),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_products"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name="fk_customer_products_customer_id_customers"),
        sa.ForeignKeyConstraint(["duplicate_of"], ["customer_products.id"],
                                ondelete="SET NULL",
                                name="fk_customer_products_duplicate_of_customer_products"),
    )
    op.create_index("ix_customer_products_customer_id", "customer_products", ["customer_id"])
    op.create_index("ix_customer_products_serial", "customer_products", ["serial"])

    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC, like backend.kernel.database.UTCDateTime
    op.bulk_insert(policies, [{"main_parts_months": None, "safe_use_years": None, **row,
                               "updated_at": now} for row in default_policies()])


def downgrade() -> None:
    op.drop_table("customer_products")
    op.drop_table("warranty_policies")
