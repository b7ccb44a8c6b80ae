"""fields.read_fields on text lines as OCR returns them: typos, full-width characters,
spaces inside and missing between words, scripts mixed within a word, HK/TW wording, a label
without its value, two dates on one invoice. No OCR here: fast."""

from __future__ import annotations

from datetime import date

import pytest

from backend.products.photos.fields import read_fields
from backend.products.photos.layout import Line, rows


def fields(*lines: str, codes: tuple[str, ...] = ()) -> dict[str, object]:
    return read_fields(lines, codes)[1]


def kind(*lines: str, codes: tuple[str, ...] = ()) -> str:
    return read_fields(lines, codes)[0]


def _table(*cells: tuple[str, int, int]) -> list[Line]:
    """Boxes at (left, top), 20 px high, 12 px a character."""
    return [Line(text, (x, y, x + 12 * len(text), y + 20), 0.0, 0.99) for text, x, y in cells]


def test_a_mainland_vat_invoice() -> None:
    """The model under the 规格型号 column's header, the item under 项目名称's."""
    lines = [Line(text) for text in ("电子发票（普通发票）", "发票号码：24442000000012345678",
                                     "开票日期：2024年06月18日", "购买方名称：张伟",
                                     "销售方名称：苏宁易购南京新街口店")]
    lines = [Line(line.text, (20, 30 * i, 20 + 12 * len(line.text), 30 * i + 20), 0.0, 0.99)
             for i, line in enumerate(lines)]
    lines += _table(("项目名称", 20, 160), ("规格型号", 300, 160), ("单位", 560, 160),
                    ("数量", 640, 160), ("*家用电器*格力空调", 20, 190),
                    ("KFR-35GW/BpR3DN1Y-DA400(B3)", 300, 191), ("台", 560, 190),
                    ("1", 640, 190), ("价税合计（小写）¥3999.00", 20, 230))
    found_kind, found = read_fields(lines)
    assert found_kind == "invoice"
    assert found == {"category": "空调", "brand": "格力", "model": "KFR-35GW/BpR3DN1Y-DA400(B3)",
                     "purchase_date": date(2024, 6, 18), "purchased_from": "苏宁易购南京新街口店"}


def test_full_width_characters_and_spaces_inside_a_code() -> None:
    assert fields("型号：ＫＦＲ－３５ＧＷ／ＢｐＲ３ＤＮ１Ｙ")["model"] == "KFR-35GW/BpR3DN1Y"
    assert fields("型 号 : KFR-35GW/ BpR3DN1Y -DA400")["model"] == "KFR-35GW/BpR3DN1Y-DA400"
    assert fields("出厂编号：4A2B 0C91 2345 67 数量 1")["serial"] == "4A2B0C91234567"


def test_o_and_i_read_for_digits_only_between_digits() -> None:
    assert fields("S/N: 12O45I7890")["serial"] == "1204517890"
    assert fields("型号: BCD-2l5TDGA")["model"] == "BCD-215TDGA"  # l between digits
    assert fields("型号: XQG1OO-14586")["model"] == "XQG1OO-14586"  # 1OO-: not both sides digits
    assert fields("开票日期: 2O24-06-18")["purchase_date"] == date(2024, 6, 18)


def test_a_label_without_a_value_takes_no_neighbouring_label() -> None:
    found = fields("型号:", "数量: 1", "出厂编号", "生产日期: 2023-11-02")
    assert "model" not in found and "serial" not in found


def test_a_value_under_its_label_or_next_to_it() -> None:
    assert fields("型号", "BCD-215TDGA")["model"] == "BCD-215TDGA"
    grid = [Line("型号", (10, 10, 60, 30)), Line("BCD-215TDGA", (300, 12, 420, 31))]
    assert read_fields(grid)[1]["model"] == "BCD-215TDGA"


def test_the_invoice_date_wins_over_a_due_date_and_a_delivery_date() -> None:
    assert fields("销售小票", "保修到期：2027-06-18", "销售日期：2024-06-18", "合计 3999.00")[
        "purchase_date"] == date(2024, 6, 18)
    assert fields("TAX INVOICE", "Due date: 18/07/2024", "Invoice date: 18/06/2024", "Total 1")[
        "purchase_date"] == date(2024, 6, 18)
    assert fields("發票 INVOICE", "日期 Date: 18/06/2024",
                  "送貨日期 Delivery date: 22/06/2024")["purchase_date"] == date(2024, 6, 18)


