"""The fee standard (收费标准, backend/fees/): per region (Mainland, Hong Kong, Taiwan) its
currency, the visit fee (上门费), whether a customer who declines the quote pays it, and the
labour items per product category and repair type, each with a code, names in three languages
and a price in minor units. Versions: a change is a new row of `fee_standards` with its own
items; none is ever changed. Version 1 of each region is seeded below as data (plausible
prices in the spirit of the big Mainland brands' published standards, sample data like the
knowledge base's), in force since long before any ticket.

The knowledge base's fee answers become templates filled from the standard in force when
asked (backend/knowledge/fee_answers.py). Every fee answer that is still, word for word, one
of the old seed answers (known by its SHA-256) becomes the current seed's answer for the same
city and language; answers staff wrote or edited stay as they are. The downgrade puts the old
seed answers back where the current seed's templates are still untouched, and drops the
tables.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from backend.knowledge.seed import load_seed

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)
SEEDED_FROM = datetime(2000, 1, 1, tzinfo=UTC)
SEED_REASON = "默认收费标准（示例数据）Default fee standard (sample data)"

# region: currency, visit fee (major units)
REGIONS = {"mainland": ("CNY", 30), "hong_kong": ("HKD", 250), "taiwan": ("TWD", 600)}
# category: code prefix, zh-Hans, zh-Hant (Hong Kong), zh-Hant (Taiwan), en
CATEGORIES = {
    "空调": ("AC", "空调", "冷氣", "冷氣", "Air conditioner"),
    "冰箱": ("RF", "冰箱", "雪櫃", "冰箱", "Fridge"),
    "洗衣机": ("WM", "洗衣机", "洗衣機", "洗衣機", "Washing machine"),
    "热水器": ("WH", "热水器", "熱水爐", "熱水器", "Water heater"),
    "电视": ("TV", "电视", "電視", "電視", "TV"),
    "油烟机": ("RH", "油烟机", "抽油煙機", "排油煙機", "Range hood"),
    "燃气灶": ("GS", "燃气灶", "煤氣爐", "瓦斯爐", "Gas stove"),
    "洗碗机": ("DW", "洗碗机", "洗碗碟機", "洗碗機", "Dishwasher"),
    "微波炉": ("MW", "微波炉", "微波爐", "微波爐", "Microwave"),
    "净水器": ("WP", "净水器", "濾水器", "淨水器", "Water purifier"),
    "干衣机": ("DR", "干衣机", "乾衣機", "乾衣機", "Dryer"),
    "烤箱": ("OV", "烤箱", "焗爐", "烤箱", "Oven"),
    "扫地机器人": ("RV", "扫地机器人", "掃地機械人", "掃地機器人", "Robot vacuum"),
}
# repair type: code suffix, zh-Hans, zh-Hant (Hong Kong), zh-Hant (Taiwan), en
TYPES = {
    "diagnosis": ("DIAG", "检测", "檢查", "檢測", "diagnosis"),
    "minor_repair": ("MINOR", "小修", "小修", "小修", "minor repair"),
    "major_repair": ("MAJOR", "大修", "大修", "大修", "major repair"),
    "refrigerant_recharge": ("GAS", "加氟", "加雪種", "補充冷媒", "refrigerant recharge"),
    "installation": ("INST", "安装", "安裝", "安裝", "installation"),
    "removal": ("REM", "拆机", "拆機", "拆機", "removal"),
    "relocation": ("MOVE", "移机", "移機", "移機", "relocation"),
}
# category: repair type: price in CNY, HKD, TWD (major units; None: not offered there). Hong
# Kong's and Taiwan's visit fee includes the diagnosis.
_D = {"diagnosis": (30, None, None)}
PRICES: dict[str, dict[str, tuple[int | None, int | None, int | None]]] = {
    "空调": {**_D, "minor_repair": (80, 350, 900), "major_repair": (150, 600, 1800),
           "refrigerant_recharge": (150, 500, 1500), "installation": (150, 800, 2000),
           "removal": (100, 400, 1000), "relocation": (250, 1000, 2500)},
    "冰箱": {**_D, "minor_repair": (80, 350, 900), "major_repair": (180, 650, 2000),
           "refrigerant_recharge": (180, 600, 1800)},
    "洗衣机": {**_D, "minor_repair": (60, 300, 800), "major_repair": (120, 550, 1600),
            "installation": (50, 300, 600)},
    "热水器": {**_D, "minor_repair": (60, 300, 800), "major_repair": (120, 550, 1600),
            "installation": (100, 500, 1200), "relocation": (150, 700, 1500)},
    "电视": {**_D, "minor_repair": (80, 350, 900), "major_repair": (200, 650, 2000),
           "installation": (100, 400, 1000)},
    "油烟机": {**_D, "minor_repair": (60, 300, 800), "major_repair": (120, 550, 1500),
            "installation": (150, 600, 1500)},
    "燃气灶": {**_D, "minor_repair": (50, 300, 800), "major_repair": (100, 500, 1200),
            "installation": (80, 400, 1000)},
    "洗碗机": {**_D, "minor_repair": (80, 350, 900), "major_repair": (150, 600, 1800),
            "installation": (150, 600, 1500)},
    "微波炉": {**_D, "minor_repair": (50, 300, 800), "major_repair": (100, 450, 1200)},
    "净水器": {**_D, "minor_repair": (50, 300, 800), "major_repair": (80, 450, 1200),
            "installation": (100, 400, 1000)},
    "干衣机": {**_D, "minor_repair": (60, 300, 800), "major_repair": (120, 550, 1600),
            "installation": (80, 400, 1000)},
    "烤箱": {**_D, "minor_repair": (60, 300, 800), "major_repair": (120, 500, 1500),
           "installation": (100, 400, 1000)},
    "扫地机器人": {**_D, "minor_repair": (50, 300, 800), "major_repair": (100, 450, 1200)},
}

STANDARDS = sa.table(
    "fee_standards", sa.column("id", sa.Integer()), sa.column("region", sa.String()),
    sa.column("version", sa.Integer()), sa.column("currency", sa.String()),
    sa.column("visit_fee", sa.Integer()), sa.column("declined_quote_pays_visit", sa.Boolean()),
    sa.column("effective_from", TZ_DATETIME), sa.column("changed_by", sa.String()),
    sa.column("reason", sa.String()), sa.column("created_at", TZ_DATETIME))
ENTRIES = sa.table("knowledge_entries", sa.column("id", sa.Integer()),
                   sa.column("topic", sa.String()), sa.column("city", sa.String()),
                   sa.column("language", sa.String()), sa.column("answer", sa.Text()))

# The fee answers as seeded before this revision: (city, language) -> answer.
OLD_TEXTS: dict[tuple[str | None, str], str] = {
    (None, 'zh-Hans'): (
        '维修收费标准（中国内地，人民币）：\n'
        '· 保修期内的质量故障：上门、检测、人工、配件全部免费。\n'
        '· 保修期外：上门费 30 元（市区；郊区 50 元）；检测费 30 元（确定维修后免收）；人工费按产品：\n'
        '  空调 80–150 元｜冰箱 80–150 元｜洗衣机 60–120 元｜热水器 60–120 元｜电视 80–200 元｜油烟机 60–120 元｜燃气灶 50–100 元｜洗碗机 80–150 元｜微波炉 50–100 元｜净水器 50–80 元\n'
        '· 配件按公布的价格收取（可以问我“配件价格”）。\n'
        '· 师傅维修前先报价，您同意后才维修；维修后开具收费单据，更换的配件保修 90 天。\n'
        '香港、台北的收费以当地服务中心为准，告诉我城市即可查询。'),
    (None, 'zh-Hant'): (
        '維修收費標準（中國內地，人民幣）：\n'
        '· 保固（保養）期內的品質故障：上門、檢測、人工、零件全部免費。\n'
        '· 保固期外：上門費 30 元（市區；郊區 50 元）；檢測費 30 元（確定維修後免收）；人工費按產品：\n'
        '  冷氣 80–150 元｜雪櫃 80–150 元｜洗衣機 60–120 元｜熱水爐 60–120 元｜電視 80–200 元｜抽油煙機 60–120 元｜煤氣爐 50–100 元｜洗碗碟機 80–150 元｜微波爐 50–100 元｜濾水器 50–80 元\n'
        '· 零件按公佈的價格收取（可以問我「零件價格」）。\n'
        '· 師傅維修前先報價，您同意後才維修；維修後開具收費單據，更換的零件保固 90 天。\n'
        '香港、台北的收費以當地服務中心為準，告訴我城市就可以查詢。'),
    (None, 'en'): (
        'Repair fees (mainland China, RMB):\n'
        '• Quality faults under warranty: free — call-out, inspection, labour and parts.\n'
        '• Out of warranty: call-out ¥30 (city; suburbs ¥50); inspection ¥30 (waived if you go ahead with the repair); labour by product:\n'
        '  air conditioner ¥80–150 | fridge ¥80–150 | washing machine ¥60–120 | water heater ¥60–120 | TV ¥80–200 | range hood ¥60–120 | gas stove ¥50–100 | dishwasher ¥80–150 | microwave ¥50–100 | water purifier ¥50–80\n'
        '• Parts at the published prices (ask me about "spare part prices").\n'
        '• The technician quotes before repairing and goes ahead only with your consent; you get a receipt, and replaced parts are guaranteed for 90 days.\n'
        'Hong Kong and Taipei have their own local fees: tell me the city.'),
    ('香港', 'zh-Hans'): (
        '香港维修收费（港币）：保修期内的质量故障全部免费。保修期外：上门费 HK$250（含检测）；人工费 HK$300–600，视产品和维修项目而定；配件另计。师傅维修前先报价，您同意后才维修；更换的配件保修 90 天。查询或预约请致电香港服务中心（可以问我“香港网点”）。'),
    ('香港', 'zh-Hant'): (
        '香港維修收費（港幣）：保養期內的品質故障全部免費。保養期外：上門費 HK$250（包檢查）；人工費 HK$300–600，視乎產品及維修項目；零件另計。師傅維修前會先報價，你同意後先會維修；更換的零件保養 90 日。查詢或預約請致電香港服務中心（可以問我「香港服務中心」）。'),
    ('香港', 'en'): (
        'Repair fees in Hong Kong (HKD): quality faults under warranty are free. Out of warranty: call-out HK$250 (inspection included); labour HK$300–600 depending on the product and the job; parts extra. The technician quotes before repairing and goes ahead only with your consent; replaced parts are guaranteed for 90 days. To ask or book, call the Hong Kong service centre (ask me for "Hong Kong service centres").'),
    ('台北', 'zh-Hans'): (
        '台北维修收费（新台币）：保修期内的质量故障全部免费。保修期外：上门检测费 NT$600；维修工资 NT$800–2,000，视产品和维修项目而定；配件另计。技师维修前先报价，您同意后才维修；更换的配件保修 90 天。查询或预约请致电台北服务中心（可以问我“台北网点”）。'),
    ('台北', 'zh-Hant'): (
        '台北維修收費（新台幣）：保固期內的品質故障全部免費。保固期外：到府檢測費 NT$600；維修工資 NT$800–2,000，依產品及維修項目而定；零件另計。技師維修前會先報價，您同意後才維修；更換的零件保固 90 天。查詢或預約請致電台北服務中心（可以問我「台北服務中心」）。'),
    ('台北', 'en'): (
        'Repair fees in Taipei (TWD): quality faults under warranty are free. Out of warranty: home visit and inspection NT$600; labour NT$800–2,000 depending on the product and the job; parts extra. The technician quotes before repairing and goes ahead only with your consent; replaced parts are guaranteed for 90 days. To ask or book, call the Taipei service centre (ask me for "Taipei service centres").'),}
# SHA-256 of an old seed answer -> (topic, product, city, language, which of that key's seed
# entries, in seed order), as 0018 has them.
OLD_ANSWERS = {hashlib.sha256(text.encode("utf-8")).hexdigest(): ("fee", None, city, language, 0)
               for (city, language), text in OLD_TEXTS.items()}


def _items(region: str) -> list[dict]:
    column = list(REGIONS).index(region)
    rows = []
    for category, types in PRICES.items():
        prefix, hans, hk, tw, en = CATEGORIES[category]
        for repair_type, prices in types.items():
            price = prices[column]
            if price is None:
                continue
            suffix, t_hans, t_hk, t_tw, t_en = TYPES[repair_type]
            hant, t_hant = (tw, t_tw) if region == "taiwan" else (hk, t_hk)
            rows.append({"code": f"{prefix}-{suffix}", "category": category,
                         "repair_type": repair_type, "name_zh_hans": hans + t_hans,
                         "name_zh_hant": hant + t_hant, "name_en": f"{en} {t_en}",
                         "price": price * 100})
    return rows


def upgrade() -> None:
    op.create_table(
        "fee_standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("visit_fee", sa.Integer(), nullable=False),
        sa.Column("declined_quote_pays_visit", sa.Boolean(), nullable=False),
        sa.Column("effective_from", TZ_DATETIME, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fee_standards"),
        sa.UniqueConstraint("region", "version", name="uq_fee_standards_region_version"),
        sa.CheckConstraint("visit_fee >= 0", name="ck_fee_standards_visit_fee_not_negative"),
    )
    op.create_index("ix_fee_standards_region_effective_from", "fee_standards",
                    ["region", "effective_from"])
    items = op.create_table(
        "fee_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("repair_type", sa.String(32), nullable=False),
        sa.Column("name_zh_hans", sa.String(100), nullable=False),
        sa.Column("name_zh_hant", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fee_items"),
        sa.UniqueConstraint("standard_id", "code", name="uq_fee_items_standard_id_code"),
        sa.CheckConstraint("price >= 0", name="ck_fee_items_price_not_negative"),
        sa.ForeignKeyConstraint(["standard_id"], ["fee_standards.id"], ondelete="CASCADE",
                                name="fk_fee_items_standard_id_fee_standards"),
    )
    op.create_index("ix_fee_items_standard_id", "fee_items", ["standard_id"])

    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    # Stored as naive UTC on SQLite, like backend.kernel.database.UTCDateTime.
    since, now = SEEDED_FROM, datetime.now(UTC)
    if sqlite:
        since, now = since.replace(tzinfo=None), now.replace(tzinfo=None)
    for region, (currency, visit_fee) in REGIONS.items():
        standard_id = connection.execute(sa.insert(STANDARDS).values(
            region=region, version=1, currency=currency, visit_fee=visit_fee * 100,
            declined_quote_pays_visit=True, effective_from=since, changed_by="seed",
            reason=SEED_REASON, created_at=now).returning(STANDARDS.c.id)).scalar_one()
        op.bulk_insert(items, [{**row, "standard_id": standard_id} for row in _items(region)])
    _replace_answers(connection)


def _replace_answers(connection) -> None:
    """Old seed fee answers, untouched, become the current seed's templates."""
    current: dict[tuple, list[str]] = defaultdict(list)
    for row in load_seed(with_sample=True):
        current[row["topic"], row["product"], row["city"], row["language"]].append(row["answer"])
    for entry_id, answer in connection.execute(
            sa.select(ENTRIES.c.id, ENTRIES.c.answer).where(ENTRIES.c.topic == "fee")).all():
        old = OLD_ANSWERS.get(hashlib.sha256(answer.encode("utf-8")).hexdigest())
        if old is None:
            continue
        *key, index = old
        answers = current.get(tuple(key), [])
        if index < len(answers):
            connection.execute(sa.update(ENTRIES).where(ENTRIES.c.id == entry_id)
                               .values(answer=answers[index]))


def downgrade() -> None:
    """The current seed's fee templates, untouched, become the old answers again (the code
    before this revision would show their {placeholders} unfilled)."""
    connection = op.get_bind()
    templates = {(row["city"], row["language"]): row["answer"]
                 for row in load_seed() if row["topic"] == "fee"}
    for key, text in OLD_TEXTS.items():
        if key in templates:
            city, language = key
            city_is = ENTRIES.c.city.is_(None) if city is None else ENTRIES.c.city == city
            connection.execute(sa.update(ENTRIES).where(
                ENTRIES.c.topic == "fee", city_is, ENTRIES.c.language == language,
                ENTRIES.c.answer == templates[key]).values(answer=text))
    op.drop_table("fee_items")
    op.drop_table("fee_standards")
