"""The knowledge base's fee answers come from the fee standard in force when asked, in the
customer's language and the region's currency and words, on SQLite and PostgreSQL; after an
admin changes the standard, the bot's next answer has the new price (through the bot's own
backend client, the call it makes)."""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from backend.fees import service as fee_service
from backend.fees.enums import RepairType
from backend.fees.models import FeeItem, FeeStandard
from backend.kernel.database import utcnow
from backend.knowledge import fee_answers, fee_facts, warranty_answers
from backend.knowledge.enums import PRODUCTS
from backend.knowledge.schemas import KnowledgeEntryIn
from backend.knowledge.seed import LANGUAGES, load_seed
from backend.products.enums import Region
from bot.backend_client import BackendClient
from tests.backend.conftest import INTERNAL_SECRET, SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.fees.support import STANDARDS, standard
from tests.backend.test_knowledge import entry_body

# What the seeded standard's visit fees read like in each language.
VISIT = {"zh-Hans": ("上门费 30 元", "HK$250", "NT$600"),
         "zh-Hant": ("上門費 30 元", "HK$250", "到府費 NT$600"),
         "en": ("call-out fee ¥30", "HK$250", "NT$600")}
# How the bot asks: the customer's words, with or without the NLU's topic.
ASKED = [("zh-Hans", "上门费多少钱"), ("en", "how much is the call-out fee"),
         ("zh-Hant", "上門費幾多錢")]


async def ask(client: httpx.AsyncClient, **params) -> str:
    response = await client.get("/api/v1/knowledge/answer", params=params,
                                headers=SERVICE_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()["answer"]


# ---- the contract with backend/fees --------------------------------------------------------

def test_the_columns_read_are_the_fee_standard_s_and_every_repair_type_has_a_group() -> None:
    for model in (FeeStandard, FeeItem):
        columns = {column.key for column in inspect(model).columns}
        assert set(fee_facts.COLUMNS[model.__tablename__]) <= columns
    grouped = [t for types in fee_answers.groups().values() for t in types]
    assert sorted(grouped) == sorted(RepairType)
    assert not fee_answers.PLACEHOLDERS & warranty_answers.PLACEHOLDERS


async def test_the_knowledge_base_reads_the_version_the_fee_service_says_is_in_force(
        app, client) -> None:
    await client.put(f"{STANDARDS}/taiwan/items/TV-INST", headers=STAFF_HEADERS, json={
        "category": "电视", "repair_type": "installation", "price": "1200", "reason": "壁掛",
        "names": {"zh-Hans": "电视安装", "zh-Hant": "電視壁掛安裝", "en": "TV wall mounting"}})
    async with app.state.sessionmaker() as session:
        read = await fee_facts.load_standards(session, at=utcnow())
        for region in Region:
            kept = await fee_service.in_force(db_session=session, region=region, at=utcnow())
            assert (read[region].version, read[region].visit_fee,
                    [(i.code, i.price, i.name("zh-Hant")) for i in read[region].items]) == (
                kept.version, kept.visit_fee,
                [(i.code, i.price, i.name_zh_hant) for i in kept.items])
    assert read[Region.taiwan].version == 2


def test_staff_may_write_fee_placeholders_but_not_misspelt_ones() -> None:
    assert KnowledgeEntryIn(**entry_body(topic="fee", answer="上门费 {fee_visit}。")).answer
    with pytest.raises(ValidationError, match="unknown placeholder"):
        KnowledgeEntryIn(**entry_body(topic="fee", answer="上门费 {fee_vist}。"))


# ---- answers -------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_general_answer_has_every_region_s_visit_fee_in_its_currency(
        client, language) -> None:
    text = await ask(client, language=language, topic="fee")
    for said in VISIT[language]:
        assert said in text, text
    assert ("人民" if language != "en" else "RMB") in text
    # Per product, from the lowest repair to the highest (the seeded fridge: 80–180).
    assert {"zh-Hans": "冰箱 80–180 元", "zh-Hant": "雪櫃 80–180 元",
            "en": "fridge ¥80–180"}[language] in text