def test_a_date_after_a_word_we_do_not_know_is_not_the_purchase_date() -> None:
    """送达日期 is in no list of ours, and "Doe date" is a Due date misread: some other date."""
    assert "purchase_date" not in fields("销售小票", "送达日期：2024-06-20", "合计 3999.00")
    assert "purchase_date" not in fields("TAX INVOICE", "Puhedatr04-052027", "Doe date 03-06-2022")
    assert fields("發票 INVOICE", "日期 Date: 18/06/2024")["purchase_date"] == date(2024, 6, 18)
    assert fields("發票 INVOICE", "日期Date:18/06/2024")["purchase_date"] == date(2024, 6, 18)
    assert fields("Receipt", "Date 日期: 18/06/2024")["purchase_date"] == date(2024, 6, 18)


def test_an_unlabelled_date_beside_other_text_is_not_taken() -> None:
    """保修到期 misread as 保体对期 is no label of ours: its date is not the purchase date."""
    lines = [Line("销售小票", (20, 10, 140, 30), 0.0, 0.99),
             Line("保体对期", (20, 50, 120, 70), 0.0, 0.99),
             Line("2026年8月13日", (300, 50, 460, 70), 0.0, 0.99)]
    assert "purchase_date" not in read_fields(lines)[1]
    assert "purchase_date" not in fields("销售小票", "保体对期 2026年8月13日")


def test_two_different_purchase_dates_give_none() -> None:
    assert "purchase_date" not in fields("发票", "开票日期：2024-06-18", "开票日期：2024-07-01")


def test_a_nameplate_s_production_date_is_no_purchase_date() -> None:
    found_kind, found = read_fields(["格力 GREE", "房间空气调节器", "型号：KFR-35GW/(35592)FNhAa-B1",
                                     "额定电压：220V~ 50Hz", "生产日期：2024年06月18日",
                                     "出厂编号：4A2B0C91234567"])
    assert found_kind == "nameplate"
    assert found == {"category": "空调", "brand": "格力", "model": "KFR-35GW/(35592)FNhAa-B1",
                     "serial": "4A2B0C91234567"}


def test_a_taiwan_e_invoice() -> None:
    """ROC date; 賣方 is followed by the seller's tax number, no name; the period 113年05-06月
    is no date; 台北市大同區 is an address, not the brand 大同."""
    found = fields("全國電子股份有限公司", "電子發票證明聯", "113年05-06月", "AB-12345678",
                   "日期：民國113年6月18日", "賣方：12345678", "品名：國際牌 變頻冷氣",
                   "型號：CS-PX28FA2", "地址：台北市大同區承德路一段70號")
    assert found == {"category": "空调", "brand": "松下", "model": "CS-PX28FA2",
                     "purchase_date": date(2024, 6, 18), "purchased_from": "全國電子股份有限公司"}


@pytest.mark.parametrize(("printed", "day"), [
    ("113年06月18日", date(2024, 6, 18)), ("113/06/18", date(2024, 6, 18)),
    ("2024-06-18 14:30:00", date(2024, 6, 18)), ("2024-06-1814:30:00", date(2024, 6, 18)),
])
def test_taiwan_dates_without_a_label(printed: str, day: date) -> None:
    assert fields("電子發票證明聯", "113年05-06月", printed, "總計：25900")["purchase_date"] == day


def test_a_hong_kong_receipt_with_a_fridge_and_day_first_dates() -> None:
    found = fields("豐澤電器 Fortress", "發票 INVOICE", "日期 Date: 05/06/2024",
                   "貨品 Item: 樂聲 Panasonic 雪櫃", "型號 Model: NR-B421VG")
    assert found == {"category": "冰箱", "brand": "松下", "model": "NR-B421VG",
                     "purchase_date": date(2024, 6, 5), "purchased_from": "豐澤電器 Fortress"}


def test_ocr_s_hong_kong_fridge_without_its_cabinet() -> None:
    """櫃 is not in the recogniser's characters: 雪櫃 comes back as 雪; OCR also mixes
    scripts within a word (货品, 型号)."""
    assert fields("货品Item樂聲雙門雪", "型号Model:NR-B421VG")["category"] == "冰箱"
    assert "category" not in fields("备注: 雪 天送货")  # not an item's name


