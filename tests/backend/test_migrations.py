"""The migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend import models
from backend.kernel import crypto
from backend.kernel.database import make_engine
from backend.migrate import downgrade, upgrade, upgrade_async
from backend.tickets.models import Ticket
from tests.backend.conftest import ENCRYPTION_KEY
from tests.support.db import postgres_database, sqlite_database

# This suite's tables (other domains add theirs; their models must match their migrations too).
TABLES = {"customers", "chat_identities", "tickets", "ticket_events", "ticket_counters",
          "outbox_messages", "alembic_version"}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


# Columns with a foreign key that SQLite added in place (ALTER TABLE ADD COLUMN … REFERENCES:
# a migration copying the table would lose its triggers and cascade to its children). SQLAlchemy
# reads only table-level FOREIGN KEY clauses' names and ON DELETE from SQLite's schema, so these
# come back unnamed and without their action; the action itself is checked on both databases
# by tests/backend/tickets/test_product_link.py.
ADDED_IN_PLACE = {("tickets", "product_id")}


def _added_in_place_on_sqlite(connection, diff) -> bool:
    if connection.dialect.name != "sqlite" or diff[0] not in ("add_fk", "remove_fk"):
        return False
    constraint = diff[1]
    return {(constraint.table.name, column.name) for column in constraint.columns} <= \
        ADDED_IN_PLACE


async def _tables_and_diffs(url: str) -> tuple[set[str], list]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            def inspect_schema(sync_connection):
                tables = set(inspect(sync_connection).get_table_names())
                context = MigrationContext.configure(sync_connection,
                                                     opts={"compare_type": True})
                return tables, [diff for diff in compare_metadata(context, models.Base.metadata)
                                if not _added_in_place_on_sqlite(sync_connection, diff)]

            return await connection.run_sync(inspect_schema)
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_matches_the_models(empty_database: str) -> None:
    tables, _ = await _tables_and_diffs(empty_database)
    assert tables == set()

    await upgrade_async(empty_database)

    tables, diffs = await _tables_and_diffs(empty_database)
    assert TABLES <= tables
    assert tables - {"alembic_version"} == set(models.Base.metadata.tables)
    assert diffs == [], f"models and migrations differ: {diffs}"


def test_downgrade_and_upgrade_again(empty_database: str) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "base")
    upgrade(empty_database)
    upgrade(empty_database)  # at head already: nothing to do


# ---- 0012: free text encrypted at rest ---------------------------------------------------

DESCRIPTION = "洗衣机不脱水了,我住上海市浦东新区锦延路86弄3号,电话13900001111,周五下午在家"
DETAILS = {"wanted": "Call me back on +852 9123 4567", "related_ticket": "RS-20261124-0001"}
# (table, column, id, value before the migration)
FREE_TEXT = [
    ("tickets", "description", 1, DESCRIPTION),
    ("tickets", "description", 2, ""),
    ("tickets", "details", 1, json.dumps(DETAILS)),  # as SQLAlchemy's JSON wrote it
    ("tickets", "details", 2, "{}"),
    ("tickets", "preferred_time", 1, "周五下午 锦延路86弄"),
    ("tickets", "appointment_request", 1, "周六上午,打13900001111"),
    ("ticket_events", "note", 1, "praise: 师傅很好,以后还找他 13900001111"),
    ("surveys", "comment", 1, "师傅来我家锦延路86弄修好了"),
    ("surveys", "comment", 2, ""),
]
NOW = sa.literal_column("CURRENT_TIMESTAMP")


async def _execute(url: str, *statements) -> list[list[tuple]]:
    engine = make_engine(url)
    try:
        results = []
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(statement)
                results.append([tuple(row) for row in result.all()] if result.returns_rows
                               else [])
        return results
    finally:
        await engine.dispose()


def _raw(table: str, *columns: str):
    return sa.table(table, sa.column("id", sa.Integer), *(sa.column(c) for c in columns))


async def _stored(url: str) -> dict[tuple[str, str, int], str | None]:
    values = {}
    for table, column, row_id, _ in FREE_TEXT:
        raw = _raw(table, column)
        [rows] = await _execute(url, sa.select(sa.cast(raw.c[column], sa.Text))
                                .where(raw.c.id == row_id))
        assert rows, (table, column, row_id, await _execute(url, sa.select(raw)))
        [(values[table, column, row_id],)] = rows
    return values


async def _column_types(url: str) -> dict[tuple[str, str], str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            def types(sync_connection):
                inspector = inspect(sync_connection)
                return {(table, c["name"]): type(c["type"]).__name__.upper()
                        for table in ("tickets", "ticket_events", "surveys")
                        for c in inspector.get_columns(table)}

            return await connection.run_sync(types)
    finally:
        await engine.dispose()


async def _queued(url: str) -> int:
    [[(count,)]] = await _execute(url, sa.text("SELECT count(*) FROM ticket_facts_queue")
                                  .columns(sa.column("n")))
    return count


async def test_0012_encrypts_the_free_text_there_is_and_the_downgrade_decrypts_it(
        empty_database: str) -> None:
    crypto.configure(ENCRYPTION_KEY)
    url = empty_database
    await upgrade_async(url, "0011")
    values = {(table, column, row_id): value for table, column, row_id, value in FREE_TEXT}
    tickets = _raw("tickets", "number", "type", "status", "priority", "description", "details",
                   "preferred_time", "appointment_request", "customer_id", "channel", "chat_id",
                   "language", "idempotency_key", "request_fingerprint", "created_at",
                   "updated_at")
    await _execute(
        url,
        sa.insert(_raw("customers", "language", "created_at", "updated_at")).values(
            id=1, language="zh-Hans", created_at=NOW, updated_at=NOW),
        *(sa.insert(tickets).values(
            id=row_id, number=f"RS-20261124-000{row_id}", type="repair", status="new",
            priority="normal", description=values["tickets", "description", row_id],
            details=values["tickets", "details", row_id],
            preferred_time=values.get(("tickets", "preferred_time", row_id)),
            appointment_request=values.get(("tickets", "appointment_request", row_id)),
            customer_id=1, channel="telegram", chat_id="42", language="zh-Hans",
            idempotency_key=f"k{row_id}", request_fingerprint="f", created_at=NOW,
            updated_at=NOW) for row_id in (1, 2)),
        sa.insert(_raw("ticket_events", "ticket_id", "kind", "actor", "note", "created_at"))
        .values([{"id": 1, "ticket_id": 1, "kind": "feedback", "actor": "customer:telegram:42",
                  "note": values["ticket_events", "note", 1], "created_at": NOW},
                 {"id": 2, "ticket_id": 1, "kind": "created", "actor": "customer:telegram:42",
                  "note": None, "created_at": NOW}]),
        sa.insert(_raw("surveys", "ticket_id", "state", "comment", "follow_up", "created_at"))
        .values([{"id": row_id, "ticket_id": row_id, "state": "answered", "follow_up": False,
                  "comment": values["surveys", "comment", row_id], "created_at": NOW}
                 for row_id in (1, 2)]),
    )

    await upgrade_async(url)

    stored = await _stored(url)
    for key, before in values.items():
        assert stored[key].startswith("gAAAAA"), key
        assert crypto.decrypt(stored[key]) == before, key
    for secret in ("13900001111", "锦延路", "9123 4567"):
        assert not any(secret in value for value in stored.values())
    # The rows around them are all there (nothing cascaded), and the models read them.
    [events, surveys, read] = await _execute(
        url, sa.select(sa.func.count()).select_from(_raw("ticket_events")),
        sa.select(sa.func.count()).select_from(_raw("surveys")),
        sa.select(Ticket.description, Ticket.details, Ticket.preferred_time,
                  Ticket.appointment_request).order_by(Ticket.id))
    assert (events, surveys) == ([(2,)], [(2,)])
    assert read == [(DESCRIPTION, DETAILS, "周五下午 锦延路86弄", "周六上午,打13900001111"),
                    ("", {}, None, None)]
    # The statistics' triggers still queue a changed ticket (SQLite: the columns were swapped
    # in place, the table was not rebuilt).
    queued = await _queued(url)
    await _execute(url, sa.update(_raw("tickets", "status")).where(sa.column("id") == 1)
                   .values(status="assigned"))
    assert await _queued(url) == queued + 1

    types = await _column_types(url)
    assert {types["tickets", c] for c in ("details", "preferred_time", "description")} == {"TEXT"}

    await asyncio.to_thread(downgrade, url, "0011")
    assert await _stored(url) == values
    types = await _column_types(url)
    assert (types["tickets", "details"], types["tickets", "preferred_time"],
            types["tickets", "appointment_request"]) == ("JSON", "VARCHAR", "VARCHAR")

    await upgrade_async(url)
    assert all(value.startswith("gAAAAA") for value in (await _stored(url)).values())
    _, diffs = await _tables_and_diffs(url)
    assert diffs == []



OLD_FRIDGE_WARRANTY = (  # as seeded before the answers were rendered from the policies
    "冰箱：整机保修 1 年，主要部件压缩机保修 3 年，自发票日期起计算。门封条、照明灯、搁架、抽屉等易损件不享受 3 年"
    "保修。保修期内的质量故障免费上门维修（上门、检测、人工、配件均免费）。过保后的收费可以问我“维修收费”。")


async def test_0018_renders_the_old_seeded_warranty_answers_from_the_policies(
        empty_database: str) -> None:
    url = empty_database
    await upgrade_async(url, "0017")
    entries = _raw("knowledge_entries", "topic", "product", "language", "answer")
    fridge = (entries.c.topic == "warranty") & (entries.c.product == "冰箱") & (
        entries.c.language == "zh-Hans")
    tv = (entries.c.topic == "warranty") & (entries.c.product == "电视") & (
        entries.c.language == "zh-Hans")
    await _execute(url, sa.update(entries).where(fridge).values(answer=OLD_FRIDGE_WARRANTY),
                   sa.update(entries).where(tv).values(answer="电视保两年，我们自己定的。"))

    await upgrade_async(url)

    [[(fridge_answer,)], [(tv_answer,)]] = await _execute(
        url, sa.select(entries.c.answer).where(fridge), sa.select(entries.c.answer).where(tv))
    from backend.knowledge.seed import load_seed

    [template] = [row["answer"] for row in load_seed(with_sample=True)
                  if (row["topic"], row["product"], row["language"]) == ("warranty", "冰箱", "zh-Hans")]
    assert fridge_answer == template and "{" in template  # filled from the policy when asked
    assert tv_answer == "电视保两年，我们自己定的。"  # staff's own words are kept
