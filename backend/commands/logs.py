"""The logging of the `frontdesk` processes: to stderr, or to a file when the terminal is for
something else (a chat)."""

from __future__ import annotations

import logging
from pathlib import Path

from backend.kernel.config import Settings


def setup_logging(settings: Settings, log_file: Path | None = None) -> None:
    handlers: list[logging.Handler] = []
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    else:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(level=settings.log_level.upper(), handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)

