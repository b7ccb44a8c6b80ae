"""The bot's client for the backend API: everything the bot does to tickets goes through here.

Every request is signed with the internal secret (method, path, query, body, timestamp and a
fresh nonce: backend/kernel/signing.py); the secret itself is never sent. A retry is a
new request with a new nonce.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

import httpx

from backend.kernel.signing import request_target, signed_headers

log = logging.getLogger(__name__)

# Methods that change nothing: sent again after a failure.
SAFE_METHODS = frozenset({"GET", "HEAD"})


class BackendUnavailable(Exception):
    """The backend could not be reached or failed; the customer's data is kept for a retry."""


class TicketRefused(BackendUnavailable):
    """The backend answered a create with a 4xx: sending the same request again will not help."""


class PhotoRefused(Exception):
    """The backend cannot read this file (413, 422): sending it again will not help; says
    why."""


class NotAllowed(Exception):
    """The backend refused the action for this ticket as it stands (409); says why, and
    `fields`: what the answer carries beside the detail (a service record's
    `current_version`)."""

    def __init__(self, detail: str = "", fields: dict | None = None) -> None:
        super().__init__(detail)
        self.fields = fields or {}


class SignedRequests(httpx.Auth):
    """httpx authentication that signs each request with the internal secret."""

    requires_request_body = True

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def auth_flow(self, request: httpx.Request):
        request.headers.update(signed_headers(
            self._secret, request.content, method=request.method,
            target=request_target(request.url.path, request.url.query)))
        yield request


