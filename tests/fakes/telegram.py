"""A fake Telegram Bot API server for tests that drive the *real* python-telegram-bot (PTB).

The fake is a real HTTP server (uvicorn, raw ASGI) on ``127.0.0.1`` with a random free port,
running in a background thread with its own event loop.  Tests talk to it through a synchronous,
thread-safe API; the bot under test talks to it over HTTP exactly as it would to
``api.telegram.org`` - in the test process or in a subprocess.

Usage::

    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram() as fake:                      # start() ... stop()
        # in-process PTB:
        app = fake.application_builder().build()      # token + base_url + base_file_url set
        # or a subprocess: env TELEGRAM_BOT_TOKEN=fake.token,
        #   TELEGRAM_API_BASE_URL=fake.api_base_url       (== f"{fake.base_url}/bot")
        #   TELEGRAM_API_BASE_FILE_URL=fake.file_base_url (== f"{fake.base_url}/file/bot")

        mark = fake.mark()                            # cursor into the log of bot output
        fake.send_text(42, "hello")                   # customer writes; returns the update_id
        [reply] = fake.wait_for_messages(42, 1, since=mark)
        assert reply.text == "..."
        fake.press_button(42, "lang:en")              # presses a button of the bot's last keyboard
        fake.fail_next("sendMessage", status=429, retry_after=1)

Customer side: ``send_text``, ``press_button``, ``send_photo``, ``send_document``,
``send_raw_update`` enqueue updates (ids increase monotonically) that the bot fetches with
``getUpdates``; ``redeliver`` hands an already delivered update out once more (the next getUpdates
returns it first, whatever its offset; one-shot). Updates stay pending until the bot confirms them
with a later ``offset``, so a bot killed between fetching and confirming gets them again on restart
without ``redeliver`` - but PTB confirms a batch as soon as it has *queued* it (its next getUpdates
carries the new offset), not after the handlers ran. ``confirmed(update_id)`` says whether the bot
has confirmed an update (a later offset; for a redelivered one, a later offset after it was handed
out again; in webhook mode a 2xx answer); ``unconfirmed(chat_id)`` lists a chat's updates not
confirmed yet.

What the bot did: ``sent_messages`` (sendMessage/sendPhoto/sendDocument/edit* calls, each a
:class:`SentMessage`), ``callback_answers``, ``deleted_messages``, ``requests`` (every API call,
as ``(method, params)``, also failed/unknown ones), ``downloads``,
``current_message`` (a message as it is after edits).

Waiting: ``wait_for_messages`` (below), ``wait_for_polling`` (the bot is up and waiting in a
long poll - a readiness check for a bot subprocess), ``wait_for_request(method)``,
``wait_until(predicate)``; ``*_async`` variants for use inside an event loop.

Faults: ``fail_next(method, status=429, retry_after=1, times=1)``, ``delay_next(method,
seconds)``, ``block(chat_id)``; ``stop()`` + ``start()`` again = an outage (same port, same
state).

Methods: getMe, getUpdates, deleteWebhook, setWebhook, getWebhookInfo, sendMessage,
editMessageText, editMessageCaption, editMessageReplyMarkup, answerCallbackQuery,
sendChatAction, getFile, sendPhoto, sendDocument, deleteMessage (names case-insensitive, as in
Telegram); others
-> HTTP 404 ``{"ok": false, "error_code": 404, "description": "Not Found: method not found"}``.
Files: ``GET {base_url}/file/bot<token>/<file_path>``.  Requests may be form-urlencoded or
multipart (what PTB sends: strings raw, other values JSON-encoded) or JSON, or query strings.

Counting in ``wait_for_messages``: every recorded :class:`SentMessage` gets a global, 1-based
sequence number ``seq`` (over all chats).  ``fake.mark()`` returns the ``seq`` of the latest one
(0 if none).  ``wait_for_messages(chat_id, count, since=mark)`` waits until at least ``count``
messages to ``chat_id`` with ``seq > since`` (optionally only those whose ``method`` is in
``methods``) exist and returns *all* of them (may be more than ``count``).  With the default
``since=0`` it counts the chat's total.  Edits count as messages unless filtered out with
``methods=("sendMessage",)``.

Behaviour copied from the real Bot API (so that bugs show up here, not in production):

* errors are HTTP status codes + ``{"ok": false, "error_code", "description"[, "parameters"]}``
  (PTB decides the exception class from the HTTP status: 400 BadRequest, 401/404 InvalidToken
  (EndPointNotFound via ``do_api_request``), 403 Forbidden, 409 Conflict, 429 RetryAfter,
  everything else NetworkError);
* ``getUpdates``: ``offset`` confirms, i.e. *forgets*, all updates with a smaller id; a
  long poll waits up to ``timeout`` seconds and returns as soon as an update arrives; a newer
  ``getUpdates`` terminates an older one still waiting with 409 Conflict (two bot instances);
  ``allowed_updates`` is remembered between calls; updates of other types are dropped;
  ``getUpdates`` while a webhook is set -> 409;
* ``deleteWebhook(drop_pending_updates=True)`` drops pending updates;
* ``editMessageText`` without ``reply_markup`` removes the inline keyboard (as Telegram does);
  edits that change nothing -> 400 "message is not modified"; unknown message -> 400;
* empty text / text over 4096 characters / callback_data over 64 bytes -> 400;
* ``answerCallbackQuery`` for an unknown or already answered query -> 400;
* sending to a chat marked with :meth:`FakeTelegram.block` -> 403 "bot was blocked by the user";
* Message.reply_markup is echoed only for inline keyboards (PTB parses it as
  InlineKeyboardMarkup); the reply keyboard sent is still in ``SentMessage.reply_markup``.

Careful with ``send_raw_update``: an update PTB cannot parse (e.g. a message without
``chat``/``date``) makes PTB 22 drop the *whole batch* without confirming it and fetch it again,
forever - later updates never reach the handlers.  Telegram never sends such updates.

Webhook mode: after ``setWebhook`` the fake POSTs pending updates to the URL one at a time, in
order, with the ``X-Telegram-Bot-Api-Secret-Token`` header when a secret was set; a 2xx answer
confirms an update, anything else (or no answer) is retried a second later, as Telegram does.
``webhook_attempts`` lists ``(update_id, status)`` per POST (status 0: no answer);
``wait_for_webhook()`` waits until a webhook is set.

Not emulated: groups/channels, HTML/Markdown parse errors, rate limits (use
``fail_next``), inline mode, payments.

Do not call the blocking ``wait_*`` methods from the event loop that runs an in-process PTB
Application (it would freeze the bot); use the ``*_async`` variants there.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import dataclasses
import email.message
import email.utils
import itertools
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterable
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import uvicorn

__all__ = ["TINY_PNG", "ApiRequest", "FakeTelegram", "SentMessage", "UploadedFile"]


def _make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8 bit, RGB
    pixels = zlib.compress(b"\x00\xff\x80\x00")  # filter byte + one orange pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


#: A valid 1x1 PNG: what customers' photos and files download as.
TINY_PNG: bytes = _make_png()

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

# Parameters the Bot API types as String: form values for these are never JSON-decoded
# (PTB sends strings raw and everything else JSON-encoded).
_STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "file_id", "url", "secret_token",
    "ip_address", "language_code", "action", "inline_message_id", "business_connection_id",
    "message_effect_id", "callback_data", "data", "query", "title", "description",
    "short_description", "name", "emoji", "question", "explanation", "first_name", "last_name",
    "phone_number", "address", "vcard", "photo", "document", "sticker", "video", "audio", "voice",
    "animation", "thumbnail", "video_note", "custom_emoji_id", "certificate", "payload",
    "currency", "provider_token", "start_parameter", "invite_link", "filename",
})

# Update types Telegram leaves out when allowed_updates is empty/never set.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclasses.dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (e.g. the ``photo`` of an uploaded sendPhoto)."""

    filename: str | None
    content_type: str | None
    data: bytes


