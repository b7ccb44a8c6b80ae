"""Request bodies for tests: a valid repair ticket, with anything overridden."""

from __future__ import annotations

from typing import Any

PHONE = "13812345678"
ADDRESS = "上海市浦东新区世纪大道100号 12楼"


def customer(channel: str = "telegram", chat_id: str = "42", **overrides: Any) -> dict:
    return {"channel": channel, "chat_id": chat_id, "display_name": "李雷",
            "language": "zh-Hans", **overrides}


def ticket_body(customer_overrides: dict | None = None, **overrides: Any) -> dict:
    body = {
        "customer": customer(**(customer_overrides or {})),
        "type": "repair",
        "product": "冰箱",
        "description": "冷藏室不制冷，有异响",
        "error_code": "E5",
        "phone": PHONE,
        "address": ADDRESS,
        "preferred_time": "周六上午",
        "priority": None,
    }
    body.update(overrides)
    return body
