"""一证件: a scheduled visit's push names the technician coming, so the customer can check the
person at the door: display name and staff number in the chat's language; the name alone when
the technician has no number; nothing when the push carries no technician (rows written before
there was one). The push is built with the contract the backend writes (backend/kernel/
pushes.py) and rendered by the real engine."""

from __future__ import annotations

import pytest

from backend.kernel.pushes import Appointment, StatusChanged, Technician, to_payload
from bot.dialogue.appointments import CONFIRM, OTHER_TIME
from tests.support import clock
from tests.support.offline import offline_engine

SATURDAY = clock.day(4)


def scheduled(language: str, technician: Technician | None) -> dict:
    return to_payload(StatusChanged(
        ticket_number="RS202612050001", channel="telegram", chat_id="42", language=language,
        ticket_type="repair", status="scheduled", previous_status="assigned",
        appointment=Appointment(date=SATURDAY, window="afternoon"), technician=technician))


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-Hans", "上门师傅：王师傅，工号 T-0012。师傅上门时请查看工作证"),
    ("zh-Hant", "上門師傅：王師傅，員工編號 T-0012。師傅到達時請查看其工作證"),
    ("en", "Your technician: 王师傅, staff no. T-0012 — ask to see the staff card at the door."),
])
async def test_the_scheduled_visit_names_the_technician_and_number(tmp_path, language,
                                                                   expected) -> None:
    name = "王師傅" if language == "zh-Hant" else "王师傅"
    async with offline_engine(tmp_path) as engine:
        [reply] = await engine.render_push(
            scheduled(language, Technician(name=name, staff_number="T-0012")))

    assert expected in reply.text
    assert SATURDAY.isoformat() in reply.text  # beside the visit's time
    # The visit can still be confirmed or moved.
    assert [b.data for row in reply.buttons for b in row] == [
        f"{CONFIRM}RS202612050001", f"{OTHER_TIME}RS202612050001"]


@pytest.mark.parametrize(("language", "expected", "absent"), [
    ("zh-Hans", "上门师傅：李师傅。师傅上门时请查看工作证，核对姓名。", "工号"),
    ("zh-Hant", "上門師傅：李師傅。師傅到達時請查看其工作證，核對姓名。", "編號"),
    ("en", "Your technician: Li — ask to see the staff card at the door.", "staff no."),
])
async def test_without_a_staff_number_the_name_alone(tmp_path, language, expected,
                                                     absent) -> None:
    name = {"zh-Hans": "李师傅", "zh-Hant": "李師傅", "en": "Li"}[language]
    async with offline_engine(tmp_path) as engine:
        [reply] = await engine.render_push(scheduled(language, Technician(name=name)))

    assert expected in reply.text
    assert absent not in reply.text and "None" not in reply.text


async def test_a_push_without_a_technician_shows_the_visit_as_before(tmp_path) -> None:
    event = scheduled("en", None)
    assert "technician" not in event  # old rows keep their shape

    async with offline_engine(tmp_path) as engine:
        [reply] = await engine.render_push(event)

    assert SATURDAY.isoformat() in reply.text
    assert "Your technician" not in reply.text and "staff card" not in reply.text
