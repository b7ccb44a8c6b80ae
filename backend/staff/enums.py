"""Staff vocabulary: roles, and the two kinds of credential a sign-in gives."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    agent = "agent"  # 客服: answers customers, moves tickets along
    dispatcher = "dispatcher"  # 调度员: assigns tickets to technicians
    technician = "technician"  # 维修/安装人员: sees and works on the tickets assigned to them
    supervisor = "supervisor"  # 售后服务管理师: everything on tickets
    admin = "admin"  # accounts and the knowledge base, besides everything on tickets


ALL_ROLES = frozenset(Role)


class CredentialKind(StrEnum):
    """A sign-in's credential: a bearer token for the API, or the console's session cookie."""

    api_token = "api_token"
    console = "console"


# The static STAFF_API_TOKEN acts as an admin of this name ("staff:api" in ticket records); no
# account may take it.
STATIC_TOKEN_USERNAME = "api"
