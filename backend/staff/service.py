"""Staff accounts and signing in: create and change accounts, check a password (failed attempts
slow down further ones from the same address, with exponential back-off), start, resolve and end sign-ins (API tokens, console sessions).

Password hashing runs in a thread, outside any transaction: on SQLite every transaction holds
the write lock, and a hash takes a good part of a second.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from backend.kernel.database import rowcount, utcnow
from backend.staff import security
from backend.staff.enums import CredentialKind, Role
from backend.staff.models import LoginFailure, Staff, StaffSession
from backend.staff.schemas import USERNAME_MAX, StaffCreate, StaffUpdate, normalise_username

log = logging.getLogger(__name__)

CLIENT_IP_MAX = 64


class UsernameTaken(Exception):
    """An account of this name exists (perhaps deactivated: names are never reused)."""


class StaffNumberTaken(Exception):
    """Another account has this staff number (工号)."""


class NoSuchOutlet(Exception):
    """No active outlet has the id an account was to be given."""


class LastAdmin(Exception):
    """The change would leave no active admin account."""


class InvalidCredentials(Exception):
    """Unknown account, wrong password or deactivated account (the caller cannot tell)."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")


@dataclass(frozen=True)
class SignIn:
    token: str  # the secret itself: handed out once, only its digest is kept
    session: StaffSession


# ---- accounts ------------------------------------------------------------------------------

async def get_by_username(*, db_session: AsyncSession, username: str) -> Staff | None:
    statement = select(Staff).where(Staff.username == normalise_username(username))
    return (await db_session.execute(statement)).scalar_one_or_none()


async def list_staff(*, db_session: AsyncSession) -> list[Staff]:
    return list((await db_session.execute(select(Staff).order_by(Staff.username))).scalars())


async def _number_taken(db_session: AsyncSession, number: str | None,
                        but: int | None = None) -> bool:
    if number is None:
        return False
    statement = select(Staff.id).where(Staff.staff_number == number)
    if but is not None:
        statement = statement.where(Staff.id != but)
    return (await db_session.execute(statement.limit(1))).first() is not None


# The outlets table, named here rather than imported: the outlets package sits above staff
# (outlets → tickets → staff), so staff imports nothing of it.
_OUTLETS = sa.table("outlets", sa.column("id", sa.Integer), sa.column("active", sa.Boolean))


async def _check_outlet(db_session: AsyncSession, outlet_id: int | None) -> None:
    """NoSuchOutlet (rolled back) unless `outlet_id` is None or an active outlet's."""
    if outlet_id is None:
        return
    found = (await db_session.execute(select(_OUTLETS.c.id).where(
        _OUTLETS.c.id == outlet_id, _OUTLETS.c.active.is_(True)))).first()
    if found is None:
        await db_session.rollback()
        raise NoSuchOutlet(f"no active outlet with id {outlet_id}")


async def create(*, db_session: AsyncSession, data: StaffCreate) -> Staff:
    """Add an account; UsernameTaken if the name is in use, StaffNumberTaken if the staff
    number is, NoSuchOutlet if the outlet is not an active one. Commits."""
    password_hash = await asyncio.to_thread(security.hashing.hash, data.password)
    await _check_outlet(db_session, data.outlet_id)
    staff = Staff(username=data.username, display_name=data.display_name or data.username,
                  staff_number=data.staff_number, outlet_id=data.outlet_id,
                  password_hash=password_hash, role=data.role, active=True,
                  created_at=utcnow())
    db_session.add(staff)
    try:
        await db_session.commit()
    except IntegrityError:
        await db_session.rollback()
        if await _number_taken(db_session, data.staff_number):
            await db_session.rollback()
            raise StaffNumberTaken(f"staff number {data.staff_number} is taken") from None
        raise UsernameTaken(f"an account named {data.username!r} exists") from None
    log.info("staff account %s created (role %s)", staff.username, staff.role)
    return staff


