"""The knowledge base's warranty facts come from the warranty policies at answer time: the
seeded policies in each language, an admin's change in the next answer, the region of the
city named (else the mainland's, with Hong Kong's and Taiwan's differences in zh-Hant and
English), a product without a policy answered with the general policy, saying so. Every
database test runs on SQLite and PostgreSQL (tests/backend/conftest.py)."""

from __future__ import annotations

import re

import hanzidentifier
import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import delete, inspect, select

from backend.knowledge import warranty_answers, warranty_facts
from backend.knowledge.enums import PRODUCTS
from backend.knowledge.schemas import KnowledgeEntryIn
from backend.knowledge.seed import LANGUAGES, load_seed
from backend.products.enums import Region
from backend.products.models import WarrantyPolicy
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.test_knowledge import entry_body

# The seeded policy of fridges (backend/products/policies.yml), as each language says it.
FRIDGE = {
    "zh-Hans": ["冰箱：整机保修 1 年，主要部件压缩机保修 3 年，自发票日期起计算。",
                "易损件（门封条、照明灯、搁架、抽屉）", "购买 7 日内出现性能故障", "15 日内",
                "安全使用年限为 10 年"],
    "zh-Hant": ["雪櫃（冰箱）：整機保固（保養）1 年，主要部件壓縮機保固 3 年，由發票日期起計。",
                "易損件（門封條、燈泡、層架、抽屜）", "購買 7 日內出現性能故障", "安全使用年限為 10 年",
                "在香港及台灣購買的產品：整機保固（保養）1 年，主要部件壓縮機保固 3 年。"
                "不適用中國內地「三包」的退貨、換貨規定。"],
    "en": ["Fridge: the whole unit is under warranty for 1 year and the main part, the "
           "compressor, for 3 years, from the invoice date.",
           "Wearing parts (door seal, light bulb, shelves, drawers)", "within 7 days of purchase",
           "safe service life is 10 years", "Bought in Hong Kong and Taiwan: the whole unit"],
}


