"""Personal data typed into free text: two customers write their phone numbers and addresses
into everything the bot passes on (the first message that becomes the description, a complaint
and what they want, a return reason, the line asking for a person and a line in the live
chat, another time for the appointment, "not fixed", praise, the survey comment, a cancel
reason), through the API as the bot calls it, on SQLite and PostgreSQL. Staff read all of it
back through the API; no column of any table holds any of it in clear (every value read as the
bytes stored, and SQLite's own files), nor does the log.

The whole stack (Telegram, bot, Rasa) with the same scan: test_no_clear_text.py."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from backend.kernel import crypto
from backend.kernel.clock import local_now
from backend.kernel.config import Settings
from backend.privacy import rotation
from tests.backend.conftest import (
    ENCRYPTION_KEY,
    SERVICE_HEADERS,
    STAFF_HEADERS,
    make_settings,
)
from tests.privacy.leaks import (
    column_leaks,
    database_files,
    file_leaks,
    found,
    stored_bytes,
)

ZH, EN = "/api/v1/customers/telegram/42", "/api/v1/customers/webchat/web-7f3a"

NAME = "欧阳娜娜"
PHONE = "13900001111"
ADDRESS = "上海市浦东新区锦延路86弄3号1202室"
# Not the example's 张杨路500号: that is our Shanghai outlet's address (outlets, knowledge base).
FIRST_ZH = f"洗衣机不脱水了,我住{ADDRESS},电话{PHONE},周五下午在家"
OTHER_PHONE, SPARE_PHONE = "13700002222", "13600003333"
HK_PHONE = "+852 6134 2789"
HK_ADDRESS = "Flat 7C, 23 Battery Street, Jordan, Kowloon"
FIRST_EN = (f"My fridge stopped cooling. I live at {HK_ADDRESS}, call me on {HK_PHONE} "
            "after 6pm")

COMPLAINT = "上周师傅来锦延路86弄修洗衣机,把我家1202室的地板划坏了"
WANTED = f"赔偿地板,到锦延路86弄3号当面谈,或打我爱人的电话{OTHER_PHONE}"
RETURN_REASON = "The door seal is torn. Pick it up from Flat 7C, 23 Battery Street"
ASK_PERSON = "我要找人工,我家在锦延路86弄3号"
CHAT_LINE = f"我的备用电话{SPARE_PHONE},门禁在锦延路86弄北门"
ANOTHER_TIME = f"周六上午,到锦延路86弄北门打{OTHER_PHONE}"
NOT_FIXED = f"还是不脱水,打{OTHER_PHONE}找我"
PRAISE = "李师傅很好,给我家锦延路86弄3号修得很仔细"
SURVEY_COMMENT = f"师傅下次来锦延路86弄前先打{SPARE_PHONE}"
CANCEL_REASON = f"moving out of {HK_ADDRESS}, call {HK_PHONE}"

# What must not be found in clear anywhere, and the parts that would still identify.
SECRETS = (NAME, PHONE, PHONE[-8:], OTHER_PHONE, SPARE_PHONE, ADDRESS, "锦延路", "86弄",
           "1202室", HK_PHONE, "6134 2789", "61342789", "Battery Street", "Flat 7C")
# Where customers' words (and personal fields) are kept: ciphertext only.
ENCRYPTED = ("tickets.description", "tickets.details", "tickets.preferred_time",
             "tickets.appointment_request", "tickets.phone", "tickets.address",
             "ticket_events.note", "surveys.comment", "handoff_messages.text",
             "customers.display_name")

@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, business_hours="00:00-24:00")  # staff always there


async def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


async def test_what_customers_write_is_encrypted_and_staff_read_it(app, client, settings,
                                                                   caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sql_log = logging.getLogger("sqlalchemy.engine")
    level = sql_log.level
    sql_log.setLevel(logging.INFO)  # every statement in the log too (parameters hidden)
    try:
        numbers = await journey(app, client)
        await staff_read_everything(client, numbers)
    finally:
        sql_log.setLevel(level)

    url = settings.database_url
    assert column_leaks(url, SECRETS) == {}
    assert file_leaks(database_files(url), SECRETS) == {}
    assert found(caplog.text, SECRETS) == []
    assert numbers["repair"] in caplog.text  # the log is there, naming tickets
    stored = stored_bytes(url)
    for column in ENCRYPTED:
        assert stored[column], f"{column}: the journey left nothing to check"
        assert all(value.startswith(b"gAAAAA") for value in stored[column]), column


async def test_key_rotation_reencrypts_the_free_text(app, client) -> None:
    """`frontdesk keys rotate` (and the rotation worker) cover these columns: after a rotation
    the old key can go and staff still read everything."""
    numbers = await journey(app, client)
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        async with app.state.sessionmaker() as session:
            before = await rotation.status(db_session=session)
            await rotation.rotate(db_session=session, batch_size=3)
            after = await rotation.status(db_session=session)
        for column in ENCRYPTED:
            assert before.columns[column].older == before.columns[column].values > 0, column
            assert after.columns[column].current == after.columns[column].values, column
        assert after.pending == 0
        crypto.configure(new_key)  # the old key removed
        await staff_read_everything(client, numbers)
    finally:
        crypto.configure(ENCRYPTION_KEY)


async def journey(app, client) -> dict[str, str]:
    """Everything the customers write, as the bot passes it on. Returns the ticket numbers."""
    def ticket(chat: str, language: str, key: str, **body) -> object:
        channel, _, chat_id = chat.removeprefix("/api/v1/customers/").partition("/")
        return client.post("/api/v1/tickets", headers={**SERVICE_HEADERS, "Idempotency-Key": key},
                           json={"customer": {"channel": channel, "chat_id": chat_id,
                                              "language": language, "display_name": NAME},
                                 **body})

    # The first message says it all; the form's answers go into their fields.
    repair = (await ok(await ticket(
        ZH, "zh-Hans", "telegram:42:repair", type="repair", product="洗衣机",
        description=FIRST_ZH, address=ADDRESS, phone=PHONE,
        preferred_time="2026-11-27 afternoon"), 201))["number"]
    complaint = (await ok(await ticket(
        ZH, "zh-Hans", "telegram:42:complaint", type="complaint", priority="high",
        description=COMPLAINT, phone=PHONE,
        details={"related_ticket": repair, "wanted": WANTED}), 201))["number"]
    en_repair = (await ok(await ticket(
        EN, "en", "webchat:1:repair", type="repair", product="冰箱", description=FIRST_EN,
        address=HK_ADDRESS, phone=HK_PHONE, preferred_time="2026-11-27 evening"), 201))["number"]
    en_return = (await ok(await ticket(
        EN, "en", "webchat:1:return", type="return_exchange", product="冰箱",
        description=RETURN_REASON, phone=HK_PHONE, details={"resolution": "return"}),
        201))["number"]

    # A word with a person: the line asking for one, then a line in the conversation.
    asked = await ok(await client.post(f"{ZH}/handoff", headers=SERVICE_HEADERS, json={
        "language": "zh-Hans", "reason": "human_agent", "text": ASK_PERSON}))
    [entry] = await ok(await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS))
    handoff = f"/api/v1/handoff/{entry['id']}"
    await ok(await client.post(f"{handoff}/take", headers=STAFF_HEADERS))
    await ok(await client.post(f"{ZH}/handoff/messages", headers=SERVICE_HEADERS,
                               json={"text": CHAT_LINE}), 204)
    await ok(await client.post(f"{handoff}/reply", headers=STAFF_HEADERS,
                               json={"text": "好的,已经记下了"}), 201)
    await ok(await client.post(f"{handoff}/release", headers=STAFF_HEADERS))

    # The repair: scheduled, the customer asks for another time; done, "not fixed", done
    # again, accepted; praise; the return visit with a comment.
    day = local_now("Asia/Shanghai").date() + timedelta(days=2)
    await ok(await client.post(f"/api/v1/tickets/{repair}/schedule", headers=STAFF_HEADERS,
                               json={"date": day.isoformat(), "window": "afternoon"}))
    mine = f"{ZH}/tickets/{repair}"
    await ok(await client.post(f"{mine}/appointment/change", headers=SERVICE_HEADERS,
                               json={"requested": ANOTHER_TIME}))
    detail = await ok(await client.get(f"/api/v1/tickets/{repair}", headers=STAFF_HEADERS))
    assert detail["appointment_request"] == ANOTHER_TIME  # the dispatcher reads it
    await ok(await client.post(f"/api/v1/tickets/{repair}/status", headers=STAFF_HEADERS,
                               json={"status": "in_progress"}))
    done = {"diagnosis": "排水泵堵塞，已清理", "fault_category": "WM-DRAIN",
            "checklist": {"test_run": True, "usage_explained": True, "site_cleaned": True}}
    await ok(await client.post(f"/api/v1/tickets/{repair}/complete", headers=STAFF_HEADERS,
                               json=done))
    await ok(await client.post(f"{mine}/record/not-fixed", headers=SERVICE_HEADERS,
                               json={"version": 1, "note": NOT_FIXED}))
    await ok(await client.post(f"/api/v1/tickets/{repair}/complete", headers=STAFF_HEADERS,
                               json=done))
    await ok(await client.post(f"{mine}/record/confirm", headers=SERVICE_HEADERS,
                               json={"version": 2}))
    await ok(await client.post(f"{mine}/feedback", headers=SERVICE_HEADERS,
                               json={"kind": "praise", "text": PRAISE}), 201)
    async with app.state.engine.connect() as connection:  # the survey's id (in its push)
        survey = (await connection.execute(text(
            "SELECT s.id FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
            "WHERE t.number = :number"), {"number": repair})).scalar_one()
    for question, value in (("solved", True), ("rating", 2), ("comment", SURVEY_COMMENT)):
        await ok(await client.post(f"{ZH}/surveys/{survey}/answers", headers=SERVICE_HEADERS,
                                   json={"question": question, "value": value}))

    # Cancelling: the reason is one of the bot's buttons; typed text is refused, unechoed.
    refused = await client.post(f"{EN}/tickets/{en_repair}/cancel", headers=SERVICE_HEADERS,
                                json={"reason": CANCEL_REASON})
    assert refused.status_code == 422 and found(refused.text, SECRETS) == []
    await ok(await client.post(f"{EN}/tickets/{en_repair}/cancel", headers=SERVICE_HEADERS,
                               json={"reason": "other"}))
    return {"repair": repair, "complaint": complaint, "en_repair": en_repair,
            "en_return": en_return, "inquiry": asked["ticket_number"], "handoff": handoff}


async def staff_read_everything(client, numbers: dict[str, str]) -> None:
    async def detail(kind: str) -> dict:
        return await ok(await client.get(f"/api/v1/tickets/{numbers[kind]}",
                                         headers=STAFF_HEADERS))

    repair = await detail("repair")
    assert (repair["description"], repair["address"], repair["phone"]) == (FIRST_ZH, ADDRESS,
                                                                           PHONE)
    assert repair["preferred_time"] == "2026-11-27 afternoon"
    notes = [(e["kind"], e["note"]) for e in repair["events"]]
    for said in (("appointment_change_requested", ANOTHER_TIME),
                 ("acceptance_rejected", NOT_FIXED), ("feedback", f"praise: {PRAISE}")):
        assert said in notes
    complaint = await detail("complaint")
    assert (complaint["description"], complaint["details"]) == (
        COMPLAINT, {"related_ticket": numbers["repair"], "wanted": WANTED})
    en_repair = await detail("en_repair")
    assert (en_repair["description"], en_repair["address"], en_repair["phone"],
            en_repair["status"]) == (FIRST_EN, HK_ADDRESS, "+85261342789", "cancelled")
    en_return = await detail("en_return")
    assert (en_return["description"], en_return["details"]) == (RETURN_REASON,
                                                                {"resolution": "return"})
    assert (await detail("inquiry"))["description"] == ASK_PERSON

    conversation = await ok(await client.get(numbers["handoff"], headers=STAFF_HEADERS))
    assert [m["text"] for m in conversation["messages"] if m["sender"] == "customer"] == [
        ASK_PERSON, CHAT_LINE]
    follow_ups = await ok(await client.get("/api/v1/surveys/follow-ups", headers=STAFF_HEADERS))
    assert [(f["ticket_number"], f["comment"]) for f in follow_ups] == [
        (numbers["repair"], SURVEY_COMMENT)]
    export = await ok(await client.get(f"/api/v1/privacy/tickets/{numbers['repair']}/customer",
                                       headers=STAFF_HEADERS))
    assert {t["number"]: t["description"] for t in export["tickets"]}[numbers["complaint"]] == \
        COMPLAINT
