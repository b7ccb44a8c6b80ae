"""Products routes: the bot registers and lists a customer's products (with the warranty each
has today); staff list a customer's products, and those who may change a customer's record
(backend/customers/access.py) add, correct, remove them and settle a duplicate serial number;
any staff member corrects a product (a technician on a visit); the desk (those who find
customers) see the photos of a product's invoice or nameplate; admins keep the warranty
policies. Thin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from backend.customers.access import EDITORS, FINDERS
from backend.customers.enums import Channel
from backend.deps import ServiceDep, SessionDep, SettingsDep, StaffUser, require_roles
from backend.products import service
from backend.products.enums import Region
from backend.products.photos import store as photo_store
from backend.products.schemas import (
    ChatProductIn,
    PolicyIn,
    PolicyOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    StaffProductOut,
)
from backend.staff.enums import ALL_ROLES, Role

router = APIRouter(prefix="/api/v1", tags=["products"])

StaffReader = Annotated[StaffUser, require_roles(*ALL_ROLES)]
Finder = Annotated[StaffUser, require_roles(*FINDERS)]
Editor = Annotated[StaffUser, require_roles(*EDITORS)]
Admin = Annotated[StaffUser, require_roles(Role.admin)]
ProductId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CustomerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ChatId = Annotated[str, Path(min_length=1, max_length=64)]
Category = Annotated[str, Path(min_length=1, max_length=20)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such product"}}
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "not a category, a date after today or before 1950, installed before "
                         "bought"}}
NO_CUSTOMER: dict[int | str, dict[str, Any]] = {404: {"description": "no such customer"}}


@router.get("/warranty-policies", response_model=list[PolicyOut])
async def list_policies(db_session: SessionDep, _: StaffReader) -> list[PolicyOut]:
    """Every category's warranty policy, per region (staff)."""
    return [PolicyOut.model_validate(p)
            for p in await service.list_policies(db_session=db_session)]


@router.put("/warranty-policies/{category}/{region}", response_model=PolicyOut,
            responses={422: {"description": "not a category; a period out of range or "
                                            "inconsistent; below the Mainland's 三包 minimums"}})
async def put_policy(category: Category, region: Region, data: PolicyIn,
                     db_session: SessionDep, staff: Admin) -> PolicyOut:
    """Set a category's policy in a region (admin); `category` in any spelling. Records who
    and when (`updated_by`, `updated_at`)."""
    policy = await service.put_policy(db_session=db_session, category=service.category_of(category),
                                      region=region, data=data, actor=staff.actor)
    return PolicyOut.model_validate(policy)


@router.get("/customers/{channel}/{chat_id}/products", response_model=list[ProductOut])
async def list_products(channel: Channel, chat_id: ChatId, db_session: SessionDep,
                        settings: SettingsDep, _: ServiceDep) -> list[ProductOut]:
    """The products of the customer behind this chat, with their warranty today."""
    products = await service.list_for_chat(db_session=db_session, channel=channel,
                                           chat_id=chat_id)
    return await service.views(db_session, products, settings.ticket_timezone)


@router.post("/customers/{channel}/{chat_id}/products", response_model=ProductOut,
             status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "this customer holds that serial number already: "
                                             "their product", "model": ProductOut}, **REFUSED})
async def register_product(channel: Channel, chat_id: ChatId, data: ChatProductIn,
                           db_session: SessionDep, settings: SettingsDep, _: ServiceDep,
                           response: Response) -> ProductOut:
    """Register a product the customer owns (the bot, after the customer confirmed it), with
    the photos of its invoice or nameplate the chat sent (`photos`: the readings' tokens; one
    not of this customer's is ignored)."""
    product, new = await service.register(db_session=db_session, channel=channel,
                                          chat_id=chat_id, data=data,
                                          timezone=settings.ticket_timezone,
                                          photos=data.photos)
    if not new:
        response.status_code = status.HTTP_200_OK
    [out] = await service.views(db_session, [product], settings.ticket_timezone)
    return out


@router.get("/customers/{customer_id}/products", response_model=list[StaffProductOut],
            responses=NO_CUSTOMER)
