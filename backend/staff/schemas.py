"""What the staff and sign-in routes accept and return."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from backend.staff.enums import STATIC_TOKEN_USERNAME, Role
from backend.text import clean, has_control

USERNAME_MAX = 64
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
PASSWORD_MIN, PASSWORD_MAX = 10, 256
DISPLAY_NAME_MAX = 100
# Words the ticket queue's assignee filter gives a meaning: "me" (the caller), "none".
RESERVED_USERNAMES = frozenset({"me", "none"})


def normalise_username(value: str) -> str:
    """Usernames are case-insensitive: stored and compared in lower case."""
    return value.strip().lower()


def check_username(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = normalise_username(value)
    if not USERNAME_PATTERN.match(value):
        raise ValueError("2 to 64 characters: letters, digits, '.', '_' or '-', starting "
                         "with a letter or digit")
    if value == STATIC_TOKEN_USERNAME:
        raise ValueError(f"{STATIC_TOKEN_USERNAME!r} is reserved (the static staff token acts "
                         "under it)")
    if value in RESERVED_USERNAMES:
        raise ValueError(f"{value!r} is reserved (the queue's assignee filter uses it)")
    return value


PASSWORD_RULE = f"at least {PASSWORD_MIN} characters"
# 工号: letters, digits and inner '-', kept in upper case ("t-0012" is T-0012).
STAFF_NUMBER_MAX = 16
STAFF_NUMBER_PATTERN = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]{0,14}[A-Z0-9])?$")
STAFF_NUMBER_RULE = ("the staff number (工号, e.g. T-0012): up to 16 letters, digits and '-', "
                     "unique; null or \"\" removes it")
OUTLET_RULE = ("the id of the active outlet (服务网点) they work at: a dispatcher's low-stock "
               "alerts are its; null removes it")
OutletId = Annotated[StrictInt | None, Field(ge=1, le=2**31 - 1, description=OUTLET_RULE)]
# The fields a change may set to null (removing them).
NULLABLE = frozenset({"staff_number", "outlet_id"})


def check_staff_number(value: object) -> object:
    """Upper case, trimmed; "" (no number) is None."""
    if not isinstance(value, str):
        return value
    value = value.strip().upper()
    if not value:
        return None
    if not STAFF_NUMBER_PATTERN.match(value):
        raise ValueError("up to 16 letters, digits and '-' (not first or last), e.g. T-0012")
    return value


class StaffCreate(BaseModel):
    username: str = Field(description="case-insensitive, kept in lower case")
    display_name: str | None = Field(default=None, max_length=DISPLAY_NAME_MAX,
                                     description="defaults to the username")
    role: Role
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX,
                          description=PASSWORD_RULE)
    staff_number: str | None = Field(default=None, description=STAFF_NUMBER_RULE)
    outlet_id: OutletId = None

    _staff_number = field_validator("staff_number", mode="before")(check_staff_number)

    @field_validator("username", mode="before")
    @classmethod
    def _username(cls, value: object) -> object:
        return check_username(value)

    @field_validator("display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean(value) or None if isinstance(value, str) else value


class StaffUpdate(BaseModel):
    """Only the fields given change (`staff_number` null or "", `outlet_id` null: removed). A
    new password or deactivation ends the account's sign-ins."""

    display_name: str | None = Field(default=None, min_length=1, max_length=DISPLAY_NAME_MAX)
    role: Role | None = None
    active: StrictBool | None = None  # true or false, not 0 or "no"
    password: str | None = Field(default=None, min_length=PASSWORD_MIN,
                                 max_length=PASSWORD_MAX, description=PASSWORD_RULE)
    staff_number: str | None = Field(default=None, description=STAFF_NUMBER_RULE)
    outlet_id: OutletId = None

    _staff_number = field_validator("staff_number", mode="before")(check_staff_number)

    @field_validator("display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean(value)

    @model_validator(mode="after")
    def _something(self) -> StaffUpdate:
        given = {name for name in self.model_fields_set
                 if getattr(self, name) is not None or name in NULLABLE}
        if not given:
            raise ValueError("give at least one of display_name, role, active, password, "
                             "staff_number, outlet_id")
        return self


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    staff_number: str | None = None
    outlet_id: int | None = None
    role: Role
    active: bool
    created_at: datetime


class LoginRequest(BaseModel):
    """A sign-in, as a form (`application/x-www-form-urlencoded`) or JSON. Not held to the
    username rules: any wrong name is just a failed attempt."""

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)

    @field_validator("username")
    @classmethod
    def _no_control(cls, value: str) -> str:
        if has_control(value):  # PostgreSQL refuses NUL even in a lookup: a 500 otherwise
            raise ValueError("control characters are not allowed")
        return value


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    expires_in: int = Field(description="seconds")


class ConsoleSessionOut(BaseModel):
    """The signed-in console user, and the token their pages send as `X-CSRF-Token` (or the
    form field `csrf_token`) with every POST, PUT, PATCH and DELETE."""

    username: str
    display_name: str
    role: Role
    outlet_id: int | None = None  # the outlet they work at (a dispatcher: its stock alerts)
    csrf_token: str
    expires_at: datetime