async def update(*, db_session: AsyncSession, username: str, data: StaffUpdate) -> Staff | None:
    """Change the fields given; None if there is no such account; LastAdmin if no active admin
    would be left; NoSuchOutlet for an outlet that is not an active one (an account keeps an
    outlet deactivated after it was given). A new password or deactivation ends the account's
    sign-ins. Commits."""
    password_hash = (await asyncio.to_thread(security.hashing.hash, data.password)
                     if data.password is not None else None)
    staff = await get_by_username(db_session=db_session, username=username)
    if staff is None:
        await db_session.rollback()
        return None
    stops_being_admin = (data.role not in (None, Role.admin) or data.active is False)
    if staff.role == Role.admin and staff.active and stops_being_admin:
        others = (await db_session.execute(
            select(func.count()).select_from(Staff)
            .where(Staff.role == Role.admin, Staff.active.is_(True), Staff.id != staff.id)
        )).scalar_one()
        if others == 0:
            await db_session.rollback()
            raise LastAdmin("this is the last active admin account")
    if data.display_name is not None:
        staff.display_name = data.display_name
    if data.role is not None:
        staff.role = data.role
    if data.active is not None:
        staff.active = data.active
    if password_hash is not None:
        staff.password_hash = password_hash
    if "staff_number" in data.model_fields_set:
        if await _number_taken(db_session, data.staff_number, but=staff.id):
            await db_session.rollback()
            raise StaffNumberTaken(f"staff number {data.staff_number} is taken")
        staff.staff_number = data.staff_number
    if "outlet_id" in data.model_fields_set and data.outlet_id != staff.outlet_id:
        await _check_outlet(db_session, data.outlet_id)
        staff.outlet_id = data.outlet_id
    if password_hash is not None or data.active is False:
        await db_session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
    try:
        await db_session.commit()
    except IntegrityError:  # taken meanwhile
        await db_session.rollback()
        raise StaffNumberTaken(f"staff number {data.staff_number} is taken") from None
    log.info("staff account %s changed (%s)", staff.username,
             ", ".join(sorted(name for name in data.model_fields_set if name != "password")
                       + (["password"] if password_hash else [])))
    return staff


# ---- signing in ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginThrottle:
    """How failed sign-ins slow down the next ones (from the settings, LOGIN_*)."""

    max_failures: int = 5  # for one username from one address
    max_failures_per_address: int = 20  # for any usernames from one address
    window: timedelta = timedelta(minutes=15)  # how long a failure counts
    backoff: timedelta = timedelta(seconds=30)  # the first wait, doubled by every further one
    backoff_max: timedelta = timedelta(minutes=15)


async def authenticate(*, db_session: AsyncSession, username: str, password: str,
                       client_ip: str | None, throttle: LoginThrottle,
                       now: datetime | None = None) -> Staff:
    """The active account with this username and password. TooManyAttempts (checked first,
    before any password) while this address has to wait after failed sign-ins, for this
    username or for any; InvalidCredentials otherwise if anything is wrong, recorded as a
    failure. Only the address that failed waits, so nobody can lock an account out from
    elsewhere. An unknown username costs the same hashing time as a wrong password. The log
    names the address and a digest of the username, never what was typed. Commits."""
    username = normalise_username(username)[:USERNAME_MAX]
    client_ip = (client_ip or "unknown")[:CLIENT_IP_MAX]
    now = now or utcnow()
    retry_after = await _retry_after(db_session, username=username, client_ip=client_ip,
                                     throttle=throttle, now=now)
    if retry_after is not None:
        await db_session.rollback()
        log.warning("sign-in refused from %s (account #%s): wait %d s after failures",
                    client_ip, _digest(username), retry_after)
        raise TooManyAttempts(retry_after)
    staff = await get_by_username(db_session=db_session, username=username)
    await db_session.commit()  # no transaction (SQLite: no write lock) while hashing

    if staff is None:
        await asyncio.to_thread(security.hashing.burn, password)
        valid = False
    else:
        valid = await asyncio.to_thread(security.hashing.verify, staff.password_hash, password)
    if staff is None or not valid or not staff.active:
        await db_session.execute(delete(LoginFailure)
                                 .where(LoginFailure.created_at <= now - throttle.window))
        db_session.add(LoginFailure(username=username, client_ip=client_ip, created_at=now))
        await db_session.commit()
        log.warning("sign-in failed from %s (account #%s)", client_ip, _digest(username))
        raise InvalidCredentials("wrong username or password")

    if security.hashing.needs_rehash(staff.password_hash):  # the hashing parameters were raised
        staff.password_hash = await asyncio.to_thread(security.hashing.hash, password)
    await db_session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                        LoginFailure.client_ip == client_ip))
    await db_session.commit()
    return staff


