"""The real parts a conversation runs on: the dialogue engine with the Rasa model behind the
NLU client, a backend process on SQLite in a temporary folder (or a running backend), and a
recording wrapper around the engine's backend client that keeps every call and its answer
(the real backend still answers)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from backend.kernel import clock as backend_clock
from backend.kernel.config import Settings
from bot.backend_client import BackendClient, SignedRequests
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.evaluation.spec import EvalError
from nlu.client import NluClient, NluUnavailable

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNEL = "webchat"
PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class Call:
    """One request the engine made to the backend, and the answer."""

    method: str
    path: str
    params: dict
    body: object
    status: int | None  # None: the backend could not be reached
    answer: object = None


class RecordingBackendClient(BackendClient):
    """The bot's backend client, keeping every request and answer in `calls`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[Call] = []

    async def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        call = Call(method, url, dict(kwargs.get("params") or {}), kwargs.get("json"), None)
        self.calls.append(call)
        response = await super()._request(method, url, **kwargs)  # unreachable: status None
        call.status = response.status_code
        try:
            call.answer = response.json()
        except ValueError:
            call.answer = None
        return response


def eval_clock_offset() -> timedelta:
    """The clock the conversations run on: FRONTDESK_CLOCK_OFFSET when set (the test suite's
    clock), else the Tuesday 09:30 in Shanghai on or after today, so that "tomorrow
    afternoon" and the service hours mean the same on every run."""
    raw = os.environ.get("FRONTDESK_CLOCK_OFFSET", "").strip()
    if raw:
        return timedelta(seconds=float(raw))
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7)
    anchor = datetime.combine(tuesday, clock_time(9, 30), tzinfo=SHANGHAI)
    if anchor < now:
        anchor += timedelta(days=7)
    return anchor - now


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackendProcess:
    """`frontdesk backend` on SQLite in a temporary folder, on the evaluation clock; pushes
    go nowhere (they stay in its outbox)."""

    def __init__(self, offset: timedelta) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="frontdesk-eval-"))
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = self.folder / "backend.log"
        self.env = {**os.environ,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{self.folder}/frontdesk.db",
                    "BACKEND_PORT": str(port), "BACKEND_HOST": "127.0.0.1",
                    "BOT_PUSH_URL": f"http://127.0.0.1:{_free_port()}/internal/push",
                    "DATA_DIR": str(self.folder),
                    "FRONTDESK_CLOCK_OFFSET": f"{offset.total_seconds():.3f}"}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> BackendProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", "backend"], env=self.env, cwd=PROJECT_DIR,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EvalError(f"the backend exited with code {self.process.returncode}:\n"
                                + self.log_path.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise EvalError("the backend did not become healthy:\n"
                        + self.log_path.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Harness:
    """The engine and the ways to look at the backend, for one evaluation run."""

    engine: DialogueEngine
    backend: RecordingBackendClient
    backend_url: str
    service: httpx.AsyncClient  # signed as the bot
    staff: httpx.AsyncClient  # the staff API token
    offset: timedelta
    closers: list = field(default_factory=list)

    def now(self) -> datetime:
        """The engine's clock: Shanghai local time, naive, on the evaluation clock."""
        return (datetime.now(UTC) + self.offset).astimezone(SHANGHAI).replace(tzinfo=None)

    async def customer_tickets(self, chat_id: str) -> list[dict]:
        """The customer's tickets in full, as staff see them (oldest first)."""
        mine = await self.service.get(
            f"/api/v1/customers/{CHANNEL}/{quote(chat_id, safe='')}/tickets")
        if mine.status_code == 404:
            return []
        mine.raise_for_status()
        return [await self.ticket(t["number"]) for t in reversed(mine.json())]

    async def customer_products(self, chat_id: str) -> list[dict]:
        """The customer's registered products, with their warranty today."""
        mine = await self.service.get(
            f"/api/v1/customers/{CHANNEL}/{quote(chat_id, safe='')}/products")
        mine.raise_for_status()
        return mine.json()

    async def ticket(self, number: str) -> dict:
        response = await self.staff.get(f"/api/v1/tickets/{quote(number, safe='')}")
        response.raise_for_status()
        return response.json()

    async def aclose(self) -> None:
        await self.engine.nlu.aclose()
        await self.backend.aclose()
        await self.engine.store.close()
        await self.service.aclose()
        await self.staff.aclose()
        for close in reversed(self.closers):
            close()


async def open_harness(settings: Settings, *, rasa_url: str,
                       backend_url: str | None = None) -> Harness:
    """The engine on Rasa at `rasa_url` and the backend at `backend_url`, or a backend process
    started here on SQLite (stopped by `aclose`)."""
    closers: list = []
    offset = eval_clock_offset()
    nlu = NluClient(rasa_url, timeout=10.0)
    try:
        await nlu.parse("你好")
    except NluUnavailable as exc:
        await nlu.aclose()
        raise EvalError(f"Rasa at {rasa_url} is not reachable ({exc}); start it with "
                        "`frontdesk nlu serve` or pass --rasa-url.") from None
    if backend_url is None:
        process = BackendProcess(offset)
        try:
            process.start()
        except EvalError:
            await nlu.aclose()
            shutil.rmtree(process.folder, ignore_errors=True)  # its log is in the message
            raise
        closers.append(lambda: shutil.rmtree(process.folder, ignore_errors=True))
        closers.append(process.stop)
        backend_url = process.url
    else:
        # A running backend keeps its own clock: the engine reads the same one.
        offset = backend_clock.OFFSET
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-eval-bot-"))
    closers.insert(0, lambda: shutil.rmtree(folder, ignore_errors=True))
    store = ConversationStore(f"sqlite+aiosqlite:///{folder}/bot.db")
    await store.create_tables()
    backend = RecordingBackendClient(backend_url, token=settings.internal_secret,
                                     timeout=15.0, retry_delays=(0.2,))
    harness = Harness(
        engine=None, backend=backend, backend_url=backend_url,  # type: ignore[arg-type]
        service=httpx.AsyncClient(base_url=backend_url, timeout=15,
                                  auth=SignedRequests(settings.internal_secret)),
        staff=httpx.AsyncClient(base_url=backend_url, timeout=15, headers={
            "Authorization": f"Bearer {settings.staff_api_token}"}),
        offset=offset, closers=closers)
    harness.engine = DialogueEngine(nlu=nlu, backend=backend, store=store,
                                    hotline="400-800-1234", clock=harness.now)
    try:
        health = await harness.service.get("/health")
        health.raise_for_status()
    except httpx.HTTPError as exc:
        await harness.aclose()
        raise EvalError(f"the backend at {backend_url} is not reachable ({exc})") from None
    return harness
