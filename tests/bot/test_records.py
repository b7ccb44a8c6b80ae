"""The service record in the customer's chat, straight into the dialogue engine, in the three
languages: a technician completes the job on a backend process (SQLite), the `service_record`
push it queued is taken from the backend's outbox and rendered (the technician and their staff
number, the fault, the work and parts, free with why or their amounts, the warranties), and
Confirm (the signature) / Not fixed are pressed; the backend's answer is what the chat says (a
corrected record's old button: the current version shown again). Buttons and one typed line
read by no NLU. Through Telegram: test_records_telegram.py."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from backend.kernel.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import SignedRequests
from bot.catalogue import text as t
from bot.dialogue.buttons import RECORD
from tests.support import clock
from tests.support.chats import EngineChat, Said
from tests.support.processes import Service, free_port

STAFF = {"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}
TECHNICIAN = {"username": "wang", "display_name": "王师傅", "role": "technician",
              "password": "a-long-enough-password-1", "staff_number": "T-0012"}
CHECKLIST = {"test_run": True, "usage_explained": True, "site_cleaned": True}
DONE = {"diagnosis": "压缩机启动继电器烧坏", "fault_category": "RF-COMP",
        "work_items": ["RF-MAJOR"], "parts": [{"part_number": "RF-CMP", "quantity": 1}],
        "checklist": CHECKLIST}
# What each language names (the fault list's, the fee standard's and the catalogue's names).
# What each language names (the fault list's, the fee standard's and the catalogue's names),
# and what a customer types when it is not fixed.
SAID = {
    "zh-Hans": {"fault": "压缩机故障", "work": "冰箱大修", "part": "冰箱压缩机",
                "wrong": "还是不制冷，冷藏室在滴水"},
    "zh-Hant": {"fault": "壓縮機故障", "work": "雪櫃大修", "part": "雪櫃壓縮機",
                "wrong": "還是不凍，雪櫃裡面一直滴水"},
    "en": {"fault": "Compressor fault", "work": "Fridge major repair",
           "part": "Fridge compressor", "wrong": "Still not cooling and water drips inside"},
}
LANGUAGES = list(SAID)
_receipts = itertools.count(1)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A backend process on SQLite (its pushes stay in its outbox: no bot listens), its
    database file, and a technician (王师傅, T-0012)."""
    folder = tmp_path_factory.mktemp("records-backend")
    port = free_port()
    service = Service("backend", ["backend"], {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/frontdesk.db",
        "BACKEND_PORT": str(port), "DATA_DIR": str(folder),
        "BOT_PUSH_URL": f"http://127.0.0.1:{free_port()}/internal/push",
    }, f"http://127.0.0.1:{port}/health").start()
    url = f"http://127.0.0.1:{port}"
    made = httpx.post(f"{url}/api/v1/staff", json=TECHNICIAN, headers=STAFF, timeout=10)
    assert made.status_code == 201, made.text
    yield url, folder / "frontdesk.db"
    service.stop()


@pytest.fixture(scope="module")
def backend_url(backend) -> str:  # the engine of tests/bot/conftest.py talks to this one
    return backend[0]