class ApiRequest(NamedTuple):
    """One Bot API call as received: ``method, params = request``."""

    method: str  # canonical camelCase name for known methods, as sent otherwise
    params: dict[str, Any]  # decoded; uploaded files are UploadedFile values


@dataclasses.dataclass(frozen=True)
class SentMessage:
    """Something the bot put into a chat: a sent message or an edit of one."""

    seq: int  # 1-based position in the global log of bot output (see FakeTelegram.mark)
    method: str  # 'sendMessage' | 'editMessageText' | 'editMessageReplyMarkup' | 'sendPhoto' | ...
    chat_id: int | str
    message_id: int
    text: str | None  # text (or, for media, the caption) the message has after this call
    reply_markup: dict | None  # as sent (parsed JSON); None if the call had none
    parse_mode: str | None
    params: dict[str, Any]  # all decoded parameters of the call
    date: int

    @property
    def caption(self) -> str | None:
        return self.params.get("caption")

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        return FakeTelegram.buttons(self)


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclasses.dataclass
class _Chat:
    chat_id: int | str
    first_name: str = "Li"
    language_code: str | None = "zh-hans"
    next_message_id: int = 1
    messages: dict[int, dict] = dataclasses.field(default_factory=dict)  # current state
    blocked: bool = False


@dataclasses.dataclass
class _Fault:
    status: int
    description: str
    parameters: dict | None
    remaining: int


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: simulated failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
         "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _decode_form_value(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(body: bytes, boundary: bytes) -> list[tuple[str, str | None, str | None, bytes]]:
    """Minimal multipart/form-data parser: [(name, filename, content_type, data)]."""
    parts = []
    for raw in body.split(b"--" + boundary)[1:]:
        if raw.startswith(b"--"):
            break
        if raw.startswith(b"\r\n"):
            raw = raw[2:]
        head, _, data = raw.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = email.message.Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, sep, val = line.partition(":")
            if sep:
                headers[key.strip()] = val.strip()
        name = headers.get_param("name", header="content-disposition")
        filename = headers.get_param("filename", header="content-disposition")
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
        if isinstance(filename, tuple):
            filename = email.utils.collapse_rfc2231_value(filename)
        if name is None:
            continue
        parts.append((str(name), None if filename is None else str(filename),
                      headers.get_content_type() if "content-type" in headers else None, data))
    return parts