@pytest.mark.parametrize(("language", "city", "expected"), [
    ("zh-Hans", "香港", ["（港币）", "上门费 HK$250（含检测）", "人工费 HK$300–650"]),
    ("zh-Hant", "香港", ["（港幣）", "上門費 HK$250（包檢查）", "只收上門費"]),
    ("en", "Hong Kong", ["(HKD)", "call-out HK$250 (inspection included)", "HK$300–650"]),
    ("zh-Hant", "台北", ["（新台幣）", "到府費 NT$600（含檢測）", "NT$800–2,000", "只收到府費"]),
    ("en", "taipei", ["(TWD)", "home visit NT$600", "home-visit fee only"]),
    # A Taiwanese city without an entry of its own: the general answer, in Taiwan's terms.
    ("zh-Hant", "高雄", ["（台灣，新台幣）", "到府費 NT$600；含檢測", "瓦斯爐"]),
])
async def test_a_city_s_answer_is_in_its_region_s_currency_and_words(
        client, language, city, expected) -> None:
    text = await ask(client, language=language, topic="fee", city=city)
    for said in expected:
        assert said in text, text
    assert "元" not in text and "¥" not in text


async def test_a_product_s_answer_lists_its_own_items(client) -> None:
    text = await ask(client, language="zh-Hant", topic="fee", product="冷氣")
    assert "冷氣加雪種 150 元" in text and "冷氣移機 250 元" in text and "雪櫃" not in text
    microwave = await ask(client, language="en", topic="fee", product="microwave")
    assert "Microwave major repair ¥100" in microwave
    assert "Installation" not in microwave  # nothing to say: its line is left out


async def test_every_fee_answer_is_filled_in_everywhere(client) -> None:
    for row in load_seed():
        if row["topic"] != "fee":
            continue
        for product in (None, *PRODUCTS):
            params = {"language": row["language"], "topic": "fee"}
            params.update({k: v for k, v in (("city", row["city"]), ("product", product)) if v})
            text = await ask(client, **params)
            assert not re.search(r"\{[a-z_]+\}", text), (params, text)


# ---- one source: the admin's change is the bot's next answer -------------------------------

async def test_the_bot_answers_with_the_price_an_admin_just_set(app, client) -> None:
    bot = BackendClient("http://backend.test", token=INTERNAL_SECRET,
                        transport=httpx.ASGITransport(app), retry_delays=())
    try:
        async def answers() -> dict[str, str]:
            said = {}
            for language, text in ASKED:
                with_topic = await bot.answer(language=language, topic="fee", product=None,
                                              city=None, text=text)
                free_text = await bot.answer(language=language, topic=None, product=None,
                                             city=None, text=text)
                assert with_topic and free_text, (language, text)
                assert with_topic["answer"] == free_text["answer"]  # the same entry
                said[language] = with_topic["answer"]
            return said

        before = await answers()
        for language, said in before.items():
            assert VISIT[language][0] in said and VISIT[language][1] in said
        mainland, hong_kong = await standard(client), await standard(client, "hong_kong")
        for region, body, visit_fee in (("mainland", mainland, "45"),
                                        ("hong_kong", hong_kong, "280.5")):
            changed = await client.put(f"{STANDARDS}/{region}", headers=STAFF_HEADERS, json={
                "visit_fee": visit_fee, "declined_quote_pays_visit": False,
                "items": body["items"], "reason": "上门费调整", "base_version": 1})
            assert changed.status_code == 200, changed.text
        after = await answers()
    finally:
        await bot.aclose()
    assert "上门费 45 元" in after["zh-Hans"] and "上门费 30 元" not in after["zh-Hans"]
    assert "不收上门费" in after["zh-Hans"]
    assert "call-out fee ¥45" in after["en"] and "HK$280.50" in after["en"]
    assert "there is no call-out fee" in after["en"]
    assert "HK$280.50" in after["zh-Hant"] and "上門費 45 元" in after["zh-Hant"]


def test_what_the_standard_cannot_fill_is_left_as_written() -> None:
    text = "上门费 {fee_visit}。{not_ours}\n· 人工费：{fee_labour}"
    assert fee_answers.render(text, language="zh-Hans", product=None, region=None,
                              standards={}) == text
    empty = fee_facts.Standard(region="mainland", version=1, currency="CNY", visit_fee=3000,
                               declined_quote_pays_visit=True)
    assert fee_answers.render(text, language="en", product="空调", region="mainland",
                              standards={"mainland": empty}) == "上门费 ¥30。{not_ours}"