class RecordChat:
    """A customer's chat with a repair of their fridge, done by 王师傅."""

    def __init__(self, chat: EngineChat, database: Path, lang: str,
                 bought_days_ago: int = 100) -> None:
        self.chat, self.database, self.lang = chat, database, lang
        bought = clock.TODAY - timedelta(days=bought_days_ago)
        product = chat.register_product(category="冰箱", purchase_date=bought.isoformat(),
                                        serial=f"SN{chat.chat_id}")
        self.product = product
        customer = {"channel": chat.channel, "chat_id": chat.chat_id, "language": lang}
        self.number = chat.open_ticket(customer=customer, product_id=product["id"])
        self.staff("POST", f"tickets/{self.number}/assign", assignee="wang")

    def staff(self, verb: str, path: str, **body) -> dict:
        response = httpx.request(verb, f"{self.chat.backend_url}/api/v1/{path}",
                                 json=body or None, headers=STAFF, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def stock(self, part: str = "RF-CMP") -> None:
        """One unit of the part received at the outlet and issued to 王师傅."""
        ref = f"R-{next(_receipts)}"
        self.staff("POST", "stock/receipts", part_number=part, outlet_id=1, quantity=1,
                   reference=ref)
        self.staff("POST", "stock/issues", part_number=part, outlet_id=1, technician="wang",
                   quantity=1)

    async def pushed(self, action: str, **body) -> Said:
        """Staff act (complete, correct); the chat shows the record push it queued."""
        engine = self.chat.engine
        async with engine.store.turn(self.chat.channel, self.chat.chat_id, None) as conv:
            conv.language = conv.language or self.lang  # the customer wrote in it before
        self.staff("POST", f"tickets/{self.number}/{action}", **body)
        with sqlite3.connect(self.database) as db:
            rows = db.execute("SELECT payload FROM outbox_messages ORDER BY id").fetchall()
        [payload, *_] = [p for (raw,) in reversed(rows) if (p := json.loads(raw))
                         .get("kind") == "service_record" and p["ticket_number"] == self.number]
        replies = await engine.render_push(payload)
        self.chat.last = [Said(r.text, [b.data for row in r.buttons for b in row])
                          for r in replies]
        [said] = self.chat.last
        return said

    async def completed(self, **overrides) -> Said:
        self.stock()
        return await self.pushed("complete", **{**DONE, **overrides})

    def button(self, action: str, version: int = 1) -> str:
        return f"{RECORD}{action}:{self.number}:{version}"

    def record(self) -> dict:
        return self.staff("GET", f"tickets/{self.number}/record")

    def ticket(self) -> dict:
        return self.staff("GET", f"tickets/{self.number}")


@pytest.fixture
def record_chat(engine_chat: EngineChat, backend) -> object:
    return lambda lang, **kwargs: RecordChat(engine_chat, backend[1], lang, **kwargs)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_record_is_shown_and_confirming_signs_it(record_chat, lang) -> None:
    job = record_chat(lang)
    said = await job.completed()

    words, content = SAID[lang], job.record()["content"]
    assert said.text.startswith(t(lang, "record.title", number=job.number, version=1))
    assert t(lang, "record.technician_numbered", name="王师傅", staff_number="T-0012") in said.text
    assert t(lang, "record.fault", fault=words["fault"]) in said.text
    why = t(lang, "record.why.product_warranty")
    assert t(lang, "record.line_free", name=words["work"], times="", why=why) in said.text
    part = t(lang, "record.line_free", name=words["part"], times=" ×1", why=why)
    until = content["parts"][0]["warranty_until"]
    assert part + t(lang, "record.part_until", until=until) in said.text
    assert t(lang, "record.total_free") in said.text
    assert t(lang, "record.product_until",
             until=content["warranty"]["product_until"]) in said.text
    assert t(lang, "record.sign") in said.text
    assert "继电器" not in said.text  # the diagnosis stays with staff
    assert said.buttons == [job.button("ok"), job.button("no")]  # no PDF: no file sending

    await job.chat.press(job.button("ok"))

    assert job.chat.text == t(lang, "record.confirmed", number=job.number, version=1)
    signature = job.record()["content"]["signature"]
    assert (signature["channel"], signature["chat_actor"]) == (
        "webchat", f"customer:webchat:{job.chat.chat_id}")
    assert (job.ticket()["status"], job.ticket()["resolved_by"]) == ("resolved", "confirmed")


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_not_fixed_sends_it_back_and_asks_what_is_wrong(record_chat, lang) -> None:
    job = record_chat(lang)
    await job.completed()

    await job.chat.press(job.button("no"))
    assert job.chat.text == t(lang, "record.sent_back", number=job.number)
    assert job.chat.buttons() == [job.button("skip")]
    assert job.ticket()["awaiting_acceptance_since"] is None

    await job.chat.say(SAID[lang]["wrong"])

    assert job.chat.text == t(lang, "record.noted", number=job.number)
    notes = [e["note"] for e in job.ticket()["events"] if e["kind"] == "acceptance_rejected"]
    assert notes == [None, SAID[lang]["wrong"]]
    assert job.ticket()["status"] == "in_progress"


async def test_skipping_the_words_leaves_it_sent_back(record_chat) -> None:
    job = record_chat("en")
    await job.completed()
    await job.chat.press(job.button("no"))
    await job.chat.press(job.button("skip"))
    assert job.chat.text == t("en", "record.skipped")
    assert [e["note"] for e in job.ticket()["events"]
            if e["kind"] == "acceptance_rejected"] == [None]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_corrected_record_s_old_button_shows_the_current_one(record_chat, lang) -> None:
    job = record_chat(lang)
    first = await job.completed()
    second = await job.pushed("record/versions", reason="故障分类更正",
                              fault_category="RF-FAN")
    assert second.text.startswith(t(lang, "record.title_corrected", number=job.number,
                                    version=2))
    assert second.buttons == [job.button("ok", 2), job.button("no", 2)]

    job.chat.last = [first]  # the customer scrolls up and presses the first one
    await job.chat.press(job.button("ok", 1))
    [replaced, shown] = job.chat.last
    assert replaced.text == t(lang, "record.superseded", version=1, current=2)
    assert shown.buttons == [job.button("ok", 2), job.button("no", 2)]
    assert job.record()["content"]["signature"] is None

    await job.chat.press(job.button("ok", 2))
    assert job.chat.text == t(lang, "record.confirmed", number=job.number, version=2)
    job.chat.last = [second]
    await job.chat.press(job.button("ok", 2))  # pressed twice
    assert job.chat.text == t(lang, "record.confirmed", number=job.number, version=2)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_charged_record_says_the_amounts(record_chat, lang) -> None:
    job = record_chat(lang, bought_days_ago=5 * 365)  # out of warranty
    quote = job.staff("POST", f"tickets/{job.number}/quotes",
                      items=[{"code": "RF-MAJOR"}], parts=[{"part_number": "RF-CMP"}])
    accepted = httpx.post(
        f"{job.chat.backend_url}/api/v1/customers/webchat/{job.chat.chat_id}/tickets/"
        f"{job.number}/quote/accept", json={"version": quote["version"]}, timeout=10,
        auth=SignedRequests(DEV_INTERNAL_SECRET))
    assert accepted.status_code == 200, accepted.text
    job.staff("POST", f"tickets/{job.number}/payments", amount="1190.00", method="wechat_pay",
              receipt_number=f"RC-{job.number}")

    said = await job.completed()

    words = SAID[lang]
    assert t(lang, "record.line", name=words["work"], times="", amount="¥180") in said.text
    assert t(lang, "record.line", name=words["part"], times=" ×1", amount="¥980") in said.text
    assert t(lang, "record.total_paid", amount="¥1,190", paid="¥1,190") in said.text
    assert t(lang, "record.product_ended", until=job.record()["content"]["warranty"][
        "product_until"]) in said.text


async def test_a_broken_record_button_is_stale(record_chat) -> None:
    job = record_chat("zh-Hans")
    await job.completed()
    for data in (f"{RECORD}ok:{job.number}:x", f"{RECORD}dance:{job.number}:1",
                 f"{RECORD}ok::1"):
        job.chat.last = [Said("", [data])]
        await job.chat.press(data)
        assert job.chat.text == t("zh-Hans", "button.stale"), data
    assert job.record()["signed_at"] is None


async def test_a_pdf_press_where_the_channel_cannot_send_files_is_stale(record_chat) -> None:
    """The PDF button is only shown where the channel sends files (Telegram; through it:
    tests/bot/test_records_telegram.py); a press of one elsewhere (a forged or old button)
    sends nothing and says so."""
    job = record_chat("en")
    await job.completed()
    job.chat.last = [Said("", [job.button("pdf")])]
    await job.chat.press(job.button("pdf"))
    assert job.chat.text == t("en", "button.stale")
