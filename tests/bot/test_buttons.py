"""The buttons' callback data: buttons already shown in a chat keep working, whatever is
pressed (a tampered or truncated value is a stale button, never a crash)."""

from __future__ import annotations

import pytest

from bot.dialogue import buttons
from bot.dialogue.buttons import Pressed, parse


@pytest.mark.parametrize(("data", "kind", "args"), [
    ("menu:repair", "menu", ("repair",)),
    ("pick:when:2026-12-08 afternoon", "pick", ("when", "2026-12-08 afternoon")),
    ("pick:when:2026-12-08T14:00", "pick", ("when", "2026-12-08T14:00")),  # a colon kept
    ("skip:error_code", "skip", ("error_code",)),
    ("form:submit", "form", ("submit",)),
    ("cancel:keep", "cancel", ("keep",)),
    ("cancel:RS-20261201-0003", "cancel", ("RS-20261201-0003",)),
    ("cancelok:RS-20261201-0003:wrong_time", "cancelok", ("RS-20261201-0003", "wrong_time")),
    ("survey:12:rating:5", "survey", ("12", "rating", "5")),
    ("survey:12:optout:", "survey", ("12", "optout", "")),
    ("survey:12:comment:", "survey", ("12", "comment", "")),
    ("appt:ok:IN-20261201-0001", "appt", ("ok", "IN-20261201-0001")),
    ("appt:keep", "appt", ("keep", "")),
    ("guess:repair_request", "guess", ("repair_request",)),
    ("person:leave", "person", ("leave",)),
])
def test_each_value_the_bot_sends_reads_back(data: str, kind: str, args: tuple) -> None:
    assert parse(data) == Pressed(kind, args)


@pytest.mark.parametrize("data", ["", ":", "survey:", "cancelok:RS", "pick", "x:y:z",
                                  "survey:1:2:3:4", "menu::", "\x00"])
def test_anything_pressed_parses_with_all_its_arguments(data: str) -> None:
    pressed = parse(data)
    expected = buttons._ARGUMENTS.get(pressed.kind, 1)
    assert len(pressed.args) == expected


def test_the_values_already_sent_to_customers_are_unchanged() -> None:
    # Renaming one strands every button of that kind already shown in a chat.
    assert (buttons.MENU, buttons.SUBMIT, buttons.CANCEL_CONFIRMED, buttons.SURVEY,
            buttons.APPOINTMENT_OK, buttons.PRIVACY_ERASE, buttons.GUESS_NONE) == (
        "menu:", "form:submit", "cancelok:", "survey:", "appt:ok:", "privacy:erase",
        "guess:no")
