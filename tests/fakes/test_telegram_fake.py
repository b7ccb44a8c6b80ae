"""The fake Telegram Bot API server, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.fakes.telegram import TINY_PNG, FakeTelegram, SentMessage, UploadedFile

CHAT = 4242


def _fake_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("FakeTelegram")]


@pytest.fixture
def fake() -> FakeTelegram:
    # Other fakes may be running for the whole session (the end-to-end stack): only this
    # test's own server must leave no thread behind.
    before = set(_fake_threads())
    server = FakeTelegram().start()
    yield server
    server.stop()
    assert not set(_fake_threads()) - before
    assert server.errors == []


@contextlib.asynccontextmanager
async def running_app(fake: FakeTelegram, *handlers: BaseHandler) -> AsyncIterator[Application]:
    """An in-process PTB Application polling the fake (short long-poll timeout)."""
    app = fake.application_builder().build()
    for handler in handlers:
        app.add_handler(handler)
    errors: list[object] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    app.add_error_handler(on_error)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert not errors, errors


def _api(fake: FakeTelegram, method: str) -> str:
    return f"{fake.api_base_url}{fake.token}/{method}"


# --------------------------------------------------------------------------- basics


async def test_get_me_through_a_bare_bot(fake: FakeTelegram) -> None:
    async with fake.bot() as bot:  # initialize() calls getMe
        me = await bot.get_me()
    assert me.username == "frontdesk_test_bot"
    assert me.is_bot and me.id == 123456 and me.can_join_groups
    assert [r.method for r in fake.requests] == ["getMe", "getMe"]


async def test_wrong_token_is_rejected(fake: FakeTelegram) -> None:
    from telegram import Bot

    bot = Bot("999:WRONG", base_url=fake.api_base_url, base_file_url=fake.file_base_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


async def test_echo_application_replies_to_text(fake: FakeTelegram) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_action("typing")
        await update.message.reply_text(f"echo: {update.message.text} ({update.effective_user.language_code})")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"welcome {update.effective_user.first_name}")

    async with running_app(fake, CommandHandler("start", start),
                           MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        fake.send_text(CHAT, "/start", first_name="Mei")
        [welcome] = await fake.wait_for_messages_async(CHAT, 1, timeout=5)
        mark = fake.mark()
        fake.send_text(CHAT, "你好")
        [reply] = await fake.wait_for_messages_async(CHAT, 1, timeout=5, since=mark)

    assert welcome.text == "welcome Mei"
    assert reply.text == "echo: 你好 (zh-hans)" and reply.method == "sendMessage"
    assert reply.chat_id == CHAT and reply.seq == 2
    # Customer and bot messages share the chat's message-id sequence: 1 (/start), 2, 3 (你好), 4.
    assert [m.message_id for m in fake.sent_messages(CHAT)] == [2, 4]
    assert fake.sent_messages(CHAT + 1) == []
    assert any(r.method == "sendChatAction" and r.params["action"] == "typing" for r in fake.requests)
    # PTB confirmed everything before shutting down.
    assert fake.pending_updates() == []


async def test_inline_keyboard_and_button_press(fake: FakeTelegram) -> None:
    pressed: list[str] = []

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Language?", reply_markup=InlineKeyboardMarkup([
            [InlineKeyboardButton("中文", callback_data="lang:zh"),
             InlineKeyboardButton("English", callback_data="lang:en")],
            [InlineKeyboardButton("Help", url="https://example.com/help")],
        ]))

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        pressed.append(query.data)
        await query.answer("ok")
        await query.edit_message_text(f"chosen: {query.data}")  # no reply_markup: keyboard goes

    async with running_app(fake, MessageHandler(filters.TEXT, ask), CallbackQueryHandler(on_button)):
        fake.send_text(CHAT, "hi")
        [question] = await fake.wait_for_messages_async(CHAT, 1, timeout=5)
        assert fake.buttons(question) == [("中文", "lang:zh"), ("English", "lang:en"),
                                          ("Help", None)]
        with pytest.raises(ValueError, match="not a button"):
            fake.press_button(CHAT, "lang:fr")
        fake.press_button(CHAT, "lang:en")
        [_, edit] = await fake.wait_for_messages_async(CHAT, 2, timeout=5)
        await fake.wait_until_async(lambda: fake.callback_answers, timeout=5)

    assert pressed == ["lang:en"]
    assert edit.method == "editMessageText" and edit.message_id == question.message_id
    assert edit.text == "chosen: lang:en" and edit.reply_markup is None
    assert fake.current_message(CHAT, question.message_id)["text"] == "chosen: lang:en"
    [answer] = fake.callback_answers
    assert answer["text"] == "ok" and answer["callback_query_id"]
    # The edit removed the keyboard, so there is nothing left to press.
    with pytest.raises(ValueError, match="no bot message with an inline keyboard"):
        fake.press_button(CHAT, "lang:en")
    assert fake.sent_messages(CHAT, methods={"sendMessage"}) == [question]


async def test_redelivered_update_is_handled_again(fake: FakeTelegram) -> None:
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        await update.message.reply_text(update.message.text)

    async with running_app(fake, MessageHandler(filters.TEXT, record)):
        first = fake.send_text(CHAT, "one")
        await fake.wait_for_messages_async(CHAT, 1, timeout=5)
        second = fake.send_text(CHAT, "two")
        await fake.wait_for_messages_async(CHAT, 2, timeout=5)
        fake.redeliver(first)
        await fake.wait_for_messages_async(CHAT, 3, timeout=5)
        third = fake.send_text(CHAT, "three")
        messages = await fake.wait_for_messages_async(CHAT, 4, timeout=5)
        await asyncio.sleep(0.2)  # nothing else may arrive

    assert seen == [first, second, first, third]
    assert [m.text for m in fake.sent_messages(CHAT)] == ["one", "two", "one", "three"]
    assert messages == fake.sent_messages(CHAT)


async def test_photo_can_be_fetched_and_downloaded(fake: FakeTelegram) -> None:
    got: list[bytes] = []

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        photo = update.message.photo[-1]
        file = await context.bot.get_file(photo.file_id)
        got.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_text(f"got {update.message.caption}")

    async with running_app(fake, MessageHandler(filters.PHOTO, on_photo)):
        fake.send_photo(CHAT, caption="broken screen")
        [reply] = await fake.wait_for_messages_async(CHAT, 1, timeout=5)

    assert reply.text == "got broken screen"
    assert got == [TINY_PNG] and TINY_PNG.startswith(b"\x89PNG")
    assert len(fake.downloads) == 1


async def test_bot_uploads_are_recorded_and_downloadable(fake: FakeTelegram) -> None:
    async with fake.bot() as bot:
        sent = await bot.send_photo(CHAT, photo=TINY_PNG, caption="看这里",
                                    reply_markup=InlineKeyboardMarkup.from_button(
                                        InlineKeyboardButton("ok", callback_data="ok")))
        doc = await bot.send_document(CHAT, document=b"%PDF-1.4 tiny", filename="invoice.pdf")
        file = await bot.get_file(sent.photo[-1].file_id)
        data = bytes(await file.download_as_bytearray())
        by_id = await bot.send_photo(CHAT, photo=sent.photo[-1].file_id)

    assert data == TINY_PNG
    photo_msg, doc_msg, by_id_msg = fake.sent_messages(CHAT)
    assert photo_msg.method == "sendPhoto" and photo_msg.text == "看这里"
    assert isinstance(photo_msg.params["photo"], UploadedFile)
    assert photo_msg.params["photo"].data == TINY_PNG
    assert fake.buttons(photo_msg) == [("ok", "ok")] and sent.reply_markup is not None
    assert doc_msg.method == "sendDocument" and doc.document.file_name == "invoice.pdf"
    assert doc_msg.params["document"].data == b"%PDF-1.4 tiny"
    assert by_id_msg.params["photo"] == sent.photo[-1].file_id and by_id.photo


# --------------------------------------------------------------------------- faults


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_limit_surfaces_as_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=3)
    async with fake.bot() as bot:
        with pytest.raises(RetryAfter) as excinfo:
            await bot.send_message(CHAT, "hello")
        sent = await bot.send_message(CHAT, "hello")  # only the next call fails
    retry_after = excinfo.value.retry_after  # int, or timedelta with PTB_TIMEDELTA=1
    if isinstance(retry_after, dtm.timedelta):
        retry_after = retry_after.total_seconds()
    assert retry_after == 3
    assert sent.message_id == 1
    assert [m.text for m in fake.sent_messages(CHAT)] == ["hello"]  # the failed call sent nothing
    assert [r.method for r in fake.requests].count("sendMessage") == 2


async def test_other_injected_failures_map_to_ptb_errors(fake: FakeTelegram) -> None:
    fake.fail_next("sendmessage", status=502, times=2)  # method names are case-insensitive
    fake.fail_next("sendMessage", status=403)
    async with fake.bot() as bot:
        for _ in range(2):
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(CHAT, "x")
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(CHAT, "x")
        await bot.send_message(CHAT, "x")
        fake.block(CHAT)
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "y")
    assert [m.text for m in fake.sent_messages()] == ["x"]


async def test_bad_requests_like_telegram(fake: FakeTelegram) -> None:
    async with fake.bot() as bot:
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(CHAT, " ")
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(CHAT, "x" * 4097)
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("b", callback_data="d" * 65)))
        msg = await bot.send_message(CHAT, "same")
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("same", chat_id=CHAT, message_id=msg.message_id)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("new", chat_id=CHAT, message_id=999)
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await bot.answer_callback_query("123")
        assert await bot.delete_message(CHAT, msg.message_id)
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await bot.delete_message(CHAT, msg.message_id)
    assert fake.deleted_messages == [(CHAT, msg.message_id)]


async def test_unknown_method_is_an_error(fake: FakeTelegram) -> None:
    async with fake.bot() as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("frobnicate_widgets", api_kwargs={"x": 1})
    assert fake.requests[-1] == ("frobnicateWidgets", {"x": 1})  # PTB camelCases the name
    response = httpx.post(_api(fake, "noSuchMethod"), data={"a": "1"})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404,
                               "description": "Not Found: method not found"}
    assert fake.requests[-1] == ("noSuchMethod", {"a": 1})


async def test_delayed_call_times_out_in_ptb(fake: FakeTelegram) -> None:
    from telegram.error import TimedOut

    fake.delay_next("sendMessage", 1.0)
    async with fake.bot() as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "slow", read_timeout=0.2)
    # As on the real server, the call was still carried out.
    fake.wait_for_messages(CHAT, 1, timeout=3)


# --------------------------------------------------------------------------- getUpdates semantics


def test_long_poll_returns_early_and_honours_offset(fake: FakeTelegram) -> None:
    with httpx.Client(timeout=10) as client:
        started = time.monotonic()
        threading.Timer(0.3, fake.send_text, args=(CHAT, "wake up")).start()
        result = client.post(_api(fake, "getUpdates"), data={"timeout": "5"}).json()["result"]
        assert 0.2 < time.monotonic() - started < 2
        [update] = result
        assert update["message"]["text"] == "wake up"

        # Not confirmed yet: delivered again.
        again = client.post(_api(fake, "getUpdates"), data={"timeout": "0"}).json()["result"]
        assert again == result
        # offset confirms (forgets) it; an empty long poll waits the full timeout.
        started = time.monotonic()
        empty = client.post(_api(fake, "getUpdates"),
                            data={"offset": str(update["update_id"] + 1), "timeout": "1"}).json()
        assert empty == {"ok": True, "result": []} and time.monotonic() - started >= 0.95
        # Even with the old offset it stays gone.
        assert client.post(_api(fake, "getUpdates"), data={"offset": "0"}).json()["result"] == []

        ids = [fake.send_text(CHAT, str(i)) for i in range(3)]
        assert ids == sorted(ids) and ids[0] == update["update_id"] + 1
        limited = client.post(_api(fake, "getUpdates"), data={"limit": "2"}).json()["result"]
        assert [u["update_id"] for u in limited] == ids[:2]


def test_an_update_is_confirmed_by_a_later_offset_also_after_a_redelivery(
        fake: FakeTelegram) -> None:
    with httpx.Client(timeout=10) as client:
        def poll(offset: int | None = None) -> list[int]:
            data = {"timeout": "0"} if offset is None else {"timeout": "0", "offset": str(offset)}
            return [u["update_id"] for u in
                    client.post(_api(fake, "getUpdates"), data=data).json()["result"]]

        first = fake.send_text(CHAT, "one")
        other = fake.send_text(CHAT + 1, "elsewhere")
        assert not fake.confirmed(first) and fake.unconfirmed(CHAT) == [first]
        assert poll() == [first, other]
        assert not fake.confirmed(first)  # handed out, not confirmed
        assert poll(first + 1) == [other]
        assert fake.confirmed(first) and not fake.confirmed(other)
        assert fake.unconfirmed(CHAT) == [] and fake.unconfirmed(CHAT + 1) == [other]

        fake.redeliver(first)
        assert not fake.confirmed(first) and fake.unconfirmed(CHAT) == [first]
        assert poll(first + 1) == [first, other]  # handed out again, first
        assert not fake.confirmed(first)
        assert poll(first + 1) == [other]  # the same offset, after it: confirmed
        assert fake.confirmed(first) and fake.unconfirmed(CHAT) == []


def test_allowed_updates_are_remembered_and_filter(fake: FakeTelegram) -> None:
    fake.send_text(CHAT, "hi")
    with httpx.Client(timeout=10) as client:
        only_buttons = client.post(_api(fake, "getUpdates"),
                                   data={"allowed_updates": json.dumps(["callback_query"])}).json()
        assert only_buttons["result"] == []  # the message is dropped, as Telegram does
        fake.send_text(CHAT, "dropped too")  # setting persists without the parameter
        assert client.post(_api(fake, "getUpdates")).json()["result"] == []
        client.post(_api(fake, "getUpdates"), data={"allowed_updates": "[]"})  # back to default
        fake.send_text(CHAT, "kept")
        [update] = client.post(_api(fake, "getUpdates")).json()["result"]
    assert update["message"]["text"] == "kept"


def test_newer_get_updates_terminates_older_with_conflict(fake: FakeTelegram) -> None:
    results: dict[str, httpx.Response] = {}

    def poll(name: str) -> None:
        with httpx.Client(timeout=10) as client:
            results[name] = client.post(_api(fake, "getUpdates"), data={"timeout": "3"})

    first = threading.Thread(target=poll, args=("first",))
    first.start()
    fake.wait_for_request("getUpdates", timeout=5)
    time.sleep(0.1)
    second = threading.Thread(target=poll, args=("second",))
    second.start()
    first.join(5)
    fake.send_text(CHAT, "hi")
    second.join(5)
    assert results["first"].status_code == 409
    assert "terminated by other getUpdates" in results["first"].json()["description"]
    assert results["second"].json()["result"][0]["message"]["text"] == "hi"


def test_raw_updates_and_request_encodings(fake: FakeTelegram) -> None:
    raw_id = fake.send_raw_update({"message": {"text": "no chat, no date"}, "weird": [1]})
    kept_id = fake.send_raw_update({"update_id": raw_id + 10, "edited_message": {"x": 1}})
    assert kept_id == raw_id + 10 and fake.send_text(CHAT, "next") == raw_id + 11
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    with httpx.Client(timeout=10) as client:
        updates = client.post(_api(fake, "getUpdates"), data={"timeout": "0"}).json()["result"]
        assert updates[0] == {"update_id": raw_id, "message": {"text": "no chat, no date"},
                              "weird": [1]}
        # x-www-form-urlencoded, as PTB sends without files: strings raw, the rest JSON.
        client.post(_api(fake, "sendMessage"),
                    data={"chat_id": str(CHAT), "text": "123", "reply_markup": json.dumps(markup)})
        # multipart/form-data, as PTB sends with files.
        client.post(_api(fake, "sendMessage"),
                    data={"chat_id": str(CHAT), "text": "true"},
                    files={"unused": ("a.txt", b"x", "text/plain")})
        # JSON body (other clients), reply_markup as object and as serialized string.
        client.post(_api(fake, "sendMessage"), json={"chat_id": CHAT, "text": "j", "reply_markup": markup})
        client.post(_api(fake, "sendMessage"),
                    json={"chat_id": CHAT, "text": "k", "reply_markup": json.dumps(markup)})
        # Query-string parameters (GET) work too.
        assert client.get(_api(fake, "getMe")).json()["result"]["username"] == "frontdesk_test_bot"
    url_encoded, multipart, as_json, as_string = fake.sent_messages(CHAT)
    assert url_encoded.text == "123" and url_encoded.reply_markup == markup
    assert url_encoded.chat_id == CHAT
    assert multipart.text == "true" and multipart.params["unused"].data == b"x"
    assert as_json.reply_markup == markup and as_string.reply_markup == markup


async def test_reply_keyboard_is_recorded_but_not_echoed(fake: FakeTelegram) -> None:
    async with fake.bot() as bot:
        message = await bot.send_message(CHAT, "pick", reply_markup=ReplyKeyboardMarkup([["A", "B"]]))
    [sent] = fake.sent_messages(CHAT)
    assert message.reply_markup is None  # Telegram echoes inline keyboards only
    assert fake.reply_keyboard(sent) == ["A", "B"] and fake.buttons(sent) == []


# --------------------------------------------------------------------------- waiting, lifecycle


def test_wait_for_messages_times_out_with_what_it_saw(fake: FakeTelegram) -> None:
    with httpx.Client() as client:
        client.post(_api(fake, "sendMessage"), data={"chat_id": str(CHAT), "text": "only one"})
    assert len(fake.wait_for_messages(CHAT, 1, timeout=1)) == 1
    started = time.monotonic()
    with pytest.raises(AssertionError, match="only one") as excinfo:
        fake.wait_for_messages(CHAT, 2, timeout=0.3)
    assert 0.25 < time.monotonic() - started < 2
    assert "got 1" in str(excinfo.value)
    with pytest.raises(AssertionError, match="got 0"):
        fake.wait_for_messages(CHAT, 1, timeout=0.1, since=fake.mark())


def test_wait_for_messages_wakes_up_on_a_message_from_another_thread(fake: FakeTelegram) -> None:
    def send() -> None:
        httpx.post(_api(fake, "sendMessage"), data={"chat_id": str(CHAT), "text": "late"})

    threading.Timer(0.2, send).start()
    started = time.monotonic()
    [message] = fake.wait_for_messages(CHAT, 1, timeout=5)
    assert isinstance(message, SentMessage) and message.text == "late"
    assert time.monotonic() - started < 1


def test_stop_ends_long_polls_and_frees_the_port() -> None:
    fake = FakeTelegram().start()
    port = fake.port
    result: dict[str, object] = {}

    def poll() -> None:
        with httpx.Client(timeout=10) as client:
            result["response"] = client.post(_api(fake, "getUpdates"), data={"timeout": "30"})

    poller = threading.Thread(target=poll)
    poller.start()
    fake.wait_for_request("getUpdates", timeout=5)
    started = time.monotonic()
    fake.stop()
    poller.join(5)
    assert time.monotonic() - started < 3
    assert result["response"].json() == {"ok": True, "result": []}
    assert not [t for t in _fake_threads() if t.name == f"FakeTelegram:{port}"]
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"http://127.0.0.1:{port}/bot{fake.token}/getMe")
    with socket.socket() as sock:  # the port can be listened on again (nobody else listens)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # closed connections aside
        sock.bind(("127.0.0.1", port))


def test_context_manager_and_restart_on_the_same_port() -> None:
    with FakeTelegram(token="777:ABC", bot_username="other_bot") as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        me = httpx.get(f"{fake.api_base_url}777:ABC/getMe").json()["result"]
        assert me == {**me, "id": 777, "username": "other_bot", "is_bot": True}
        update_id = fake.send_text(CHAT, "while Telegram is down")
        base_url = fake.base_url
        fake.stop()  # "Telegram is down"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{fake.api_base_url}777:ABC/getMe")
        fake.start()
        assert fake.base_url == base_url
        [update] = httpx.post(f"{fake.api_base_url}777:ABC/getUpdates").json()["result"]
        assert update["update_id"] == update_id
    assert not [t for t in _fake_threads() if t.name == f"FakeTelegram:{fake.port}"]


def test_redelivery_is_not_lost_to_a_dead_long_poll(fake: FakeTelegram) -> None:
    update_id = fake.send_text(CHAT, "hi")
    with httpx.Client() as client:
        client.post(_api(fake, "getUpdates"), data={"offset": str(update_id + 1)})  # confirmed
    # A client dies while long-polling (connection closed, like a killed bot process).
    sock = socket.create_connection(("127.0.0.1", fake.port))
    body = b"timeout=30"
    sock.sendall(b"POST /bot" + fake.token.encode() + b"/getUpdates HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    fake.wait_for_polling(timeout=5)
    sock.close()
    fake.wait_until(lambda: fake.active_polls == 0, timeout=5, message="the dead poll to end")
    fake.redeliver(update_id)
    with httpx.Client() as client:
        updates = client.post(_api(fake, "getUpdates"), data={"offset": str(update_id + 1)}).json()
        assert [u["update_id"] for u in updates["result"]] == [update_id]
        # Redelivery is one-shot.
        assert client.post(_api(fake, "getUpdates"), data={"offset": str(update_id + 1)}).json()["result"] == []


BOT_SCRIPT = """
import os
from telegram.ext import Application, MessageHandler, filters

