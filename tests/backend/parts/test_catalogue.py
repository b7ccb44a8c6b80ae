"""The parts catalogue on SQLite and PostgreSQL: seeded by migration 0021, searched by number,
name (any language) and category (any spelling); admins add, change and deactivate parts, all
staff read them; a part's kind agrees with the warranty policies."""

from __future__ import annotations

import pytest

from backend.parts import catalogue
from backend.parts.enums import PartKind
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS

NEW = {"number": "rf-fan-mtr", "name_zh_hans": "冰箱风扇电机", "name_zh_hant": "雪櫃風扇馬達",
       "name_en": "Fridge fan motor", "categories": ["fridge"], "models": ["BCD-470", " "],
       "price_cny": 8800, "price_hkd": 9900, "warranty_days": 90}


async def search(client, headers=STAFF_HEADERS, **params) -> list[str]:
    response = await client.get("/api/v1/parts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(p["number"] for p in response.json()["items"])  # (collations differ)


async def test_the_sample_catalogue_is_seeded_with_kinds_the_policies_agree_with(
        app, client) -> None:
    page = (await client.get("/api/v1/parts?limit=100", headers=STAFF_HEADERS)).json()
    parts = {p["number"]: p for p in page["items"]}
    assert page["total"] == len(parts) >= 10
    assert {"AC-CMP-35", "AC-FAN-MTR", "AC-CTRL-BRD", "RF-DOOR-SEAL", "WP-FILTER-PP",
            "WH-MG-ROD", "WM-DRAIN-PUMP"} <= set(parts)
    compressor = parts["AC-CMP-35"]
    assert compressor["categories"] == ["空调"] and compressor["kind"] == "main"
    assert compressor["price_cny"] == 128000 and compressor["name_en"]
    assert parts["WM-DRAIN-PUMP"]["categories"] == ["洗碗机", "洗衣机"]
    async with app.state.sessionmaker() as session:
        for part in parts.values():
            named = await catalogue.policy_kind(session, part["categories"],
                                                part["policy_name"])
            assert named in (None, PartKind(part["kind"])), part["number"]


async def test_search_by_number_name_and_category(client, role_headers) -> None:
    assert await search(client, q="cmp") == ["AC-CMP-35", "RF-CMP"]
    assert await search(client, q="压缩机") == ["AC-CMP-35", "RF-CMP"]
    assert await search(client, q="壓縮機") == ["AC-CMP-35", "RF-CMP"]
    assert await search(client, q="door SEAL") == ["RF-DOOR-SEAL"]
    assert await search(client, category="冷氣") == ["AC-CMP-35", "AC-CTRL-BRD", "AC-FAN-MTR",
                                                   "AC-FILTER"]
    assert await search(client, category="洗碗机", kind="main") == ["DW-CTRL-BRD"]
    assert await search(client, q="%") == []
    # Every staff role reads the catalogue; the bot does not.
    for headers in role_headers.values():
        assert await search(client, headers=headers, q="RF-CMP") == ["RF-CMP"]
    response = await client.get("/api/v1/parts", headers=SERVICE_HEADERS)
    assert response.status_code == 401
    response = await client.get("/api/v1/parts?category=kettle", headers=STAFF_HEADERS)
    assert response.status_code == 422


async def test_an_admin_adds_changes_and_deactivates_a_part(client, role_headers) -> None:
    response = await client.post("/api/v1/parts", json=NEW, headers=role_headers["admin"])
    assert response.status_code == 201, response.text
    part = response.json()
    assert part["number"] == "RF-FAN-MTR" and part["categories"] == ["冰箱"]
    assert part["models"] == ["BCD-470"] and part["kind"] == "other"
    assert part["price_twd"] is None and part["updated_by"] == "staff:admin1"

    again = await client.post("/api/v1/parts", json=NEW, headers=STAFF_HEADERS)
    assert again.status_code == 409

    changed = {**NEW, "categories": ["冰箱", "洗碗机"], "price_cny": 9000}
    del changed["number"]
    response = await client.put("/api/v1/parts/rf-fan-mtr", json=changed, headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    assert response.json()["categories"] == ["冰箱", "洗碗机"]
    assert response.json()["price_cny"] == 9000
    assert (await client.get("/api/v1/parts/RF-FAN-MTR", headers=role_headers["technician"])
            ).json()["categories"] == ["冰箱", "洗碗机"]

    response = await client.delete("/api/v1/parts/RF-FAN-MTR", headers=STAFF_HEADERS)
    assert response.status_code == 204
    assert await search(client, q="RF-FAN", active="true") == []
    assert await search(client, q="RF-FAN") == ["RF-FAN-MTR"]
    assert (await client.get("/api/v1/parts/nope", headers=STAFF_HEADERS)).status_code == 404


@pytest.mark.parametrize("role", ["agent", "dispatcher", "technician", "supervisor"])
async def test_only_admins_edit_the_catalogue(client, role_headers, role) -> None:
    headers = role_headers[role]
    assert (await client.post("/api/v1/parts", json=NEW, headers=headers)).status_code == 403
    body = {k: v for k, v in NEW.items() if k != "number"}
    assert (await client.put("/api/v1/parts/RF-CMP", json=body, headers=headers)
            ).status_code == 403
    assert (await client.delete("/api/v1/parts/RF-CMP", headers=headers)).status_code == 403


@pytest.mark.parametrize(("change", "named"), [
    ({"number": "x"}, "number"),
    ({"number": "AB/12"}, "number"),
    ({"categories": []}, "categories"),
    ({"categories": ["kettle"]}, "not a product category"),
    ({"price_cny": -1}, "price_cny"),
    ({"price_cny": 12.5}, "price_cny"),
    ({"warranty_days": -1}, "warranty_days"),
    ({"name_zh_hans": " "}, "name_zh_hans"),
    ({"kind": "wearing", "policy_name": "压缩机"}, "disagrees with the warranty policies"),
])
async def test_a_part_that_makes_no_sense_is_refused(client, change, named) -> None:
    response = await client.post("/api/v1/parts", json={**NEW, **change}, headers=STAFF_HEADERS)
    assert response.status_code == 422
    assert named in response.text


async def test_the_kind_follows_the_policies_when_not_given(client) -> None:
    body = {**NEW, "number": "RF-SEAL-2", "policy_name": "门封条"}
    response = await client.post("/api/v1/parts", json=body, headers=STAFF_HEADERS)
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "wearing"
