"""Spare parts (GB/T 27922 5.12c; backend/parts/): the catalogue (`parts`, `part_categories`),
stock per outlet and technician as a ledger (`stock_movements`) with its balances
(`stock_balances`, never negative), low-stock alerts (`stock_alerts`), defective parts sent
back for repair (`defective_parts`). Seeds a small catalogue: SAMPLE DATA, like the outlets of
0005 (part numbers, prices and warranties are examples; replace them with the real ones
before going live).

New tables only: nothing is copied, so no table's triggers are touched on SQLite.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)

# number, zh-Hans, zh-Hant, en, categories, kind, policy name, CNY, HKD, TWD (minor units),
# parts warranty days. Kinds as the warranty policies of 0015 name the parts.
CATALOGUE = [
    ("AC-CMP-35", "空调压缩机（1.5匹）", "空調壓縮機（1.5匹）", "Air conditioner compressor (1.5 HP)",
     ["空调"], "main", "压缩机", 128000, 145000, 580000, 365),
    ("AC-FAN-MTR", "空调室外风机电机", "空調室外風扇馬達", "Outdoor unit fan motor",
     ["空调"], "other", None, 26000, 30000, 120000, 90),
    ("AC-CTRL-BRD", "空调室内机主控板", "空調室內機主控板", "Indoor unit control board",
     ["空调"], "other", None, 32000, 36000, 150000, 90),
    ("AC-FILTER", "空调过滤网", "空調濾網", "Air filter", ["空调"], "wearing", "过滤网",
     3000, 3500, 15000, 30),
    ("RF-CMP", "冰箱压缩机", "雪櫃壓縮機", "Fridge compressor", ["冰箱"], "main", "压缩机",
     98000, 110000, 450000, 365),
    ("RF-DOOR-SEAL", "冰箱门封条", "雪櫃門封條", "Fridge door seal", ["冰箱"], "wearing",
     "门封条", 8500, 9800, 40000, 90),
    ("WM-MOTOR", "洗衣机电机", "洗衣機馬達", "Washing machine motor", ["洗衣机"], "main", "电机",
     45000, 52000, 210000, 365),
    ("WM-DRAIN-PUMP", "排水泵", "排水泵", "Drain pump", ["洗衣机", "洗碗机"], "other", None,
     12000, 14000, 55000, 90),
    ("WH-MG-ROD", "热水器镁棒", "熱水器鎂棒", "Magnesium anode rod", ["热水器"], "wearing", "镁棒",
     6000, 7000, 28000, 90),
    ("WP-FILTER-PP", "净水器PP棉滤芯", "淨水器PP棉濾芯", "PP sediment filter cartridge",
     ["净水器"], "wearing", "滤芯", 4900, 5800, 25000, 30),
    ("DW-CTRL-BRD", "洗碗机控制板", "洗碗機控制板", "Dishwasher control board", ["洗碗机"], "main",
     "控制板", 42000, 48000, 190000, 365),
]


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    parts = op.create_table(
        "parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("name_zh_hans", sa.String(100), nullable=False),
        sa.Column("name_zh_hant", sa.String(100), nullable=True),
        sa.Column("name_en", sa.String(100), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("policy_name", sa.String(20), nullable=True),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("price_cny", sa.Integer(), nullable=False),
        sa.Column("price_hkd", sa.Integer(), nullable=True),
        sa.Column("price_twd", sa.Integer(), nullable=True),
        sa.Column("warranty_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_parts"),
        sa.UniqueConstraint("number", name="uq_parts_number"),
    )
    categories = op.create_table(
        "part_categories",
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("part_id", "category", name="pk_part_categories"),
        _fk("part_categories", "part_id", "parts", "CASCADE"),
    )
    op.create_index("ix_part_categories_category", "part_categories", ["category"])
    op.create_table(
        "defective_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("part_serial", sa.String(64), nullable=True),
        sa.Column("fault", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", TZ_DATETIME, nullable=False),
        sa.Column("removed_by", sa.String(100), nullable=False),
        sa.Column("sent_at", TZ_DATETIME, nullable=True),
        sa.Column("sent_by", sa.String(100), nullable=True),
        sa.Column("ended_at", TZ_DATETIME, nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_defective_parts"),
        _fk("defective_parts", "part_id", "parts"),
        _fk("defective_parts", "ticket_id", "tickets"),
        sa.ForeignKeyConstraint(["technician_id"], ["staff.id"],
                                name="fk_defective_parts_technician_id_staff"),
        _fk("defective_parts", "outlet_id", "outlets"),
    )
    op.create_index("ix_defective_parts_ticket_id", "defective_parts", ["ticket_id"])
    op.create_index("ix_defective_parts_state", "defective_parts", ["state"])
    op.create_table(
        "stock_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_balances"),
        _fk("stock_balances", "part_id", "parts"),
        _fk("stock_balances", "outlet_id", "outlets"),
        sa.ForeignKeyConstraint(["technician_id"], ["staff.id"],
                                name="fk_stock_balances_technician_id_staff"),
        sa.UniqueConstraint("part_id", "outlet_id", name="uq_stock_balances_part_id_outlet_id"),
        sa.UniqueConstraint("part_id", "technician_id",
                            name="uq_stock_balances_part_id_technician_id"),
        sa.CheckConstraint("quantity >= 0", name="ck_stock_balances_not_negative"),
        sa.CheckConstraint("(outlet_id IS NULL) <> (technician_id IS NULL)",
                           name="ck_stock_balances_one_holder"),
        sa.CheckConstraint("threshold IS NULL OR (outlet_id IS NOT NULL AND threshold >= 0)",
                           name="ck_stock_balances_threshold_of_outlet"),
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("from_outlet_id", sa.Integer(), nullable=True),
        sa.Column("from_technician_id", sa.Integer(), nullable=True),
        sa.Column("to_outlet_id", sa.Integer(), nullable=True),
        sa.Column("to_technician_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("used_on", sa.Date(), nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("defective_part_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_movements"),
        _fk("stock_movements", "part_id", "parts"),
        _fk("stock_movements", "from_outlet_id", "outlets"),
        sa.ForeignKeyConstraint(["from_technician_id"], ["staff.id"],
                                name="fk_stock_movements_from_technician_id_staff"),
        _fk("stock_movements", "to_outlet_id", "outlets"),
        sa.ForeignKeyConstraint(["to_technician_id"], ["staff.id"],
                                name="fk_stock_movements_to_technician_id_staff"),
        _fk("stock_movements", "ticket_id", "tickets"),
        _fk("stock_movements", "defective_part_id", "defective_parts"),
        sa.CheckConstraint("quantity > 0", name="ck_stock_movements_positive"),
    )
    op.create_index("ix_stock_movements_part_id_id", "stock_movements", ["part_id", "id"])
    op.create_index("ix_stock_movements_ticket_id", "stock_movements", ["ticket_id"])
    op.create_index("ix_stock_movements_created_at", "stock_movements", ["created_at"])
    op.create_table(
        "stock_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("raised_at", TZ_DATETIME, nullable=False),
        sa.Column("cleared_at", TZ_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_alerts"),
        _fk("stock_alerts", "part_id", "parts"),
        _fk("stock_alerts", "outlet_id", "outlets"),
    )
    still_open = sa.text("cleared_at IS NULL")
    op.create_index("uq_stock_alerts_open", "stock_alerts", ["part_id", "outlet_id"],
                    unique=True, postgresql_where=still_open, sqlite_where=still_open)
    op.create_index("ix_stock_alerts_outlet_id", "stock_alerts", ["outlet_id"])
    _seed(parts, categories)


def _seed(parts: sa.Table, categories: sa.Table) -> None:
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC, like UTCDateTime
    op.bulk_insert(parts, [
        {"id": index, "number": number, "name_zh_hans": hans, "name_zh_hant": hant,
         "name_en": en, "kind": kind, "policy_name": policy_name, "models": [],
         "price_cny": cny, "price_hkd": hkd, "price_twd": twd, "warranty_days": days,
         "active": True, "updated_by": "migration:0021", "created_at": now, "updated_at": now}
        for index, (number, hans, hant, en, _, kind, policy_name, cny, hkd, twd, days)
        in enumerate(CATALOGUE, start=1)])
    op.bulk_insert(categories, [
        {"part_id": index, "category": category}
        for index, row in enumerate(CATALOGUE, start=1) for category in row[4]])
    if op.get_bind().dialect.name == "postgresql":  # the ids above were given, not drawn
        op.execute("SELECT setval(pg_get_serial_sequence('parts', 'id'), "
                   "(SELECT max(id) FROM parts))")


def downgrade() -> None:
    op.drop_table("stock_alerts")
    op.drop_table("stock_movements")
    op.drop_table("stock_balances")
    op.drop_table("defective_parts")
    op.drop_table("part_categories")
    op.drop_table("parts")
