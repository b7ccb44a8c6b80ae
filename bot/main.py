"""Wires the bot together and runs it: the engine, its channels and the push receiver."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from zoneinfo import ZoneInfo

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from backend.kernel.clock import local_now
from backend.kernel.config import Settings
from bot.backend_client import BackendClient
from bot.channels.base import Channel, DocumentChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.terminal import TerminalChannel
from bot.channels.webchat import WebChatChannel
from bot.channels.webchat_upload import WebChatFiles
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.health import Readiness
from bot.nonces import NonceStore
from bot.photos import PhotoReader
from bot.push import push_routes
from bot.ratelimit import RateLimit
from bot.storage import BotStorage
from bot.storage.migrate import upgrade_storage
from bot.submissions import SubmissionRetrier
from nlu.client import NluClient

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside our own event loop: the bot handles the signals, not uvicorn."""

    def capture_signals(self):  # type: ignore[override]
        return contextlib.nullcontext()


async def run_bot(settings: Settings, *, terminal: bool = False) -> None:
    storage = BotStorage(settings.bot_database_url)
    await upgrade_storage(storage)
    store, nonces = ConversationStore(storage), NonceStore(storage)
    nlu = NluClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)
    backend = BackendClient(settings.backend_url, token=settings.internal_secret,
                            timeout=settings.backend_timeout_seconds)
    service_zone = ZoneInfo(settings.ticket_timezone)
    engine = DialogueEngine(
        nlu=nlu, backend=backend, store=store, hotline=settings.service_hotline,
        # Appointments and service hours are in the service's local time.
        clock=lambda: local_now(service_zone).replace(tzinfo=None),
        retry_delays=tuple(settings.submission_retry_seconds),
    )

    stop = asyncio.Event()
    # Every channel sits on the delivery layer (bot/channels/delivery.py) over this store.
    def flood() -> RateLimit:  # per chat, one bucket set per channel
        return RateLimit(per_minute=settings.chat_rate_per_minute,
                         burst=settings.chat_rate_burst)

    sweep = settings.telegram_sweep_seconds
    built: list[Channel] = [WebChatChannel(
        engine, store, files=WebChatFiles(storage), messages=flood(), sweep_seconds=sweep,
        # New sockets and photo uploads per client address.
        connections=RateLimit(per_minute=settings.webchat_connections_per_minute,
                              burst=settings.webchat_connections_per_minute))]
    if settings.telegram_bot_token:
        built.append(TelegramChannel(settings, engine, store, limit=flood()))
    if terminal:  # Ctrl-D in the terminal stops the bot
        built.append(TerminalChannel(engine, store, on_quit=stop.set, sweep_seconds=sweep))
    channels: dict[str, Channel] = {channel.name: channel for channel in built}

    # Readiness: the bot's database, the backend, the NLU (bot/health.py).
    readiness = Readiness(store=store, backend=backend, nlu=nlu, channels=channels)

    # The bot's HTTP server: the backend's pushes, the channels' routes, a health check.
    http_app = Starlette(routes=[
        *push_routes(secret=settings.internal_secret, engine=engine, channels=channels,
                     nonces=nonces),
        *(route for channel in channels.values() for route in channel.routes()),
        Route("/health", readiness.endpoint),
    ])
    push_server = _EmbeddedServer(uvicorn.Config(
        http_app, host=settings.bot_host, port=settings.bot_port, log_level="warning",
        lifespan="off",
        # Behind the edge: the web chat's client address from X-Forwarded-For, believed only
        # from FORWARDED_ALLOW_IPS (docs/security.md).
        proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
    ))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    server_task = asyncio.create_task(push_server.serve())
    retrier = SubmissionRetrier(engine, channels)
    # Photos sent for a registration, read in the background where the channel can fetch them
    # (Telegram's and the web chat's).
    photo_reader = PhotoReader(engine, channels,
                               delays=tuple(settings.submission_retry_seconds))
    engine.photo_channels = frozenset(photo_reader.channels)
    # Files for the customer (a service record's PDF) where the channel can send them.
    engine.file_senders.update({
        name: channel.send_document for name, channel in channels.items()
        if channel.capabilities.send_files and isinstance(channel, DocumentChannel)})
    started: list[Channel] = []
    try:
        for channel in channels.values():
            await channel.start()
            started.append(channel)
        retrier.start()
        photo_reader.start()
        log.info("bot running: channels %s, web chat and push receiver on %s:%s",
                 sorted(channels), settings.bot_host, settings.bot_port)
        await stop.wait()
    finally:
        await photo_reader.stop()
        await retrier.stop()
        for channel in reversed(started):
            await channel.stop()
        push_server.should_exit = True
        await server_task
        await nlu.aclose()
        await backend.aclose()
        await readiness.aclose()
        await storage.close()
        log.info("bot stopped")