class BackendClient:
    def __init__(self, base_url: str, *, token: str, timeout: float = 5.0,
                 retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0),
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        """`token`: the internal secret, with which every request is signed."""
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
            auth=SignedRequests(token),
        )
        self._retry_delays = retry_delays

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """Send; when the backend is unreachable or answers 5xx, send again only what is safe
        to repeat: reads (GET, HEAD) and requests with an Idempotency-Key, which the backend
        honours on ticket creation only (POST /api/v1/tickets; nothing else may send one).
        Anything else is sent once, since after a timeout it may have been done: a live-chat
        line would be written twice, a cancellation answered "not allowed". Its failure is
        BackendUnavailable, which every caller turns into "try again" for the customer."""
        headers = kwargs.get("headers") or {}
        repeatable = (method.upper() in SAFE_METHODS
                      or any(name.lower() == "idempotency-key" for name in headers))
        delays = self._retry_delays if repeatable else ()
        for attempt, delay in enumerate((*delays, None)):
            try:
                response = await self._http.request(method, url, **kwargs)
                if response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            log.warning("backend %s %s failed (attempt %d): %s", method, url.split("/")[3:4],
                        attempt + 1, problem)
            if delay is None:
                raise BackendUnavailable(problem)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def reachable(self, timeout: float) -> bool:
        """Whether the backend's /health answers 200 within `timeout`: one try, no retries
        (the bot's readiness check)."""
        try:
            response = await self._http.get("/health", timeout=timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def create_ticket(self, *, idempotency_key: str, ticket: dict) -> dict:
        response = await self._request(
            "POST", "/api/v1/tickets", json=ticket,
            headers={"Idempotency-Key": idempotency_key},
        )
        if response.status_code not in (200, 201):
            raise TicketRefused(f"create refused: HTTP {response.status_code}")
        return response.json()

    async def list_tickets(self, channel: str, chat_id: str) -> list[dict]:
        response = await self._request("GET", f"{_customer(channel, chat_id)}/tickets")
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def list_products(self, channel: str, chat_id: str) -> list[dict]:
        """The customer's registered products, each with its warranty today."""
        response = await self._request("GET", f"{_customer(channel, chat_id)}/products")
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def register_product(self, channel: str, chat_id: str, product: dict) -> dict:
        """Register a product of the customer's (`product["photos"]`: the tokens of the photos
        to keep with it). Not retried here (no idempotency key): the customer sends it again
        from the form's summary; the same serial number again is the same product."""
        response = await self._request("POST", f"{_customer(channel, chat_id)}/products",
                                       json=product)
        if response.status_code == 422:
            raise TicketRefused(f"product refused: HTTP {response.status_code}")
        if response.status_code not in (200, 201):
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def read_photo(self, channel: str, chat_id: str, photo: bytes, *,
                         timeout: float = 30.0) -> dict:
        """What the customer's photo of an invoice or a nameplate shows: {"kind",
        "readable", "fields", "photo"} (`photo`: the token of the photo the backend kept, for
        the registration; backend/products/photos/router.py). Sent once (the caller tries
        again later); `timeout`: the reading takes seconds, longer when photos queue."""
        response = await self._request(
            "POST", f"{_customer(channel, chat_id)}/photos/read", content=photo,
            headers={"Content-Type": "application/octet-stream"}, timeout=timeout)
        if response.status_code in (413, 422):
            detail = response.json().get("detail") if response.headers.get(
                "content-type", "").startswith("application/json") else None
            raise PhotoRefused(detail if isinstance(detail, str) else
                               f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def get_record(self, channel: str, chat_id: str, number: str) -> dict | None:
        """The current version of the ticket's service record as the chat shows it (`record`:
        the push's payload), whether it awaits the customer; None: not theirs, or none."""
        response = await self._request(
            "GET", f"{_customer(channel, chat_id)}/tickets/{quote(number, safe='')}/record")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def record_pdf(self, channel: str, chat_id: str, number: str) -> bytes | None:
        """The current version of the ticket's service record as a PDF in the customer's
        language; None: not theirs, or no record."""
        response = await self._request(
            "GET", f"{_customer(channel, chat_id)}/tickets/{quote(number, safe='')}/record.pdf")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.content

    async def get_ticket(self, channel: str, chat_id: str, number: str) -> dict | None:
        response = await self._request(
            "GET", f"{_customer(channel, chat_id)}/tickets/{quote(number, safe='')}"
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()


    async def answer(self, *, language: str, topic: str | None, product: str | None,
                     city: str | None, text: str, code: str | None = None) -> dict | None:
        """The knowledge base's answer to a customer's question (about `code`, an error code
        the display shows, when given), or None."""
        params = {"language": language, "text": text[:500]}
        params.update({k: v for k, v in (("topic", topic), ("product", product),
                                          ("city", city), ("code", code)) if v})
        response = await self._request("GET", "/api/v1/knowledge/answer", params=params)
        if response.status_code == 422:  # a parameter it does not know: no answer, not "down"
            log.warning("knowledge answer refused its parameters (%s)", sorted(params))
        if response.status_code in (404, 422):
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def ticket_action(self, channel: str, chat_id: str, number: str, action: str,
                            body: dict | None = None) -> dict | None:
        """A customer's action on their ticket (expedite, cancel, feedback, record/confirm):
        the backend's answer, None when the ticket is not theirs, NotAllowed when its status
        forbids it."""
        response = await self._request(
            "POST", f"{_customer(channel, chat_id)}/tickets/{quote(number, safe='')}/{action}",
            json=body or {},
        )
        if response.status_code == 404:
            return None
        if response.status_code == 409:
            answer = response.json()
            raise NotAllowed(answer.pop("detail", ""), answer)
        if response.status_code not in (200, 201):
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def answer_quote(self, channel: str, chat_id: str, number: str, action: str,
                           body: dict) -> dict | None:
        """The customer's answer to a quote version (`action`: accept | decline): the
        backend's answer; `{"refused": True, "quote_status", "current_version", "detail"}`
        when that version can no longer be answered (409: replaced, withdrawn, answered, or
        the ticket closed); None when the ticket is not theirs."""
        response = await self._request(
            "POST", f"{_customer(channel, chat_id)}/tickets/{quote(number, safe='')}"
                    f"/quote/{action}", json=body)
        if response.status_code == 404:
            return None
        if response.status_code == 409:
            return {"refused": True, **response.json()}
        if response.status_code == 422:  # a button no quote ever had (a version of 10⁶)
            return {"refused": True, "quote_status": "missing"}
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()


    async def survey_answer(self, channel: str, chat_id: str, survey_id: int | str,
                            question: str, value: object) -> dict | None:
        """Record one answer of a return-visit survey (once: a repeat is not recorded)."""
        response = await self._request(
            "POST", f"{_customer(channel, chat_id)}/surveys/{quote(str(survey_id), safe='')}"
                    "/answers", json={"question": question, "value": value})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def survey_opt_out(self, channel: str, chat_id: str) -> None:
        response = await self._request("POST", f"{_customer(channel, chat_id)}/survey-opt-out")
        if response.status_code not in (200, 204):
            raise BackendUnavailable(f"HTTP {response.status_code}")


    async def request_person(self, channel: str, chat_id: str, *, language: str, reason: str,
                             text: str | None) -> dict:
        """Queue the customer for a person: their place, or a callback ticket after hours."""
        response = await self._request(
            "POST", f"{_customer(channel, chat_id)}/handoff",
            json={"language": language, "reason": reason, "text": text})
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def forward_to_staff(self, channel: str, chat_id: str, text: str) -> bool:
        """Pass on what the customer wrote; False when no conversation with staff is open."""
        response = await self._request("POST", f"{_customer(channel, chat_id)}/handoff/messages",
                                       json={"text": text})
        if response.status_code == 404:
            return False
        if response.status_code != 204:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return True

    async def personal_data(self, channel: str, chat_id: str) -> dict | None:
        """What is held about this chat's customer; None when nothing is."""
        response = await self._request("GET", f"{_customer(channel, chat_id)}/personal-data")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def erase_personal_data(self, channel: str, chat_id: str) -> dict | None:
        """Erase this chat's customer ({"tickets_cancelled": n}); None when nothing is held."""
        response = await self._request("DELETE",
                                       f"{_customer(channel, chat_id)}/personal-data")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BackendUnavailable(f"erasure refused: HTTP {response.status_code}")
        return response.json()

    async def leave_staff(self, channel: str, chat_id: str) -> None:
        response = await self._request("POST", f"{_customer(channel, chat_id)}/handoff/leave")
        if response.status_code != 204:
            raise BackendUnavailable(f"HTTP {response.status_code}")


def _customer(channel: str, chat_id: str) -> str:
    return f"/api/v1/customers/{quote(channel, safe='')}/{quote(chat_id, safe='')}"
