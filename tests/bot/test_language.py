import pytest

from bot.language import detect_language, from_locale


@pytest.mark.parametrize(("text", "expected"), [
    ("我家冰箱不制冷了,麻烦派个师傅来看看", "zh-Hans"),
    ("我家雪櫃唔凍，幫我搵師傅", "zh-Hant"),
    ("冷氣壞了", "zh-Hant"),
    ("my fridge stopped cooling", "en"),
    ("Hello, is anyone there?", "en"),
])
def test_language_of_a_message(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("current", ["zh-Hans", "zh-Hant", "en"])
@pytest.mark.parametrize("text", ["13812345678", "RS-20261124-0007", "👍", "ok", "E4"])
def test_text_that_does_not_tell_keeps_the_conversation_language(text, current):
    assert detect_language(text, current=current) == current


def test_characters_common_to_both_scripts_keep_the_chinese_variant():
    # 你好 / 冰箱 are written the same in both scripts.
    assert detect_language("你好", current="zh-Hant") == "zh-Hant"
    assert detect_language("冰箱", current="zh-Hans") == "zh-Hans"
    assert detect_language("你好", current="en") == "zh-Hans"


def test_the_client_locale_decides_only_when_the_text_does_not():
    assert detect_language("你好", hint="zh-TW") == "zh-Hant"
    assert detect_language("12345678", hint="en-GB") == "en"
    assert detect_language("谢谢", hint="zh-hant") == "zh-Hans"


def test_english_words_switch_a_chinese_conversation_to_english():
    assert detect_language("where is my ticket", current="zh-Hans") == "en"


@pytest.mark.parametrize(("code", "expected"), [
    ("zh-hans", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh-TW", "zh-Hant"), ("zh-HK", "zh-Hant"),
    ("zh-hant", "zh-Hant"), ("en", "en"), ("en-US", "en"), ("ru", None), (None, None),
])
def test_locale_mapping(code, expected):
    assert from_locale(code) == expected
