"""Replies every part of the dialogue gives: the main menu, and the stock answers."""

from __future__ import annotations

from bot.catalogue import text as t
from bot.dialogue.buttons import MENU
from bot.dialogue.types import Button, Reply


def menu(lang: str, key: str) -> Reply:
    """The message `key` with the main menu under it."""
    return Reply(t(lang, key), buttons=[
        [Button(t(lang, "menu.repair"), f"{MENU}repair"),
         Button(t(lang, "menu.installation"), f"{MENU}installation")],
        [Button(t(lang, "menu.status"), f"{MENU}status"),
         Button(t(lang, "menu.complaint"), f"{MENU}complaint")],
        [Button(t(lang, "menu.return_exchange"), f"{MENU}return_exchange"),
         Button(t(lang, "menu.human"), f"{MENU}human")],
    ])


def backend_down(lang: str) -> Reply:
    return Reply(t(lang, "error.backend_down"))


def stale(lang: str) -> Reply:
    """A button whose question has passed."""
    return Reply(t(lang, "button.stale"))
