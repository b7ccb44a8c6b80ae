"""The edge of the scaled layout (deploy/nginx.conf in Debian's nginx) in front of the backend and
the bot on loopback: behind it every client keeps its own address, so one client's sign-in
failures, requests or web chat connections never make another wait, and a client cannot name
someone else's address in X-Forwarded-For.

The clients connect from 127.0.0.2, 127.0.0.3, ... (all loopback on Linux); nginx reaches the
processes from 127.0.0.1. The processes trust the whole of 127.0.0.0/8 as the edge's network
(FORWARDED_ALLOW_IPS, as docker-compose.yml trusts its network), which here holds the clients
too: the hard case, where a forged X-Forwarded-For passed on by the edge would be believed.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from backend.kernel.config import DEV_STAFF_TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.support.processes import PROJECT_DIR, Service, free_port
from tests.support.stack import process_env

EDGE_CONF = PROJECT_DIR / "deploy" / "nginx.conf"
TRUSTED = "127.0.0.0/8"
PASSWORD = "a long enough password"
LOGIN_MAX_FAILURES = 5  # the default LOGIN_MAX_FAILURES
PUBLIC_PER_MINUTE = 5
WEBCHAT_PER_MINUTE = 2


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                       else None)
    if found is None:
        message = "nginx is not installed (apt-get install nginx; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def loopback_edge(conf: str, *, backend: int, bot: int, ports: dict[int, int],
                  folder: Path) -> str:
    """deploy/nginx.conf as it runs here: the upstreams' servers are the backend and the bot on
    loopback, the edge listens on free ports of 127.0.0.1 (`ports`: the edge's port -> here),
    its logs and temporary files are in `folder`. Nothing else is changed."""
    text = re.sub(r"\bbackend-\d+:8000\b", f"127.0.0.1:{backend}", conf)
    text = re.sub(r"\bbot-\d+:8081\b", f"127.0.0.1:{bot}", text)
    text = re.sub(r"\blisten (\d+);",
                  lambda match: f"listen 127.0.0.1:{ports[int(match.group(1))]};", text)
    local = "".join(f"\n    {directive} {folder / name};" for directive, name in (
        ("access_log", "access.log"), ("client_body_temp_path", "body"),
        ("proxy_temp_path", "proxy"), ("fastcgi_temp_path", "fastcgi"),
        ("uwsgi_temp_path", "uwsgi"), ("scgi_temp_path", "scgi")))
    text = text.replace("http {", "http {" + local, 1)
    servers = re.findall(r"\bserver ([^;{\s]+);", text)
    listens = re.findall(r"\blisten ([^;]+);", text)
    assert servers and all(s.startswith("127.0.0.1:") for s in servers), servers
    assert len(listens) == len(ports) and all(s.startswith("127.0.0.1:") for s in listens)
    return text


@dataclass
class Edge:
    url: str
    port: int

    def client(self, address: str) -> httpx.Client:
        """A client connecting to the edge from `address`."""
        return httpx.Client(base_url=self.url, timeout=20,
                            transport=httpx.HTTPTransport(local_address=address))

    def web_chat(self, address: str):
        """A web chat WebSocket opened from `address` through the edge."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=20,
                                        source_address=(address, 0))
        return connect(f"ws://127.0.0.1:{self.port}/chat/ws?session="
                       f"{secrets.token_urlsafe(16)}", sock=sock, open_timeout=20)


