"""The bot's client for the Rasa NLU server (`POST /model/parse`).

Rasa runs as its own process (its own Python 3.10 environment); this client is all the bot
knows of it. Every failure to reach it (refused, timeout, bad answer) becomes `NluUnavailable`,
which the dialogue engine turns into its fallback menu instead of a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

from nlu.entities import normalise_entity

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


class NluUnavailable(Exception):
    """The Rasa server could not be reached or gave an unusable answer."""


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    # Entity name -> normalised values, in the order Rasa found them.
    entities: dict[str, list[str]] = field(default_factory=dict)

    def entity(self, name: str) -> str | None:
        values = self.entities.get(name)
        return values[0] if values else None


def parse_from_rasa(payload: dict) -> Parse:
    """Turn Rasa's parse answer into a `Parse`, normalising the entity values."""
    intent = payload.get("intent") or {}
    entities: dict[str, list[str]] = {}
    for item in payload.get("entities") or []:
        name, value = item.get("entity"), item.get("value")
        if not name or value is None:
            continue
        normalised = normalise_entity(name, str(value))
        if normalised and normalised not in entities.setdefault(name, []):
            entities[name].append(normalised)
    return Parse(
        intent=intent.get("name") or FALLBACK_INTENT,
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
    )


class NluClient:
    def __init__(self, base_url: str, *, timeout: float = 3.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def parse(self, text: str) -> Parse:
        try:
            response = await self._http.post("/model/parse", json={"text": text})
            response.raise_for_status()
            return parse_from_rasa(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("NLU unavailable: %s", type(exc).__name__)
            raise NluUnavailable(str(exc)) from exc

    async def aclose(self) -> None:
        await self._http.aclose()
