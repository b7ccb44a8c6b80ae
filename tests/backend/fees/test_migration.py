"""Migration 0020 on SQLite and PostgreSQL: the fee tables with each region's seeded standard;
the old seeded fee answers, untouched, become the templates (staff's own words stay); the
downgrade puts the old answers back and drops the tables, and the upgrade runs again."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
from types import ModuleType

import sqlalchemy as sa

from backend.knowledge.seed import load_seed
from backend.migrate import MIGRATIONS_DIR, downgrade, upgrade_async
from tests.backend.test_migrations import _execute, _raw, empty_database  # noqa: F401

STAFF_WORDS = "香港上门费现在是 HK$300，我们自己改的。"


def migration() -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / "0020_fee_standard.py"
    spec = importlib.util.spec_from_file_location("migration_0020", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_old_answers_known_are_the_ones_0018_would_recognise() -> None:
    module = migration()
    assert len(module.OLD_TEXTS) == 9
    assert "faa53fab25e190e457a73263af56efcb155d4a26f54bf95417494beefbc26057" in \
        module.OLD_ANSWERS  # the Mainland's Simplified answer as seeded until now
    templates = {(r["city"], r["language"]) for r in load_seed() if r["topic"] == "fee"}
    assert set(module.OLD_TEXTS) == templates


async def _fee_answers(url: str) -> dict[tuple, str]:
    entries = _raw("knowledge_entries", "topic", "city", "language", "answer")
    [rows] = await _execute(url, sa.select(entries.c.city, entries.c.language,
                                           entries.c.answer).where(entries.c.topic == "fee"))
    return {(city, language): answer for city, language, answer in rows}


async def _tables(url: str) -> set[str]:
    engine_tables = await _execute(url, sa.text(
        "SELECT name FROM sqlite_master WHERE type='table'" if url.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return {name for (name,) in engine_tables[0]}


async def test_0020_seeds_the_standard_and_makes_the_old_fee_answers_templates(
        empty_database: str) -> None:
    url = empty_database
    old = migration().OLD_TEXTS
    await upgrade_async(url, "0019")
    entries = _raw("knowledge_entries", "topic", "city", "language", "answer")
    fee = entries.c.topic == "fee"
    statements = [sa.update(entries).where(fee, entries.c.language == language,
                                           entries.c.city.is_(None) if city is None
                                           else entries.c.city == city).values(answer=text)
                  for (city, language), text in old.items()]
    hong_kong = fee & (entries.c.city == "香港") & (entries.c.language == "zh-Hans")
    await _execute(url, *statements, sa.update(entries).where(hong_kong)
                   .values(answer=STAFF_WORDS))

    await upgrade_async(url)

    templates = {(r["city"], r["language"]): r["answer"] for r in load_seed()
                 if r["topic"] == "fee"}
    answers = await _fee_answers(url)
    assert answers[("香港", "zh-Hans")] == STAFF_WORDS  # staff's own words are kept
    for key, text in answers.items():
        if key != ("香港", "zh-Hans"):
            assert text == templates[key] and "{fee_" in text, key
    standards = _raw("fee_standards", "region", "version", "currency", "visit_fee")
    [rows] = await _execute(url, sa.select(standards.c.region, standards.c.version,
                                           standards.c.currency, standards.c.visit_fee))
    assert sorted(row[1:] for row in rows) == sorted(
        [(1, "CNY", 3000), (1, "HKD", 25000), (1, "TWD", 60000)])
    [[(items,)]] = await _execute(url, sa.select(sa.func.count()).select_from(
        sa.table("fee_items")))
    assert items > 100

    await asyncio.to_thread(downgrade, url, "0019")

    answers = await _fee_answers(url)
    assert answers[("香港", "zh-Hans")] == STAFF_WORDS
    assert {key: hashlib.sha256(text.encode()).hexdigest() for key, text in answers.items()
            if key != ("香港", "zh-Hans")} == {
        key: hashlib.sha256(text.encode()).hexdigest() for key, text in old.items()
        if key != ("香港", "zh-Hans")}
    assert not {"fee_standards", "fee_items"} & await _tables(url)

    await upgrade_async(url)
    assert {"fee_standards", "fee_items"} <= await _tables(url)
