"""Troubleshooting answers fit the trouble: a product's own usage entry answers only the
trouble it describes (a leaking fridge is not told the not-cooling checks); another trouble of
that product gets the general usage answer. And an error code is answered by its entry."""

from __future__ import annotations

import pytest

from backend.knowledge import service as knowledge_service


async def answer(app, language: str, text: str, topic: str | None = "usage",
                 product: str | None = None):
    async with app.state.sessionmaker() as session:
        return await knowledge_service.find_answer(db_session=session, language=language,
                                                   topic=topic, product=product, text=text)


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

    assert leak is not None and leak.id != not_cooling.id and leak.product is None


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
