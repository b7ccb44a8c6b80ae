"""What only the engine can show directly: update de-duplication, state across a restart,
the NLU being down, and input no chat client would send."""

from __future__ import annotations

import pytest

from bot.dialogue.buttons import MENU, SUBMIT
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import InboundMessage
from nlu.client import NluClient
from tests.bot.conftest import NOW, make_engine
from tests.support.chats import EngineChat
from tests.support.processes import free_port


@pytest.fixture
def chat(engine, backend_url) -> EngineChat:
    return EngineChat(engine, backend_url, NOW)


async def test_the_same_update_twice_is_answered_once(chat: EngineChat):
    first = await chat.say("你好", update_id="dup-1")
    assert first
    assert await chat.say("你好", update_id="dup-1") == []


async def test_a_form_and_its_language_survive_a_restart(recorded_nlu, backend_url, tmp_path):
    store_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    engine = await make_engine(recorded_nlu, backend_url, store_url)
    chat = EngineChat(engine, backend_url, NOW)
    await chat.say("我部雪櫃唔凍，想搵師傅上門維修")
    await chat.press("skip:error_code")
    assert "地址" in chat.text
    await engine.store.close()

    restarted = await make_engine(recorded_nlu, backend_url, store_url)
    chat.engine = restarted
    await chat.say("九龍旺角彌敦道700號10樓")
    assert "聯絡電話" in chat.text  # the next question, still in Traditional Chinese
    await restarted.store.close()


async def test_without_rasa_the_bot_offers_a_labelled_menu_and_forms_still_work(
        backend_url, tmp_path):
    engine = await make_engine(NluClient(f"http://127.0.0.1:{free_port()}", timeout=0.5),
                               backend_url, f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    chat = EngineChat(engine, backend_url, NOW)
    await chat.say("冰箱坏了")
    assert "简易模式" in chat.text and f"{MENU}repair" in chat.buttons()
    await chat.press(f"{MENU}repair")
    await chat.press("pick:product:冰箱")
    await chat.say("不制冷")
    await chat.press("skip:error_code")
    await chat.say("北京市海淀区中关村大街1号")
    await chat.say("13811112222")
    await chat.say("明天上午")
    await chat.press(SUBMIT)
    assert "RS-" in chat.text
    await engine.store.close()


@pytest.mark.parametrize("text", [
    "", " ", "\u200b\u200b", "🙂" * 500, "<script>alert(1)</script>", "'; DROP TABLE tickets;--",
    "a" * 5000, "\x00\x01\x02", "مرحبا", "/start@frontdesk_bot extra", "/unknown",
])
async def test_strange_input_gets_a_reply_not_a_crash(engine: DialogueEngine, text):
    replies = await engine.handle(InboundMessage(channel="webchat", chat_id="odd",
                                                 update_id=None, text=text))
    assert replies and all(r.text for r in replies)
