"""The bot's client for the Rasa NLU server (`POST /model/parse`).

Rasa runs as its own process (its own Python 3.10 environment), possibly as several replicas
(`RASA_URL` lists them, comma-separated); this client is all the bot knows of it. Every
failure to reach it (refused, timeout, bad answer) on every replica becomes `NluUnavailable`,
which the dialogue engine turns into its fallback menu instead of a crash.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from nlu.entities import normalise_entity

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
# Parses this client has at one replica at a time; more wait here, first come first served.
PER_REPLICA = 2


class NluUnavailable(Exception):
    """The Rasa server could not be reached or gave an unusable answer."""


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    # Entity name -> normalised values, in the order Rasa found them.
    entities: dict[str, list[str]] = field(default_factory=dict)
    # The classifier's intents, most likely first, with their confidences (without Rasa's
    # fallback pseudo-intent): what "did you mean ...?" offers when the parse is unsure.
    ranking: tuple[tuple[str, float], ...] = ()

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
    ranking = tuple((str(item["name"]), float(item.get("confidence") or 0.0))
                    for item in payload.get("intent_ranking") or []
                    if item.get("name") and item["name"] != FALLBACK_INTENT)
    return Parse(
        intent=intent.get("name") or FALLBACK_INTENT,
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
        ranking=ranking,
    )


class NluClient:
    """Parses texts on one Rasa server or spreads them over several replicas.

    `urls` is one base URL or several (a list, or one comma-separated string as in RASA_URL).
    Each parse goes to the replica with the fewest parses in flight from this client (ties
    in turn), so 8 simultaneous chats keep two single-threaded `rasa run` processes equally
    busy. A replica that cannot be reached or answers 5xx is skipped for `retry_after`
    seconds and the parse is retried on the next one; `NluUnavailable` only when none
    answers.
    """

    def __init__(self, urls: str | Sequence[str], *, timeout: float = 3.0,
                 retry_after: float = 10.0, per_replica: int | None = PER_REPLICA) -> None:
        self.replicas = [_Replica(url) for url in split_urls(urls)]
        if not self.replicas:
            raise ValueError("NluClient needs at least one Rasa URL")
        self._retry_after = retry_after
        self._timeout = timeout
        self._turn = 0
        self._http = httpx.AsyncClient(timeout=timeout)
        self._slots = (asyncio.Semaphore(per_replica * len(self.replicas))
                       if per_replica else None)

    def _order(self) -> list[_Replica]:
        """Healthy replicas first, least busy first, ties in turn; the ones resting last."""
        count, now = len(self.replicas), time.monotonic()
        turn, self._turn = self._turn, (self._turn + 1) % count
        return sorted(
            (self.replicas[(turn + i) % count] for i in range(count)),
            key=lambda replica: (replica.down_until > now, replica.in_flight),
        )

    async def parse(self, text: str) -> Parse:
        if self._slots is None:
            return await self._parse(text)
        try:
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
        except TimeoutError as exc:
            log.warning("NLU busy: no replica free within %.1f s", self._timeout)
            raise NluUnavailable("every NLU replica is busy") from exc
        try:
            return await self._parse(text)
        finally:
            self._slots.release()

    async def _parse(self, text: str) -> Parse:
        failure: Exception | None = None
        for replica in self._order():
            replica.in_flight += 1
            try:
                response = await self._http.post(replica.parse_url, json={"text": text})
                if response.status_code < 500:
                    response.raise_for_status()
                    payload = response.json()
                    replica.down_until = 0.0
                    return parse_from_rasa(payload)
                failure = httpx.HTTPStatusError(
                    f"HTTP {response.status_code}", request=response.request, response=response)
            except httpx.TransportError as exc:
                failure = exc
            except (httpx.HTTPStatusError, ValueError) as exc:
                # A 4xx or an answer that is not JSON: another replica would do the same.
                log.warning("NLU at %s gave an unusable answer: %s", replica.url,
                            type(exc).__name__)
                raise NluUnavailable(str(exc)) from exc
            finally:
                replica.in_flight -= 1
            replica.down_until = time.monotonic() + self._retry_after
            log.warning("NLU at %s unavailable: %s", replica.url, type(failure).__name__)
        raise NluUnavailable(str(failure)) from failure

    async def aclose(self) -> None:
        await self._http.aclose()


@dataclass
class _Replica:
    url: str
    in_flight: int = 0
    down_until: float = 0.0  # time.monotonic() before which it is tried only as a last resort

    @property
    def parse_url(self) -> str:
        return f"{self.url}/model/parse"


def split_urls(urls: str | Sequence[str]) -> list[str]:
    """`"http://a:5005, http://b:5005"` or a list of URLs -> the URLs, stripped."""
    items = urls.split(",") if isinstance(urls, str) else urls
    return [item.strip().rstrip("/") for item in items if item.strip()]
