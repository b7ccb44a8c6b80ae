"""What a customer says about a product they own (bot/dialogue/product_details.py): model and
serial numbers as printed or inside a sentence, a brand named in passing, a purchase day."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.dialogue.product_details import (
    accept_brand,
    accept_model,
    accept_serial,
    find_brand,
    find_model,
    find_purchase_date,
    find_serial,
)

NOW = datetime(2026, 12, 8, 9, 30)


@pytest.mark.parametrize(("text", "model"), [
    ("KFR-35GW/BP", "KFR-35GW/BP"),
    ("型號：FTXM35RVMN", "FTXM35RVMN"),
    ("型号是 BCD-470WDPG 吧", "BCD-470WDPG"),
    ("it says WAX32M40 on the back", "WAX32M40"),
    ("the silver one", None),
    ("白色嗰部", None),
])
def test_a_model_number_as_printed_or_inside_words(text, model) -> None:
    assert accept_model(text, None, NOW) == model


@pytest.mark.parametrize(("text", "serial"), [
    ("sn 4512 8870 22", "4512 8870 22"),
    ("S/N: 9G35A1200387", "9G35A1200387"),
    ("12345", None),            # too short to be one
    ("no idea", None),
])
def test_a_serial_number(text, serial) -> None:
    assert accept_serial(text, None, NOW) == serial


def test_details_named_in_passing() -> None:
    text = "register my Bosch dishwasher SMS4HTI45E, serial no. FD9901234567, bought 3 March 2025"
    assert (find_brand(text), find_model(text), find_serial(text)) == (
        "Bosch", "SMS4HTI45E", "FD9901234567")
    assert find_purchase_date(text) == text
    assert find_model("帮我登记一台冰箱") is None and find_purchase_date("帮我登记一台冰箱") is None
    assert accept_brand("Sony XR-65X90L", None, NOW) == "Sony"
    assert accept_brand("德龙", None, NOW) == "德龙"  # a brand we do not know: as written
    # What says something rather than names a brand is no brand (asked again).
    assert accept_brand("一个很小众的牌子", None, NOW) is None
    assert accept_brand("want to register it for the warranty", None, NOW) is None
