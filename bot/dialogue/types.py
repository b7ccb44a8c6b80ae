"""What flows in and out of the dialogue engine, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    # Routing happens on this value, never on the (translated) label.
    data: str


@dataclass(frozen=True)
class Reply:
    text: str
    # Rows of buttons shown under the text.
    buttons: list[list[Button]] = field(default_factory=list)


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo, document, sticker, ...
    file_id: str
    # A document's type as the channel declares it (image/jpeg: a photo sent as a file).
    mime_type: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One thing a customer did in a chat: wrote text, pressed a button, or sent a file."""

    channel: str  # telegram | webchat | terminal
    chat_id: str
    # Unique per channel: lets the engine ignore a redelivered update.
    update_id: str | None = None
    text: str | None = None
    # callback data of a pressed button
    button: str | None = None
    user_name: str | None = None
    # The client's language setting (e.g. Telegram's language_code), a hint only.
    locale_hint: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # What a photo sent earlier showed, read in the background and handed in as a message of
    # its own (bot/photos.py; never from a customer): {"form_id", "kind", "readable", "fields"
    # (dates as ISO text), "photo" (the backend's token of the photo it kept, or None),
    # "problem" (None, or why there is no reading)}.
    reading: dict | None = None

    def __post_init__(self) -> None:
        # A malformed update can carry a list or an object where text belongs: it says nothing.
        for name in ("text", "button", "locale_hint"):
            if not isinstance(getattr(self, name), str | None):
                object.__setattr__(self, name, None)
        if not isinstance(self.reading, dict | None):
            object.__setattr__(self, "reading", None)


@dataclass(frozen=True)
class Document:
    """A file for the customer: its name as they see it, its bytes, a line beside it."""

    filename: str
    data: bytes
    caption: str | None = None