def test_english_words_ocr_glued_together() -> None:
    found = fields("SoldbyKowloonElectricCentre", "TAXINVOICE", "Purchasedate:4Mar2021",
                   "ItemAUXAircon", "ModelNo.KFR-35GW/VH3CER9", "SerialNo.:3039619259045642",
                   "Qty1 TotalHK$2,098.00")
    assert found == {"category": "空调", "brand": "奥克斯", "model": "KFR-35GW/VH3CER9",
                     "serial": "3039619259045642", "purchase_date": date(2021, 3, 4),
                     "purchased_from": "Kowloon Electric Centre"}


def test_mixed_languages_on_one_line() -> None:
    found = fields("Receipt 收據", "品名 Product: 美的 Midea 冷氣機 1.5匹", "Date 日期: 18 Jun 2024")
    assert found["brand"] == "美的" and found["category"] == "空调"
    assert found["purchase_date"] == date(2024, 6, 18)


def test_dishwasher_is_not_a_washer() -> None:
    assert fields("Item: BOSCH Dishwasher", "Model: SMS6ZCI00X")["category"] == "洗碗机"


def test_the_category_from_a_national_model_code() -> None:
    assert fields("型号: BCD-215TDGA")["category"] == "冰箱"
    assert fields("型号: XQG100-14586")["category"] == "洗衣机"


def test_a_brand_before_the_model_is_passed_over() -> None:
    assert fields("Model: Samsung WW90T534DAE/SC")["model"] == "WW90T534DAE/SC"
    assert "model" not in fields("Model: Split A/C 12000BTU")


def test_a_model_in_an_item_s_name_where_no_label_says_model() -> None:
    assert fields("發票 INVOICE", "貨品 Item: 樂聲 NR-B421VG 雪櫃")["model"] == "NR-B421VG"
    assert fields("销售小票", "商品：格力空调 KFR-35GW/N8MJA3 1台")["model"] == "KFR-35GW/N8MJA3"
    assert "model" not in fields("Receipt", "Item: AUX Aircon 1.5HP")
    # A labelled one read unsurely is not replaced by a guess from the item's name.
    lines = [Line("商品：格力空调 KFR-35GW/N8MJA3", score=0.99), Line("型号：KFR-35GW/N8MJ", score=0.6)]
    assert "model" not in read_fields(lines)[1]


def test_two_models_give_none() -> None:
    assert "model" not in fields("收据", "型号: BCD-215TDGA", "型号: XQG100-14586")


def test_what_is_no_model_is_refused() -> None:
    assert "model" not in fields("型号: HK$4,999.00")
    assert "model" not in fields("型号: 2024-06-18")
    # "/V" read as "N": an air conditioner's national code has a slash after its unit type.
    assert "model" not in fields("型号: KFR-72LWNJF16-NH822")
    assert "model" not in fields("型号: J5Q20-12GV9")  # JSQ with S read as 5
    assert "model" not in fields("型号: F5049.D6")  # a dash read as a dot
    assert "model" not in fields("型号", "220V~50Hz")  # the rating under a model that was lost


def test_the_brand_label_wins_over_the_maker_s_group() -> None:
    found = fields("品牌：小天鹅", "制造商：美的集团股份有限公司", "型号：TG100V120WDG")
    assert found["brand"] == "小天鹅"


def test_a_shop_named_after_one_brand_and_an_item_of_another() -> None:
    found = fields("销售小票", "门店：格力专卖店", "商品：美的 空调", "型号：KFR-35GW/N8MJA3")
    assert found["brand"] == "美的"


def test_a_receipt_s_header_naming_another_brand_gives_no_brand() -> None:
    """Without an item label, the shop's big header is no product's logo."""
    header = Line("格力专卖店", (20, 10, 260, 50), 0.0, 0.99)
    rest = [Line(text, (20, 70 + 30 * i, 300, 90 + 30 * i), 0.0, 0.99)
            for i, text in enumerate(["销售小票", "美的 空调 KFR-35GW/N8MJA3", "合计 3999.00"])]
    assert "brand" not in read_fields([header, *rest])[1]