def _start_nginx(conf: Path, folder: Path, health_url: str) -> subprocess.Popen:
    binary = nginx_binary()
    command = [binary, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", f"daemon off; pid {folder / 'nginx.pid'};"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited {process.returncode}:\n"
                               f"{(folder / 'error.log').read_text()}")
        try:
            if httpx.get(health_url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"nginx did not pass requests on:\n{(folder / 'error.log').read_text()}")


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    folder = tmp_path_factory.mktemp("edge")
    nginx_binary()
    backend_port, bot_port = free_port(), free_port()
    ports = {8080: free_port(), 8000: free_port(), 8081: free_port()}
    with FakeTelegram() as telegram:
        env = {
            **process_env(
                data_dir=folder, database_url=f"sqlite+aiosqlite:///{folder}/frontdesk.db",
                bot_database_url=f"sqlite+aiosqlite:///{folder}/bot.db", telegram=telegram,
                rasa_url=f"http://127.0.0.1:{free_port()}",  # no NLU needed here
                backend_port=backend_port, bot_port=bot_port),
            "SLA_WORKER_ENABLED": "false", "SURVEY_WORKER_ENABLED": "false",
            "FORWARDED_ALLOW_IPS": TRUSTED,
            "RATE_LIMIT_PUBLIC_PER_MINUTE": str(PUBLIC_PER_MINUTE),
            "WEBCHAT_CONNECTIONS_PER_MINUTE": str(WEBCHAT_PER_MINUTE),
        }
        backend = Service("backend", ["backend"], env,
                          f"http://127.0.0.1:{backend_port}/health").start()
        bot = None
        nginx = None
        try:
            bot = Service("bot", ["bot"], env, f"http://127.0.0.1:{bot_port}/health").start()
            created = httpx.post(f"http://127.0.0.1:{backend_port}/api/v1/staff", json={
                "username": "root", "display_name": "Root", "role": "admin",
                "password": PASSWORD}, headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"},
                timeout=20)
            assert created.status_code == 201, created.text
            conf = folder / "nginx.conf"
            conf.write_text(loopback_edge(EDGE_CONF.read_text(), backend=backend_port,
                                          bot=bot_port, ports=ports, folder=folder))
            edge_url = f"http://127.0.0.1:{ports[8080]}"
            nginx = _start_nginx(conf, folder, f"{edge_url}/health")
            yield Edge(edge_url, ports[8080])
        finally:
            if nginx is not None:
                nginx.send_signal(signal.SIGQUIT)
                try:
                    nginx.wait(15)
                except subprocess.TimeoutExpired:
                    nginx.kill()
                    nginx.wait()
            if bot is not None:
                bot.stop()
            backend.stop()


def sign_in(client: httpx.Client, password: str, **kwargs) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": "root", "password": password},
                       **kwargs)


def forged(address: str) -> dict[str, str]:
    """What a client sends to pass itself off as `address`."""
    return {"X-Forwarded-For": address, "X-Real-IP": address}


def test_sign_in_failures_from_one_client_do_not_make_another_wait(edge: Edge) -> None:
    guesser, admin = edge.client("127.0.0.2"), edge.client("127.0.0.3")
    for _ in range(LOGIN_MAX_FAILURES):
        assert sign_in(guesser, "not the password").status_code == 401
    waiting = sign_in(guesser, PASSWORD)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) > 0
    # The admin, on the console's own page behind the edge (the Origin names the edge's host).
    answer = sign_in(admin, PASSWORD, headers={"Origin": edge.url})
    assert answer.status_code == 200, answer.text
    assert answer.json()["access_token"]


def test_a_forged_forwarded_for_does_not_let_a_client_pose_as_another(edge: Edge) -> None:
    guesser, admin = edge.client("127.0.0.4"), edge.client("127.0.0.5")
    # Guesses sent in the admin's name count against the guesser's own address...
    for _ in range(LOGIN_MAX_FAILURES):
        assert sign_in(guesser, "not the password",
                       headers=forged("127.0.0.5")).status_code == 401
    assert sign_in(admin, PASSWORD).status_code == 200
    # ...and naming the admin's or a fresh address does not get the guesser out of its wait.
    for address in ("127.0.0.5", "198.51.100.7"):
        assert sign_in(guesser, PASSWORD, headers=forged(address)).status_code == 429


def test_a_client_over_the_request_limit_does_not_slow_down_another(edge: Edge) -> None:
    busy, other = edge.client("127.0.0.6"), edge.client("127.0.0.7")
    statuses = [busy.get("/console/login").status_code for _ in range(PUBLIC_PER_MINUTE)]
    assert statuses == [200] * PUBLIC_PER_MINUTE
    assert busy.get("/console/login").status_code == 429
    # Nor does naming another address get the busy client more requests.
    assert busy.get("/console/login", headers=forged("198.51.100.8")).status_code == 429
    answer = other.get("/console/login")
    assert answer.status_code == 200
    # The edge said the request came over https: the backend believed it.
    assert "max-age" in answer.headers["Strict-Transport-Security"]


def test_a_client_opening_many_web_chats_does_not_shut_out_another(edge: Edge) -> None:
    for _ in range(WEBCHAT_PER_MINUTE):
        with edge.web_chat("127.0.0.8"):
            pass
    with pytest.raises(InvalidStatus), edge.web_chat("127.0.0.8"):
        pass
    with edge.web_chat("127.0.0.9"):
        pass
