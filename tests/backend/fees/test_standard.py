"""The fee standard on SQLite and PostgreSQL: seeded per region with its currency; every change
is a new version (who, when, why) and the old ones stay readable, by number or by the moment
they were in force; a change on a stale version is refused; nothing changed writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.fees.enums import CURRENCIES, RepairType
from backend.knowledge.enums import PRODUCTS
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.fees.support import (
    STANDARDS,
    item,
    moving_clock,
    set_item,
    standard,
)


async def test_each_region_starts_with_its_seeded_standard(client) -> None:
    response = await client.get(STANDARDS, headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    found = {s["region"]: s for s in response.json()}
    assert {region: (s["currency"], s["visit_fee"], s["version"], s["changed_by"])
            for region, s in found.items()} == {
        "mainland": ("CNY", "30.00", 1, "seed"), "hong_kong": ("HKD", "250.00", 1, "seed"),
        "taiwan": ("TWD", "600.00", 1, "seed")}
    assert {str(region): str(currency) for region, currency in CURRENCIES.items()} == {
        region: s["currency"] for region, s in found.items()}
    for region, seeded in found.items():
        codes = [i["code"] for i in seeded["items"]]
        assert len(codes) == len(set(codes)), region
        assert {i["category"] for i in seeded["items"]} == set(PRODUCTS), region
        assert {i["repair_type"] for i in seeded["items"]} <= set(RepairType)
        assert all(i["names"]["zh-Hans"] and i["names"]["zh-Hant"] and i["names"]["en"]
                   for i in seeded["items"])
    # Hong Kong's and Taiwan's own words; the Mainland's visit excludes the diagnosis.
    assert item(found["hong_kong"], "AC-GAS")["names"]["zh-Hant"] == "冷氣加雪種"
    assert item(found["taiwan"], "AC-GAS")["names"]["zh-Hant"] == "冷氣補充冷媒"
    assert item(found["mainland"], "AC-DIAG")["price"] == "30.00"
    assert item(found["hong_kong"], "AC-DIAG") is None


async def test_a_change_is_a_new_version_and_the_old_ones_stay_readable(client) -> None:
    with moving_clock() as clock:
        before = clock.now
        clock.move(hours=1)
        changed = await set_item(client, price="180.50")
        assert changed.status_code == 200, changed.text
        v2 = changed.json()
        assert (v2["version"], v2["changed_by"], v2["reason"]) == (
            2, "staff:api", "R32 refrigerant costs more")
        assert item(v2, "AC-GAS")["price"] == "180.50"
        assert datetime.fromisoformat(v2["effective_from"]) == clock.now

        clock.move(days=2)
        whole = await standard(client)
        whole_body = {"visit_fee": "35", "declined_quote_pays_visit": False,
                      "items": whole["items"],
                      "reason": "新一年的收费标准", "base_version": 2}
        v3 = await client.put(f"{STANDARDS}/mainland", json=whole_body, headers=STAFF_HEADERS)
        assert v3.status_code == 200, v3.text
        assert (v3.json()["version"], v3.json()["visit_fee"]) == (3, "35.00")

        # Now; by number; at a moment; on a day (its end, in the ticket time zone).
        assert (await standard(client))["version"] == 3
        v1 = (await client.get(f"{STANDARDS}/mainland/versions/1", headers=STAFF_HEADERS)).json()
        assert item(v1, "AC-GAS")["price"] == "150.00" and v1["visit_fee"] == "30.00"
        assert (await standard(client, at=before.isoformat()))["version"] == 1
        assert (await standard(client, at=(before + timedelta(hours=2)).isoformat()))[
            "version"] == 2
        assert (await standard(client, at=(before - timedelta(days=1)).date().isoformat()))[
            "version"] == 1
        assert (await standard(client, at=(clock.now + timedelta(days=1)).date().isoformat()))[
            "version"] == 3
        assert (await standard(client, at="2000-01-01T00:00:00Z"))["version"] == 1
        early = await client.get(f"{STANDARDS}/mainland", params={"at": "1999-12-31"},
                                 headers=STAFF_HEADERS)
        assert early.status_code == 404
        missing = await client.get(f"{STANDARDS}/mainland/versions/9", headers=STAFF_HEADERS)
        assert missing.status_code == 404

        # The history, newest first, says what each version changed.
        history = (await client.get(f"{STANDARDS}/mainland/versions",
                                    headers=STAFF_HEADERS)).json()
        assert [v["version"] for v in history] == [3, 2, 1]
        assert history[0]["changes"] == [
            {"what": "visit_fee", "code": None, "before": "30", "after": "35"},
            {"what": "declined_quote_pays_visit", "code": None, "before": "true",
             "after": "false"}]
        assert history[1]["changes"] == [
            {"what": "item_changed", "code": "AC-GAS", "before": "150", "after": "180.50"}]
        assert history[2]["changed_by"] == "seed" and history[2]["changes"]
        # The other regions are untouched.
        assert (await standard(client, "hong_kong"))["version"] == 1


async def test_an_item_is_added_and_removed_each_a_version(client) -> None:
    added = await set_item(client, code="ac-clean ", repair_type="minor_repair", price="120",
                           names={"zh-Hans": "空调深度清洗", "zh-Hant": "冷氣深層清洗",
                                  "en": "Air conditioner deep clean"}, reason="新服务")
    assert added.status_code == 200, added.text
    assert item(added.json(), "AC-CLEAN")["names"]["en"] == "Air conditioner deep clean"
    removed = await client.delete(f"{STANDARDS}/mainland/items/AC-CLEAN",
                                  params={"reason": "停止提供"}, headers=STAFF_HEADERS)
    assert removed.status_code == 200, removed.text
    assert removed.json()["version"] == 3 and item(removed.json(), "AC-CLEAN") is None
    assert item((await client.get(f"{STANDARDS}/mainland/versions/2",
                                  headers=STAFF_HEADERS)).json(), "AC-CLEAN")
    history = (await client.get(f"{STANDARDS}/mainland/versions", headers=STAFF_HEADERS)).json()
    assert [c["what"] for c in history[0]["changes"]] == ["item_removed"]
    assert [c["what"] for c in history[1]["changes"]] == ["item_added"]
    for params, status in (({"reason": "x"}, 404), ({"reason": "  "}, 422), ({}, 422)):
        gone = await client.delete(f"{STANDARDS}/mainland/items/AC-CLEAN", params=params,
                                   headers=STAFF_HEADERS)
        assert gone.status_code == status, (params, gone.text)
    bad = await client.delete(f"{STANDARDS}/mainland/items/a%20b", params={"reason": "x"},
                              headers=STAFF_HEADERS)
    assert bad.status_code == 422


async def test_a_change_on_a_stale_version_is_refused_and_nothing_changed_writes_nothing(
        client) -> None:
    first = await set_item(client, price="160", base_version=1)
    assert first.status_code == 200 and first.json()["version"] == 2
    late = await set_item(client, price="170", base_version=1)
    assert late.status_code == 409, late.text
    assert "reload" in late.json()["detail"]
    same = await set_item(client, price="160.00", reason="saved again", base_version=2)
    assert same.status_code == 200 and same.json()["version"] == 2
    assert item(await standard(client), "AC-GAS")["price"] == "160.00"
    versions = (await client.get(f"{STANDARDS}/mainland/versions", headers=STAFF_HEADERS))
    assert len(versions.json()) == 2
