"""Outlets and service levels: outlets (seeded for the knowledge base's sample cities), SLA
policies (seeded defaults), SLA breaches; tickets get their place, outlet, due times,
milestones, appointment and acceptance; customers get a tier.

The seed rows are written here, not read from code, so this revision always builds the same
database. SAMPLE DATA like the knowledge base's (backend/knowledge/seed.yml): replace the
outlets with the real ones before going live.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)

# (name, city, districts covered ([] = the whole city), phone, address)
OUTLETS = [
    ("北京朝阳服务中心", "北京",
     ["朝阳区", "东城区", "通州区", "顺义区", "怀柔区", "平谷区", "密云区"],
     "010-6500 0001", "北京市朝阳区建国路 199 号 1 层"),
    ("北京海淀服务中心", "北京",
     ["海淀区", "西城区", "石景山区", "丰台区", "门头沟区", "房山区", "昌平区", "大兴区",
      "延庆区"],
     "010-6200 0002", "北京市海淀区中关村大街 288 号 B1 层"),
    ("上海浦东服务中心", "上海",
     ["浦东新区", "黄浦区", "虹口区", "杨浦区", "宝山区", "崇明区", "奉贤区"],
     "021-5800 0001", "上海市浦东新区张杨路 500 号 1 楼"),
    ("上海徐汇服务中心", "上海",
     ["徐汇区", "长宁区", "静安区", "普陀区", "闵行区", "嘉定区", "松江区", "青浦区",
      "金山区"],
     "021-6400 0002", "上海市徐汇区漕溪北路 200 号 2 楼"),
    ("广州天河服务中心", "广州", [], "020-3800 0001", "广州市天河区天河路 300 号 2 楼"),
    ("深圳南山服务中心", "深圳", [], "0755-8600 0001", "深圳市南山区高新南一道 18 号 1 楼"),
    ("香港旺角服务中心", "香港",
     ["油尖旺区", "深水埗区", "九龙城区", "中西区", "湾仔区", "南区", "离岛区", "荃湾区",
      "葵青区", "屯门区", "元朗区"],
     "+852 3000 0001", "九龙旺角弥敦道 700 号 10 楼"),
    ("香港观塘服务中心", "香港",
     ["观塘区", "黄大仙区", "西贡区", "东区", "沙田区", "大埔区", "北区"],
     "+852 3000 0002", "九龙观塘巧明街 100 号 5 楼"),
    ("台北信义服务中心", "台北", [], "(02) 2700-0001", "台北市信义区松仁路 50 号 1 楼"),
]

H = 60  # minutes
# (type, priority (None: any), tier (None: any), first response, on site, resolution,
#  business hours only). docs/backend.md explains the numbers.
POLICIES = [
    ("repair", "urgent", None, 30, 4 * H, 24 * H, False),
    ("repair", "high", None, 1 * H, 12 * H, 48 * H, False),
    ("repair", None, "vip", 1 * H, 12 * H, 48 * H, False),
    ("repair", None, None, 2 * H, 24 * H, 72 * H, False),
    ("installation", "urgent", None, 1 * H, 12 * H, 48 * H, False),
    ("installation", None, None, 4 * H, 48 * H, 72 * H, False),
    ("complaint", "urgent", None, 1 * H, None, 24 * H, False),
    ("complaint", None, None, 4 * H, None, 36 * H, True),
    ("return_exchange", None, None, 4 * H, None, 48 * H, True),
    ("inquiry", None, None, 2 * H, None, 24 * H, True),
]


def upgrade() -> None:
    outlets = op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("city", sa.String(50), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outlets"),
    )
    op.create_index("ix_outlets_city", "outlets", ["city"])

    policies = op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_type", sa.String(24), nullable=False),
        sa.Column("priority", sa.String(8), nullable=True),
        sa.Column("customer_tier", sa.String(16), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("on_site_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("business_hours_only", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sla_policies"),
    )
    op.create_index("ix_sla_policies_ticket_type", "sla_policies", ["ticket_type"])

    op.create_table(
        "sla_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(16), nullable=False),
        sa.Column("due_at", TZ_DATETIME, nullable=False),
        sa.Column("breached_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sla_breaches"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_sla_breaches_ticket_id_tickets"),
        sa.UniqueConstraint("ticket_id", "milestone",
                            name="uq_sla_breaches_ticket_id_milestone"),
    )
    op.create_index("ix_sla_breaches_breached_at", "sla_breaches", ["breached_at"])

    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("city", sa.String(50), nullable=True))
        batch.add_column(sa.Column("district", sa.String(50), nullable=True))
        batch.add_column(sa.Column("proposed_outlet_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("outlet_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sla_policy_id", sa.Integer(), nullable=True))
        for name in ("first_response_due", "on_site_due", "resolution_due",
                     "first_responded_at", "on_site_at", "resolved_at", "sla_due_at",
                     "sla_warn_at", "sla_breached_at"):
            batch.add_column(sa.Column(name, TZ_DATETIME, nullable=True))
        batch.add_column(sa.Column("sla_breached_milestone", sa.String(16), nullable=True))
        batch.add_column(sa.Column("appointment_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("appointment_window", sa.String(16), nullable=True))
        batch.add_column(sa.Column("appointment_reminded_at", TZ_DATETIME, nullable=True))
        batch.add_column(sa.Column("awaiting_acceptance_since", TZ_DATETIME, nullable=True))
        batch.create_foreign_key("fk_tickets_proposed_outlet_id_outlets", "outlets",
                                 ["proposed_outlet_id"], ["id"], ondelete="SET NULL")
        batch.create_foreign_key("fk_tickets_outlet_id_outlets", "outlets", ["outlet_id"],
                                 ["id"], ondelete="SET NULL")
        batch.create_foreign_key("fk_tickets_sla_policy_id_sla_policies", "sla_policies",
                                 ["sla_policy_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_tickets_outlet_id", ["outlet_id"])
        batch.create_index("ix_tickets_sla_due_at", ["sla_due_at"])
        batch.create_index("ix_tickets_appointment_date", ["appointment_date"])

    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("tier", sa.String(16), nullable=False,
                                   server_default="standard"))

    now = datetime.now(UTC)
    if op.get_context().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC, like backend.kernel.database.UTCDateTime
    op.bulk_insert(outlets, [
        {"name": name, "city": city, "districts": districts, "phone": phone,
         "address": address, "active": True, "created_at": now, "updated_at": now}
        for name, city, districts, phone, address in OUTLETS
    ])
    op.bulk_insert(policies, [
        {"ticket_type": ticket_type, "priority": priority, "customer_tier": tier,
         "first_response_minutes": first, "on_site_minutes": on_site,
         "resolution_minutes": resolution, "business_hours_only": business, "updated_at": now}
        for ticket_type, priority, tier, first, on_site, resolution, business in POLICIES
    ])


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("tier")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_appointment_date")
        batch.drop_index("ix_tickets_sla_due_at")
        batch.drop_index("ix_tickets_outlet_id")
        batch.drop_constraint("fk_tickets_sla_policy_id_sla_policies", type_="foreignkey")
        batch.drop_constraint("fk_tickets_outlet_id_outlets", type_="foreignkey")
        batch.drop_constraint("fk_tickets_proposed_outlet_id_outlets", type_="foreignkey")
        for name in ("awaiting_acceptance_since", "appointment_reminded_at",
                     "appointment_window", "appointment_date", "sla_breached_milestone",
                     "sla_breached_at", "sla_warn_at", "sla_due_at", "resolved_at",
                     "on_site_at", "first_responded_at", "resolution_due", "on_site_due",
                     "first_response_due", "sla_policy_id", "outlet_id", "proposed_outlet_id",
                     "district", "city"):
            batch.drop_column(name)
    op.drop_table("sla_breaches")
    op.drop_table("sla_policies")
    op.drop_table("outlets")
