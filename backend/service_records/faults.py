"""The fault categories a technician records on completing a job: a fixed list per product
category (the canonical names of backend.knowledge.enums.PRODUCTS), for the quality
statistics, each a code and its names in the customer's three languages.

A category's list is its own faults (`AC-LEAK`), then the ones every appliance can have
(`INSTALL`, `MISUSE`, `NFF`, `OTHER`); an installation may also be recorded as `INSTALLED`
(a new appliance installed, nothing wrong). A ticket without a category gets the common ones.
Codes are never renamed: the statistics count them.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.knowledge.enums import PRODUCTS, canonical_product
from backend.service_records.schemas import Names


@dataclass(frozen=True)
class Fault:
    code: str
    zh_hans: str
    zh_hant: str
    en: str

    @property
    def names(self) -> Names:
        return Names.of(self.zh_hans, self.zh_hant, self.en)


def _faults(*rows: tuple[str, str, str, str]) -> tuple[Fault, ...]:
    return tuple(Fault(*row) for row in rows)


_PCB = ("控制板故障", "控制板故障", "Control board (PCB) fault")
_SENSOR = ("传感器故障", "感應器故障", "Sensor fault")
_MOTOR = ("电机故障", "馬達故障", "Motor fault")
_LEAK = ("漏水", "漏水", "Water leak")

# Each category's own faults; codes start with the fee standard's prefix of the category.
SPECIFIC: dict[str, tuple[Fault, ...]] = {
    "空调": _faults(
        ("AC-LEAK", "制冷剂泄漏", "冷媒洩漏", "Refrigerant leak"),
        ("AC-COMP", "压缩机故障", "壓縮機故障", "Compressor fault"),
        ("AC-PCB", "电脑板（控制板）故障", "電腦板（控制板）故障", "PCB / control board fault"),
        ("AC-FAN", "风扇电机故障", "風扇馬達故障", "Fan motor fault"),
        ("AC-SENSOR", *_SENSOR),
        ("AC-DRAIN", "排水故障（滴水）", "排水故障（滴水）", "Drainage fault (dripping)")),
    "冰箱": _faults(
        ("RF-LEAK", "制冷剂泄漏", "冷媒洩漏", "Refrigerant leak"),
        ("RF-COMP", "压缩机故障", "壓縮機故障", "Compressor fault"),
        ("RF-PCB", *_PCB),
        ("RF-FAN", "风扇电机故障", "風扇馬達故障", "Fan motor fault"),
        ("RF-SENSOR", "温度传感器故障", "溫度感應器故障", "Temperature sensor fault"),
        ("RF-DEFROST", "化霜系统故障", "除霜系統故障", "Defrost system fault"),
        ("RF-SEAL", "门封条老化", "門封條老化", "Door seal worn")),
    "洗衣机": _faults(
        ("WM-MOTOR", *_MOTOR),
        ("WM-PCB", *_PCB),
        ("WM-DRAIN", "排水故障", "排水故障", "Drain fault (pump or hose)"),
        ("WM-INLET", "进水故障", "入水故障", "Water inlet fault"),
        ("WM-BEARING", "轴承损坏", "軸承損壞", "Bearing worn"),
        ("WM-LOCK", "门锁故障", "門鎖故障", "Door lock fault"),
        ("WM-SENSOR", "水位传感器故障", "水位感應器故障", "Water level sensor fault")),
    "热水器": _faults(
        ("WH-HEATER", "加热管故障", "加熱管故障", "Heating element fault"),
        ("WH-THERMO", "温控器故障", "溫控器故障", "Thermostat fault"),
        ("WH-IGNITION", "点火故障", "點火故障", "Ignition fault"),
        ("WH-LEAK", *_LEAK),
        ("WH-PCB", *_PCB),
        ("WH-SENSOR", *_SENSOR),
        ("WH-ANODE", "镁棒耗尽", "鎂棒耗盡", "Anode rod used up")),
    "电视": _faults(
        ("TV-PANEL", "显示屏故障", "顯示屏故障", "Display panel fault"),
        ("TV-POWER", "电源板故障", "電源板故障", "Power board fault"),
        ("TV-MAIN", "主板故障", "主板故障", "Main board fault"),
        ("TV-BACKLIGHT", "背光故障", "背光故障", "Backlight fault"),
        ("TV-SIGNAL", "信号接收故障", "訊號接收故障", "Signal reception fault"),
        ("TV-SYSTEM", "系统故障", "系統故障", "System software fault")),
    "油烟机": _faults(
        ("RH-MOTOR", *_MOTOR),
        ("RH-SWITCH", "开关或控制板故障", "開關或控制板故障", "Switch or control board fault"),
        ("RH-OIL", "漏油", "漏油", "Oil leak"),
        ("RH-NOISE", "异响或振动", "異響或震動", "Noise or vibration"),
        ("RH-LIGHT", "照明灯故障", "照明燈故障", "Light fault")),
    "燃气灶": _faults(
        ("GS-IGNITION", "点火故障", "點火故障", "Ignition fault"),
        ("GS-FFD", "熄火保护故障", "熄火保護故障", "Flame failure device fault"),
        ("GS-VALVE", "阀门故障", "閥門故障", "Valve fault"),
        ("GS-GASLEAK", "燃气泄漏", "燃氣洩漏", "Gas leak"),
        ("GS-BURNER", "炉头堵塞", "爐頭堵塞", "Burner blocked")),
    "洗碗机": _faults(
        ("DW-PUMP", "水泵故障", "水泵故障", "Pump fault"),
        ("DW-HEATER", "加热故障", "加熱故障", "Heating fault"),
        ("DW-PCB", *_PCB),
        ("DW-LEAK", *_LEAK),
        ("DW-INLET", "进水故障", "入水故障", "Water inlet fault"),
        ("DW-SPRAY", "喷臂堵塞", "噴臂堵塞", "Spray arm blocked")),
    "微波炉": _faults(
        ("MW-MAGNETRON", "磁控管故障", "磁控管故障", "Magnetron fault"),
        ("MW-PCB", *_PCB),
        ("MW-DOOR", "门开关故障", "門開關故障", "Door switch fault"),
        ("MW-TURNTABLE", "转盘故障", "轉盤故障", "Turntable fault"),
        ("MW-HV", "高压元件故障", "高壓元件故障", "High-voltage component fault")),
    "净水器": _faults(
        ("WP-FILTER", "滤芯到期", "濾芯到期", "Filter cartridge expired"),
        ("WP-PUMP", "增压泵故障", "增壓泵故障", "Booster pump fault"),
        ("WP-LEAK", *_LEAK),
        ("WP-VALVE", "电磁阀故障", "電磁閥故障", "Solenoid valve fault"),
        ("WP-PCB", *_PCB)),
    "干衣机": _faults(
        ("DR-HEATER", "加热故障", "加熱故障", "Heating fault"),
        ("DR-MOTOR", *_MOTOR),
        ("DR-BELT", "皮带断裂", "皮帶斷裂", "Drive belt broken"),
        ("DR-SENSOR", *_SENSOR),
        ("DR-PCB", *_PCB),
        ("DR-VENT", "排气堵塞", "排氣堵塞", "Vent or lint blocked")),
    "烤箱": _faults(
        ("OV-HEATER", "发热管故障", "發熱管故障", "Heating element fault"),
        ("OV-THERMO", "温控故障", "溫控故障", "Temperature control fault"),
        ("OV-FAN", "风扇故障", "風扇故障", "Fan fault"),
        ("OV-PCB", *_PCB),
        ("OV-DOOR", "门铰或门封故障", "門鉸或門封故障", "Door hinge or seal fault")),
    "扫地机器人": _faults(
        ("RV-BATTERY", "电池故障", "電池故障", "Battery fault"),
        ("RV-MOTOR", *_MOTOR),
        ("RV-SENSOR", *_SENSOR),
        ("RV-BRUSH", "滚刷或边刷损坏", "滾刷或邊刷損壞", "Brush worn"),
        ("RV-WHEEL", "驱动轮故障", "驅動輪故障", "Drive wheel fault"),
        ("RV-PCB", "主板故障", "主板故障", "Main board fault")),
}
assert set(SPECIFIC) == set(PRODUCTS), "a fault list for every product category"

# What any appliance may have.
COMMON = _faults(
    ("INSTALL", "安装不当", "安裝不當", "Installation fault"),
    ("MISUSE", "使用不当", "使用不當", "User misuse"),
    ("NFF", "未发现故障", "未發現故障", "No fault found"),
    ("OTHER", "其他故障", "其他故障", "Other fault"),
)
# An installation with nothing wrong.
INSTALLED = Fault("INSTALLED", "新机安装（无故障）", "新機安裝（無故障）",
                  "New installation (no fault)")


def for_category(category: str | None, ticket_type: str | None = None) -> tuple[Fault, ...]:
    """The fault categories a job on this product category may be recorded with (any
    spelling of the category; an unknown one or None: the common ones)."""
    own = SPECIFIC.get(canonical_product(category)) if category else None
    listed = (own or ()) + COMMON
    return (INSTALLED, *listed) if ticket_type == "installation" else listed


def find(category: str | None, code: str, ticket_type: str | None = None) -> Fault | None:
    """The fault of this code if a job on this category may be recorded with it."""
    wanted = code.strip().upper()
    return next((f for f in for_category(category, ticket_type) if f.code == wanted), None)
