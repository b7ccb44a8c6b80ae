"""City and district from address text, in Simplified Chinese, Traditional Chinese and
English (no database)."""

from __future__ import annotations

import pytest

from backend.outlets.places import Place, canonical_district, parse_address


@pytest.mark.parametrize(("address", "city", "district"), [
    # Simplified Chinese
    ("北京市朝阳区建国路199号", "北京", "朝阳区"),
    ("上海市浦东新区世纪大道100号 12楼", "上海", "浦东新区"),
    ("广东省深圳市南山区高新南一道18号", "深圳", "南山区"),
    ("深圳南山科技园", "深圳", "南山区"),
    ("广州市越秀区北京路", "广州", "越秀区"),  # a street named after another city
    ("北京市东城区朝阳门内大街", "北京", "东城区"),  # the official district name wins
    ("上海市某某路1号", "上海", None),
    # Traditional Chinese (Hong Kong, Taiwan)
    ("香港九龍灣宏照道38號", "香港", "观塘区"),
    ("九龍旺角上海街100號", "香港", "油尖旺区"),  # Hong Kong has a Shanghai Street
    ("香港新界沙田馬鞍山", "香港", "沙田区"),
    ("臺北市信義區松仁路50號", "台北", "信义区"),
    ("台北市中山區", "台北", "中山区"),
    ("北京市朝陽區建國路", "北京", "朝阳区"),
    # English: small to large, the last name found wins
    ("Flat 3, 12 Nathan Road, Tsim Sha Tsui, Kowloon", "香港", "油尖旺区"),
    ("Flat 3, 12 Nathan Road, Tsim Sha Tsui", "香港", "油尖旺区"),  # no city: TST names it
    ("Canton Road, Tsim Sha Tsui", "香港", "油尖旺区"),
    ("Central Plaza, 18 Harbour Road, Wan Chai, Hong Kong", "香港", "湾仔区"),
    ("Unit 5, Tower 2, Kowloon Bay Industrial Centre, Kowloon Bay", "香港", "观塘区"),
    ("Room 1201, 100 Century Avenue, Pudong New Area, Shanghai 200120", "上海", "浦东新区"),
    ("1/F, 199 Jianguo Road, Chaoyang District, Beijing", "北京", "朝阳区"),
    ("No. 50, Songren Rd., Xinyi Dist., Taipei City 110", "台北", "信义区"),
    ("Jing’an District, Shanghai", "上海", "静安区"),
    ("Block 2, Mid-Levels, Hong Kong Island", "香港", "中西区"),
    ("Huangpu District, Shanghai", "上海", "黄浦区"),
    # elsewhere in China: as written
    ("浙江省杭州市西湖区文三路", "杭州", "西湖区"),
    ("重庆市九龙坡区", "重庆", "九龙坡区"),  # not Kowloon
    ("新北市板橋區文化路", "新北", "板橋區"),
])
def test_city_and_district(address: str, city: str, district: str | None) -> None:
    assert parse_address(address) == Place(city, district)


@pytest.mark.parametrize("address", ["", None, "somewhere", "Huangpu District", "12345",
                                     "朝阳区某市场"])
def test_nothing_to_tell(address: str | None) -> None:
    """Huangpu is in Shanghai and in Guangzhou: without the city it names neither."""
    assert parse_address(address) == Place()


def test_district_names_are_canonical() -> None:
    assert canonical_district("北京", "朝陽區") == "朝阳区"
    assert canonical_district("北京", "Chaoyang") == "朝阳区"
    assert canonical_district("香港", "Mong Kok") == "油尖旺区"
    assert canonical_district("杭州", "西湖区") == "西湖区"
