"""Troubleshooting answers fit the trouble: a product's own usage entry answers only the
trouble it describes (a leaking fridge is not told the not-cooling checks); another trouble of
that product gets the general usage answer. And an error code is answered by its entry: the
named product's meaning, or without a product its meaning on each product."""

from __future__ import annotations

import re

import pytest

from backend.knowledge import service as knowledge_service
from backend.knowledge.schemas import ANSWER_MAX, QUESTION_MAX
from backend.knowledge.seed import load_error_codes
from tests.backend.conftest import SERVICE_HEADERS


async def answer(app, language: str, text: str, topic: str | None = "usage",
                 product: str | None = None, code: str | None = None):
    async with app.state.sessionmaker() as session:
        return await knowledge_service.find_answer(db_session=session, language=language,
                                                   topic=topic, product=product, text=text,
                                                   code=code)


@pytest.mark.parametrize(("language", "text", "product"), [
    ("zh-Hans", "冰箱漏水怎么办", "冰箱"),
    ("zh-Hant", "雪櫃漏水點算", "冰箱"),
    ("en", "my fridge is leaking water on the floor", "冰箱"),
])
async def test_a_leak_is_not_answered_with_the_not_cooling_checks(app, language, text,
                                                                   product) -> None:
    not_cooling = await answer(app, language, "冰箱不制冷 雪櫃唔凍 fridge not cold", product=product)
    assert not_cooling is not None and not_cooling.product == "冰箱"

    leak = await answer(app, language, text, product=product)

    # The fridge's own leak entry (seed.yml, troubleshooting), not the not-cooling checks.
    assert leak is not None and leak.id != not_cooling.id
    assert any(word in leak.question for word in ("水", "water", "leak"))


@pytest.mark.parametrize(("language", "text"), [
    ("zh-Hans", "冰箱不制冷了怎么办"), ("zh-Hant", "雪櫃唔夠凍點算"), ("en", "fridge not cold enough")])
async def test_the_trouble_an_entry_describes_still_gets_it(app, language, text) -> None:
    entry = await answer(app, language, text, product="冰箱")
    assert entry is not None and entry.product == "冰箱"


@pytest.mark.parametrize(("language", "text"), [
    ("zh-Hans", "洗衣机显示E4是什么意思"), ("zh-Hant", "洗衣機顯示E4係咩意思"),
    ("en", "what does E4 mean on my washing machine")])
async def test_an_error_code_question_finds_its_entry(app, language, text) -> None:
    entry = await answer(app, language, text, topic=None)
    assert entry is not None and "E4" in entry.answer


# ── the error-code tables (error_codes.yml, migration 0014) ─────────────────────────────────

@pytest.mark.parametrize(("language", "text", "product", "code"), [
    ("zh-Hans", "热水器屏幕上一直闪E2,这是啥故障", "热水器", "E2"),
    ("zh-Hant", "淨水器的燈一直閃，然後顯示F2，這是什麼意思啊？", "净水器", "F2"),
    ("zh-Hant", "部冷氣閃住E5,係咩意思?", "空调", "E5"),
    ("en", "dishwasher showing E24, what does that mean?", "洗碗机", "E24"),
    ("en", "washer showing f4?? meaning?", "洗衣机", "F4"),
])
async def test_a_code_on_a_named_product_gets_that_products_meaning(app, language, text,
                                                                     product, code) -> None:
    entry = await answer(app, language, text, topic=None, product=product, code=code)
    assert entry is not None and entry.product == product and code in entry.answer


@pytest.mark.parametrize(("language", "text", "code"), [
    ("zh-Hans", "显示E6是什么意思", "E6"), ("zh-Hant", "部機彈E1係咩事", "E1"),
    ("en", "what does E3 mean?", "E3")])
async def test_a_code_without_a_product_gets_its_meaning_on_each_product(app, language, text,
                                                                          code) -> None:
    entry = await answer(app, language, text, topic=None, code=code)
    assert entry is not None and entry.product is None
    # One line per product that has the code, and the offer to say which one it is.
    assert entry.answer.count(code) >= 2 and entry.answer.count("·") >= 5


async def test_a_code_no_table_has_is_no_answer_about_it(app) -> None:
    entry = await answer(app, "en", "what does Z9 mean on my fridge", topic=None, product="冰箱",
                         code="Z9")
    assert entry is None or "Z9" not in entry.answer


async def test_the_answer_route_takes_the_code(client) -> None:
    params = {"language": "zh-Hans", "product": "冷氣", "code": "E6", "text": "E6是什么"}
    found = await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS, params=params)
    assert found.status_code == 200 and "E6" in found.json()["answer"]
    assert found.json()["product"] == "空调"
    bad = await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS,
                           params={**params, "code": "E6; DROP"})
    assert bad.status_code == 422


@pytest.mark.parametrize(("language", "text"), [
    ("zh-Hans", "冰箱有故障代码怎么办"), ("zh-Hant", "雪櫃顯示故障碼點算"), ("en", "my fridge shows an error")])
async def test_words_about_codes_without_a_code_do_not_pick_a_code(app, language, text) -> None:
    entry = await answer(app, language, text, topic=None, product="冰箱")
    assert entry is None or not re.search(r"\b[EFPHC]\d\b", entry.question)


def test_every_code_entry_fits_the_knowledge_base_and_names_its_code() -> None:
    rows = load_error_codes()
    assert {row["language"] for row in rows} == {"zh-Hans", "zh-Hant", "en"}
    for row in rows:
        code = row["keywords"].upper()
        assert code in row["question"] and code in row["answer"], row
        assert len(row["question"]) <= QUESTION_MAX and len(row["answer"]) <= ANSWER_MAX, row
        assert row["topic"] == "usage" and row["sample"] is True
