"""Statistics: one row of facts per ticket (`ticket_facts`), the queue of tickets whose facts
are to be computed again, the triggers that fill it when a ticket or its survey changes, and
the facts' version (bumped by each refresh that changed them).

Every existing ticket is queued: the backend's facts worker (or the first statistics request)
computes their facts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# What the facts are made of: a change to any of these queues the ticket.
TICKET_COLUMNS = ("type", "status", "product", "customer_id", "assignee_id", "outlet_id",
                  "proposed_outlet_id", "sla_policy_id", "created_at", "first_response_due",
                  "on_site_due", "resolution_due", "first_responded_at", "on_site_at",
                  "resolved_at")
SURVEY_COLUMNS = ("ticket_id", "state", "rating")
# (table, the column holding the ticket's id, the columns watched on update)
WATCHED = (("tickets", "id", TICKET_COLUMNS), ("surveys", "ticket_id", SURVEY_COLUMNS))


def upgrade() -> None:
    op.create_table(
        "ticket_facts",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("product", sa.String(100), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("sla_policy_id", sa.Integer(), nullable=True),
        sa.Column("first_response", sa.Float(), nullable=True),
        sa.Column("on_site", sa.Float(), nullable=True),
        sa.Column("resolution", sa.Float(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("survey_state", sa.String(16), nullable=True),
        sa.Column("repeat_repair", sa.SmallInteger(), nullable=True),
        sa.Column("sla_first_response", sa.SmallInteger(), nullable=True),
        sa.Column("sla_on_site", sa.SmallInteger(), nullable=True),
        sa.Column("sla_resolution", sa.SmallInteger(), nullable=True),
        sa.Column("first_response_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_site_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_facts"),
    )
    op.create_index("ix_ticket_facts_created_at", "ticket_facts", ["created_at"])
    op.create_index("ix_ticket_facts_customer_id_product", "ticket_facts",
                    ["customer_id", "product"])
    op.create_table(
        "ticket_facts_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_facts_queue"),
    )
    op.create_table(
        "ticket_facts_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_facts_version"),
    )
    op.execute("INSERT INTO ticket_facts_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        for table, key, columns in WATCHED:
            op.execute(f"""
                CREATE FUNCTION ticket_facts_queue_{table}() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        INSERT INTO ticket_facts_queue (ticket_id) VALUES (OLD.{key});
                    ELSE
                        INSERT INTO ticket_facts_queue (ticket_id) VALUES (NEW.{key});
                    END IF;
                    IF TG_OP = 'UPDATE' AND OLD.{key} <> NEW.{key} THEN
                        INSERT INTO ticket_facts_queue (ticket_id) VALUES (OLD.{key});
                    END IF;
                    RETURN NULL;
                END $$""")
            op.execute(f"""
                CREATE TRIGGER ticket_facts_{table}
                AFTER INSERT OR DELETE OR UPDATE OF {", ".join(columns)} ON {table}
                FOR EACH ROW EXECUTE FUNCTION ticket_facts_queue_{table}()""")
    else:
        for table, key, columns in WATCHED:
            for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"),
                               (f"UPDATE OF {', '.join(columns)}", "NEW")):
                name = f"ticket_facts_{table}_{event.split()[0].lower()}"
                also_old = (f" INSERT INTO ticket_facts_queue (ticket_id) SELECT OLD.{key} "
                            f"WHERE OLD.{key} <> NEW.{key};" if event.startswith("UPDATE")
                            else "")
                op.execute(f"""
                    CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN
                    INSERT INTO ticket_facts_queue (ticket_id) VALUES ({row}.{key});{also_old}
                    END""")
    op.execute("INSERT INTO ticket_facts_queue (ticket_id) SELECT id FROM tickets ORDER BY id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in WATCHED:
            op.execute(f"DROP TRIGGER ticket_facts_{table} ON {table}")
            op.execute(f"DROP FUNCTION ticket_facts_queue_{table}()")
    else:
        for table, _, _ in WATCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER ticket_facts_{table}_{event}")
    op.drop_table("ticket_facts_version")
    op.drop_table("ticket_facts_queue")
    op.drop_index("ix_ticket_facts_customer_id_product", table_name="ticket_facts")
    op.drop_index("ix_ticket_facts_created_at", table_name="ticket_facts")
    op.drop_table("ticket_facts")
