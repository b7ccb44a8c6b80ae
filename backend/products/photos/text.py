"""OCR text made comparable: one width (NFKC), one script for matching (Traditional folded
to Simplified), words split where OCR glued them.

The recogniser mixes scripts within a word (a Hong Kong receipt's 單號 comes back as 單号) and
drops most spaces between Latin words ("KowloonElectricCentre", "Purchasedate"), so labels,
brands and categories are matched on a folded copy, in which glued CamelCase words are split
again. Values (a model, a serial) are taken from the text itself, never from the folded copy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Traditional → Simplified for the characters our labels, brands, categories and place names
# use (one character for one, so positions in the folded copy are the text's positions).
_PAIRS = (
    "號号 編编 廠厂 機机 產产 購购 買买 賣卖 銷销 發发 開开 稱称 貨货 單单 碼码 條条 價价 稅税"
    " 計计 額额 電电 壓压 頻频 淨净 製制 門门 項项 規规 數数 總总 寶宝 樂乐 聲声 際际 國国 東东"
    " 內内 萬万 萊莱 奧奥 鵝鹅 裝装 業业 戶户 氣气 調调 體体 熱热 爐炉 視视 煙烟 櫃柜 聯联 證证"
    " 據据 隨随 統统 區区 縣县 鎮镇 場场 濾滤 滾滚 輪轮 雙双 對对 變变 離离 龍龙 憑凭 華华 鄉乡"
    " 灣湾 臺台 復复 結结 運运 書书 會会 標标 極极 種种 維维 認认 話话 護护 麗丽 資资 額额"
    " 賬账 雜杂 專专 賓宾 鋪铺 舖铺 銀银 餘余 驗验 車车 樣样 現现 狀状 應应 蘇苏 豐丰 貿贸 實实"
    " 齊齐 錄录 價价 圓圆 幣币 鐘钟 點点 時时 間间 訂订 關关 從从 庫库 儲储 倉仓 處处 廣广 頁页 順顺 燦灿 電电 腦脑 匯汇"
    " 澤泽 貨货 顧顾 謝谢 雲云 線线 網网 購购 邊边 灣湾 鄰邻 園园 館馆 羅罗 蘭兰 鳳凤 龍龙 濱滨"
)
_FOLD = {ord(pair[0]): pair[1] for pair in _PAIRS.split()}

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−－ー"), "-")
_SPACES = re.compile(r"\s+")
# Where OCR glued two words: "ElectricCentre", "TCLFront", "三星SAMSUNG", "樂聲Panasonic".
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})")
_SCRIPT_SEAM = re.compile(r"(?<=[\u3400-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u3400-\u9fff])")


def normalize(text: str) -> str:
    """One width, one dash, one space: ＫＦＲ－３５ → KFR-35, "型号 ：" → "型号 :"."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _SPACES.sub(" ", text).strip()


def normalize_aligned(text: str, letters: Sequence[float]) -> tuple[str, list[float]]:
    """`normalize`, each character of the result with the confidence of the character it
    came from (one OCR character may become two: ㎏ → kg; spaces collapse)."""
    if len(letters) != len(text):
        letters = [min(letters, default=1.0)] * len(text)
    chars: list[str] = []
    confidences: list[float] = []
    for char, confidence in zip(text, letters):
        for out in unicodedata.normalize("NFKC", char).translate(_DASHES):
            if out.isspace():
                if not chars or chars[-1] == " ":
                    continue
                out = " "
            chars.append(out)
            confidences.append(confidence)
    while chars and chars[-1] == " ":
        chars.pop()
        confidences.pop()
    return "".join(chars), confidences


def fold(text: str) -> str:
    """For matching only: Traditional characters as Simplified, the same length."""
    return text.translate(_FOLD)


def words(text: str) -> str:
    """For matching words: folded, and glued words split again (not for codes: "BpR3DN1Y"
    would split)."""
    return _SCRIPT_SEAM.sub(" ", _CAMEL.sub(" ", fold(normalize(text))))
