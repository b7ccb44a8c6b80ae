"""The dialogue engine under fire: hypothesis plays customers who write anything at all.

Each example is one new chat of `CHAT_LENGTH` messages drawn one at a time: realistic requests
and answers in the three languages (so that chats wander into forms, through them and out),
mixed with 4,096-character texts, emoji, control and zero-width characters, right-to-left text,
HTML and SQL, stickers, files and locations, commands, presses of the buttons just offered,
of stale ones, and of made-up callback data. The real Rasa server and a real backend process
answer. After every message:

- nothing failed inside (no "dialogue failed" in the log, no apology for an error), and the
  customer got at least one reply, every reply and button with a text (silence only while
  staff have the chat);
- no reply shows a catalogue key, an unfilled {placeholder}, a Python repr or a traceback,
  and each is in the conversation's language (text the customer wrote aside);
- every button's callback data fits Telegram's 64 bytes;
- the saved state is one the engine can continue from.

After each chat the state reads back the same from a second store (a restart), and /start
still gets the menu.

FUZZ_DIALOGUE_MESSAGES sets the total (default 2,000 in the suite; 10,000 is the full run:
docs/testing.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time

import hanzidentifier
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import catalogue
from bot.dialogue import appointments
from bot.dialogue import buttons as button_data
from bot.dialogue import engine as engine_module
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.forms import FORMS
from bot.dialogue.state import CONFIRM, ConversationStore
from bot.dialogue.types import Attachment, InboundMessage, Reply
from bot.language import LANGUAGES
from tests.bot.conftest import backend_url, make_engine  # noqa: F401 (a fixture)
from tests.support.chats import _chat_numbers

pytestmark = pytest.mark.rasa

MESSAGES = int(os.environ.get("FUZZ_DIALOGUE_MESSAGES", "2000"))
# CI runs the same chats every time; FUZZ_SEED=random explores new ones (docs/testing.md).
DERANDOMIZE = os.environ.get("FUZZ_SEED") != "random"
CHAT_LENGTH = 40
CONCURRENT_CHATS = 8  # chats of one example, run at the same time (as on a real bot)
CALLBACK_DATA_BYTES = 64  # Telegram refuses a button whose callback data is longer

# What customers really say, so that chats get into forms and through them.
REAL = {
    "zh-Hans": ["我家冰箱不制冷了，麻烦派个师傅来看看", "预约安装空调", "洗衣机要退货",
                "我要投诉，师傅迟到了三个小时", "我的工单到哪一步了", "取消", "帮我催一下",
                "北京市朝阳区建国路88号3单元501", "13812345678", "明天下午", "周六上午",
                "E4", "没有", "冰箱", "已经送到了", "保修期多久", "上门费怎么收", "转人工",
                "谢谢", "你好", "是的", "不对", "订单号 202611240001"],
    "zh-Hant": ["我部雪櫃唔凍，想搵師傅上門維修", "預約安裝冷氣", "我要投訴", "查詢工單進度",
                "九龍旺角彌敦道700號10樓", "0912345678", "明天上午", "保固期多久", "謝謝",
                "轉人工", "取消"],
    "en": ["My fridge stopped cooling, please send a technician", "I want to book an "
           "installation for my air conditioner", "I'd like to return my washing machine",
           "I want to complain", "Where is my ticket?", "cancel", "hurry up please",
           "12 Main Street, Springfield, flat 3", "+1 415 555 0100", "tomorrow afternoon",
           "next Monday morning", "How long is the warranty?", "talk to a person", "thanks",
           "hello", "yes", "no", "RS-20261124-0001"],
}
HOSTILE = [
    "<script>alert(1)</script>", "'; DROP TABLE tickets; --", "\" OR 1=1 --", "{{7*7}}",
    "${jndi:ldap://example.invalid/a}", "%s%s%n", "{number}", "{0}", "{}", "../../etc/passwd",
    "<b>粗体</b>&amp;", "\\N", "null", "None", "[]", "{'a': 1}", "RS-99999999-9999",
]
ODD = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202b", "\u00ad",
       "\x00", "\x07", "\x1b[31m", "\x7f", "\r", "\t", "\n", "\u0301", "\ud7ff",
       "🧊", "❄️", "👨‍🔧", "🇨🇳", "🙏🏽", "مرحبا، أريد إصلاح الثلاجة", "שלום עולם", "ﷺ",
       "𠀀𪚥", "Ａ１", "ｶﾀｶﾅ"]
COMMANDS = ["/start", "/cancel", "/status", "/help", "/start@frontdesk_bot", "/", "//",
            "/unknown arg", "/cancel@", "/STATUS"]
PREFIXES = [button_data.MENU, button_data.PICK, button_data.SKIP, button_data.EDIT,
            button_data.TICKET, button_data.EXPEDITE, button_data.CANCEL_TICKET,
            button_data.CANCEL_CONFIRMED, button_data.ACCEPT, button_data.REJECT,
            button_data.SURVEY, button_data.PERSON, button_data.QUOTE, button_data.RECORD]
EXACT_DATA = [button_data.SUBMIT, button_data.CHANGE, button_data.CANCEL,
              button_data.KEEP_TICKET, button_data.HELPED, button_data.LEAVE_STAFF,
              "menu:repair", "menu:status", "menu:human", "pick:product:冰箱",
              "survey:1:rating:9", "survey:x:optout:", "cancelok:RS-20261124-0001:solved",
              "edit:nothing", "person:nobody", "quote:ok:RS-20261124-0001:1",
              "quote:no:RS-20261124-0001:x", "rec:ok:RS-20261124-0001:1", "rec:pdf:RS-1:1",
              "rec:no::"]
LOCALES = [None, "zh-hans", "zh-TW", "zh-HK", "en-GB", "en", "ar", "", "xx-Garbage-123"]
ATTACHMENT_KINDS = ["photo", "document", "sticker", "location", "voice", "video", "contact",
                    "animation", ""]

odd_text = st.lists(st.one_of(st.sampled_from(ODD + HOSTILE), st.text(max_size=20),
                              st.sampled_from([s for texts in REAL.values() for s in texts])),
                    min_size=1, max_size=6).map("".join)
long_text = st.builds(lambda piece, size: (piece * (size // max(len(piece), 1) + 1))[:size],
                      st.one_of(odd_text, st.sampled_from(REAL["zh-Hans"] + REAL["en"])),
                      st.sampled_from([4096, 4097, 5000]))
texts = st.one_of(
    st.sampled_from([s for texts in REAL.values() for s in texts]),  # weight on real talk
    st.sampled_from([s for texts in REAL.values() for s in texts]),
    st.sampled_from(HOSTILE), st.sampled_from(COMMANDS), odd_text, long_text,
    st.text(), st.just(""), st.just("   "),
)
garbage_data = st.one_of(
    st.text(max_size=80),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PREFIXES),
              st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE + ODD))),
    st.sampled_from(EXACT_DATA),
)


# One thing the customer does next. Pressing a button is drawn as an index into what the bot
# offered last (or offered before: a stale button), so that whole chats are drawn up front.
action = st.builds(
    lambda kind, text, data, index, attachment, hint: {
        "text": {"text": text},
        "attachment": {"attachments": (Attachment(attachment, "file-1"),), "text": text},
        "garbage": {"button": data},
        "press": {"press": index},
        "stale": {"stale": index},
    }[kind] | {"locale_hint": hint},
    st.sampled_from(["text", "text", "text", "attachment", "garbage", "press", "press",
                     "press", "stale"]),
    texts, garbage_data, st.integers(0, 100), st.sampled_from(ATTACHMENT_KINDS),
    st.sampled_from(LOCALES),
)
chats = st.lists(st.lists(action, min_size=CHAT_LENGTH, max_size=CHAT_LENGTH),
                 min_size=CONCURRENT_CHATS, max_size=CONCURRENT_CHATS)


def _message(action: dict, offered: list[str], seen: list[str]) -> dict:
    """The message fields of a drawn action, given the buttons offered so far."""
    action = dict(action)
    for key, buttons in (("press", offered), ("stale", seen)):
        if key in action:
            index = action.pop(key)
            action["button"] = buttons[index % len(buttons)] if buttons else "menu:repair"
    return action


# ---- what a reply must not look like --------------------------------------------------------

_SECTIONS = sorted({key.split(".")[0] for key in catalogue.keys("en")})
RAW_KEY = re.compile(rf"(?<![\w.@/-])(?:{'|'.join(_SECTIONS)})\.[a-z0-9_]+")
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
REPR = re.compile(r"Traceback|object at 0x|\{'|'\}|\[\]|\bNone\b(?! / skip)|\bTrue\b|\bFalse\b"
                  r"|datetime\.|Exception|Error\(")
HAN = re.compile(r"[\u3400-\u9fff]")


def check_reply(reply: Reply, language: str, said: list[str]) -> None:
    """`said`: what the customer wrote (replies may echo it: a summary, a ticket number)."""
    assert reply.text.strip(), "an empty reply"
    for pattern in (RAW_KEY, PLACEHOLDER, REPR):
        for match in pattern.finditer(reply.text):
            assert any(match.group() in s for s in said), \
                f"{match.group()!r} in {reply.text!r}"
    own_han = "".join(c for c in HAN.findall(reply.text) if not any(c in s for s in said))
    script = hanzidentifier.identify(own_han)
    if language == "en":
        assert not own_han, f"Chinese in an English reply: {reply.text!r}"
    elif language == "zh-Hans":
        assert script != hanzidentifier.TRADITIONAL, f"Traditional: {reply.text!r}"
    else:
        assert script != hanzidentifier.SIMPLIFIED, f"Simplified: {reply.text!r}"
    for row in reply.buttons:
        for button in row:
            assert button.label.strip(), f"a button without a label in {reply.text!r}"
            assert 0 < len(button.data.encode()) <= CALLBACK_DATA_BYTES, \
                f"callback data of {len(button.data.encode())} bytes: {button.data!r}"


def check_state(conversation) -> None:
    assert conversation.language in LANGUAGES
    form = conversation.form
    if form is not None and form.name == appointments.PENDING:
        # Waiting for the new time of a visit (asked after "改到 / move it to" without one).
        assert form.asking == "when" and set(form.slots) == {"ticket"}, form
    elif form is not None:
        spec = FORMS[form.name]
        slots = {slot.name for slot in spec.slots}
        assert form.asking in slots | {CONFIRM}, form
        assert set(form.slots) <= slots | set(spec.extras), form


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def runner():
    """An event loop of the test's own: hypothesis calls the test body synchronously."""
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def fuzz_engine(runner, rasa_url, backend_url, tmp_path):  # noqa: F811
    store_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    engine = runner.run(make_engine(rasa_url, backend_url, store_url))
    failures = _Failures()
    logging.getLogger("bot").addHandler(failures)
    engine.failures, engine.store_url = failures, store_url
    yield engine
    logging.getLogger("bot").removeHandler(failures)
    runner.run(engine.nlu.aclose())
    runner.run(engine.backend.aclose())
    runner.run(engine.store.close())


