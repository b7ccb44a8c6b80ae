"""Photos sent for a product's registration, read off the chat's hot path: the turn that got
the photo saved a job (bot/dialogue/photo_reading.py) and answered at once; this worker
fetches the photo through its channel, has the backend read it, and hands the reading to the
chat as a message of its own through the channel's delivery layer (update id
`photo:<job id>`), whose turn fills the form.

The reading goes through the inbox like any update, so it has the inbox's guarantees: the
job is dropped only once its reading is stored there, and the inbox handles an update id
once. A bot killed at any moment therefore loses no photo and answers none twice: killed
before the reading was stored, the job is still there and read again (after its claim lapses,
`CLAIM_SECONDS`); killed after, the reading is handled from the inbox and the job, read again,
is taken for the repeat it is.

A channel or backend that is away is tried again with the bot's retry pacing
(SUBMISSION_RETRY_SECONDS), `ATTEMPTS` times in all; then the customer is told honestly that
the photo could not be read, and asked to type. A file that is no readable photo is said so at
once. Nothing of the photo, or of what it shows, is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from backend.kernel.clock import utcnow
from backend.kernel.workers import PeriodicWorker
from bot.backend_client import BackendClient, PhotoRefused
from bot.channels.base import Channel, FileChannel, FileGone
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.photo_reading import FAILED, UNUSABLE
from bot.dialogue.state import ConversationStore, PhotoJob
from bot.dialogue.types import InboundMessage

log = logging.getLogger(__name__)

# The backend reads at most this much (backend/products/photos/router.py: 413 beyond).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Tries at a photo before the customer is told it could not be read.
ATTEMPTS = 4
# How long a job taken by a process is left alone by the others (and by this one, restarted
# after a crash): longer than a fetch and a reading take.
CLAIM_SECONDS = 60.0


class PhotoReader(PeriodicWorker):
    name = "photo reader"

    def __init__(self, engine: DialogueEngine, channels: Mapping[str, Channel], *,
                 delays: tuple[float, ...] = (5, 10, 20, 40, 60), interval: float = 1.0) -> None:
        super().__init__(interval=interval)
        self.store: ConversationStore = engine.store
        self.backend: BackendClient = engine.backend
        self.delays = delays or (5.0,)
        # The channels this process can fetch files from; jobs of others are left to them.
        self.channels: dict[str, FileChannel] = {
            name: channel for name, channel in channels.items()
            if channel.capabilities.fetch_files and isinstance(channel, FileChannel)}

    async def run_once(self) -> int:
        """Read the photos that are due; how many readings reached their chats."""
        if not self.channels:
            return 0
        now = utcnow()
        jobs = await self.store.claim_photo_jobs(
            list(self.channels), now, now + timedelta(seconds=CLAIM_SECONDS))
        handed = 0
        for job in jobs:
            handed += await self._work(job)
        return handed

    async def _work(self, job: PhotoJob) -> bool:
        channel = self.channels[job.channel]
        reading = await self._read(channel, job)
        if reading is None:
            return False  # tried again later
        message = InboundMessage(channel=job.channel, chat_id=job.chat_id,
                                 update_id=f"photo:{job.id}",
                                 reading={"form_id": job.form_id, **reading})
        # Stored before the job goes (a crash in between reads it again: handled once).
        await channel.delivery.receive(message, limited=False)
        await self.store.drop_photo_job(job.id)
        await channel.delivery.handle(job.chat_id)
        return True

    async def _read(self, channel: FileChannel, job: PhotoJob) -> dict | None:
        """The reading ({kind, readable, fields, photo, problem}; `photo`: the backend's token
        of the photo it kept); None when it is to be tried again (the job held for its next
        attempt)."""
        try:
            if job.file_id is None:  # no configured key reads it any more
                raise FileGone("the file's id cannot be read")
            photo = await channel.fetch_file(job.file_id, MAX_PHOTO_BYTES)
            found = await self.backend.read_photo(job.channel, job.chat_id, photo)
        except (FileGone, PhotoRefused) as exc:
            log.info("a photo on %s cannot be read: %s", job.channel, type(exc).__name__)
            return _without(UNUSABLE)
        except Exception as exc:  # the channel or the backend away: again, a few times
            attempts = job.attempts + 1
            log.warning("a photo on %s not read (attempt %d of %d): %s", job.channel,
                        attempts, ATTEMPTS, type(exc).__name__)
            if attempts >= ATTEMPTS:
                return _without(FAILED)
            delay = self.delays[min(attempts - 1, len(self.delays) - 1)]
            await self.store.hold_photo_job(PhotoJob(
                job.id, job.channel, job.chat_id, job.form_id, job.file_id, attempts),
                utcnow() + timedelta(seconds=delay))
            return None
        token = found.get("photo")
        return {"kind": str(found.get("kind", "unknown")),
                "readable": bool(found.get("readable")),
                "fields": {k: v for k, v in (found.get("fields") or {}).items()
                           if isinstance(k, str) and isinstance(v, str)},
                "photo": token if isinstance(token, str) else None,
                "problem": None}


def _without(problem: str) -> dict:
    return {"kind": "unknown", "readable": False, "fields": {}, "photo": None,
            "problem": problem}
