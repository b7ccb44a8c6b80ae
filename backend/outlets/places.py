"""City and district of an address, in Simplified Chinese, English or Traditional Chinese.

    parse_address("北京市朝阳区建国路199号")                          → Place("北京", "朝阳区")
    parse_address("香港九龍灣宏照道38號")                             → Place("香港", "观塘区")
    parse_address("Flat 3, 12 Nathan Road, Tsim Sha Tsui, Kowloon") → Place("香港", "油尖旺区")
    parse_address("浙江省杭州市西湖区文三路")                           → Place("杭州", "西湖区")

The cities we have outlets in are known with their districts, and come out canonical: the city
as the knowledge base spells it (北京, 香港, 台北), the district by its official Simplified name
(朝阳区, 浦东新区, 观塘区, 信义区); Hong Kong's neighbourhoods (尖沙咀, 九龍灣, Mong Kok) count
for their district, and name the city when the address does not. Anywhere else, a Chinese
"[省]…市[…区/县]" address still gives both, as written (新北市板橋區).

How: NFKC, the tables' Traditional characters mapped to Simplified, lower case. Chinese
addresses run from large to small, so the first city and the first district found win (official
names with 区 before bare ones: 北京市东城区朝阳门 is in 东城区); English ones run from small to
large, so the last found wins (Shanghai Street, Mong Kok, Kowloon is in Hong Kong).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Place:
    city: str | None = None
    district: str | None = None


# city → its spellings (Simplified; Traditional comes from _TRADITIONAL) and the English ones.
# Not "Peking" and "Canton": Hong Kong has a Peking Road and a Canton Road.
CITIES: dict[str, tuple[str, ...]] = {
    "北京": ("北京", "beijing"),
    "上海": ("上海", "shanghai"),
    "广州": ("广州", "guangzhou"),
    "深圳": ("深圳", "shenzhen"),
    "香港": ("香港", "九龙", "新界", "港岛", "hong kong", "hongkong", "kowloon",
             "new territories", "hong kong island"),
    "台北": ("台北", "taipei"),
}

# city → official district name → other names: the bare name, neighbourhoods, English.
DISTRICTS: dict[str, dict[str, tuple[str, ...]]] = {
    "北京": {
        "东城区": ("东城", "dongcheng"), "西城区": ("西城", "xicheng"),
        "朝阳区": ("朝阳", "chaoyang"), "海淀区": ("海淀", "中关村", "haidian", "zhongguancun"),
        "丰台区": ("丰台", "fengtai"), "石景山区": ("石景山", "shijingshan"),
        "门头沟区": ("门头沟", "mentougou"), "房山区": ("房山", "fangshan"),
        "通州区": ("通州", "tongzhou"), "顺义区": ("顺义", "shunyi"),
        "昌平区": ("昌平", "changping"), "大兴区": ("大兴", "daxing"),
        "怀柔区": ("怀柔", "huairou"), "平谷区": ("平谷", "pinggu"),
        "密云区": ("密云", "miyun"), "延庆区": ("延庆", "yanqing"),
    },
    "上海": {
        "黄浦区": ("黄浦", "huangpu"), "徐汇区": ("徐汇", "徐家汇", "xuhui", "xujiahui"),
        "长宁区": ("长宁", "changning"), "静安区": ("静安", "jing'an", "jingan"),
        "普陀区": ("普陀", "putuo"), "虹口区": ("虹口", "hongkou"),
        "杨浦区": ("杨浦", "yangpu"), "闵行区": ("闵行", "minhang"),
        "宝山区": ("宝山", "baoshan"), "嘉定区": ("嘉定", "jiading"),
        "浦东新区": ("浦东", "陆家嘴", "pudong", "lujiazui"), "金山区": ("金山", "jinshan"),
        "松江区": ("松江", "songjiang"), "青浦区": ("青浦", "qingpu"),
        "奉贤区": ("奉贤", "fengxian"), "崇明区": ("崇明", "chongming"),
    },
    "广州": {
        "越秀区": ("越秀", "yuexiu"), "海珠区": ("海珠", "haizhu"), "荔湾区": ("荔湾", "liwan"),
        "天河区": ("天河", "tianhe"), "白云区": ("白云", "baiyun"), "黄埔区": ("黄埔", "huangpu"),
        "番禺区": ("番禺", "panyu"), "花都区": ("花都", "huadu"), "南沙区": ("南沙", "nansha"),
        "从化区": ("从化", "conghua"), "增城区": ("增城", "zengcheng"),
    },
    "深圳": {
        "福田区": ("福田", "futian"), "罗湖区": ("罗湖", "luohu"),
        "南山区": ("南山", "科技园", "nanshan"), "盐田区": ("盐田", "yantian"),
        "宝安区": ("宝安", "bao'an", "baoan"), "龙岗区": ("龙岗", "longgang"),
        "龙华区": ("龙华", "longhua"), "坪山区": ("坪山", "pingshan"),
        "光明区": ("光明", "guangming"), "大鹏新区": ("大鹏", "dapeng"),
    },
    "香港": {
        "中西区": ("中环", "上环", "西环", "西营盘", "坚尼地城", "半山", "central",
                   "sheung wan", "sai ying pun", "kennedy town", "mid-levels",
                   "central and western"),
        "湾仔区": ("湾仔", "铜锣湾", "跑马地", "wan chai", "wanchai", "causeway bay",
                   "happy valley"),
        "东区": ("北角", "鲗鱼涌", "太古", "筲箕湾", "柴湾", "north point", "quarry bay",
                 "taikoo", "shau kei wan", "chai wan"),
        "南区": ("香港仔", "鸭脷洲", "赤柱", "浅水湾", "aberdeen", "ap lei chau", "stanley",
                 "repulse bay"),
        "油尖旺区": ("油尖旺", "油麻地", "尖沙咀", "旺角", "佐敦", "大角咀", "yau tsim mong",
                     "yau ma tei", "tsim sha tsui", "tsimshatsui", "tst", "mong kok",
                     "mongkok", "jordan", "tai kok tsui"),
        "深水埗区": ("深水埗", "长沙湾", "石硖尾", "美孚", "sham shui po", "cheung sha wan",
                     "shek kip mei", "mei foo"),
        "九龙城区": ("九龙城", "红磡", "土瓜湾", "何文田", "九龙塘", "kowloon city",
                     "hung hom", "to kwa wan", "ho man tin", "kowloon tong"),
        "黄大仙区": ("黄大仙", "钻石山", "慈云山", "新蒲岗", "wong tai sin", "diamond hill",
                     "tsz wan shan", "san po kong"),
        "观塘区": ("观塘", "九龙湾", "牛头角", "蓝田", "油塘", "kwun tong", "kowloon bay",
                   "ngau tau kok", "lam tin", "yau tong"),
        "荃湾区": ("荃湾", "tsuen wan"),
        "屯门区": ("屯门", "tuen mun"),
        "元朗区": ("元朗", "天水围", "yuen long", "tin shui wai"),
        "北区": ("上水", "粉岭", "sheung shui", "fanling"),
        "大埔区": ("大埔", "tai po"),
        "西贡区": ("西贡", "将军澳", "sai kung", "tseung kwan o"),
        "沙田区": ("沙田", "马鞍山", "大围", "火炭", "sha tin", "shatin", "ma on shan",
                   "tai wai", "fo tan"),
        "葵青区": ("葵青", "葵涌", "青衣", "kwai tsing", "kwai chung", "tsing yi"),
        "离岛区": ("离岛", "东涌", "大屿山", "长洲", "islands", "tung chung", "lantau",
                   "cheung chau"),
    },
    "台北": {
        "中正区": ("中正", "zhongzheng"), "大同区": ("大同", "datong"),
        "中山区": ("中山", "zhongshan"), "松山区": ("松山", "songshan"),
        "大安区": ("大安", "da'an", "daan"), "万华区": ("万华", "wanhua"),
        "信义区": ("信义", "xinyi"), "士林区": ("士林", "shilin"), "北投区": ("北投", "beitou"),
        "内湖区": ("内湖", "neihu"), "南港区": ("南港", "nangang"), "文山区": ("文山", "wenshan"),
    },
}

# Traditional → Simplified, for the characters of the tables above (and 臺/台, 區/区).
_TRADITIONAL = str.maketrans(
    "臺區陽東門豐順興懷雲慶匯長寧靜楊閔寶賢廣灣從羅鹽崗龍華鵬環營盤堅鑼銅馬鰂魚黃鴨淺彌頭藍"
    "貢將軍圍嶼離島義內萬關縣鎮園觀紅鑽嶺硤溝陸湧",
    "台区阳东门丰顺兴怀云庆汇长宁静杨闵宝贤广湾从罗盐岗龙华鹏环营盘坚锣铜马鲗鱼黄鸭浅弥头蓝"
    "贡将军围屿离岛义内万关县镇园观红钻岭硖沟陆涌",
)
_CJK = re.compile(r"[\u3400-\u9fff]")
# Anywhere in mainland China: [中国][province 省/自治区] city 市 [district 区/县/市]. The city
# part holds no 区, 县, 路, 街, 道, 号 (朝阳区某市场 is no city).
_CITY_CHAR = r"(?:(?!区|县|路|街|道|号|省|市)[\u4e00-\u9fff])"
_CITY_PREFIX = re.compile(rf"^(?:中国)?(?:[\u4e00-\u9fff]{{2,8}}?(?:省|自治区))?"
                          rf"({_CITY_CHAR}{{2,4}}?)市"
                          rf"(?:([\u4e00-\u9fff]{{1,5}}?(?:新区|区|县|市)))?")
# Hong Kong addresses often name no city: a Hong Kong neighbourhood or district names it.
CITY_IMPLIED_BY_DISTRICT = "香港"


@dataclass(frozen=True)
class _Name:
    pattern: re.Pattern[str]
    place: Place
    official: bool  # an official district name (朝阳区): looked for before bare names
    english: bool
    length: int


def normalise(text: str) -> str:
    """NFKC, the tables' Traditional characters as Simplified, lower case, and any run of
    spaces, dashes and underscores as one space."""
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL).casefold()
    return re.sub(r"[\s\-_]+", " ", text.replace("\u2019", "'"))


def _name(alias: str, place: Place, official: bool = False) -> _Name:
    text = normalise(alias)
    english = not _CJK.search(text)
    # English names only as whole words (Central is not in "Centralia").
    pattern = rf"(?<![a-z]){re.escape(text)}(?![a-z])" if english else re.escape(text)
    return _Name(re.compile(pattern), place, official, english, len(text))


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[_Name, ...], dict[str, tuple[_Name, ...]]]:
    """(city names, each city's district names)."""
    cities = tuple(_name(alias, Place(city)) for city, aliases in CITIES.items()
                   for alias in aliases)
    districts = {
        city: tuple(name for district, aliases in table.items()
                    for name in (_name(district, Place(city, district), official=True),
                                 *(_name(a, Place(city, district)) for a in aliases)))
        for city, table in DISTRICTS.items()
    }
    return cities, districts


def _best(names: tuple[_Name, ...], text: str) -> Place | None:
    """The place of the name that tells most: Chinese names first (official ones before bare
    ones, then the first found, then the longest), else English ones (the last found, then the
    longest)."""
    chinese, english = [], []
    for name in names:
        found = [match.start() for match in name.pattern.finditer(text)]
        if not found:
            continue
        if name.english:
            english.append(((found[-1], name.length), name.place))
        else:
            chinese.append(((not name.official, found[0], -name.length), name.place))
    if chinese:
        return min(chinese, key=lambda candidate: candidate[0])[1]
    if english:
        return max(english, key=lambda candidate: candidate[0])[1]
    return None


def parse_address(address: str | None) -> Place:
    """The city and district of an address, as far as it tells (Place() if nothing)."""
    if not address:
        return Place()
    text = normalise(address[:500])
    prefix = _CITY_PREFIX.match(text.replace(" ", ""))
    if prefix is not None and prefix[1] not in CITIES:  # 杭州市西湖区, 重庆市九龙坡区
        # As written (our table converts only its own Traditional characters): 新北市板橋區.
        written = unicodedata.normalize("NFKC", address[:500]).casefold()
        written = re.sub(r"[\s\-_]+", "", written.replace("\u2019", "'"))
        return Place(*(written[slice(*prefix.span(group))] if prefix[group] else None
                       for group in (1, 2)))
    cities, districts = _names()
    city = prefix[1] if prefix is not None else getattr(_best(cities, text), "city", None)
    if city is not None:
        return Place(city, getattr(_best(districts[city], text), "district", None))
    return _best(districts[CITY_IMPLIED_BY_DISTRICT], text) or Place()


def canonical_district(city: str, name: str) -> str:
    """The official name of a district of a known city written any way we know (朝陽區,
    Chaoyang, 尖沙咀 → 油尖旺区); the name unchanged otherwise."""
    names = _names()[1].get(city, ())
    text = normalise(name).strip()
    for candidate in names:
        if candidate.pattern.fullmatch(text):
            return candidate.place.district or name
    return name
