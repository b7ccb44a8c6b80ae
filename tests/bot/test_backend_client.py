"""The bot's backend client sends again only what is safe to repeat: reads, and ticket creation
with its idempotency key. Anything else (a live-chat line, a cancellation, a survey answer...)
is sent once: after a timeout it may have been done, and the caller tells the customer to try
again (BackendUnavailable).

The backend here is a small real HTTP server on loopback that records every request and, when
told to, does the work and then fails the answer once: holds it past the client's timeout, or
answers 502 as the edge does when a backend's answer is lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.backend_client import BackendClient, BackendUnavailable
from tests.support.processes import free_port

TIMEOUT = 0.5
CUSTOMER = "/api/v1/customers/telegram/42"


@dataclass
class Backend:
    url: str
    # (method, path, body, Idempotency-Key) of every request received, in order.
    received: list[tuple[str, str, bytes, str | None]] = field(default_factory=list)
    # How the next answers fail: "timeout" (held until the test ends) or an HTTP status.
    failures: list[str | int] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def requests(self, path: str) -> list[tuple[str, str, bytes, str | None]]:
        return [request for request in self.received if request[1] == path]


@pytest.fixture
async def backend():
    state = Backend("")

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        state.received.append((request.method, request.url.path, body,
                               request.headers.get("idempotency-key")))
        # The work is done (the line is written, the ticket made); now the answer fails.
        if state.failures:
            failure = state.failures.pop(0)
            if failure == "timeout":
                await state.release.wait()
            return Response(status_code=int(failure) if failure != "timeout" else 504)
        path = request.url.path
        if request.method == "GET" and path.endswith("/tickets"):
            return JSONResponse([])
        if path == "/api/v1/tickets":
            return JSONResponse({"number": "RS-20261124-0001"}, status_code=201)
        if path.endswith(("/handoff/messages", "/handoff/leave", "/survey-opt-out")):
            return Response(status_code=204)
        if path.endswith("/handoff"):
            return JSONResponse({"state": "queued", "position": 1})
        return JSONResponse({"recorded": True})

    port = free_port()
    state.url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(
        Starlette(routes=[Route("/{path:path}", endpoint,
                                methods=["GET", "POST", "DELETE"])]),
        host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield state
    state.release.set()
    server.should_exit = True
    await task


@pytest.fixture
async def client(backend: Backend):
    client = BackendClient(backend.url, token="secret", timeout=TIMEOUT,
                           retry_delays=(0.05, 0.05, 0.05))
    yield client
    await client.aclose()


@pytest.mark.parametrize("failure", ["timeout", 502])
async def test_a_forwarded_live_chat_line_is_written_once(backend, client, failure) -> None:
    backend.failures = [failure]
    with pytest.raises(BackendUnavailable):
        await client.forward_to_staff("telegram", "42", "师傅，我在家等着")
    written = backend.requests(f"{CUSTOMER}/handoff/messages")
    assert [json.loads(body) for _, _, body, _ in written] == [{"text": "师傅，我在家等着"}]
    # The next line goes through as usual.
    assert await client.forward_to_staff("telegram", "42", "请快一点") is True


# Every call that changes something without an idempotency key the backend honours.
ONCE: dict[str, tuple[str, Callable[[BackendClient], Awaitable]]] = {
    "expedite": (f"{CUSTOMER}/tickets/RS-20261124-0001/expedite",
                 lambda c: c.ticket_action("telegram", "42", "RS-20261124-0001", "expedite")),
    "cancel": (f"{CUSTOMER}/tickets/RS-20261124-0001/cancel",
               lambda c: c.ticket_action("telegram", "42", "RS-20261124-0001", "cancel",
                                         {"reason": "不需要了"})),
    "survey answer": (f"{CUSTOMER}/surveys/7/answers",
                      lambda c: c.survey_answer("telegram", "42", 7, "rating", 5)),
    "survey opt-out": (f"{CUSTOMER}/survey-opt-out",
                       lambda c: c.survey_opt_out("telegram", "42")),
    "ask for a person": (f"{CUSTOMER}/handoff",
                         lambda c: c.request_person("telegram", "42", language="zh-Hans",
                                                    reason="human_agent", text=None)),
    "leave the person": (f"{CUSTOMER}/handoff/leave",
                         lambda c: c.leave_staff("telegram", "42")),
    "erase personal data": (f"{CUSTOMER}/personal-data",
                            lambda c: c._request("DELETE", f"{CUSTOMER}/personal-data")),
}


@pytest.mark.parametrize("name", ONCE)
async def test_a_change_without_an_idempotency_key_is_sent_once(backend, client, name) -> None:
    path, call = ONCE[name]
    backend.failures = [502]
    with pytest.raises(BackendUnavailable):
        await call(client)
    assert len(backend.requests(path)) == 1


async def test_reads_and_ticket_creation_are_sent_again_after_a_failure(backend, client) -> None:
    backend.failures = [503]
    assert await client.list_tickets("telegram", "42") == []
    assert len(backend.requests(f"{CUSTOMER}/tickets")) == 2

    backend.failures = ["timeout"]
    created = await client.create_ticket(idempotency_key="form-42-1", ticket={"type": "repair"})
    assert created == {"number": "RS-20261124-0001"}
    sent = backend.requests("/api/v1/tickets")
    assert len(sent) == 2 and {key for *_, key in sent} == {"form-42-1"}