def test_a_nameplate_s_logo_is_its_brand() -> None:
    logo = Line("小天鹅", (20, 10, 200, 60), 0.0, 0.99)
    rest = [Line(text, (20, 80 + 30 * i, 420, 100 + 30 * i), 0.0, 0.99)
            for i, text in enumerate(["型号：TG100V120WDG", "额定电压：220V~",
                                      "美的集团股份有限公司 监制"])]
    assert read_fields([logo, *rest])[1]["brand"] == "小天鹅"


def test_a_brand_s_name_as_an_ordinary_word_is_no_brand() -> None:
    assert "brand" not in fields("Receipt", "Item: sharp knife set", "Total 120")
    assert "brand" not in fields("完美的生活 从这里开始", "商品：空调")
    # An air conditioner's auxiliary heater, not the brand AUX.
    assert "brand" not in fields("MODEL: KFR-35GW/N8MJA3", "AUX. HEATER 1000W", "RATED 220V~")


def test_a_nameplate_s_code_gives_the_serial() -> None:
    plate = ("海尔 Haier", "型号：BCD-470WDPG", "额定电压：220V~", "生产日期：2023.11")
    assert fields(*plate, codes=("https://service.example.com/reg?model=X&sn=AB12345678",))[
        "serial"] == "AB12345678"
    assert fields(*plate, codes=("4A2B0C91234567",))["serial"] == "4A2B0C91234567"
    # The bar code corrects OCR's 8 for B.
    assert fields(*plate, "出厂编号：48280C91234567", codes=("4A2B0C91234567",))["serial"] == \
        "4A2B0C91234567"
    # Two codes with two serials: no guess.
    assert "serial" not in fields(*plate, codes=("4A2B0C91234567", "5X7Y0C91234567"))
    # Not a nameplate: a bar code's content is anything (a shipping label's number), but a
    # link's sn= still says what it is.
    assert "serial" not in fields("型号：BCD-470WDPG", codes=("4A2B0C91234567",))
    assert fields("型号：BCD-470WDPG", codes=("https://x.example.com/r?sn=AB12345678",))[
        "serial"] == "AB12345678"


def test_an_invoice_s_codes_are_no_serial_but_may_carry_its_date() -> None:
    found = fields("电子发票（普通发票）", "开票日期：2024年06月18日", "型号：BCD-470WDPG",
                   codes=("01,32,,24442000000012345678,3999.00,20240618,,A1B2",))
    assert "serial" not in found
    assert found["purchase_date"] == date(2024, 6, 18)
    # Where OCR misread the printed date, the QR code's is taken.
    assert fields("电子发票", "开票日期：2024年08月18日",
                  codes=("01,32,,24442000000012345678,3999.00,20240618,,A1B2",))[
        "purchase_date"] == date(2024, 6, 18)


def test_the_kind_of_paper() -> None:
    assert kind("增值税普通发票", "价税合计 ¥3999.00") == "invoice"
    assert kind("MODEL NO.: WW90T534DAE/SC", "RATED VOLTAGE 220-240V~ 50Hz", "Made in China") == \
        "nameplate"
    assert kind("hello", "world") == "unknown"


def test_garbage_reads_as_nothing() -> None:
    assert read_fields(["#@!~", "l1|l1", "....", "ZZZ"]) == ("unknown", {})


def test_a_future_or_impossible_date_is_no_date() -> None:
    assert "purchase_date" not in fields("发票", "开票日期：2099-01-01")
    assert "purchase_date" not in fields("Invoice", "Invoice date: 31/06/2024")


def test_rows_follow_a_turned_photo() -> None:
    """On a 3° turn a wide row's right end sits lower than the next row's left end."""
    slope = 0.05  # ~3°
    left = Line.from_points("型号", [(10, 100), (60, 102.5), (60, 122.5), (10, 120)], 0.99)
    right = Line.from_points("KFR-35GW/N8MJA3", [(600, 130), (760, 138), (760, 158), (600, 150)],
                             0.99)
    next_row = Line.from_points("额定电压", [(10, 135), (90, 139), (90, 159), (10, 155)], 0.99)
    grid = rows([left, right, next_row])
    assert [[cell.text for cell in row] for row in grid] == [["型号", "KFR-35GW/N8MJA3"], ["额定电压"]]
    assert abs(left.slope - slope) < 0.01
