"""nlu.entities: normalising entity values (pure Python, no Rasa)."""

from __future__ import annotations

import re

import pytest
import yaml

from backend.kernel import ticket_numbers
from nlu import entities
from nlu.entities import (
    PRODUCTS,
    TICKET_NUMBER_RE,
    canonical_product,
    canonical_ticket_number,
    find_phone,
    normalise_entity,
)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("RS-20261124-0007", "RS-20261124-0007"),
        ("rs202611240007", "RS-20261124-0007"),
        ("RS 20261124 0007", "RS-20261124-0007"),
        ("in-20261101-0345", "IN-20261101-0345"),
        ("CP20261003-0021", "CP-20261003-0021"),
        ("Re 20261111 0002", "RE-20261111-0002"),
        ("iq_20261115_0020", "IQ-20261115-0020"),
    ],
)
def test_ticket_number_forms(written: str, canonical: str) -> None:
    assert normalise_entity("ticket_number", written) == canonical
    assert canonical_ticket_number(f"查一下{written}的进度") == canonical
    assert canonical_ticket_number(f"where is my ticket {written}?") == canonical


@pytest.mark.parametrize(
    "text",
    [
        "我的工单到哪了",
        "XX-20261124-0007",  # unknown prefix
        "RS-2026112-0007",  # date too short
        "RS-20261124-00071",  # sequence too long
        "ARS-20261124-0007",  # glued to a longer word
        "call 13812345678",
    ],
)
def test_no_ticket_number(text: str) -> None:
    assert canonical_ticket_number(text) is None
    assert TICKET_NUMBER_RE.search(text) is None


def test_the_training_data_has_the_regexes_and_ticket_numbers_follow_the_one_grammar() -> None:
    regex_file = entities.DATA_DIR / "regex.yml"
    content = yaml.safe_load(regex_file.read_text(encoding="utf-8"))
    names = {block["regex"] for block in content["nlu"] if "regex" in block}
    assert {"ticket_number", "phone", "error_code"} <= names
    # The ticket_number regex there is Rasa's copy (tests/nlu/test_ticket_number_grammar.py).
    assert TICKET_NUMBER_RE is ticket_numbers.TICKET_NUMBER_RE


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("0755-1234567", "07551234567"),
        ("+852 9123 4567", "+85291234567"),
        ("(+852) 9123-4567", "+85291234567"),
        ("+886 912 345 678", "+886912345678"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("02-2345-6789", "0223456789"),
        ("0912-345-678", "0912345678"),
        ("400-810-8888", "4008108888"),
    ],
)
def test_phone_forms(written: str, normalised: str) -> None:
    assert normalise_entity("phone", written) == normalised
    assert find_phone(f"我的电话是{written},谢谢") == normalised
    assert find_phone(f"call me on {written} please") == normalised


@pytest.mark.parametrize(
    "text",
    ["RS-20261124-0007", "rs 20261124 0007", "明天下午三点", "型号KFR-35GW", "12345", "2026-11-24"],
)
def test_no_phone(text: str) -> None:
    assert find_phone(text) is None


@pytest.mark.parametrize(
    ("written", "normalised"),
    [("E4", "E4"), ("e4", "E4"), ("E 24", "E24"), ("E-1", "E1"), ("E1 error", "E1"),
     ("f1", "F1"), (" H6 ", "H6"), ("故障码P3", "P3")],
)
def test_error_code(written: str, normalised: str) -> None:
    assert normalise_entity("error_code", written) == normalised


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("冷氣", "空调"), ("冷气机", "空调"), ("air conditioner", "空调"), ("AC", "空调"),
        ("aircon", "空调"), ("雪櫃", "冰箱"), ("refrigerator", "冰箱"), ("the fridge", "冰箱"),
        ("Fridge", "冰箱"), ("洗衣機", "洗衣机"), ("washing machine", "洗衣机"), ("washer", "洗衣机"),
        ("熱水器", "热水器"), ("熱水爐", "热水器"), ("water heater", "热水器"), ("boiler", "热水器"),
        ("電視", "电视"), ("TV", "电视"), ("television", "电视"), ("抽油煙機", "油烟机"),
        ("range hood", "油烟机"), ("煤氣爐", "燃气灶"), ("gas stove", "燃气灶"), ("洗碗機", "洗碗机"),
        ("dishwasher", "洗碗机"), ("微波爐", "微波炉"), ("microwave", "微波炉"), ("淨水器", "净水器"),
        ("water purifier", "净水器"), ("filter", "净水器"),
        # safety net: names Rasa's synonym mapper does not know
        ("格力空调", "空调"), ("my Fridge", "冰箱"), ("洗衣几", "洗衣机"), ("refridgerator", "冰箱"),
        ("Air Conditioners", "空调"),
    ],
)
def test_product_synonyms(written: str, canonical: str) -> None:
    assert normalise_entity("product", written) == canonical


def test_every_canonical_product_maps_to_itself() -> None:
    for product in PRODUCTS:
        assert canonical_product(product) == product


def test_unknown_product_is_left_as_written() -> None:
    assert canonical_product("石头") is None
    assert normalise_entity("product", " 石头 ") == "石头"
    # An ASCII synonym only counts as a whole word: "ac" is not inside "back".
    assert canonical_product("back") is None


def test_synonym_file_is_the_source() -> None:
    content = yaml.safe_load((entities.DATA_DIR / "synonyms.yml").read_text(encoding="utf-8"))
    canonical = {block["synonym"] for block in content["nlu"] if "synonym" in block}
    assert set(PRODUCTS) <= canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("保修", "warranty"), ("保固", "warranty"), ("Warranty", "warranty"), ("上门费", "fee"),
     ("維修點", "outlet"), ("opening hours", "hours"), ("压缩机", "parts"), ("怎么用", "usage")],
)
def test_topic(written: str, canonical: str) -> None:
    assert normalise_entity("topic", written) == canonical


def test_other_entities_are_stripped() -> None:
    assert normalise_entity("time", "  明天下午 ") == "明天下午"
    assert normalise_entity("brand", " 格力") == "格力"
    assert normalise_entity("district", "朝阳区 ") == "朝阳区"
    assert normalise_entity("city", "北京市") == "北京"
    assert normalise_entity("city", "Hong Kong") == "Hong Kong"
    assert normalise_entity("product", "") == ""


def test_product_lexicon_feature_covers_every_product_synonym() -> None:
    """nlu/data/lexicon.yml's product_word must know every name in synonyms.yml."""
    lexicon = yaml.safe_load((entities.DATA_DIR / "lexicon.yml").read_text(encoding="utf-8"))
    (pattern,) = [block["examples"].strip()[2:] for block in lexicon["nlu"]
                  if block.get("regex") == "product_word"]
    product_word = re.compile(pattern, re.IGNORECASE)
    synonyms = yaml.safe_load((entities.DATA_DIR / "synonyms.yml").read_text(encoding="utf-8"))
    missing = []
    for block in synonyms["nlu"]:
        if block.get("synonym") not in PRODUCTS:
            continue
        names = [block["synonym"]] + [line.strip()[2:] for line in block["examples"].splitlines()
                                      if line.strip().startswith("- ")]
        missing += [name for name in names if not product_word.search(f"我的{name}坏了")]
    assert missing == []
