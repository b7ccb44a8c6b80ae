"""The photos of invoices and nameplates customers send while registering a product:
`product_photos`, the image encrypted at rest, the customer's from the start and their
product's once the registration names it (backend/products/photos/store.py).

A new table only: nothing is copied, so no table's triggers are touched on SQLite.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "product_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),  # Fernet ciphertext of the image
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product_photos"),
        sa.UniqueConstraint("token", name="uq_product_photos_token"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name="fk_product_photos_customer_id_customers"),
        sa.ForeignKeyConstraint(["product_id"], ["customer_products.id"], ondelete="CASCADE",
                                name="fk_product_photos_product_id_customer_products"),
    )
    op.create_index("ix_product_photos_customer_id", "product_photos", ["customer_id"])
    op.create_index("ix_product_photos_product_id", "product_photos", ["product_id"])


def downgrade() -> None:
    op.drop_table("product_photos")
