"""The real dialogue engine and its store on a SQLite file, with the NLU and the backend
unreachable: every message gets the basic-mode menu (the labelled fallback), so channel,
delivery and push tests run in milliseconds without Rasa or a backend process.

    async with offline_engine(tmp_path) as engine:
        ...                               # engine.store is on {tmp_path}/bot.db
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.backend_client import BackendClient
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from nlu.client import NluClient

# Nothing listens on the discard port: every call is refused at once.
UNREACHABLE = "http://127.0.0.1:9"


def store_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder}/bot.db"


@asynccontextmanager
async def offline_engine(folder: Path, *, engine_class: type[DialogueEngine] = DialogueEngine
                         ) -> AsyncIterator[DialogueEngine]:
    store = ConversationStore(store_url(folder))
    await store.create_tables()
    engine = engine_class(nlu=NluClient(UNREACHABLE, timeout=0.5),
                          backend=BackendClient(UNREACHABLE, token="x"), store=store)
    try:
        yield engine
    finally:
        await engine.nlu.aclose()
        await engine.backend.aclose()
        await store.close()
