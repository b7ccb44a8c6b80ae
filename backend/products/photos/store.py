"""What is kept of the photos customers send of an invoice or a nameplate: the image, encrypted
at rest (`ProductPhoto`, backend/products/models.py), from the moment it was read until its
product goes.

- The bot's reading of a photo (router.py) keeps every photo that opened as an image,
  whatever was read in it (`keep`): the customer's (found or made by the chat, as every chat
  route does), linked to no product yet, and known by a random token the reading returns.
- The registration the bot sends carries the tokens of its form's photos; those of the same
  customer, not yet linked, become the new product's (`link`); any other token is ignored.
- A photo no registration named is deleted a day after it came (`purge_unlinked`, run by the
  backend's purge worker: backend/security/worker.py); a product removed takes its photos
  with it, an erasure every photo of the customer (backend/privacy/service.py).
- Staff of the desk fetch a product's photo (`image`); who did is logged.

Nothing of an image, nor what was read in it, is logged: ids, kinds and sizes only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from backend.customers import service as customer_service
from backend.errors import NotFound
from backend.kernel.database import rowcount, utcnow
from backend.products.enums import PhotoKind
from backend.products.models import ProductPhoto

log = logging.getLogger(__name__)

# How long a photo no registration named is kept: the customer may take a while to finish
# the form (the bot's forms do not expire sooner).
KEEP_UNLINKED = timedelta(hours=24)

# The formats the reader opens (backend/products/photos/reader.py FORMATS), by their first
# bytes; MPO is a JPEG. Anything else is served as bytes to download, never shown.
_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
               (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"BM", "image/bmp"),
               (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))
OCTETS = "application/octet-stream"
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
              "image/bmp": ".bmp", "image/tiff": ".tif", "image/webp": ".webp"}


def content_type_of(data: bytes) -> str:
    """The image type the bytes begin with (a stored photo is served as that type only)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return OCTETS


async def keep(*, db_session: AsyncSession, channel: str, chat_id: str, data: bytes,
               kind: PhotoKind | str) -> str:
    """Keep a photo that was read, for the customer behind the chat (made if new); its token.
    Commits."""
    customer = await customer_service.get_or_create_by_chat(
        db_session=db_session, channel=channel, chat_id=chat_id)
    photo = ProductPhoto(token=secrets.token_urlsafe(32), customer_id=customer.id,
                         kind=str(PhotoKind(kind)), content_type=content_type_of(data),
                         size=len(data), data=data)
    db_session.add(photo)
    await db_session.commit()
    log.info("photo %d (%s, %d bytes) kept for customer %d", photo.id, photo.kind, photo.size,
             customer.id)
    return photo.token


async def link(db_session: AsyncSession, *, customer_id: int, product_id: int,
               tokens: Collection[str]) -> int:
    """The customer's photos named by `tokens` and not yet linked become the product's; a
    token of another customer's photo, one linked already or none at all changes nothing.
    How many were linked. Nothing is committed."""
    if not tokens:
        return 0
    linked = rowcount(await db_session.execute(
        update(ProductPhoto)
        .where(ProductPhoto.token.in_(set(tokens)), ProductPhoto.customer_id == customer_id,
               ProductPhoto.product_id.is_(None))
        .values(product_id=product_id).execution_options(synchronize_session=False)))
    if linked:
        log.info("product %d of customer %d: %d photo(s) linked", product_id, customer_id,
                 linked)
    if linked < len(set(tokens)):
        log.info("product %d of customer %d: %d photo token(s) not linked (another "
                 "customer's, linked before, or unknown)", product_id, customer_id,
                 len(set(tokens)) - linked)
    return linked


async def of_products(*, db_session: AsyncSession,
                      product_ids: Collection[int]) -> dict[int, list[ProductPhoto]]:
    """Each product's photos, oldest first (without their images)."""
    if not product_ids:
        return {}
    found: dict[int, list[ProductPhoto]] = {}
    for photo in (await db_session.execute(
            select(ProductPhoto).where(ProductPhoto.product_id.in_(set(product_ids)))
            .order_by(ProductPhoto.id))).scalars():
        found.setdefault(photo.product_id or 0, []).append(photo)
    return found


async def image(*, db_session: AsyncSession, product_id: int, photo_id: int,
                actor: str) -> ProductPhoto:
    """A product's photo with its image (NotFound: no such photo of that product). Who asked
    is logged (a photo of an invoice is personal data)."""
    photo = (await db_session.execute(
        select(ProductPhoto).where(ProductPhoto.id == photo_id,
                                   ProductPhoto.product_id == product_id)
        .options(undefer(ProductPhoto.data)))).scalar_one_or_none()
    if photo is None:
        raise NotFound("no such photo of this product")
    log.info("photo %d of product %d (customer %d) shown to %s", photo.id, product_id,
             photo.customer_id, actor)
    return photo


async def delete_of_product(db_session: AsyncSession, product_id: int) -> int:
    """Delete a product's photos (it is being removed). Nothing is committed."""
    return rowcount(await db_session.execute(
        delete(ProductPhoto).where(ProductPhoto.product_id == product_id)
        .execution_options(synchronize_session=False)))


async def purge_unlinked(*, db_session: AsyncSession, now: datetime | None = None) -> int:
    """Delete the photos no registration named within KEEP_UNLINKED of their coming; `now`:
    the business clock's (backend/kernel/clock.py) unless given. Commits; how many went."""
    cutoff = (now or utcnow()) - KEEP_UNLINKED
    gone = rowcount(await db_session.execute(
        delete(ProductPhoto).where(ProductPhoto.product_id.is_(None),
                                   ProductPhoto.created_at < cutoff)
        .execution_options(synchronize_session=False)))
    await db_session.commit()
    if gone:
        log.info("%d photo(s) never linked to a product deleted", gone)
    return gone
