"""The knowledge base: the seed after migrations, best-match order, language isolation,
free-text matching, the bot's answer route and staff's CRUD routes (with their guards); sample
entries flagged for staff, never marked in the customer's answer (also in a database seeded
before the flag)."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import hanzidentifier
import httpx
import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import delete, func, select

from backend.knowledge import matching
from backend.knowledge import service as knowledge_service
from backend.knowledge.enums import PRODUCTS, Topic
from backend.knowledge.models import KnowledgeEntry
from backend.knowledge.schemas import ANSWER_MAX, KnowledgeEntryIn
from backend.knowledge.seed import (
    LANGUAGES,
    SEED_FILE,
    load_error_codes,
    load_seed,
    strip_sample_marker,
)
from backend.migrate import upgrade
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.support.db import postgres_database, sqlite_database

# What a new database holds: seed.yml (migration 0002) and the error-code tables (0014).
SEEDED = len(load_seed()) + len(load_error_codes())

ANSWER_KEYS = {"id", "topic", "product", "city", "language", "question", "answer"}

FRIDGE_WARRANTY_QUESTIONS = [
    ("zh-Hans", "冰箱保修多久"),
    ("zh-Hant", "雪櫃保固幾耐"),
    ("en", "how long is the fridge warranty"),
]
UNRELATED = [
    ("zh-Hans", "今天天气怎么样"),
    ("zh-Hans", "我想订一份披萨"),
    ("zh-Hans", "你好"),
    ("zh-Hant", "今日天氣點呀"),
    ("en", "what's the weather like today"),
    ("en", "tell me a joke"),
    ("en", "long time no see"),
    ("en", "hello"),
]


def entry_body(**overrides) -> dict:
    body = {"topic": "warranty", "product": "冰箱", "city": "北京", "language": "zh-Hans",
            "question": "北京冰箱保修多久？", "answer": "北京地区：冰箱整机保修 2 年（测试）。",
            "keywords": "北京 冰箱 保修"}
    body.update(overrides)
    return body


async def add(app, **overrides) -> KnowledgeEntry:
    async with app.state.sessionmaker() as session:
        return await knowledge_service.create(db_session=session,
                                              data=KnowledgeEntryIn(**entry_body(**overrides)))


async def find(app, **kwargs) -> KnowledgeEntry | None:
    async with app.state.sessionmaker() as session:
        return await knowledge_service.find_answer(db_session=session, **kwargs)


def seed_entries() -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, **row) for i, row in enumerate(load_seed(), start=1)]


# ── the seed ─────────────────────────────────────────────────────────────────────────────

def test_seed_groups_have_all_three_languages_and_valid_entries() -> None:
    groups = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))["entries"]
    for group in groups:
        assert set(group) - {"topic", "product", "city", "sample", "added_in"} == set(LANGUAGES), group
        assert group.get("product") in (None, *PRODUCTS)
    for row in load_seed():
        entry = KnowledgeEntryIn(**row)  # the same rules as staff input
        assert (entry.product, entry.city, entry.keywords) == (row["product"], row["city"],
                                                               row["keywords"])


def test_seed_chinese_entries_use_their_own_script() -> None:
    """zh-Hant entries contain no Simplified-only character, zh-Hans no Traditional-only one
    (the canonical product and city fields are Simplified by definition and not checked)."""
    wrong = []
    for row in load_seed():
        if row["language"] == "en":
            continue
        unwanted = (hanzidentifier.SIMPLIFIED if row["language"] == "zh-Hant"
                    else hanzidentifier.TRADITIONAL)
        text = " ".join(filter(None, (row["question"], row["answer"], row["keywords"])))
        wrong += [(row["language"], row["question"], char)
                  for char in set(re.findall(r"[\u4e00-\u9fff]", text))
                  if hanzidentifier.identify(char) == unwanted]
    assert wrong == []


async def test_seed_is_present_after_migrations_for_every_topic_and_language(app) -> None:
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(
            select(KnowledgeEntry.topic, KnowledgeEntry.language, func.count())
            .where(KnowledgeEntry.product.is_(None), KnowledgeEntry.city.is_(None))
            .group_by(KnowledgeEntry.topic, KnowledgeEntry.language)
        )).all()
        total = (await session.execute(select(func.count(KnowledgeEntry.id)))).scalar_one()
    general = {(topic, language): count for topic, language, count in rows}
    # Every topic has a general entry in every language, so a topic always finds an answer.
    assert set(general) == {(str(topic), language) for topic in Topic for language in LANGUAGES}
    assert total == SEEDED


async def test_every_topic_answers_in_every_language(app) -> None:
    for language in LANGUAGES:
        for topic in Topic:
            entry = await find(app, language=language, topic=topic)
            assert entry is not None and entry.language == language and entry.topic == topic
            assert entry.product is None and entry.city is None


# ── best match with a topic ──────────────────────────────────────────────────────────────

async def test_best_match_prefers_product_and_city_then_product_then_city_then_general(
        app) -> None:
    both = await add(app, product="冰箱", city="北京")
    city_only = await add(app, product=None, city="北京", question="北京保修政策")

    async def best(**kwargs) -> int | None:
        entry = await find(app, language="zh-Hans", topic="warranty", **kwargs)
        return entry and entry.id

    seeded_fridge = (await find(app, language="zh-Hans", topic="warranty", product="冰箱")).id
    seeded_ac = (await find(app, language="zh-Hans", topic="warranty", product="空调")).id
    general = (await find(app, language="zh-Hans", topic="warranty")).id
    assert len({both.id, city_only.id, seeded_fridge, seeded_ac, general}) == 5

    assert await best(product="冰箱", city="北京") == both.id          # topic+product+city
    assert await best(product="冰箱", city="上海") == seeded_fridge    # topic+product
    assert await best(product="空调", city="北京") == seeded_ac        # product beats city
    assert await best(city="北京") == city_only.id                     # topic+city
    assert await best(city="上海") == general                          # topic only
    assert await best() == general
    assert await best(product="火箭") == general                       # unknown product
    # Other spellings of products and cities are understood.
    assert await best(product="雪櫃", city="Beijing") == both.id
    assert await best(product=" fridge ", city="北京市") == both.id
    hong_kong = await add(app, product=None, city="香港", question="香港保修")
    assert await best(city="九龍") == hong_kong.id


async def test_text_breaks_ties_between_equally_specific_entries(app) -> None:
    # The TV has no seeded usage entries (no error-code table): these two are its only ones.
    first = await add(app, topic="usage", product="电视", city=None,
                      question="电视没有声音怎么办？", keywords="电视 没有声音 没声音 静音")
    second = await add(app, topic="usage", product="电视", city=None,
                       question="电视遥控器失灵怎么办？", keywords="电视 遥控器 失灵")

    async def best(text: str | None) -> int:
        return (await find(app, language="zh-Hans", topic="usage", product="电视",
                           text=text)).id

    assert await best("我的电视遥控器失灵了") == second.id
    assert await best("电视没声音") == first.id
    assert await best(None) == first.id  # no text: the oldest


async def test_no_entry_of_the_topic_in_that_language_is_none(app) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.language == "zh-Hant",
                                                           KnowledgeEntry.topic == "hours"))
        await session.commit()

    assert await find(app, language="zh-Hant", topic="hours") is None
    assert (await find(app, language="zh-Hans", topic="hours")).language == "zh-Hans"


# ── language isolation ───────────────────────────────────────────────────────────────────

async def test_answers_never_cross_languages(app) -> None:
    english_only = await add(app, topic="usage", product="电视", city=None, language="en",
                             question="The TV has no sound", keywords="tv sound mute")

    found = await find(app, language="zh-Hans", topic="usage", product="电视")
    assert found.language == "zh-Hans" and found.id != english_only.id
    assert (await find(app, language="en", topic="usage", product="电视")).id == english_only.id
    # Free text in another language's words finds nothing.
    assert await find(app, language="zh-Hans", text="how long is the fridge warranty") is None
    assert await find(app, language="en", text="冰箱保修多久") is None
    assert (await find(app, language="zh-Hant", text="冰箱保修多久")).language == "zh-Hant"


# ── free text (no topic) ─────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("language", "text"), FRIDGE_WARRANTY_QUESTIONS)
def test_free_text_finds_the_fridge_warranty(language: str, text: str) -> None:
    entries = [e for e in seed_entries() if e.language == language]
    entry = matching.best_match(entries, text)
    assert entry is not None
    assert (entry.topic, entry.product, entry.city) == ("warranty", "冰箱", None)


@pytest.mark.parametrize(("language", "text"), UNRELATED)
def test_free_text_unrelated_to_the_knowledge_base_finds_nothing(language: str,
                                                                  text: str) -> None:
    entries = [e for e in seed_entries() if e.language == language]
    assert matching.best_match(entries, text) is None


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("zh-Hans", "洗衣机显示E4", ("usage", "洗衣机", None)),
    ("zh-Hans", "空调不制冷", ("usage", "空调", None)),
    ("zh-Hant", "冷氣唔凍", ("usage", "空调", None)),
    ("en", "my washing machine shows E4", ("usage", "洗衣机", None)),
    ("zh-Hans", "上门费多少钱", ("fee", None, None)),
    ("zh-Hant", "台北維修收費", ("fee", None, "台北")),
    ("en", "where is your service centre in shanghai", ("outlet", None, "上海")),
    ("zh-Hant", "旺角有冇維修中心", ("outlet", None, "香港")),
    ("zh-Hans", "你们几点上班", ("hours", None, None)),
    ("en", "What are your opening hours?", ("hours", None, None)),
    ("zh-Hans", "遥控器保修吗", ("parts", None, None)),
    ("en", "how much is a new compressor for my fridge", ("parts", "冰箱", None)),
    ("zh-Hans", "保修", ("warranty", None, None)),
    ("en", "WARRANTY", ("warranty", None, None)),
])
def test_free_text_finds_the_entry_its_words_point_at(language: str, text: str,
                                                      expected: tuple) -> None:
    entries = [e for e in seed_entries() if e.language == language]
    entry = matching.best_match(entries, text)
    assert entry is not None and (entry.topic, entry.product, entry.city) == expected


def test_tokens_are_chinese_bigrams_and_english_words() -> None:
    assert matching.tokens("冰箱保修多久") == {"冰箱", "箱保", "保修", "修多", "多久"}
    assert matching.tokens("How long are the Fridges' warranties?") == {
        "long", "fridge", "warrantie"}
    assert matching.tokens("洗衣机显示Ｅ４") == {"洗衣", "衣机", "机显", "显示", "e4"}
    assert matching.tokens("请问怎么办 the a") == {"问怎", "么办"}
    assert matching.tokens("") == set()


async def test_free_text_through_the_database(app) -> None:
    for language, text in FRIDGE_WARRANTY_QUESTIONS:
        entry = await find(app, language=language, text=text)
        assert (entry.topic, entry.product, entry.language) == ("warranty", "冰箱", language)
    for language, text in UNRELATED:
        assert await find(app, language=language, text=text) is None
    assert await find(app, language="en", text=None) is None
    assert await find(app, language="en", text="   ") is None
    # A product or city that is given leaves out the entries for other ones.
    entry = await find(app, language="zh-Hans", product="空调", text="压缩机保修多久")
    assert (entry.topic, entry.product) == ("warranty", "空调")


# ── the bot's route ──────────────────────────────────────────────────────────────────────

async def test_answer_route_returns_the_answer_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS, params={
        "language": "zh-Hans", "topic": "warranty", "product": "冰箱", "city": "北京"})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == ANSWER_KEYS
    assert (answer["topic"], answer["product"], answer["city"], answer["language"]) == (
        "warranty", "冰箱", None, "zh-Hans")
    assert "压缩机" in answer["answer"]


async def test_answer_route_free_text_and_404(client: httpx.AsyncClient) -> None:
    async def ask(**params) -> httpx.Response:
        return await client.get("/api/v1/knowledge/answer", params=params,
                                headers=SERVICE_HEADERS)

    found = await ask(language="zh-Hant", text="雪櫃保固幾耐")
    assert found.status_code == 200 and found.json()["product"] == "冰箱"

    for params in ({"language": "en", "text": "tell me a joke"}, {"language": "en"},
                   {"language": "zh-Hans", "topic": "", "text": "今天天气怎么样"}):
        response = await ask(**params)
        assert response.status_code == 404, params
        assert response.json() == {"detail": "no answer"}


async def test_answer_route_refuses_unknown_language_and_topic(
        client: httpx.AsyncClient) -> None:
    for params in ({"language": "fr", "topic": "warranty"}, {"topic": "warranty"},
                   {"language": "en", "topic": "weather"}):
        response = await client.get("/api/v1/knowledge/answer", params=params,
                                    headers=SERVICE_HEADERS)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"][-1] in ("language", "topic")


async def test_answer_route_survives_long_and_strange_text(client: httpx.AsyncClient) -> None:
    for text in ("冰箱保修" * 1500, "\x00\x1f💥" * 100, "E4" * 3000, "🙂", "%s' OR 1=1 --"):
        response = await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS,
                                    params={"language": "zh-Hans", "text": text})
        assert response.status_code in (200, 404), (text[:20], response.text)


async def test_answer_route_needs_the_service_token(client: httpx.AsyncClient) -> None:
    params = {"language": "en", "topic": "hours"}
    for headers in ({}, STAFF_HEADERS, {"Authorization": "Bearer wrong"}):
        response = await client.get("/api/v1/knowledge/answer", params=params, headers=headers)
        assert response.status_code == 401, headers


# ── staff routes ─────────────────────────────────────────────────────────────────────────

async def test_staff_crud_round_trip(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/knowledge", headers=STAFF_HEADERS,
                                json=entry_body(product="雪櫃", city="Beijing",
                                                keywords="  北京   冰箱\n保修 "))
    assert created.status_code == 201, created.text
    entry = created.json()
    assert set(entry) == ANSWER_KEYS | {"keywords", "sample", "updated_at"}
    assert entry["sample"] is False  # written by staff: real
    assert (entry["product"], entry["city"], entry["keywords"]) == ("冰箱", "北京", "北京 冰箱 保修")
    url = f"/api/v1/knowledge/{entry['id']}"

    assert (await client.get(url, headers=STAFF_HEADERS)).json() == entry
    listed = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS, params={
        "topic": "warranty", "language": "zh-Hans", "product": "冰箱", "city": "北京"})).json()
    assert [item["id"] for item in listed["items"]] == [entry["id"]] and listed["total"] == 1

    # The bot now gets it for a fridge in Beijing.
    answer = (await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS, params={
        "language": "zh-Hans", "topic": "warranty", "product": "冰箱", "city": "北京"})).json()
    assert answer["id"] == entry["id"]

    replaced = await client.put(url, headers=STAFF_HEADERS,
                                json=entry_body(answer="北京地区：冰箱整机保修 3 年（测试）。",
                                                keywords=None))
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["answer"] == "北京地区：冰箱整机保修 3 年（测试）。"
    assert replaced.json()["keywords"] is None
    assert replaced.json()["updated_at"] >= entry["updated_at"]

    deleted = await client.delete(url, headers=STAFF_HEADERS)
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await client.get(url, headers=STAFF_HEADERS)).status_code == 404
    assert (await client.delete(url, headers=STAFF_HEADERS)).status_code == 404
    missing = await client.put(url, headers=STAFF_HEADERS, json=entry_body())
    assert missing.status_code == 404 and missing.json() == {"detail": "no such knowledge entry"}
    answer = (await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS, params={
        "language": "zh-Hans", "topic": "warranty", "product": "冰箱", "city": "北京"})).json()
    assert answer["city"] is None  # back to the seeded fridge entry


async def test_staff_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    async def listing(**params) -> dict:
        response = await client.get("/api/v1/knowledge", headers=STAFF_HEADERS, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    everything = await listing(limit=500)
    assert everything["total"] == SEEDED and len(everything["items"]) == min(SEEDED, 500)
    # Blank filters (an empty form field) are no filters.
    assert (await listing(topic="", language="", product=""))["total"] == everything["total"]

    hours = await listing(topic="hours")
    assert {item["language"] for item in hours["items"]} == set(LANGUAGES)
    fridge = await listing(product="雪櫃", language="en")
    fridge_rows = sum(1 for row in (*load_seed(), *load_error_codes())
                      if row["product"] == "冰箱" and row["language"] == "en")
    assert fridge["total"] == fridge_rows  # warranty, parts, usage, its troubles and codes
    assert {item["product"] for item in fridge["items"]} == {"冰箱"}

    page = await listing(topic="outlet", limit=5, offset=5)
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (21, 5, 5, 5)
    assert (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS,
                             params={"topic": "weather"})).status_code == 422


@pytest.mark.parametrize(("overrides", "field"), [
    ({"topic": "weather"}, "topic"),
    ({"language": "fr"}, "language"),
    ({"product": "火箭"}, "product"),
    ({"question": "   "}, "question"),
    ({"question": "two\nlines"}, "question"),
    ({"question": "长" * 201}, "question"),
    ({"answer": "长" * (ANSWER_MAX + 1)}, "answer"),
    ({"answer": None}, "answer"),
    ({"city": "北" * 51}, "city"),
    ({"keywords": "词" * 501}, "keywords"),
])
def test_entry_validation(overrides: dict, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        KnowledgeEntryIn(**entry_body(**overrides))
    assert [e["loc"][0] for e in error.value.errors()] == [field]


async def test_invalid_entries_get_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/knowledge", headers=STAFF_HEADERS,
                                 json=entry_body(product="火箭", answer="长" * (ANSWER_MAX + 1)))
    assert response.status_code == 422
    problems = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert set(problems) == {("body", "product"), ("body", "answer")}
    assert "冰箱" in problems[("body", "product")]  # the allowed products are listed
    assert "火箭" not in response.text  # the input is not echoed
    # The largest answer allowed is accepted.
    ok = await client.post("/api/v1/knowledge", headers=STAFF_HEADERS,
                           json=entry_body(answer="长" * ANSWER_MAX, product=None, city=None))
    assert ok.status_code == 201


async def test_staff_routes_need_the_staff_token(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS)).json()
    some_id = listed["items"][0]["id"]
    requests = [
        ("GET", "/api/v1/knowledge", None),
        ("GET", f"/api/v1/knowledge/{some_id}", None),
        ("POST", "/api/v1/knowledge", entry_body()),
        ("PUT", f"/api/v1/knowledge/{some_id}", entry_body()),
        ("DELETE", f"/api/v1/knowledge/{some_id}", None),
    ]
    for headers in ({}, SERVICE_HEADERS):
        for method, url, body in requests:
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (method, url, headers)
            assert response.headers["WWW-Authenticate"] == "Bearer"
    # Nothing changed.
    listed = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS)).json()
    assert listed["total"] == SEEDED


async def test_query_filters_are_length_checked(client: httpx.AsyncClient) -> None:
    for url, headers in (("/api/v1/knowledge", STAFF_HEADERS),
                         ("/api/v1/knowledge/answer", SERVICE_HEADERS)):
        response = await client.get(url, headers=headers, params={
            "language": "en", "topic": "warranty", "product": "x" * 101})
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"] == ["query", "product"]


async def test_ids_out_of_range_are_a_422(client: httpx.AsyncClient) -> None:
    for entry_id in ("0", "2147483648", "99999999999999999999", "abc"):
        for method in ("GET", "PUT", "DELETE"):
            response = await client.request(method, f"/api/v1/knowledge/{entry_id}",
                                             json=entry_body(), headers=STAFF_HEADERS)
            assert response.status_code == 422, (method, entry_id)


# ── sample data: flagged for staff, never marked in the customer's answer ──────────────────

MARKERS = ("示例数据", "示例資料", "Sample data")


def marked(text: str) -> bool:
    return any(marker in text for marker in MARKERS)


def test_seed_entries_are_flagged_sample_and_their_answers_do_not_say_it() -> None:
    rows = load_seed(with_sample=True)
    assert len(rows) == len(load_seed()) and all(row["sample"] for row in rows)
    assert [row["question"] for row in rows if marked(row["answer"])] == []


async def test_customers_get_seeded_answers_unmarked_and_staff_see_the_flag(
        client: httpx.AsyncClient) -> None:
    for language in LANGUAGES:
        for topic in Topic:
            answer = (await client.get("/api/v1/knowledge/answer", headers=SERVICE_HEADERS,
                                       params={"language": language, "topic": topic})).json()
            assert set(answer) == ANSWER_KEYS and not marked(answer["answer"]), answer

    listed = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS,
                               params={"limit": 500})).json()
    assert listed["total"] == SEEDED
    assert all(item["sample"] for item in listed["items"])
    assert not any(marked(item["answer"]) for item in listed["items"])

    # Staff replace a sample entry with the real terms: it is real from then on, and the
    # filter shows what is still sample.
    entry = listed["items"][0]
    body = {key: entry[key] for key in ("topic", "product", "city", "language", "question",
                                        "keywords")}
    replaced = await client.put(f"/api/v1/knowledge/{entry['id']}", headers=STAFF_HEADERS,
                                json={**body, "answer": "整机保修 2 年（正式条款）。"})
    assert replaced.status_code == 200 and replaced.json()["sample"] is False
    real = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS,
                             params={"sample": "false"})).json()
    assert [item["id"] for item in real["items"]] == [entry["id"]]
    still_sample = (await client.get("/api/v1/knowledge", headers=STAFF_HEADERS,
                                     params={"sample": "true"})).json()
    assert still_sample["total"] == SEEDED - 1


def old_style(language: str, answer: str) -> str:
    """A seed answer as databases seeded before the flag hold it: the marker in front
    (【示例数据，人民币，以网点报价为准】 where the marker said more)."""
    tag = {"zh-Hans": "【示例数据", "zh-Hant": "【示例資料", "en": "[Sample data"}[language]
    if answer[0] in "【[":
        return f"{tag}，{answer[1:]}" if language != "en" else f"{tag}, {answer[1:]}"
    closing = "]" if language == "en" else "】"
    gap = "\n" if answer[0] in "·•" else (" " if language == "en" else "")
    return f"{tag}{closing}{gap}{answer}"


@pytest.fixture(params=["sqlite", "postgres"])
def unmigrated(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


async def test_a_database_seeded_with_markers_loses_them_and_flags_its_sample_entries(
        unmigrated: str) -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from backend.kernel.database import make_engine
    from backend.migrate import alembic_config

    before = ScriptDirectory.from_config(alembic_config(unmigrated)).get_revision(
        "0013").down_revision
    await asyncio.to_thread(upgrade, unmigrated, before)
    engine = make_engine(unmigrated)
    seed = load_seed()
    try:
        async with engine.begin() as connection:
            rows = (await connection.execute(text(
                "SELECT id, language, answer FROM knowledge_entries ORDER BY id"))).all()
            assert [answer for _, _, answer in rows] == [row["answer"] for row in seed]
            for entry_id, language, answer in rows:  # as the old seed wrote them
                await connection.execute(
                    text("UPDATE knowledge_entries SET answer = :answer WHERE id = :id"),
                    {"answer": old_style(language, answer), "id": entry_id})
            # Staff edited one seeded entry and kept its marker; wrote one of their own.
            await connection.execute(text(
                "UPDATE knowledge_entries SET answer = '【示例数据】北京：冰箱整机保修 2 年。' "
                "WHERE id = :id"), {"id": rows[1][0]})
            await connection.execute(text(
                "INSERT INTO knowledge_entries (topic, language, question, answer, updated_at) "
                "VALUES ('hours', 'zh-Hans', '春节营业吗？', '春节期间照常服务。', "
                "CURRENT_TIMESTAMP)"))

        await asyncio.to_thread(upgrade, unmigrated, "head")

        async with engine.connect() as connection:
            after = (await connection.execute(text(
                "SELECT answer, sample FROM knowledge_entries ORDER BY id"))).all()
    finally:
        await engine.dispose()
    expected = [(row["answer"], True) for row in seed]
    expected[1] = ("北京：冰箱整机保修 2 年。", True)
    assert [(answer, bool(sample)) for answer, sample in after] == [
        *expected, ("春节期间照常服务。", False), *((row["answer"], True) for row in load_error_codes())]


def test_the_marker_comes_off_whole_and_keeps_what_it_said_besides() -> None:
    assert strip_sample_marker("【示例数据】本公司") == ("本公司", True)
    assert strip_sample_marker("[Sample data]\n• Hotline") == ("• Hotline", True)
    assert strip_sample_marker("【示例資料，人民幣參考價】冷氣") == ("【人民幣參考價】冷氣", True)
    assert strip_sample_marker("[Sample data, RMB] TV parts") == ("[RMB] TV parts", True)
    assert strip_sample_marker("见【示例数据】") == ("见【示例数据】", False)
