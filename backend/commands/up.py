"""`frontdesk up`: everything on the embedded default. Rasa and the backend in their own
processes (logs in DATA_DIR/log), then the bot in this one, with a terminal chat unless
--no-chat."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

import httpx

from backend.commands.logs import setup_logging
from backend.kernel.config import Settings


def _wait_for(url: str, timeout: float, process: subprocess.Popen, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"{what} exited (code {process.returncode}); see its log.", file=sys.stderr)
            return False
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from nlu import rasa_env

    logs = settings.data_dir / "log"
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[tuple[str, subprocess.Popen]] = []
    try:
        replicas: list[tuple[str, subprocess.Popen]] = []
        try:
            replicas = rasa_env.start_replicas(settings, log_dir=logs)
            processes += [("Rasa", process) for _, process in replicas]
        except rasa_env.RasaError as exc:
            print(f"NLU not started: {exc}\nThe bot will run with its button menu.",
                  file=sys.stderr)
        with open(logs / "backend.log", "ab") as backend_log:
            backend = subprocess.Popen([sys.executable, "-m", "backend.cli", "backend"],
                                       stdout=backend_log, stderr=subprocess.STDOUT)
        processes.append(("backend", backend))
        if not _wait_for(f"{settings.backend_url}/health", 60, backend, "The backend"):
            print(f"The backend did not start; see {logs / 'backend.log'}", file=sys.stderr)
            return 1
        print(f"Backend:  {settings.backend_url}  (API docs at /docs)")
        if replicas:
            print("NLU:      loading the Rasa model (about 35 s)...", flush=True)
            try:
                for url, process in replicas:
                    rasa_env.wait_until_ready(url, timeout=180, process=process)
                # The bot parses on the servers started here, spread over all replicas.
                settings = settings.model_copy(
                    update={"rasa_url": ",".join(url for url, _ in replicas)})
                print(f"NLU:      {settings.rasa_url}")
            except rasa_env.RasaError as exc:
                print(f"NLU:      unavailable ({exc}); the bot uses its button menu.")
        print(f"Web chat: http://{settings.bot_host}:{settings.bot_port}/chat")
        if settings.telegram_bot_token:
            print("Telegram: polling")
        print(f"Logs in {logs}/")
        from bot.main import run_bot

        setup_logging(settings, logs / "bot.log")
        asyncio.run(run_bot(settings, terminal=not args.no_chat))
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for _name, process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()