def _parse_params(query: bytes, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {k: _decode_form_value(k, v)
                              for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
    ctype = content_type.split(";")[0].strip().lower()
    if not body:
        return params
    if ctype == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise _ApiError(400, "Bad Request: request body must be a JSON object")
        for key, value in data.items():
            # Telegram also accepts JSON-serialized objects as strings inside a JSON body.
            if isinstance(value, str) and key not in _STRING_PARAMS and value[:1] in ("{", "["):
                value = _decode_form_value(key, value)
            params[key] = value
    elif ctype == "multipart/form-data":
        msg = email.message.Message()
        msg["content-type"] = content_type
        boundary = msg.get_param("boundary")
        if not boundary:
            raise _ApiError(400, "Bad Request: multipart boundary missing")
        files: dict[str, UploadedFile] = {}
        for name, filename, part_type, data in _parse_multipart(body, str(boundary).encode("latin-1")):
            if filename is not None:
                files[name] = UploadedFile(filename, part_type, data)
            else:
                params[name] = _decode_form_value(name, data.decode("utf-8"))
        for name, upload in files.items():
            # attach://<name> references (media groups etc.) point at a part; plain uploads
            # (sendPhoto's photo=...) arrive as a part named like the parameter.
            refs = [k for k, v in params.items() if v == f"attach://{name}"]
            for key in refs:
                params[key] = upload
            if not refs:
                params[name] = upload
    else:  # application/x-www-form-urlencoded (PTB without files) or anything form-like
        for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            params[key] = _decode_form_value(key, value)
    return params


class FakeTelegram:
    """Fake Telegram Bot API server; see the module docstring."""

    #: method name (lower case) -> canonical camelCase name, filled from the handler table
    _CANONICAL: dict[str, str] = {}

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "frontdesk_test_bot",
                 *, bot_first_name: str = "Frontdesk Test Bot"):
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.base_url = ""
        self.port = 0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # notified on every state change
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._sock: socket.socket | None = None
        self._stopping = False
        self._version = 0  # bumped (under the lock) on every change; see _touch
        self._startup_error: BaseException | None = None
        # asyncio objects, created inside the server loop
        self._update_event: asyncio.Event | None = None
        self._stop_event: asyncio.Event | None = None
        self._reset_state()

    def _reset_state(self) -> None:
        self._next_update_id = 1
        self._pending: list[dict] = []  # unconfirmed updates, ascending update_id
        self._history: dict[int, dict] = {}  # every update ever enqueued
        self._redeliver: list[dict] = []
        # Redelivered updates handed out and not yet confirmed: update_id -> poll generation.
        self._unconfirmed: dict[int, int] = {}
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._active_polls = 0  # getUpdates requests currently waiting (long polls)
        self._chats: dict[int | str, _Chat] = {}
        self._sent: list[SentMessage] = []
        self._requests: list[ApiRequest] = []
        self._callback_answers: list[dict] = []
        self._open_queries: dict[str, tuple[int | str, int]] = {}  # id -> (chat, message_id)
        self._answered_queries: set[str] = set()
        self._deleted: list[tuple[int | str, int]] = []
        self._downloads: list[str] = []
        self._errors: list[str] = []
        self._faults: dict[str, collections.deque[_Fault]] = collections.defaultdict(collections.deque)
        self._delays: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._webhook: dict[str, Any] = {"url": ""}
        self._webhook_attempts: list[tuple[int, int]] = []
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base_url(self) -> str:
        """What PTB's ``base_url`` must be (PTB appends the token)."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """What PTB's ``base_file_url`` must be (PTB appends the token)."""
        return f"{self.base_url}/file/bot"

    def start(self, timeout: float = 10) -> FakeTelegram:
        """Start serving.  After ``stop()`` it can be started again: same port, same state
        (pending updates, messages...), e.g. to simulate a Telegram outage."""
        if self._thread is not None:
            raise RuntimeError("FakeTelegram already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # a restarted fake keeps its port
        self._sock = sock
        self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self._asgi, log_config=None, log_level="warning", access_log=False, lifespan="off",
            loop="asyncio", http="h11", ws="none", interface="asgi3", timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"FakeTelegram:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"FakeTelegram did not start: {self._startup_error!r}")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._update_event = asyncio.Event()
            self._stop_event = asyncio.Event()
            assert self._server is not None and self._sock is not None
            webhooks = asyncio.create_task(self._deliver_webhooks())
            try:
                await self._server.serve(sockets=[self._sock])
            finally:
                webhooks.cancel()

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self._startup_error = exc
        finally:
            self._loop = None

    def stop(self) -> None:
        """Answer waiting long polls, shut the server down, join the thread, free the port."""
        with self._lock:
            self._stopping = True
            self._touch()
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._on_stop)
            except RuntimeError:  # loop already closed
                pass
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            if self._thread.is_alive():
                raise RuntimeError("FakeTelegram server thread did not stop")
        if self._sock is not None:
            self._sock.close()
        self._thread = self._server = self._sock = None

    def _on_stop(self) -> None:
        assert self._stop_event is not None
        self._stop_event.set()
        self._wake_pollers()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def application_builder(self) -> Any:
        """``telegram.ext.Application.builder()`` pointed at this fake (token and URLs set)."""
        from telegram.ext import Application

        return (Application.builder().token(self.token)
                .base_url(self.api_base_url).base_file_url(self.file_base_url))

    def bot(self) -> Any:
        """A bare ``telegram.Bot`` pointed at this fake (use ``async with bot:``)."""
        from telegram import Bot

        return Bot(self.token, base_url=self.api_base_url, base_file_url=self.file_base_url)

    # ------------------------------------------------------------------ customer side

    def _chat(self, chat_id: int | str, first_name: str | None = None,
              language_code: str | None = None) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id)
        if first_name is not None:
            chat.first_name = first_name
        if language_code is not None:
            chat.language_code = language_code
        return chat

    @staticmethod
    def _chat_json(chat: _Chat) -> dict:
        return {"id": chat.chat_id, "type": "private", "first_name": chat.first_name}

    @staticmethod
    def _user_json(chat: _Chat) -> dict:
        user = {"id": chat.chat_id, "is_bot": False, "first_name": chat.first_name}
        if chat.language_code:
            user["language_code"] = chat.language_code
        return user

    def _customer_message(self, chat: _Chat, **content: Any) -> dict:
        message = {"message_id": chat.next_message_id, "from": self._user_json(chat),
                   "chat": self._chat_json(chat), "date": int(time.time()), **content}
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        return message

    def _enqueue(self, update: dict) -> int:
        with self._lock:
            uid = update.get("update_id")
            if not isinstance(uid, int) or isinstance(uid, bool):
                uid = self._next_update_id
            update = {**update, "update_id": uid}
            self._next_update_id = max(self._next_update_id, uid + 1)
            self._history[uid] = update
            self._pending.append(update)
            self._pending.sort(key=lambda u: u["update_id"])
            self._touch()
        self._notify_loop()
        return uid

    def send_text(self, chat_id: int, text: str, *, first_name: str = "Li",
                  language_code: str | None = "zh-hans") -> int:
        """The customer sends ``text``; returns the update_id. ``/cmd`` gets a bot_command entity."""
        with self._lock:
            chat = self._chat(chat_id, first_name)
            chat.language_code = language_code
            content: dict[str, Any] = {"text": text}
            if text.startswith("/"):
                command = text.split()[0] if text.split() else text
                content["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command.encode("utf-16-le")) // 2}]
            message = self._customer_message(chat, **content)
            return self._enqueue({"message": message})

    def send_photo(self, chat_id: int, caption: str | None = None, *, data: bytes | None = None,
                   first_name: str | None = None, language_code: str | None = None) -> int:
        """The customer sends a photo (two sizes; ``getFile`` + download serve ``data``,
        by default :data:`TINY_PNG`)."""
        data = TINY_PNG if data is None else data
        with self._lock:
            chat = self._chat(chat_id, first_name, language_code)
            sizes = []
            for width in (90, 320):
                file_id = self._register_file(data, "photos", ".png")
                sizes.append({"file_id": file_id, "file_unique_id": f"u{file_id}",
                              "file_size": len(data), "width": width, "height": width})
            content: dict[str, Any] = {"photo": sizes}
            if caption is not None:
                content["caption"] = caption
            return self._enqueue({"message": self._customer_message(chat, **content)})

    def send_document(self, chat_id: int, data: bytes, *, file_name: str = "file.jpg",
                      mime_type: str | None = "image/jpeg", caption: str | None = None,
                      first_name: str | None = None, language_code: str | None = None) -> int:
        """The customer sends a file ("send as file": a photo uncompressed); ``getFile`` +
        download serve ``data``."""
        with self._lock:
            chat = self._chat(chat_id, first_name, language_code)
            file_id = self._register_file(data, "documents", "." + file_name.rpartition(".")[2])
            document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                        "file_name": file_name, "file_size": len(data)}
            if mime_type is not None:
                document["mime_type"] = mime_type
            content: dict[str, Any] = {"document": document}
            if caption is not None:
                content["caption"] = caption
            return self._enqueue({"message": self._customer_message(chat, **content)})

    def press_button(self, chat_id: int, callback_data: str, *, message_id: int | None = None,
                     check: bool = True) -> int:
        """The customer presses a button: a callback_query update for the bot's latest message
        that (still) has an inline keyboard, or for ``message_id``.  With ``check`` the
        callback_data must be on that message's keyboard (``check=False`` for stale or forged
        data).  Returns the update_id; the query id is ``update["callback_query"]["id"]``."""
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                raise ValueError(f"chat {chat_id} has no messages")
            if message_id is None:
                candidates = [m for m in chat.messages.values()
                              if m.get("from", {}).get("id") == self.bot_user["id"]
                              and "inline_keyboard" in (m.get("reply_markup") or {})]
                if not candidates:
                    raise ValueError(f"no bot message with an inline keyboard in chat {chat_id}")
                message = max(candidates, key=lambda m: m["message_id"])
            else:
                if message_id not in chat.messages:
                    raise ValueError(f"no message {message_id} in chat {chat_id}")
                message = chat.messages[message_id]
            if check:
                data = [d for _, d in self.buttons(message.get("reply_markup"))]
                if callback_data not in data:
                    raise ValueError(f"{callback_data!r} is not a button of message "
                                     f"{message['message_id']}: {data}")
            query_id = str(4_000_000_000 + next(self._ids))
            self._open_queries[query_id] = (chat_id, message["message_id"])
            query = {"id": query_id, "from": self._user_json(chat),
                     "message": copy.deepcopy(message), "chat_instance": f"ci{chat_id}",
                     "data": callback_data}
            return self._enqueue({"callback_query": query})

    def send_raw_update(self, update: dict) -> int:
        """Enqueue arbitrary update JSON (an int ``update_id`` is kept, otherwise assigned)."""
        return self._enqueue(copy.deepcopy(update))

    def redeliver(self, update_id: int) -> None:
        """Hand an already delivered update out again: the next ``getUpdates`` returns it
        (in update_id order with the pending ones) regardless of its offset - once."""
        with self._lock:
            if update_id not in self._history:
                raise KeyError(f"unknown update_id {update_id}")
            if all(u["update_id"] != update_id for u in self._redeliver):
                self._redeliver.append(self._history[update_id])
            self._touch()
        self._notify_loop()

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """The customer blocks (or unblocks) the bot: sends to the chat fail with 403."""
        with self._lock:
            self._chat(chat_id).blocked = blocked

    @property
    def active_polls(self) -> int:
        """How many getUpdates requests are waiting right now (1 = the bot is long-polling)."""
        with self._lock:
            return self._active_polls

    def wait_for_polling(self, timeout: float = 30) -> None:
        """Block until the bot is waiting in a getUpdates long poll (i.e. it is up and has
        fetched everything pending).  Needs a poll ``timeout`` > 0 on the bot's side."""
        self.wait_until(lambda: self.active_polls > 0, timeout, "the bot to long-poll getUpdates")

    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by the bot (offset), oldest first."""
        with self._lock:
            return copy.deepcopy(self._pending)

    def confirmed(self, update_id: int) -> bool:
        """The bot has confirmed the update (a later getUpdates offset, or a 2xx answer to
        its webhook POST) - also after a ``redeliver``.  From then on it is the bot's: stored
        in its inbox, or dropped on purpose."""
        with self._lock:
            return (update_id not in self._unconfirmed
                    and all(u["update_id"] != update_id for u in self._pending)
                    and all(u["update_id"] != update_id for u in self._redeliver))

    def unconfirmed(self, chat_id: int | str) -> list[int]:
        """Ids of the chat's updates the bot has not confirmed yet (see ``confirmed``)."""
        with self._lock:
            ids = ({u["update_id"] for u in self._pending + self._redeliver}
                   | set(self._unconfirmed))
            return sorted(uid for uid in ids
                          if _update_chat(self._history.get(uid, {})) == chat_id)

    # ------------------------------------------------------------------ what the bot did

    def sent_messages(self, chat_id: int | None = None, *,
                      methods: Collection[str] | None = None) -> list[SentMessage]:
        with self._lock:
            return [m for m in self._sent
                    if (chat_id is None or m.chat_id == chat_id)
                    and (methods is None or m.method in methods)]

    def mark(self) -> int:
        """The ``seq`` of the latest SentMessage (0 if none): pass as ``since=`` to wait for
        messages sent after this point."""
        with self._lock:
            return len(self._sent)

    def sent_since(self, since: int) -> list[SentMessage]:
        """Everything the bot put into any chat after ``since`` (a mark): cheap to call often,
        for load tests that follow thousands of chats at once."""
        with self._lock:
            return self._sent[since:]

    def _messages_since(self, chat_id: int, since: int, methods: Collection[str] | None) -> list[SentMessage]:
        return [m for m in self._sent[since:]
                if m.chat_id == chat_id and (methods is None or m.method in methods)]

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 30, *, since: int = 0,
                          methods: Collection[str] | None = None) -> list[SentMessage]:
        """Block until at least ``count`` messages to ``chat_id`` with ``seq > since`` (and
        ``method in methods``) exist; return all of them.  AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = self._messages_since(chat_id, since, methods)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopping:
                    raise AssertionError(
                        f"expected {count} message(s) to chat {chat_id} after seq {since}"
                        f"{'' if methods is None else f' with method in {sorted(methods)}'}"
                        f" within {timeout}s, got {len(found)}:\n" + self._describe(found)
                        + "\nlast requests: " + repr(self._requests[-10:]))
                self._changed.wait(min(remaining, 0.5))

    async def wait_for_messages_async(self, chat_id: int, count: int, timeout: float = 30, *,
                                      since: int = 0, methods: Collection[str] | None = None
                                      ) -> list[SentMessage]:
        """``wait_for_messages`` for code running in an event loop (polls, never blocks it)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = self._messages_since(chat_id, since, methods)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                return self.wait_for_messages(chat_id, count, 0, since=since, methods=methods)
            await asyncio.sleep(0.01)

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 30,
                   message: str = "condition") -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every change of the fake, and
        at least every 0.5 s); returns its value.  AssertionError on timeout.  The predicate
        runs without the fake's lock held, so it may do anything (even call the fake)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                version = self._version
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {message}; "
                                     f"last requests: {self.requests[-10:]!r}")
            with self._lock:
                if self._version == version:
                    self._changed.wait(min(remaining, 0.5))

    async def wait_until_async(self, predicate: Callable[[], Any], timeout: float = 30,
                               message: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {message}")
            await asyncio.sleep(0.01)

    def wait_for_request(self, method: str, timeout: float = 30, *, since: int = 0) -> ApiRequest:
        """Block until a call of ``method`` arrives that is the (since+1)-th or later request in
        the log (``since=len(fake.requests)`` for "a new one"); returns the first such call.
        E.g. ``fake.wait_for_request("getUpdates")`` = the bot has started polling."""
        def find() -> ApiRequest | None:
            return next((r for r in self._requests[since:] if r.method == method), None)
        return self.wait_until(find, timeout, f"a {method} request")

    @staticmethod
    def _describe(messages: Iterable[SentMessage]) -> str:
        return "\n".join(f"  #{m.seq} {m.method} chat={m.chat_id} id={m.message_id} "
                         f"text={m.text!r} buttons={m.buttons}" for m in messages) or "  (none)"

    @staticmethod
    def buttons(msg: SentMessage | dict | None) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline keyboard button, row by row.  Accepts a
        SentMessage, a Message dict or a reply_markup dict.  URL buttons give (text, None)."""
        if isinstance(msg, SentMessage):
            markup = msg.reply_markup
        elif isinstance(msg, dict) and "reply_markup" in msg:
            markup = msg["reply_markup"]
        else:
            markup = msg
        rows = (markup or {}).get("inline_keyboard") or []
        return [(b.get("text", ""), b.get("callback_data")) for row in rows for b in row]

    @staticmethod
    def reply_keyboard(msg: SentMessage | dict | None) -> list[str]:
        """Texts of a ReplyKeyboardMarkup's buttons, row by row."""
        markup = msg.reply_markup if isinstance(msg, SentMessage) else msg
        rows = (markup or {}).get("keyboard") or []
        return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]

    def current_message(self, chat_id: int, message_id: int) -> dict | None:
        """The message as it is now (after edits), or None (unknown/deleted)."""
        with self._lock:
            chat = self._chats.get(chat_id)
            message = chat.messages.get(message_id) if chat else None
            return copy.deepcopy(message)

    @property
    def requests(self) -> list[ApiRequest]:
        """Every API call received (also failed and unknown ones), in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def callback_answers(self) -> list[dict]:
        """Parameters of every successful answerCallbackQuery call (a copy)."""
        with self._lock:
            return copy.deepcopy(self._callback_answers)

    @property
    def deleted_messages(self) -> list[tuple[int | str, int]]:
        with self._lock:
            return list(self._deleted)

    @property
    def downloads(self) -> list[str]:
        """file_paths downloaded through the file URL."""
        with self._lock:
            return list(self._downloads)

    @property
    def errors(self) -> list[str]:
        """Unexpected exceptions inside the fake (answered with HTTP 500); should stay empty."""
        with self._lock:
            return list(self._errors)

    # ------------------------------------------------------------------ fault injection

    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1,
                  description: str | None = None) -> None:
        """The next ``times`` calls of ``method`` (case-insensitive) fail with HTTP ``status``.
        429 carries ``parameters.retry_after`` (PTB raises RetryAfter); 400 -> BadRequest,
        403 -> Forbidden, 409 -> Conflict, 5xx -> NetworkError."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if status == 429
                           else _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}"))
        parameters = {"retry_after": retry_after} if status == 429 else None
        with self._lock:
            self._faults[method.lower()].append(_Fault(status, description, parameters, times))

    def clear_faults(self) -> None:
        """Forget the failures and delays still queued by fail_next / delay_next."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` are answered only after ``seconds`` (e.g. to
        make PTB time out; the call is still carried out, as on the real server)."""
        with self._lock:
            self._delays[method.lower()].extend([seconds] * times)

    # ------------------------------------------------------------------ internals: plumbing

    def _touch(self) -> None:  # call with the lock held
        self._version += 1
        self._changed.notify_all()

    def _notify_loop(self) -> None:
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._wake_pollers)
            except RuntimeError:
                pass

    def _wake_pollers(self) -> None:  # runs in the server loop
        event, self._update_event = self._update_event, asyncio.Event()
        if event is not None:
            event.set()

    # ------------------------------------------------------------------ webhook delivery

    @property
    def webhook_attempts(self) -> list[tuple[int, int]]:
        with self._lock:
            return list(self._webhook_attempts)

    def wait_for_webhook(self, timeout: float = 30) -> None:
        self.wait_until(lambda: self._webhook.get("url"), timeout, "a webhook to be set")

    async def _deliver_webhooks(self) -> None:
        import httpx

        # A new connection per update, as from Telegram's many servers (a load balancer in
        # front of several bot processes spreads them).
        async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(
                max_keepalive_connections=0)) as client:
            while True:
                with self._lock:
                    url = self._webhook.get("url")
                    secret = self._webhook.get("secret_token")
                    batch = self._take_batch(None, 1) if url else []
                    event = self._update_event
                if not batch:
                    assert event is not None
                    try:
                        await asyncio.wait_for(event.wait(), 0.5)
                    except TimeoutError:
                        pass
                    continue
                update = batch[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    status = (await client.post(url, json=update, headers=headers)).status_code
                except httpx.HTTPError:
                    status = 0
                with self._lock:
                    self._webhook_attempts.append((update["update_id"], status))
                    if 200 <= status < 300:
                        uid = update["update_id"]
                        self._pending = [u for u in self._pending if u["update_id"] != uid]
                        self._redeliver = [u for u in self._redeliver if u["update_id"] != uid]
                    self._touch()
                if not 200 <= status < 300:
                    await asyncio.sleep(1)

    def _register_file(self, data: bytes, folder: str, suffix: str) -> str:
        n = next(self._ids)
        file_id = f"FILE{n:06d}"
        self._files[file_id] = (f"{folder}/file_{n}{suffix}", data)
        return file_id

    async def _asgi(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if path.startswith("/file/bot"):
            await self._serve_file(path[len("/file/bot"):], send)
            return
        if not path.startswith("/bot") or "/" not in path[4:]:
            await self._respond(send, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, _, method = path[4:].partition("/")
        try:
            params = _parse_params(scope.get("query_string", b""), headers.get("content-type", ""), body)
        except (ValueError, UnicodeDecodeError) as exc:
            params = {}
            error: _ApiError | None = _ApiError(400, f"Bad Request: can't parse request: {exc}")
        except _ApiError as exc:
            params, error = {}, exc
        else:
            error = None
        canonical = self._CANONICAL.get(method.lower(), method)
        with self._lock:
            self._requests.append(ApiRequest(canonical, params))
            self._touch()
            delay = self._delays[method.lower()].popleft() if self._delays.get(method.lower()) else None
        if token != self.token:
            await self._respond(send, 401, _ApiError(401, "Unauthorized").payload())
            return
        if delay:
            assert self._stop_event is not None
            try:
                await asyncio.wait_for(self._stop_event.wait(), delay)
            except TimeoutError:
                pass
        with self._lock:
            faults = self._faults.get(method.lower())
            fault = faults[0] if faults else None
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    faults.popleft()
        if fault is not None:
            error = _ApiError(fault.status, fault.description, fault.parameters)
        if error is not None:
            await self._respond(send, error.status, error.payload())
            return
        handler = _HANDLERS.get(method.lower())
        if handler is None and method.lower() != "getupdates":
            await self._respond(send, 404, {"ok": False, "error_code": 404,
                                            "description": "Not Found: method not found"})
            return
        try:
            if method.lower() == "getupdates":
                result = await self._get_updates(params, receive)
                if result is _DISCONNECTED:
                    return
            else:
                assert handler is not None
                with self._lock:
                    result = handler(self, params)
                    self._touch()
        except _ApiError as exc:
            await self._respond(send, exc.status, exc.payload())
            return
        except (KeyError, TypeError, ValueError) as exc:  # malformed parameters
            await self._respond(send, 400, _ApiError(400, f"Bad Request: {exc!r}").payload())
            return
        except Exception as exc:  # a bug in the fake: make it visible, keep serving
            with self._lock:
                self._errors.append(f"{canonical}: {exc!r}")
                self._touch()
            await self._respond(send, 500, _ApiError(500, f"Internal Server Error (fake): {exc!r}").payload())
            return
        await self._respond(send, 200, {"ok": True, "result": result})

    @staticmethod
    async def _respond(send: Callable, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _serve_file(self, rest: str, send: Callable) -> None:
        token, _, file_path = rest.partition("/")
        with self._lock:
            data = next((d for p, d in self._files.values() if p == file_path), None)
            if token == self.token and data is not None:
                self._downloads.append(file_path)
                self._touch()
        if token != self.token or data is None:
            await self._respond(send, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/octet-stream"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    # ------------------------------------------------------------------ getUpdates

    def _update_allowed(self, update: dict) -> bool:
        kinds = [k for k in update if k != "update_id"]
        if not kinds:
            return True
        allowed = self._allowed_updates
        if not allowed:
            return kinds[0] not in _OPT_IN_UPDATE_TYPES
        return kinds[0] in allowed

    def _take_batch(self, offset: int | None, limit: int) -> list[dict]:
        """Confirm/drop per offset and filter; return the batch (redeliveries with the pending, in update_id order)."""
        if offset is not None:
            if offset < 0:
                self._pending = self._pending[offset:]
            else:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._pending = [u for u in self._pending if self._update_allowed(u)]
        redeliver_ids = {u["update_id"] for u in self._redeliver}
        # In update_id order, as Telegram hands them out (a bot confirms with the last + 1).
        return sorted(self._redeliver + [u for u in self._pending
                                         if u["update_id"] not in redeliver_ids],
                      key=lambda u: u["update_id"])[:limit]

    async def _get_updates(self, params: dict, receive: Callable) -> Any:
        offset = params.get("offset")
        offset = int(offset) if offset is not None else None
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._webhook.get("url"):
                raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                     "active; use deleteWebhook to delete the webhook first")
            if "allowed_updates" in params:
                allowed = params["allowed_updates"]
                self._allowed_updates = list(allowed) if isinstance(allowed, list) else None
            self._poll_generation += 1
            generation = self._poll_generation
            if offset is not None:  # confirms what earlier polls handed out below it
                self._unconfirmed = {uid: gen for uid, gen in self._unconfirmed.items()
                                     if uid >= offset or gen >= generation}
        self._wake_pollers()  # an older poll still waiting gets terminated (409)
        disconnect = asyncio.ensure_future(receive())
        with self._lock:
            self._active_polls += 1
            self._touch()
        try:
            while True:
                with self._lock:
                    if generation != self._poll_generation:
                        raise _ApiError(409, _DEFAULT_DESCRIPTIONS[409])
                    batch = self._take_batch(offset, limit)
                    if batch or self._stopping or time.monotonic() >= deadline:
                        taken = {u["update_id"] for u in batch}
                        for u in self._redeliver:
                            if u["update_id"] in taken:
                                self._unconfirmed[u["update_id"]] = generation
                        self._redeliver = [u for u in self._redeliver if u["update_id"] not in taken]
                        self._touch()
                        return copy.deepcopy(batch)
                    event = self._update_event
                assert event is not None
                waiter = asyncio.ensure_future(event.wait())
                done, _ = await asyncio.wait({waiter, disconnect}, return_when=asyncio.FIRST_COMPLETED,
                                             timeout=max(0.0, deadline - time.monotonic()))
                waiter.cancel()
                if disconnect in done:
                    if disconnect.result().get("type") == "http.disconnect":
                        return _DISCONNECTED
                    disconnect = asyncio.ensure_future(receive())
        finally:
            disconnect.cancel()
            with self._lock:
                self._active_polls -= 1
                self._touch()

    # ------------------------------------------------------------------ Bot API methods
    # (called with self._lock held; return the "result" or raise _ApiError)

    def _bot_message(self, chat: _Chat, params: dict, **content: Any) -> dict:
        message: dict[str, Any] = {"message_id": chat.next_message_id, "from": dict(self.bot_user),
                                   "chat": self._chat_json(chat), "date": int(time.time()), **content}
        chat.next_message_id += 1
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        return message

    def _target_chat(self, params: dict) -> _Chat:
        if "chat_id" not in params or params["chat_id"] in ("", None):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chat(params["chat_id"])
        if chat.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _check_markup(params: dict) -> None:
        markup = params.get("reply_markup")
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")

    @staticmethod
    def _check_text(text: Any, *, what: str = "message text") -> str:
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, f"Bad Request: {what} is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        return text

    def _record(self, method: str, chat: _Chat, message: dict, params: dict, text: str | None) -> None:
        self._sent.append(SentMessage(
            seq=len(self._sent) + 1, method=method, chat_id=chat.chat_id,
            message_id=message["message_id"], text=text,
            reply_markup=copy.deepcopy(params.get("reply_markup")),
            parse_mode=params.get("parse_mode"), params=copy.deepcopy(params), date=message["date"],
        ))

    def _m_get_me(self, params: dict) -> dict:
        return dict(self.bot_user)

    def _m_send_message(self, params: dict) -> dict:
        text = self._check_text(params.get("text"))
        chat = self._target_chat(params)
        self._check_markup(params)
        content: dict[str, Any] = {"text": text}
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        message = self._bot_message(chat, params, **content)
        self._record("sendMessage", chat, message, params, text)
        return copy.deepcopy(message)

    def _send_media(self, method: str, field: str, params: dict) -> dict:
        chat = self._target_chat(params)
        self._check_markup(params)
        media = params.get(field)
        if media is None or media == "":
            raise _ApiError(400, f"Bad Request: there is no {field} in the request")
        if isinstance(media, UploadedFile):
            data, filename = media.data, media.filename
        elif isinstance(media, str) and media in self._files:
            data, filename = self._files[media][1], None
        else:  # URL or unknown file_id: accepted, served as the tiny PNG
            data, filename = TINY_PNG, None
        content: dict[str, Any] = {}
        if field == "photo":
            content["photo"] = [{"file_id": self._register_file(data, "photos", ".png"),
                                 "file_unique_id": f"u{next(self._ids)}", "file_size": len(data),
                                 "width": 1, "height": 1}]
        else:
            file_id = self._register_file(data, "documents", "")
            content[field] = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                              "file_size": len(data), "file_name": filename or "file"}
        caption = params.get("caption")
        if caption is not None:
            if len(caption) > 1024:
                raise _ApiError(400, "Bad Request: message caption is too long")
            content["caption"] = caption
        message = self._bot_message(chat, params, **content)
        self._record(method, chat, message, params, caption)
        return copy.deepcopy(message)

    def _m_send_photo(self, params: dict) -> dict:
        return self._send_media("sendPhoto", "photo", params)

    def _m_send_document(self, params: dict) -> dict:
        return self._send_media("sendDocument", "document", params)

    def _edit_target(self, params: dict) -> tuple[_Chat, dict] | None:
        if params.get("inline_message_id"):
            return None
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return chat, message

    def _apply_edit(self, method: str, params: dict, changes: dict) -> dict | bool:
        target = self._edit_target(params)
        self._check_markup(params)
        markup = params.get("reply_markup")
        inline_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        if target is None:  # inline message: not tracked
            self._sent.append(SentMessage(len(self._sent) + 1, method, "", 0,
                                          changes.get("text") or changes.get("caption"),
                                          copy.deepcopy(markup), params.get("parse_mode"),
                                          copy.deepcopy(params), int(time.time())))
            return True
        chat, message = target
        before = (message.get("text"), message.get("caption"), message.get("reply_markup"))
        updated = {k: v for k, v in message.items() if k != "reply_markup"}
        updated.update(changes)
        if inline_markup is not None:
            updated["reply_markup"] = inline_markup
        if (updated.get("text"), updated.get("caption"), updated.get("reply_markup")) == before:
            raise _ApiError(400, "Bad Request: message is not modified: specified new message "
                                 "content and reply markup are exactly the same as a current "
                                 "content and reply markup of the message")
        updated["edit_date"] = int(time.time())
        chat.messages[message["message_id"]] = updated
        self._record(method, chat, updated, params, updated.get("text", updated.get("caption")))
        return copy.deepcopy(updated)

    def _m_edit_message_text(self, params: dict) -> dict | bool:
        text = self._check_text(params.get("text"))
        target = None if params.get("inline_message_id") else self._edit_target(params)
        if target is not None and "text" not in target[1]:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit("editMessageText", params, {"text": text})

    def _m_edit_message_caption(self, params: dict) -> dict | bool:
        return self._apply_edit("editMessageCaption", params, {"caption": params.get("caption")})

    def _m_edit_message_reply_markup(self, params: dict) -> dict | bool:
        return self._apply_edit("editMessageReplyMarkup", params, {})

    def _m_delete_message(self, params: dict) -> bool:
        chat = self._target_chat(params)
        if chat.messages.pop(params.get("message_id"), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        self._deleted.append((chat.chat_id, params["message_id"]))
        return True

    def _m_answer_callback_query(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries or query_id in self._answered_queries:
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired "
                                 "or query ID is invalid")
        self._answered_queries.add(query_id)
        self._callback_answers.append(copy.deepcopy(params))
        return True

    def _m_send_chat_action(self, params: dict) -> bool:
        self._target_chat(params)
        return True

    def _m_get_file(self, params: dict) -> dict:
        file_id = params.get("file_id")
        if file_id not in self._files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, data = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data),
                "file_path": path}

    def _m_delete_webhook(self, params: dict) -> bool:
        self._webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _m_set_webhook(self, params: dict) -> bool:
        self._webhook = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _m_get_webhook_info(self, params: dict) -> dict:
        info: dict[str, Any] = {"url": self._webhook.get("url", ""), "has_custom_certificate": False,
                                "pending_update_count": len(self._pending)}
        for key in ("max_connections", "ip_address", "allowed_updates"):
            if key in self._webhook:
                info[key] = self._webhook[key]
        return info



_DISCONNECTED = object()


def _update_chat(update: dict) -> Any:
    """The chat id an update is about (None when it names none)."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        if kind == "callback_query":
            body = body.get("message") or {}
            if not isinstance(body, dict):
                return None
        chat = body.get("chat")
        return chat.get("id") if isinstance(chat, dict) else None
    return None

_HANDLERS: dict[str, Callable[[FakeTelegram, dict], Any] | None] = {}
for _name, _func in {
    "getMe": FakeTelegram._m_get_me,
    "getUpdates": None,  # special-cased (async long poll)
    "deleteWebhook": FakeTelegram._m_delete_webhook,
    "setWebhook": FakeTelegram._m_set_webhook,
    "getWebhookInfo": FakeTelegram._m_get_webhook_info,
    "sendMessage": FakeTelegram._m_send_message,
    "editMessageText": FakeTelegram._m_edit_message_text,
    "editMessageCaption": FakeTelegram._m_edit_message_caption,
    "editMessageReplyMarkup": FakeTelegram._m_edit_message_reply_markup,
    "answerCallbackQuery": FakeTelegram._m_answer_callback_query,
    "sendChatAction": FakeTelegram._m_send_chat_action,
    "getFile": FakeTelegram._m_get_file,
    "sendPhoto": FakeTelegram._m_send_photo,
    "sendDocument": FakeTelegram._m_send_document,
    "deleteMessage": FakeTelegram._m_delete_message,
}.items():
    _HANDLERS[_name.lower()] = _func
    FakeTelegram._CANONICAL[_name.lower()] = _name
