"""The one interface every chat channel implements for the rest of the bot.

`bot/main.py` starts, stops and serves every channel through it alone; the push receiver, the
submission retrier, the photo reader and readiness see channels only as this. What a channel
receives and sends goes through its `Delivery` (bot/channels/delivery.py): the inbox, the
outbox of replies, the per-chat order and the sweep are the same for every channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from starlette.routing import BaseRoute

from bot.dialogue.types import Document, Reply

if TYPE_CHECKING:
    from bot.channels.delivery import Delivery


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do, so replies can be fitted to it."""

    # Buttons under a reply that the customer can press (shown as numbers in a terminal).
    buttons: bool
    # Customers can send photos and files (attached to the form being filled in).
    photos: bool
    # A message already shown can be changed (a pressed button's keyboard taken away).
    edits: bool
    # The bot can fetch the files customers send (`FileChannel`): a photo sent for a
    # product's registration is read (bot/photos.py).
    fetch_files: bool = False
    # The bot can send a file into the chat (`DocumentChannel`): a service record's PDF.
    send_files: bool = False




class FileGone(Exception):
    """A customer's file that cannot be fetched, now or later (too large, expired)."""


class Channel(Protocol):
    name: str
    capabilities: Capabilities
    # The inbox and outbox it sits on: what the bot itself hands into a chat goes there too
    # (a photo's reading, bot/photos.py).
    delivery: Delivery

    async def start(self) -> None:
        """Begin receiving (polling, a reader) and the delivery sweep; the HTTP server that
        serves `routes()` is started by the caller."""

    async def stop(self) -> None:
        """Stop receiving; turns under way finish. Whatever is left waits in the inbox and
        outbox for the next start."""

    def routes(self) -> list[BaseRoute]:
        """The HTTP and WebSocket routes the channel serves on the bot's server (none: [])."""

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        """Show replies that are not an answer to the customer (a push, a late ticket number):
        saved in the outbox first, then shown when the chat can be reached. A push's
        `event_id` is recorded in the same transaction: False, and nothing saved, when it was
        recorded before (a push sent again). Raises only when they could not be saved."""


@runtime_checkable
class FileChannel(Channel, Protocol):
    """A channel whose customers' files the bot can fetch (`Capabilities.fetch_files`)."""

    async def fetch_file(self, file_id: str, limit: int) -> bytes:
        """The file's bytes. FileGone when it cannot be had, now or later (over `limit`
        bytes, unknown to the channel); any other exception when it may be had later."""


@runtime_checkable
class DocumentChannel(Channel, Protocol):
    """A channel that can send the customer a file (`Capabilities.send_files`)."""

    async def send_document(self, chat_id: str, document: Document) -> None:
        """Send the file now, not through the outbox (a file the customer asked for is
        fetched again when they ask again). Raises when it could not be sent."""
