"""The recorded parses the dialogue tests replay (tests/support/recorded_nlu.py) are what the
real model says today: every recorded message is parsed again by the Rasa server trained from
nlu/, and must give the same intent, entities and confidences (to 0.01: the same data trains
to confidences a few thousandths apart on another CPU; a change to nlu/ moves them further)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.recorded_nlu import TABLE, load, trimmed

pytestmark = pytest.mark.rasa

TOLERANCE = 0.01


def differences(recorded: dict, now: dict) -> list[str]:
    found = []
    if recorded["intent"]["name"] != now["intent"]["name"]:
        found.append(f"intent {recorded['intent']['name']} -> {now['intent']['name']}")
    ranked = ({r["name"]: r["confidence"] for r in recorded["intent_ranking"]},
              {r["name"]: r["confidence"] for r in now["intent_ranking"]})
    ranked[0]["(top)"], ranked[1]["(top)"] = (recorded["intent"]["confidence"],
                                              now["intent"]["confidence"])
    for name in sorted(ranked[0].keys() | ranked[1].keys()):
        before, after = ranked[0].get(name, 0.0), ranked[1].get(name, 0.0)
        if abs(before - after) > TOLERANCE:
            found.append(f"{name} {before:.4f} -> {after:.4f}")
    entities = [sorted((e["entity"], str(e["value"])) for e in parse["entities"])
                for parse in (recorded, now)]
    if entities[0] != entities[1]:
        found.append(f"entities {entities[0]} -> {entities[1]}")
    return found


async def _parse_all(rasa_url: str, texts: list[str]) -> dict[str, dict]:
    slots = asyncio.Semaphore(2)
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(text: str) -> tuple[str, dict]:
            async with slots:
                response = await client.post(f"{rasa_url}/model/parse", json={"text": text})
            response.raise_for_status()
            return text, trimmed(response.json())
        return dict(await asyncio.gather(*(one(text) for text in texts)))


def test_every_recorded_parse_is_what_the_model_says(rasa_url: str) -> None:
    table = load()
    assert len(table) > 100, f"{TABLE} is missing or nearly empty"
    now = asyncio.run(_parse_all(rasa_url, list(table)))
    changed = {text: found for text in table if (found := differences(table[text], now[text]))}
    assert not changed, (
        f"{len(changed)} of {len(table)} recorded parses differ from the model's (first 10: "
        f"{dict(list(changed.items())[:10])}); after a change to nlu/, delete {TABLE.name} and "
        "record it again (tests/support/recorded_nlu.py)")


def test_a_changed_parse_is_noticed() -> None:
    recorded = {"intent": {"name": "repair_request", "confidence": 0.91}, "entities": [
        {"entity": "product", "value": "冰箱"}], "intent_ranking": [
        {"name": "repair_request", "confidence": 0.91}, {"name": "inquiry", "confidence": 0.05}]}
    assert differences(recorded, recorded) == []
    assert differences(recorded, {**recorded, "intent": {"name": "repair_request",
                                                          "confidence": 0.905}}) == []
    assert differences(recorded, {**recorded, "intent": {"name": "repair_request",
                                                          "confidence": 0.88}})
    assert differences(recorded, {**recorded, "entities": []})
    assert differences(recorded, {**recorded, "intent_ranking": [
        {"name": "repair_request", "confidence": 0.91}, {"name": "complaint", "confidence": 0.05}]})