def _digest(username: str) -> str:
    """A short digest of a username for logs: attempts on one account can be told apart, but
    what was typed (perhaps a password in the wrong field) is not written down."""
    return hashlib.sha256(username.encode("utf-8")).hexdigest()[:12]


async def _retry_after(db_session: AsyncSession, *, username: str, client_ip: str,
                       throttle: LoginThrottle, now: datetime) -> int | None:
    """Seconds this address has to wait before trying this username again, or None. Past the
    limit, the wait after the latest failure is the back-off, doubled for each failure over
    the limit (capped)."""
    waits = []
    for where, limit in (((LoginFailure.username == username,
                           LoginFailure.client_ip == client_ip), throttle.max_failures),
                         ((LoginFailure.client_ip == client_ip,),
                          throttle.max_failures_per_address)):
        times = list((await db_session.execute(
            select(LoginFailure.created_at)
            .where(*where, LoginFailure.created_at > now - throttle.window)
            .order_by(LoginFailure.created_at)
        )).scalars())
        if len(times) >= limit:
            wait = min(throttle.backoff * 2 ** (len(times) - limit), throttle.backoff_max)
            free_at = times[-1] + wait
            if free_at > now:
                waits.append(max(1, math.ceil((free_at - now).total_seconds())))
    return max(waits) if waits else None


async def start_session(*, db_session: AsyncSession, staff: Staff, kind: CredentialKind,
                        lifetime: timedelta, now: datetime | None = None) -> SignIn:
    """A new sign-in for `staff` (a console session gets its CSRF token too); expired sign-ins
    of anyone are cleared on the way. Commits."""
    now = now or utcnow()
    await db_session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    token = security.new_token()
    session = StaffSession(
        staff_id=staff.id, kind=kind, token_hash=security.token_digest(token),
        csrf_token=security.new_token() if kind == CredentialKind.console else None,
        created_at=now, expires_at=now + lifetime,
    )
    db_session.add(session)
    await db_session.commit()
    log.info("%s: %s signed in", staff.username, kind)
    return SignIn(token=token, session=session)


async def resolve(*, db_session: AsyncSession, token: str, kind: CredentialKind,
                  now: datetime | None = None) -> StaffSession | None:
    """The live sign-in of this kind with this secret, its active account loaded; None if
    there is none, it expired or the account is deactivated."""
    now = now or utcnow()
    statement = (select(StaffSession)
                 .where(StaffSession.token_hash == security.token_digest(token),
                        StaffSession.kind == kind, StaffSession.expires_at > now)
                 .options(joinedload(StaffSession.staff)))
    session = (await db_session.execute(statement)).scalar_one_or_none()
    if session is None or not session.staff.active:
        return None
    return session


async def end_session(*, db_session: AsyncSession, token: str, kind: CredentialKind) -> bool:
    """Sign out: the sign-in with this secret ends. False if there was none. Commits."""
    result = await db_session.execute(
        delete(StaffSession).where(StaffSession.token_hash == security.token_digest(token),
                                   StaffSession.kind == kind)
    )
    await db_session.commit()
    return rowcount(result) > 0
