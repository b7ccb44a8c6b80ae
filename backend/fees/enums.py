"""Fee vocabulary: the kinds of paid work a labour item prices, and each region's currency."""

from __future__ import annotations

from enum import StrEnum

from backend.kernel.money import Currency
from backend.products.enums import Region


class RepairType(StrEnum):
    """What a labour item is for. The knowledge base's fee answers group them (diagnosis;
    repairs; installation work: backend/knowledge/fees.yml)."""

    diagnosis = "diagnosis"  # 检测 (where the visit fee does not include it)
    minor_repair = "minor_repair"  # 小修: a small part, an adjustment
    major_repair = "major_repair"  # 大修: a main part (compressor, motor, board)
    refrigerant_recharge = "refrigerant_recharge"  # 加氟
    installation = "installation"  # 安装
    removal = "removal"  # 拆机
    relocation = "relocation"  # 移机: removed and installed again elsewhere


# What each region pays in (the regions of the warranty policies).
CURRENCIES: dict[Region, Currency] = {
    Region.mainland: Currency.CNY,
    Region.hong_kong: Currency.HKD,
    Region.taiwan: Currency.TWD,
}
