"""The service record as a PDF: it renders Chinese (a reader, pypdf, gets the text back) in the
customer's three languages, every field, the signature line, version and content hash; staff
download it (a technician: only their own tickets' records), the bot its customer's own."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest

from backend.kernel.clock import utcnow
from backend.service_records import completion
from backend.service_records.content import hash_of, stored
from backend.service_records.pdf import render
from backend.service_records.schemas import CompleteRequest, RecordContent
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.staff.conftest import add_staff, cheap_password_hashing, token_for  # noqa: F401

HASH = "0123456789abcdef" * 4


def names(hans: str, hant: str, en: str) -> dict:
    return {"zh-Hans": hans, "zh-Hant": hant, "en": en}


def record(**overrides) -> RecordContent:
    today = utcnow().date()
    return RecordContent.model_validate({
        "ticket_number": "RS202612050001", "ticket_type": "repair", "version": 2,
        "product": {"category": "空调", "brand": "格力", "model": "KFR-35GW",
                    "serial": "SN-7788"},
        "technician": {"name": "王师傅", "staff_number": "T-0012"},
        "completed_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "diagnosis": "室外机压缩机损坏 <b>已更换</b>",
        "fault_category": {"code": "AC-COMP",
                           "names": names("压缩机故障", "壓縮機故障", "Compressor fault")},
        "work_items": [{"code": "AC-MAJOR", "names": names("大修", "大修", "major repair"),
                        "amount": 15000, "in_warranty": False}],
        "parts": [{"part_number": "AC-CMP-35",
                   "names": names("空调压缩机（1.5匹）", "空調壓縮機（1.5匹）",
                                  "Air conditioner compressor (1.5 HP)"),
                   "quantity": 1, "amount": 128000, "in_warranty": False,
                   "warranty_until": (today + timedelta(days=365)).isoformat()}],
        "checklist": {"test_run": True, "usage_explained": True, "site_cleaned": True},
        "charge": {"currency": "CNY", "total": 143000, "paid": 143000,
                   "payment_method": "wechat_pay", "receipt_number": "R-2026-001"},
        "warranty": {"product_until": (today + timedelta(days=30)).isoformat(),
                     "parts_until": (today + timedelta(days=365)).isoformat()},
        **overrides})


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-Hans", ["维修记录", "空调", "格力", "KFR-35GW", "SN-7788", "王师傅", "工号", "T-0012",
                 "压缩机故障 (AC-COMP)", "大修 (AC-MAJOR)", "空调压缩机（1.5匹） (AC-CMP-35)",
                 "已试机", "已讲解使用", "已清理现场", "合计", "¥1,430.00", "¥1,280.00",
                 "微信支付", "R-2026-001", "客户尚未确认（未签字）", "版本 2"]),
    ("zh-Hant", ["維修記錄", "冷氣", "王师傅", "員工編號", "T-0012", "壓縮機故障 (AC-COMP)",
                 "空調壓縮機（1.5匹）", "已試機", "合計", "¥1,430.00", "客戶尚未確認（未簽署）"]),
    ("en", ["Repair record", "air conditioner", "王师傅", "Staff number", "T-0012",
            "Compressor fault (AC-COMP)", "Air conditioner compressor (1.5 HP)",
            "Test run done", "Total", "¥1,430.00", "WeChat Pay", "Not yet signed",
            "Version 2"]),
])
def test_the_record_reads_back_in_each_language(language, expected) -> None:
    content = record()

    text = text_of(render(content, language, zone="Asia/Shanghai"))

    missing = [part for part in expected if part not in text]
    assert missing == [], text
    assert "<b>已更换</b>" in text  # the technician's words are text, never markup
    assert hash_of(stored(content)) in text  # the content hash, computed when not given
    for day in (content.warranty.product_until, content.warranty.parts_until):
        assert day is not None and day.isoformat() in text
    completed = content.completed_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert completed.strftime("%Y-%m-%d %H:%M") in text  # in the ticket's time zone


def test_the_signature_line_says_when_and_where_it_was_signed() -> None:
    signed = datetime.now(UTC).replace(second=0, microsecond=0)
    content = record(signature={"signed_at": signed.isoformat(), "channel": "telegram",
                                "chat_actor": "customer:telegram:42"},
                     work_items=[], parts=[], product={"category": None})

    zh = text_of(render(content, "zh-Hans", content_hash=HASH, zone="UTC"))
    en = text_of(render(content, "en", content_hash=HASH, zone="UTC"))

    at = signed.strftime("%Y-%m-%d %H:%M")
    assert f"客户于 {at} 通过Telegram确认" in zh and "尚未确认" not in zh
    assert f"Signed at {at} via Telegram" in en and "Not yet signed" not in en
    assert HASH in zh and HASH in en  # the stored hash, as given
    assert "customer:telegram:42" not in zh + en  # the chat's identity stays with staff
    assert zh.count("无") >= 2 and en.count("None") >= 2  # no work items, no parts


# ---- downloading ----------------------------------------------------------------------------


@pytest.fixture
async def done(app, create, add_staff, token_for, client) -> dict:
    """A repair done by technician wang (T-0012): its number, and staff's headers."""
    wang = await add_staff("wang", Role.technician, display_name="王师傅")
    await client.patch("/api/v1/staff/wang", json={"staff_number": "T-0012"},
                       headers=STAFF_HEADERS)
    number = (await create(key="k-1")).json()["number"]
    assert (await client.post(f"/api/v1/tickets/{number}/assign", json={"assignee": "wang"},
                              headers=STAFF_HEADERS)).status_code == 200
    async with app.state.sessionmaker() as session:
        await completion.complete(
            db_session=session, number=number, actor="staff:wang", caller_id=wang.id,
            caller_name="王师傅", data=CompleteRequest.model_validate({
                "diagnosis": "冷藏室温控器损坏，已调整", "fault_category": "RF-SENSOR",
                "checklist": {
                    "test_run": True, "usage_explained": True, "site_cleaned": True}}))
    return {"number": number, "wang": await token_for(wang),
            "tim": await token_for(await add_staff("tim", Role.technician)),
            "agent": await token_for(await add_staff("alex", Role.agent))}


