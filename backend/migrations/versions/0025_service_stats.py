"""Service statistics: the facts of each ticket gain what the job earned and cost and how it
went (`ticket_facts`: fault category, visits, first-time fix, resolved by, currency, revenue,
charge, warranty cost, parts used and their value, warranty class, quote outcome:
backend/stats/service_facts.py), and the statistics' triggers (0011) watch what they are made
of:

- `tickets`: the 0011 columns and `resolved_by` (0023) and `city` (the currency of a job
  without a quote or payment);
- `quotes`, `quote_lines`, `payments`, `stock_movements`, `service_records`: insert, delete,
  and update of the columns read (`quote_lines` and `stock_movements` name their ticket
  through the quote, or not at all: rows without a ticket queue nothing);
- `ticket_events`: inserts of `acceptance_requested` and `acceptance_rejected` (the customer's
  "not fixed" sends a job back without a status change: a visit);
- `parts`: a price changed queues the tickets it was fitted on (their parts are valued at the
  catalogue's price).

Every existing ticket is queued again: the facts worker (or the first statistics request)
writes the new columns. No table is copied (SQLite: ALTER TABLE ADD / DROP COLUMN, triggers
dropped and made again by name), so no other trigger or row is touched.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# The tickets' columns 0011 watched, and those watched from here on.
TICKET_COLUMNS_0011 = ("type", "status", "product", "customer_id", "assignee_id", "outlet_id",
                       "proposed_outlet_id", "sla_policy_id", "created_at",
                       "first_response_due", "on_site_due", "resolution_due",
                       "first_responded_at", "on_site_at", "resolved_at")
TICKET_COLUMNS = (*TICKET_COLUMNS_0011, "resolved_by", "city")
# (table, the column naming the ticket, the columns watched on update)
WATCHED = (
    ("quotes", "ticket_id", ("ticket_id", "version", "status", "needs_acceptance", "currency",
                             "total", "declined_charge")),
    ("payments", "ticket_id", ("ticket_id", "amount", "currency")),
    ("stock_movements", "ticket_id", ("ticket_id", "kind", "part_id", "quantity")),
    ("service_records", "ticket_id", ("ticket_id", "version", "fault_category")),
)
LINE_COLUMNS = ("quote_id", "kind", "code", "quantity", "unit_price", "amount", "in_warranty")
PRICES = ("price_cny", "price_hkd", "price_twd")
EVENT_KINDS = "('acceptance_requested', 'acceptance_rejected')"
LINE_TICKET = "(SELECT ticket_id FROM quotes WHERE id = {row}.quote_id)"
FITTED_ON = ("SELECT DISTINCT ticket_id FROM stock_movements WHERE part_id = NEW.id "
             "AND kind = 'use' AND ticket_id IS NOT NULL")

FACT_COLUMNS = (
    ("fault_category", sa.String(40)), ("resolved_by", sa.String(16)),
    ("visits", sa.SmallInteger()), ("first_time_fix", sa.SmallInteger()),
    ("currency", sa.String(3)), ("revenue", sa.Integer()), ("charge", sa.Integer()),
    ("warranty_cost", sa.Integer()), ("parts_used", sa.Integer()),
    ("parts_value", sa.Integer()), ("warranty", sa.String(8)), ("quote", sa.String(8)),
)
QUEUE = "INSERT INTO ticket_facts_queue (ticket_id)"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _changed(columns: tuple[str, ...], sqlite: bool) -> str:
    """A WHEN condition: one of these columns has another value (NULLs compared)."""
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in columns)


# ---- the tickets' trigger: more columns ---------------------------------------------------

def _ticket_update_trigger(columns: tuple[str, ...]) -> None:
    if _postgres():
        op.execute("DROP TRIGGER ticket_facts_tickets ON tickets")
        op.execute(f"""
            CREATE TRIGGER ticket_facts_tickets
            AFTER INSERT OR DELETE OR UPDATE OF {", ".join(columns)} ON tickets
            FOR EACH ROW EXECUTE FUNCTION ticket_facts_queue_tickets()""")
        return
    # As 0011 made it (queue NEW.id; OLD.id too if the id changed).
    op.execute("DROP TRIGGER ticket_facts_tickets_update")
    op.execute(f"""
        CREATE TRIGGER ticket_facts_tickets_update AFTER UPDATE OF {", ".join(columns)}
        ON tickets BEGIN
        {QUEUE} VALUES (NEW.id);
        {QUEUE} SELECT OLD.id WHERE OLD.id <> NEW.id;
        END""")


# ---- tables naming a ticket (maybe none) ------------------------------------------------------

def _row_triggers(table: str, key: str, columns: tuple[str, ...]) -> None:
    if _postgres():
        op.execute(f"""
            CREATE FUNCTION ticket_facts_queue_{table}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    IF OLD.{key} IS NOT NULL THEN
                        {QUEUE} VALUES (OLD.{key});
                    END IF;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    IF NEW.{key} IS NOT NULL THEN
                        {QUEUE} VALUES (NEW.{key});
                    END IF;
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"""
            CREATE TRIGGER ticket_facts_{table}
            AFTER INSERT OR DELETE OR UPDATE OF {", ".join(columns)} ON {table}
            FOR EACH ROW EXECUTE FUNCTION ticket_facts_queue_{table}()""")
        return
    op.execute(f"""
        CREATE TRIGGER ticket_facts_{table}_insert AFTER INSERT ON {table}
        WHEN NEW.{key} IS NOT NULL BEGIN {QUEUE} VALUES (NEW.{key}); END""")
    op.execute(f"""
        CREATE TRIGGER ticket_facts_{table}_delete AFTER DELETE ON {table}
        WHEN OLD.{key} IS NOT NULL BEGIN {QUEUE} VALUES (OLD.{key}); END""")
    op.execute(f"""
        CREATE TRIGGER ticket_facts_{table}_update AFTER UPDATE OF {", ".join(columns)}
        ON {table} BEGIN
        {QUEUE} SELECT NEW.{key} WHERE NEW.{key} IS NOT NULL;
        {QUEUE} SELECT OLD.{key} WHERE OLD.{key} IS NOT NULL AND OLD.{key} IS NOT NEW.{key};
        END""")