async def echo(update, context):
    await update.message.reply_text(f"{os.getpid()}:{update.update_id}:{update.message.text}")

app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
       .base_url(os.environ["TELEGRAM_API_BASE_URL"]).build())
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(poll_interval=0.0, timeout=1)
"""


def test_bot_in_a_subprocess_crash_and_redelivery(fake: FakeTelegram) -> None:
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.api_base_url}

    @contextlib.contextmanager
    def bot_process() -> Iterator[subprocess.Popen]:
        with subprocess.Popen([sys.executable, "-c", BOT_SCRIPT], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
            try:
                yield process
            finally:
                process.kill()
                process.communicate()

    with bot_process() as first:
        update_id = fake.send_text(CHAT, "one")  # queued before the bot is up: not lost
        [reply] = fake.wait_for_messages(CHAT, 1, timeout=10)
        assert reply.text == f"{first.pid}:{update_id}:one"
        fake.wait_for_polling(timeout=5)
        first.kill()  # crash mid long poll
        first.wait(5)
    fake.wait_until(lambda: fake.active_polls == 0, timeout=5, message="the dead poll to end")
    fake.redeliver(update_id)  # as if the crash came before the offset was confirmed
    with bot_process() as second:
        mark = fake.mark()
        [again] = fake.wait_for_messages(CHAT, 1, timeout=10, since=mark)
        assert again.text == f"{second.pid}:{update_id}:one"
        second.send_signal(signal.SIGTERM)  # run_polling stops gracefully
        assert second.wait(10) == 0
    assert fake.pending_updates() == []


async def test_in_process_application_survives_its_own_restart(fake: FakeTelegram) -> None:
    """Stop polling, customer writes meanwhile, start a new Application: nothing is lost."""
    seen: list[str] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.message.text)

    async with running_app(fake, TypeHandler(Update, record)):
        fake.send_text(CHAT, "before")
        await fake.wait_until_async(lambda: seen, timeout=5)
    fake.send_text(CHAT, "while down")
    async with running_app(fake, TypeHandler(Update, record)):
        await fake.wait_until_async(lambda: len(seen) == 2, timeout=5)
    assert seen == ["before", "while down"]