async def test_staff_download_the_record_in_the_customers_language(client, done) -> None:
    number = done["number"]

    response = await client.get(f"/api/v1/tickets/{number.lower()}/record.pdf",
                                headers=done["agent"])

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{number}-v1.pdf"'
    text = text_of(response.content)
    for part in ("维修记录", number, "冰箱", "王师傅", "T-0012", "温度传感器故障", "冷藏室温控器损坏",
                 "合计", "¥0.00", "客户尚未确认"):
        assert part in text, part
    english = await client.get(f"/api/v1/tickets/{number}/record.pdf",
                               params={"lang": "en", "version": 1}, headers=done["agent"])
    assert "Repair record" in text_of(english.content) and "fridge" in text_of(english.content)


async def test_who_may_download_which_record(client, create, done) -> None:
    number = done["number"]
    path = f"/api/v1/tickets/{number}/record.pdf"
    without_record = (await create(key="k-2")).json()["number"]

    assert (await client.get(path, headers=done["wang"])).status_code == 200  # their own
    assert (await client.get(path, headers=done["tim"])).status_code == 404  # not theirs
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, params={"version": 2}, headers=STAFF_HEADERS)
            ).status_code == 404
    assert (await client.get(path, params={"lang": "fr"}, headers=STAFF_HEADERS)
            ).status_code == 422
    assert (await client.get(f"/api/v1/tickets/{without_record}/record.pdf",
                             headers=STAFF_HEADERS)).status_code == 404
    assert (await client.get(f"/api/v1/customers/telegram/42/tickets/{number}/record.pdf",
                             headers=done["agent"])).status_code == 401  # the bot's route


async def test_the_bot_gets_its_customers_own_record(client, done) -> None:
    number = done["number"]

    own = await client.get(f"/api/v1/customers/telegram/42/tickets/{number}/record.pdf",
                           headers=SERVICE_HEADERS)
    other = await client.get(f"/api/v1/customers/telegram/43/tickets/{number}/record.pdf",
                             headers=SERVICE_HEADERS)
    traditional = await client.get(
        f"/api/v1/customers/telegram/42/tickets/{number}/record.pdf",
        params={"lang": "zh-Hant"}, headers=SERVICE_HEADERS)

    assert own.status_code == 200 and "维修记录" in text_of(own.content)
    assert other.status_code == 404
    assert "維修記錄" in text_of(traditional.content) and "雪櫃" in text_of(traditional.content)


