"""The fake NLU of the dialogue tests: the real model's parses, recorded.

The dialogue tests send a few thousand messages; what the engine does with each depends only
on Rasa's parse of it (intent, confidence, ranking, entities). Those parses are recorded from
the real model in `tests/nlu/recorded_parses.json` and replayed here, so the dialogue tests run
in milliseconds without a Rasa server, through the real `parse_from_rasa` (entity
normalisation included). tests/nlu/test_recorded_parses.py parses every recorded message with
the real model and fails when one differs: together they prove what the dialogue tests proved
on Rasa itself.

Ticket numbers and dates in a message change with the day the suite runs (its clock is
today's): they are recorded as fixed stand-ins (RS-20300101-0001, 2030-01-01; the first, second
... of a message get 0001, 0002 ...) and put back into the entity values on replay. That
assumes the model reads any ticket number or date alike; the contract test checks the
stand-ins.

A message not in the table fails its test with the way to record it:

    FRONTDESK_TEST_RECORD_PARSES=1 .venv/bin/python -m pytest tests/bot ...

records the parses the run needs and the table lacks, from the Rasa server (the suite's own,
or FRONTDESK_TEST_RASA_URL). After the NLU data changed (the contract test fails), delete the
table and record it again over the whole suite: that also drops what no test sends any more.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from pathlib import Path

import httpx

from backend.kernel.ticket_numbers import TICKET_NUMBER_RE
from nlu.client import FALLBACK_INTENT, NluUnavailable, Parse, parse_from_rasa

TABLE = Path(__file__).resolve().parents[1] / "nlu" / "recorded_parses.json"
RECORD = os.environ.get("FRONTDESK_TEST_RECORD_PARSES", "")


class NotRecorded(AssertionError):
    pass


def check(nlu: RecordedNlu) -> None:
    """After a test: every message it sent had a recorded parse."""
    if nlu.missing:
        raise NotRecorded(
            f"no recorded parse of {nlu.missing!r}: record them from the real model with "
            "FRONTDESK_TEST_RECORD_PARSES=1 (tests/support/recorded_nlu.py)")


_ISO_DATE = re.compile(r"(?<!\d)20\d\d-\d\d-\d\d(?!\d)")


def stand_ins(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with its ticket numbers and dates as fixed stand-ins, and (stand-in, actual)
    pairs to put the actual ones back."""
    pairs: list[tuple[str, str]] = []

    def number(match: re.Match[str]) -> str:
        day_start, day_end = match.span(2)
        sequence_start, sequence_end = match.span(3)
        base = match.start()
        spelled = match.group()
        width, nth = sequence_end - sequence_start, str(len(pairs) + 1)
        sequence = nth.rjust(4, "0") if width == 4 else "1" + nth.rjust(width - 1, "0")
        stand_in = (spelled[:day_start - base] + "20300101" + spelled[day_end - base:
                    sequence_start - base] + sequence + spelled[sequence_end - base:])
        pairs.append((stand_in, spelled))
        return stand_in

    def day(match: re.Match[str]) -> str:
        stand_in = f"2030-01-{len(pairs) + 1:02d}"
        pairs.append((stand_in, match.group()))
        return stand_in

    text = TICKET_NUMBER_RE.sub(number, text)
    return _ISO_DATE.sub(day, text), pairs


def _put_back(payload: dict, pairs: list[tuple[str, str]]) -> dict:
    if not pairs:
        return payload
    entities = []
    for entity in payload["entities"]:
        value = str(entity["value"])
        for stand_in, actual in pairs:
            value = value.replace(stand_in, actual)
        entities.append({**entity, "value": value})
    return {**payload, "entities": entities}


def trimmed(payload: dict) -> dict:
    """What the engine reads of Rasa's answer, confidences to 4 places."""
    return {
        "intent": {"name": (payload.get("intent") or {}).get("name") or FALLBACK_INTENT,
                   "confidence": round(float((payload.get("intent") or {})
                                             .get("confidence") or 0.0), 4)},
        "entities": [{"entity": e["entity"], "value": e["value"]}
                     for e in payload.get("entities") or []
                     if e.get("entity") and e.get("value") is not None],
        "intent_ranking": [{"name": r["name"], "confidence": round(float(r["confidence"]), 4)}
                           for r in payload.get("intent_ranking") or [] if r.get("name")],
    }


def load() -> dict[str, dict]:
    return json.loads(TABLE.read_text(encoding="utf-8")) if TABLE.exists() else {}


def _merge(new: dict[str, dict]) -> None:
    """Add parses to the table (several workers may record at once)."""
    lock = Path(tempfile.gettempdir()) / "frontdesk-recorded-parses.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        table = {**load(), **new}
        # Written aside and moved into place: a worker reading it meanwhile sees it whole.
        partial = TABLE.with_suffix(".partial")
        partial.write_text(json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True)
                           + "\n", encoding="utf-8")
        partial.replace(TABLE)


class RecordedNlu:
    """Stands in for `NluClient`: `parse` from the table (or, recording, from Rasa)."""

    def __init__(self, rasa_url: str | None = None) -> None:
        self._table = load()
        self._rasa_url = rasa_url if RECORD else None
        self._http = httpx.AsyncClient(timeout=30) if self._rasa_url else None
        # Messages with no recorded parse: the fixture fails the test with them, even where
        # the engine turned the exception into a polite reply.
        self.missing: list[str] = []

    async def parse(self, text: str) -> Parse:
        key, pairs = stand_ins(text)
        if self._http is not None and key not in self._table:
            response = await self._http.post(f"{self._rasa_url}/model/parse", json={"text": key})
            if response.status_code != 200:
                raise NluUnavailable(f"HTTP {response.status_code}")
            self._table[key] = trimmed(response.json())
            _merge({key: self._table[key]})
        if key not in self._table:
            self.missing.append(key)
            raise NotRecorded(f"no recorded parse of {key!r}")
        return parse_from_rasa(_put_back(self._table[key], pairs))

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
