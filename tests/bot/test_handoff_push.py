"""What the customer's chat shows for the live queue's place pushes (their place changed, or they
wrote while waiting) and for a staff note sent with a status change (labelled as the staff's
words, apart from the bot's own text), in the customer's language."""

from __future__ import annotations

import pytest

from bot.dialogue.buttons import LEAVE_STAFF
from bot.dialogue.engine import DialogueEngine
from tests.support.offline import offline_engine


@pytest.fixture
async def engine(tmp_path):
    async with offline_engine(tmp_path) as engine:
        yield engine


async def waiting(engine: DialogueEngine, chat_id: str, language: str) -> None:
    """The chat waits for staff (as after asking for a person)."""
    async with engine.store.turn("telegram", chat_id, None) as conv:
        conv.language, conv.with_staff = language, True


def place(chat_id: str, position: int, minutes: int, cause: str = "moved") -> dict:
    return {"event_id": f"p-{chat_id}-{position}-{cause}", "kind": "handoff_position",
            "ticket_number": "IQ-20261124-0001", "channel": "telegram", "chat_id": chat_id,
            "language": "zh-Hans", "position": position, "expected_wait_minutes": minutes,
            "cause": cause}


@pytest.mark.parametrize(("language", "position", "minutes", "cause", "said"), [
    ("zh-Hans", 0, 3, "moved", ["排队有进展", "下一位就是您", "约 3 分钟"]),
    ("zh-Hans", 2, 9, "moved", ["排队有进展", "前面还有 2 位", "约 9 分钟"]),
    ("zh-Hans", 1, 6, "asked", ["已转给客服", "仍在排队", "前面还有 1 位", "约 6 分钟"]),
    ("zh-Hant", 0, 4, "asked", ["已轉給客服", "下一位就是您", "約 4 分鐘"]),
    ("en", 0, 1, "moved", ["you're next", "about a minute"]),
    ("en", 3, 12, "asked", ["passed your message on", "Customers ahead of you: 3",
                            "about 12 minutes"]),
])
async def test_a_waiting_customer_is_shown_their_place_and_the_wait(
        engine, language, position, minutes, cause, said):
    await waiting(engine, "7", language)
    [reply] = await engine.render_push(place("7", position, minutes, cause))
    for words in said:
        assert words in reply.text, (words, reply.text)
    assert [b.data for row in reply.buttons for b in row] == [LEAVE_STAFF]


async def test_a_place_arriving_after_the_customer_left_the_line_shows_nothing(engine):
    await waiting(engine, "8", "zh-Hans")
    async with engine.store.turn("telegram", "8", None) as conv:
        conv.with_staff = False  # pressed "stop waiting" meanwhile
    assert await engine.render_push(place("8", 0, 3)) == []


def status(chat_id: str, language: str, note: str | None, **fields) -> dict:
    return {"event_id": f"s-{chat_id}", "kind": "status_changed",
            "ticket_number": "RS-20261124-0007", "ticket_type": "repair",
            "status": "in_progress", "previous_status": "scheduled", "note": note,
            "channel": "telegram", "chat_id": chat_id, "language": language, **fields}


@pytest.mark.parametrize(("language", "label"), [
    ("zh-Hans", "💬 客服留言：师傅已出发"), ("zh-Hant", "💬 客服留言：师傅已出发"),
    ("en", "💬 Message from our staff: 师傅已出发")])
async def test_a_staff_note_with_a_status_change_is_labelled_as_the_staffs_words(
        engine, language, label):
    async with engine.store.turn("telegram", "9", None) as conv:
        conv.language = language
    [reply] = await engine.render_push(status("9", language, "师傅已出发"))
    bot_text, staff_words = reply.text.split("\n\n")
    assert "RS-20261124-0007" in bot_text and "师傅已出发" not in bot_text
    assert staff_words == label
    # No note, no label.
    [reply] = await engine.render_push({**status("9", language, None), "event_id": "s-9b"})
    assert reply.text == bot_text


async def test_a_staff_note_comes_after_the_appointment_it_goes_with(engine):
    [reply] = await engine.render_push(status(
        "10", "zh-Hans", "请提前清空冰箱", status="scheduled",
        appointment={"date": "2026-11-26", "window": "afternoon"}))
    assert reply.text.endswith("\n\n💬 客服留言：请提前清空冰箱")
    assert "2026-11-26" in reply.text.split("\n\n")[0]
    assert len(reply.buttons[0]) == 2  # confirm / another time, still there