async def list_customer_products(customer_id: CustomerId, db_session: SessionDep,
                                 settings: SettingsDep, _: Finder) -> list[StaffProductOut]:
    """A customer's products with their warranty today, oldest first (the customer page)."""
    products = await service.list_for_customer(db_session=db_session, customer_id=customer_id)
    return await service.staff_views(db_session, products, settings.ticket_timezone)


@router.post("/customers/{customer_id}/products", response_model=StaffProductOut,
             status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "this customer holds that serial number already: "
                                             "their product", "model": StaffProductOut},
                        **NO_CUSTOMER, **REFUSED,
                        409: {"description": "the customer's personal data was erased"}})
async def add_customer_product(customer_id: CustomerId, data: ProductIn,
                               db_session: SessionDep, settings: SettingsDep, staff: Editor,
                               response: Response) -> StaffProductOut:
    """Register a product for a customer (source `staff`); a serial number someone else holds
    is registered and flagged (`duplicate_of`)."""
    product, new = await service.add_for_customer(
        db_session=db_session, customer_id=customer_id, data=data,
        timezone=settings.ticket_timezone, actor=staff.actor)
    if not new:
        response.status_code = status.HTTP_200_OK
    [out] = await service.staff_views(db_session, [product], settings.ticket_timezone)
    return out


@router.get("/products/{product_id}", response_model=StaffProductOut, responses=NOT_FOUND)
async def get_product(product_id: ProductId, db_session: SessionDep, settings: SettingsDep,
                      _: Finder) -> StaffProductOut:
    product = await service.get(db_session=db_session, product_id=product_id)
    [out] = await service.staff_views(db_session, [product], settings.ticket_timezone)
    return out


@router.patch("/products/{product_id}", response_model=StaffProductOut,
              responses={**NOT_FOUND, **REFUSED})
async def correct_product(product_id: ProductId, patch: ProductPatch, db_session: SessionDep,
                          settings: SettingsDep, staff: Editor) -> StaffProductOut:
    """Correct a product (agents, supervisors, admins; a technician confirms model and serial
    on the ticket: POST /api/v1/tickets/{number}/product): the fields given; an empty text
    clears it. Who did it is logged."""
    product = await service.update(db_session=db_session, product_id=product_id, patch=patch,
                                   timezone=settings.ticket_timezone, actor=staff.actor)
    [out] = await service.staff_views(db_session, [product], settings.ticket_timezone)
    return out


@router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=NOT_FOUND)
async def remove_product(product_id: ProductId, db_session: SessionDep,
                         staff: Editor) -> Response:
    """Remove a product from its customer's record (by mistake, sold on, a duplicate)."""
    await service.remove(db_session=db_session, product_id=product_id, actor=staff.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/products/{product_id}/keep", response_model=StaffProductOut,
             responses=NOT_FOUND)
async def keep_product(product_id: ProductId, db_session: SessionDep, settings: SettingsDep,
                       staff: Editor) -> StaffProductOut:
    """Settle a flagged serial number: this registration stands (`duplicate_of` cleared)."""
    product = await service.keep(db_session=db_session, product_id=product_id,
                                 actor=staff.actor)
    [out] = await service.staff_views(db_session, [product], settings.ticket_timezone)
    return out


# The image alone, even opened as a page of its own: nothing else loads, nothing frames it.
PHOTO_POLICY = "default-src 'none'; img-src 'self'; frame-ancestors 'none'"


@router.get("/products/{product_id}/photos/{photo_id}", response_class=Response,
            responses={200: {"description": "the image", "content": {"image/*": {}}},
                       404: {"description": "no such photo of this product"}})
async def get_product_photo(product_id: ProductId, photo_id: PhotoId, db_session: SessionDep,
                            staff: Finder) -> Response:
    """A photo of the product's invoice or nameplate, as the customer sent it (the desk, as
    GET /products/{id}; not technicians). Never cached; who fetched it is logged."""
    photo = await photo_store.image(db_session=db_session, product_id=product_id,
                                    photo_id=photo_id, actor=staff.actor)
    shown = photo.content_type in photo_store.EXTENSIONS
    name = (f"product-{product_id}-{photo.kind}-{photo.id}"
            f"{photo_store.EXTENSIONS.get(photo.content_type, '')}")
    return Response(photo.data, media_type=photo.content_type, headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'{"inline" if shown else "attachment"}; filename="{name}"',
        "Content-Security-Policy": PHOTO_POLICY})