@pytest.mark.timeout(1800)
def test_any_customer_message_gets_a_sensible_reply(runner, fuzz_engine: DialogueEngine):
    engine, counts = fuzz_engine, {"messages": 0, "chats": 0}
    sorry = {catalogue.text(language, "error.sorry") for language in LANGUAGES}
    started = time.monotonic()

    async def one_chat(actions: list[dict]) -> None:
        chat_id, channel = f"fuzz-{next(_chat_numbers)}", "webchat"
        offered: list[str] = []
        seen: list[str] = []
        said: list[str] = []
        for step, drawn in enumerate(actions):
            message = _message(drawn, offered, seen)
            for field in ("text", "button"):  # what the customer sent, the bot may echo
                if message.get(field):
                    said += [message[field], engine_module._printable(message[field])]
            before = await engine.store.load(channel, chat_id)
            replies = await engine.handle(InboundMessage(
                channel=channel, chat_id=chat_id, update_id=f"{chat_id}-{step}", **message))
            counts["messages"] += 1
            assert not engine.failures.records, engine.failures.records[0].getMessage()
            after = await engine.store.load(channel, chat_id)
            check_state(after)
            if not before.with_staff:
                assert replies, f"no reply to {message!r}"
            for reply in replies:
                assert reply.text not in sorry, f"the dialogue failed on {message!r}"
                try:
                    check_reply(reply, after.language, said)
                except AssertionError as problem:
                    raise AssertionError(f"{problem}\n  answering {message!r}") from None
            offered = [b.data for r in replies for row in r.buttons for b in row] or offered
            seen = list(dict.fromkeys(seen + offered))[-30:]
        # A restart reads the same state; the chat still works.
        second = ConversationStore(engine.store_url)
        try:
            assert (await second.load(channel, chat_id)).to_json() == after.to_json()
        finally:
            await second.close()
        if not after.with_staff:
            replies = await engine.handle(InboundMessage(
                channel=channel, chat_id=chat_id, update_id=f"{chat_id}-end", text="/start"))
            assert replies and replies[-1].buttons, "/start did not bring the menu"
        counts["chats"] += 1

    async def together(drawn: list[list[dict]]) -> None:
        await asyncio.gather(*(one_chat(actions) for actions in drawn))

    @settings(max_examples=max(1, -(-MESSAGES // (CHAT_LENGTH * CONCURRENT_CHATS))),
              deadline=None, database=None, derandomize=DERANDOMIZE,
              phases=[Phase.explicit, Phase.generate],  # shrinking would replay whole chats
              suppress_health_check=list(HealthCheck))
    @given(drawn=chats)
    def chat(drawn: list[list[dict]]) -> None:
        runner.run(together(drawn))

    chat()
    elapsed = time.monotonic() - started
    print(f"\n{counts['messages']} messages in {counts['chats']} chats, {elapsed:.0f} s: "
          f"{counts['messages'] / elapsed:.1f} messages/s")
    assert counts["messages"] >= MESSAGES