async def ask(client: httpx.AsyncClient, **params) -> dict:
    response = await client.get("/api/v1/knowledge/answer", params=params,
                                headers=SERVICE_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


async def change_policy(app, category: str, region: str = "mainland", **values) -> None:
    """An admin's edit, as it lands in the database."""
    async with app.state.sessionmaker() as session:
        policy = (await session.execute(select(WarrantyPolicy).where(
            WarrantyPolicy.category == category, WarrantyPolicy.region == region))).scalar_one()
        for field, value in values.items():
            setattr(policy, field, value)
        await session.commit()


async def drop_policies(app, *conditions) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(delete(WarrantyPolicy).where(*conditions))
        await session.commit()


# ---- the contract with backend/products --------------------------------------------------

def test_the_policy_columns_and_regions_read_are_the_products_ones() -> None:
    columns = {column.key for column in inspect(WarrantyPolicy).columns}
    assert set(warranty_facts.COLUMNS) <= columns
    assert set(warranty_facts.REGIONS) == {str(region) for region in Region}


def test_the_city_named_picks_the_region() -> None:
    region = warranty_facts.region_of_city
    assert [region(city) for city in ("香港", "Hong Kong", "九龍", "臺北", "台北市", "高雄")] == [
        "hong_kong", "hong_kong", "hong_kong", "taiwan", "taiwan", "taiwan"]
    assert (region("北京"), region("上海市"), region(None), region(" ")) == (
        "mainland", "mainland", None, None)


def test_placeholders_are_checked_where_staff_write_them() -> None:
    assert KnowledgeEntryIn(**entry_body(answer="北京：{cover}。{safe_use}")).answer
    with pytest.raises(ValidationError, match="unknown placeholder"):
        KnowledgeEntryIn(**entry_body(answer="北京：{cover_period}。"))
    for row in load_seed():  # the seed's warranty facts are all placeholders now
        if row["topic"] in ("warranty", "parts") and row["language"] != "en":
            assert not re.search(r"保[修固]\s*\d|\d\s*年保|\d+ 日[内內]", row["answer"]), row


def test_an_answer_without_placeholders_is_as_written() -> None:
    facts = warranty_answers.Facts({})
    text = "北京地区：冰箱整机保修 2 年（测试）。\n· {not_ours}"
    assert warranty_answers.render(text, language="zh-Hans", product="冰箱", facts=facts) == text


# ---- answers -----------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_product_s_answer_states_its_seeded_policy(client, language) -> None:
    answer = await ask(client, language=language, topic="warranty", product="冰箱")
    assert (answer["topic"], answer["product"]) == ("warranty", "冰箱")
    for said in FRIDGE[language]:
        assert said in answer["answer"], answer["answer"]
    assert "{" not in answer["answer"]
    if language == "zh-Hans":  # Simplified: the mainland's policy alone
        assert "香港" not in answer["answer"]


async def test_every_seeded_answer_is_filled_in_and_in_its_own_script(client) -> None:
    """No placeholder left in any warranty or parts answer, for any product; the names the
    policies hold in Simplified are said in Traditional in zh-Hant (and the reverse)."""
    for language in LANGUAGES:
        for topic in ("warranty", "parts"):
            for product in (None, *PRODUCTS):
                params = {"language": language, "topic": topic}
                if product:
                    params["product"] = product
                text = (await ask(client, **params))["answer"]
                assert not re.search(r"\{[a-z_]+\}", text), (language, topic, product, text)
                if language == "en":
                    assert not re.search(r"[\u4e00-\u9fff]", text), text
                    continue
                unwanted = (hanzidentifier.SIMPLIFIED if language == "zh-Hant"
                            else hanzidentifier.TRADITIONAL)
                wrong = {char for char in re.findall(r"[\u4e00-\u9fff]", text)
                         if hanzidentifier.identify(char) == unwanted}
                assert wrong == set(), (language, topic, product, wrong)


async def test_a_policy_changed_in_the_database_is_in_the_next_answer(app, client) -> None:
    before = await ask(client, language="zh-Hans", topic="warranty", product="冰箱")
    assert "整机保修 1 年，主要部件压缩机保修 3 年" in before["answer"]

    await change_policy(app, "冰箱", whole_unit_months=24, main_parts_months=60,
                        main_parts=["压缩机", "变频板"], return_days=0, exchange_days=15,
                        safe_use_years=12)

    after = await ask(client, language="zh-Hans", topic="warranty", product="冰箱")
    assert "整机保修 2 年，主要部件压缩机和变频板保修 5 年" in after["answer"]
    assert "购买 15 日内出现性能故障，可选择换货或修理。" in after["answer"]
    assert "7 日" not in after["answer"] and "安全使用年限为 12 年" in after["answer"]
    english = (await ask(client, language="en", topic="warranty", product="fridge"))["answer"]
    # A part warranty.yml has no English name for is shown as the policy has it.
    assert "for 2 years and the main parts, the compressor and the 变频板, for 5 years" in english
    # The general answer and the parts answers follow too.
    general = (await ask(client, language="zh-Hans", topic="warranty"))["answer"]
    assert "整机保修 1 年（冰箱 2 年），主要部件保修 3 年（冰箱 5 年）" in general
    parts = (await ask(client, language="zh-Hans", topic="parts", product="冰箱"))["answer"]
    assert "压缩机和变频板在 5 年保修期内免费更换" in parts

    # Hong Kong's own change shows in the Traditional answer's differences.
    await change_policy(app, "冰箱", "hong_kong", whole_unit_months=18, main_parts_months=None)
    hant = (await ask(client, language="zh-Hant", topic="warranty", product="冰箱"))["answer"]
    assert "在香港購買的產品：整機保固（保養）18 個月。不適用" in hant
    assert "在台灣購買的產品：整機保固（保養）1 年，主要部件壓縮機保固 3 年。" in hant


async def test_the_city_named_is_answered_with_its_region_s_policy(app, client) -> None:
    await change_policy(app, "空调", "hong_kong", whole_unit_months=24)
    hong_kong = (await ask(client, language="zh-Hant", topic="warranty", product="冷氣",
                           city="香港"))["answer"]
    assert "整機保固（保養）2 年，主要部件壓縮機保固 3 年" in hong_kong
    assert "以上為在香港購買的產品的保固（保養）條款。" in hong_kong
    assert "購買 7 日內" not in hong_kong and "台灣" not in hong_kong
    taipei = (await ask(client, language="en", topic="warranty", product="空调",
                        city="Taipei"))["answer"]
    assert "for 1 year and the main part, the compressor, for 3 years" in taipei
    assert "bought in Taiwan" in taipei and "within 7 days" not in taipei
    beijing = (await ask(client, language="zh-Hant", topic="warranty", product="空调",
                         city="北京"))["answer"]
    assert "購買 7 日內" in beijing and "香港" not in beijing


@pytest.mark.parametrize(("language", "lead", "general"), [
    ("zh-Hans", "冰箱暂无单独的保修政策，以下是一般保修政策：", "整机保修 1 年，主要部件保修 3 年"),
    ("zh-Hant", "雪櫃暫未有單獨的保固政策，以下是一般保固政策：", "整機保固（保養）1 年，主要部件保固 3 年"),
    ("en", "There is no warranty policy of its own on record for the fridge; the general "
           "policy:", "the whole unit is under warranty for 1 year and the main parts for 3"),
])
async def test_a_product_without_a_policy_gets_the_general_policy_saying_so(
        app, client, language, lead, general) -> None:
    await drop_policies(app, WarrantyPolicy.category == "冰箱")

    answer = await ask(client, language=language, topic="warranty", product="冰箱")

    assert answer["answer"].startswith(lead + "\n"), answer["answer"]
    assert general in answer["answer"] and answer["product"] is None
    assert "{" not in answer["answer"]
    if language == "zh-Hans":  # its other answers say what all products have
        parts = await ask(client, language=language, topic="parts", product="冰箱")
        assert "主要部件在 3 年保修期内免费更换" in parts["answer"]


async def test_a_product_without_an_entry_gets_its_cover_before_the_general_answer(
        app, client) -> None:
    dryer = await ask(client, language="zh-Hans", topic="warranty", product="干衣机")
    assert dryer["answer"].startswith("干衣机：整机保修 1 年，主要部件电机和程序控制器保修 3 年。\n")
    oven = await ask(client, language="en", text="how long is the oven warranty", product="oven")
    assert oven["answer"].startswith("Oven: the whole unit is under warranty for 1 year")

    await drop_policies(app)  # no policy at all: the general answer still says something true
    bare = (await ask(client, language="zh-Hans", topic="warranty", product="干衣机"))["answer"]
    assert bare.startswith("干衣机暂无单独的保修政策")
    assert "保修期以发票和保修卡所载为准" in bare and "{" not in bare and "· \n" not in bare


async def test_staff_read_and_write_the_placeholders(client) -> None:
    """Staff see (and edit) the template; the customer gets it filled in."""
    listed = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS, params={
        "topic": "warranty", "language": "zh-Hans", "product": "冰箱"})).json()
    assert "{cover}" in listed["items"][0]["answer"]

    created = await client.post("/api/v1/knowledge", headers=STAFF_HEADERS, json=entry_body(
        answer="北京地区冰箱：{cover}。{safe_use}北京网点可上门。"))
    assert created.status_code == 201, created.text
    answer = await ask(client, language="zh-Hans", topic="warranty", product="冰箱", city="北京")
    assert answer["answer"] == ("北京地区冰箱：整机保修 1 年，主要部件压缩机保修 3 年。"
                                "安全使用年限为 10 年，超过年限继续使用存在安全隐患，建议停用更换。"
                                "北京网点可上门。")

    refused = await client.post("/api/v1/knowledge", headers=STAFF_HEADERS,
                                json=entry_body(answer="{cover_years}"))
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "answer"