def _line_triggers() -> None:
    """Quote lines name their ticket through their quote (a line deleted with its quote finds
    none: the quote's own trigger queued it)."""
    new, old = LINE_TICKET.format(row="NEW"), LINE_TICKET.format(row="OLD")
    if _postgres():
        op.execute(f"""
            CREATE FUNCTION ticket_facts_queue_quote_lines() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    {QUEUE} SELECT ticket_id FROM quotes WHERE id = OLD.quote_id;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {QUEUE} SELECT ticket_id FROM quotes WHERE id = NEW.quote_id;
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"""
            CREATE TRIGGER ticket_facts_quote_lines
            AFTER INSERT OR DELETE OR UPDATE OF {", ".join(LINE_COLUMNS)} ON quote_lines
            FOR EACH ROW EXECUTE FUNCTION ticket_facts_queue_quote_lines()""")
        return
    for event, rows in (("INSERT", (new,)), ("DELETE", (old,)),
                        (f"UPDATE OF {', '.join(LINE_COLUMNS)}", (new, old))):
        name = f"ticket_facts_quote_lines_{event.split()[0].lower()}"
        body = " ".join(f"{QUEUE} SELECT {row} WHERE {row} IS NOT NULL;" for row in rows)
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON quote_lines BEGIN {body} END")


def _event_and_price_triggers() -> None:
    if _postgres():
        op.execute(f"""
            CREATE FUNCTION ticket_facts_queue_ticket_events() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                {QUEUE} VALUES (NEW.ticket_id);
                RETURN NULL;
            END $$""")
        op.execute(f"""
            CREATE TRIGGER ticket_facts_ticket_events AFTER INSERT ON ticket_events
            FOR EACH ROW WHEN (NEW.kind IN {EVENT_KINDS})
            EXECUTE FUNCTION ticket_facts_queue_ticket_events()""")
        op.execute(f"""
            CREATE FUNCTION ticket_facts_queue_parts() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                {QUEUE} {FITTED_ON};
                RETURN NULL;
            END $$""")
        op.execute(f"""
            CREATE TRIGGER ticket_facts_parts AFTER UPDATE OF {", ".join(PRICES)} ON parts
            FOR EACH ROW WHEN ({_changed(PRICES, sqlite=False)})
            EXECUTE FUNCTION ticket_facts_queue_parts()""")
        return
    op.execute(f"""
        CREATE TRIGGER ticket_facts_ticket_events_insert AFTER INSERT ON ticket_events
        WHEN NEW.kind IN {EVENT_KINDS} BEGIN {QUEUE} VALUES (NEW.ticket_id); END""")
    op.execute(f"""
        CREATE TRIGGER ticket_facts_parts_update AFTER UPDATE OF {", ".join(PRICES)} ON parts
        WHEN {_changed(PRICES, sqlite=True)} BEGIN {QUEUE} {FITTED_ON}; END""")


def upgrade() -> None:
    for name, type_ in FACT_COLUMNS:
        op.add_column("ticket_facts", sa.Column(name, type_, nullable=True))
    _ticket_update_trigger(TICKET_COLUMNS)
    for table, key, columns in WATCHED:
        _row_triggers(table, key, columns)
    _line_triggers()
    _event_and_price_triggers()
    op.execute(f"{QUEUE} SELECT id FROM tickets ORDER BY id")


def downgrade() -> None:
    tables = [table for table, _, _ in WATCHED] + ["quote_lines", "ticket_events", "parts"]
    if _postgres():
        for table in tables:
            op.execute(f"DROP TRIGGER ticket_facts_{table} ON {table}")
            op.execute(f"DROP FUNCTION ticket_facts_queue_{table}()")
    else:
        for table in tables:
            events = {"ticket_events": ("insert",), "parts": ("update",)}.get(
                table, ("insert", "delete", "update"))
            for event in events:
                op.execute(f"DROP TRIGGER ticket_facts_{table}_{event}")
    _ticket_update_trigger(TICKET_COLUMNS_0011)
    for name, _ in reversed(FACT_COLUMNS):
        op.execute(f"ALTER TABLE ticket_facts DROP COLUMN {name}")
