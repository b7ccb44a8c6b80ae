"""Reading tickets: the customer sees their own (by any spelling of the number), staff see all."""

from __future__ import annotations

from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.factories import ADDRESS, PHONE

A = "/api/v1/customers/telegram/42"
B = "/api/v1/customers/telegram/43"


def spellings(number: str) -> list[str]:
    prefix, day, sequence = number.split("-")
    return [number, f"{prefix}{day}{sequence}".lower(), f"{prefix} {day} {sequence}",
            f"{prefix.lower()}-{day}-{sequence}"]


async def test_customer_reads_own_ticket_in_any_spelling(create, client) -> None:
    number = (await create(key="k-1")).json()["number"]

    for spelling in spellings(number):
        response = await client.get(f"{A}/tickets/{spelling}", headers=SERVICE_HEADERS)
        assert response.status_code == 200, spelling
        ticket = response.json()
        assert ticket["number"] == number
        assert ticket["phone_masked"] == "138****5678"
        assert PHONE not in response.text and ADDRESS not in response.text


async def test_another_customer_gets_the_same_404_as_for_a_missing_ticket(create, client) -> None:
    number = (await create(key="k-1")).json()["number"]
    await create(key="k-2", customer_overrides={"chat_id": "43"})

    other = await client.get(f"{B}/tickets/{number}", headers=SERVICE_HEADERS)
    missing = await client.get(f"{A}/tickets/RS-20000101-0001", headers=SERVICE_HEADERS)
    garbage = await client.get(f"{A}/tickets/not-a-number", headers=SERVICE_HEADERS)
    unknown_chat = await client.get(f"/api/v1/customers/webchat/42/tickets/{number}",
                                    headers=SERVICE_HEADERS)

    for response in (other, missing, garbage, unknown_chat):
        assert response.status_code == 404
        assert response.json() == {"detail": "no such ticket"}


async def test_customer_list_is_own_tickets_newest_first(create, client, change_status) -> None:
    first = (await create(key="k-1")).json()["number"]
    second = (await create(key="k-2", type="inquiry")).json()["number"]
    await create(key="k-3", customer_overrides={"chat_id": "43"})
    await change_status(first, "resolved")

    everything = (await client.get(f"{A}/tickets", headers=SERVICE_HEADERS)).json()
    still_open = (await client.get(f"{A}/tickets", params={"open_only": "true"},
                                   headers=SERVICE_HEADERS)).json()
    nobody = await client.get("/api/v1/customers/terminal/nobody/tickets",
                              headers=SERVICE_HEADERS)

    assert [t["number"] for t in everything] == [second, first]
    assert [t["number"] for t in still_open] == [second]
    assert nobody.status_code == 200 and nobody.json() == []
    assert all("address" not in t for t in everything)


async def test_unknown_channel_and_control_characters_do_not_crash(client) -> None:
    bad_channel = await client.get("/api/v1/customers/fax/42/tickets", headers=SERVICE_HEADERS)
    nul = await client.get("/api/v1/customers/telegram/4%002/tickets", headers=SERVICE_HEADERS)
    nul_one = await client.get("/api/v1/customers/telegram/4%002/tickets/RS-20000101-0001",
                               headers=SERVICE_HEADERS)
    assert bad_channel.status_code == 422
    assert nul.status_code == 200 and nul.json() == []
    assert nul_one.status_code == 404


async def test_staff_detail_has_contact_data_and_events(create, client) -> None:
    number = (await create(key="k-1")).json()["number"]

    for spelling in spellings(number):
        detail = await client.get(f"/api/v1/tickets/{spelling}", headers=STAFF_HEADERS)
        assert detail.status_code == 200
    detail = detail.json()
    assert detail["phone"] == PHONE and detail["address"] == ADDRESS
    assert detail["events"][0]["kind"] == "created"
    missing = await client.get("/api/v1/tickets/RS-20000101-0001", headers=STAFF_HEADERS)
    assert missing.status_code == 404


async def test_staff_list_filters_and_pages(create, client, change_status) -> None:
    repairs = [(await create(key=f"r-{i}")).json()["number"] for i in range(3)]
    inquiry = (await create(key="q", type="inquiry")).json()["number"]
    await change_status(repairs[0], "assigned")

    def numbers(page: dict) -> list[str]:
        return [item["number"] for item in page["items"]]

    everything = (await client.get("/api/v1/tickets", headers=STAFF_HEADERS)).json()
    assert everything["total"] == 4
    assert numbers(everything) == [inquiry, *reversed(repairs)]
    assert "phone" not in everything["items"][0]

    only_repairs = (await client.get("/api/v1/tickets", params={"type": "repair"},
                                     headers=STAFF_HEADERS)).json()
    assert only_repairs["total"] == 3

    assigned = (await client.get("/api/v1/tickets", params={"status": "assigned"},
                                 headers=STAFF_HEADERS)).json()
    assert numbers(assigned) == [repairs[0]]

    page = (await client.get("/api/v1/tickets", params={"limit": 2, "offset": 1},
                             headers=STAFF_HEADERS)).json()
    assert numbers(page) == [repairs[2], repairs[1]] and page["total"] == 4

    bad = await client.get("/api/v1/tickets", params={"limit": 0}, headers=STAFF_HEADERS)
    assert bad.status_code == 422
