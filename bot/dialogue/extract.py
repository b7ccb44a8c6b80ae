"""What a customer's words say besides the intent (addresses: `addresses.py`): an answer
that is no answer ("不知道", "see photo"), a photo said to be attached, a message that is only a
ticket number. Deterministic text rules; the intent itself comes from the NLU."""

from __future__ import annotations

import re

from nlu.entities import TICKET_NUMBER_RE, canonical_ticket_number

_HAN = re.compile(r"[\u3400-\u9fff]")

# "已经送到了", "送咗嚟", "delivered yesterday"; and "还没送到", "not delivered yet".
_NOT_DELIVERED = re.compile(r"还没送|還沒送|未送|没送到|沒送到|未到货|未到貨|还没到|還沒到|未到|没到|沒到|"
                            r"还在路上|還在路上|运输中|運送中|配送中|才会?送|才會送|才到|未收到|还没收到|還沒收到|"
                            r"(?:下|这|這|今)?(?:礼拜|禮拜|星期|周|週)\S{0,2}(?:才|先)?(?:会|會)?(?:送|到)|"
                            r"not (?:been )?delivered|hasn'?t (?:been delivered|arrived)|not yet|"
                            r"not arrived|before (?:it|the delivery) arrives|(?:will|to) be delivered|"
                            r"(?:arriving|arrives|coming|deliver(?:ing|y)?)\s+(?:(?:is|will\s+be|should\s+be)\s+)?"
                            r"(?:on|this|next|tomorrow|in\s+\d)|"
                            r"on (?:its|the) way", re.I)
_DELIVERED = re.compile(r"送到了|送道了|已送到|刚送到|剛送到|刚到货|剛到貨|已经在家|已經在家|箱子还|箱子還|"
                        r"(?:东西|東西|机器|機器|货|貨)(?:已经|已經)(?:在|到)|已经送到|已經送到|送来了|送來了|送咗|到货了|到貨了|已到货|已到貨|"
                        r"收到了|送到家|送到屋企|搬咗嚟|到了|到咗|\bdeliv(?:ered|red|erd|ed)\b|\barriv(?:ed|d)\b|"
                        r"got (?:the|my|it|a) (?:new )?", re.I)


def says_delivered(text: str) -> str | None:
    """"yes" / "no" when a message says whether the appliance has been delivered."""
    if _NOT_DELIVERED.search(text):
        return "no"
    return "yes" if _DELIVERED.search(text) else None


_ORDER = re.compile(r"(?:订单号?|訂單號?|单号|單號|order\s*(?:no\.?|number|#)?|#)\s*[:：]?\s*"
                    r"([A-Za-z]{0,4}\d{6,24})(?!\d)", re.I)


def find_order_number(text: str) -> str | None:
    """The order number a message names ("订单号8812345670", "order 5523401987", "單號HK2088")."""
    match = _ORDER.search(text)
    return match.group(1).upper() if match else None


# Answers that are no answer to a question about a detail.
_NON_ANSWER = re.compile(
    r"^(?:不知道|不清楚|不晓得|不曉得|唔知|唔清楚|不记得|不記得|忘了|忘记了|忘記了|随便|隨便|都可以|都行|"
    r"无所谓|無所謂|没有|沒有|冇|无|無|看图|看圖|见图|見圖|看照片|见照片|見照片|看相|睇相|睇圖|"
    r"看附件|等一下|等等|稍等|等陣|等阵|晚点说|晚點說|一会再说|一會再說|不方便说|不方便說|"
    r"idk|i\s*don'?t\s*know|dunno|no\s*idea|not\s*sure|whatever|anything|any|n/?a|none|nil|"
    r"see\s+(?:the\s+)?(?:photo|pic|picture|image|attachment)s?|(?:photo|pic)\s+attached|"
    r"later|wait|hold\s+on|one\s+sec|\?+|…+|\.+|好的?|ok(?:ay)?|嗯+|哦+|喔+)"
    r"[\s。.!！~～?？吧啦呀哦喔]*$", re.I)
_EMOJI_ONLY = re.compile(r"^[\W_]+$")


_DENIES = re.compile(r"冇|没|沒|無|无|唔|不|\b(?:no|not|none|never|can'?t|cannot|don'?t|didn'?t|"
                     r"doesn'?t|isn'?t|nothing|nope|nah|nil)\b|\bn/?a\b", re.I)
# Leaving a form: "算了", "不用了", "never mind", "forget it".
_STOP = re.compile(r"^[\W啊哦噢呀哎唉誒欸嗯吖]*(?:算了|不用了|唔使了|唔使喇|唔要了|不要了|不修了|唔修喇|取消吧|先不用|暂时不用|暫時不用)|"
                   r"(?:沒事|没事|冇事)(?:了|喇|啦|嘞)|(?:好|修|搞掂|搞定)了[，, ]*(?:不用|唔使|沒事|没事)|"
                   r"\b(?:it'?s\s+(?:fine|ok|working)\s+now|works\s+now|sorted\s+it|fixed\s+it\s+myself)\b|"
                   r"\b(?:never\s?mind|forget\s+it|forget\s+about\s+it|no\s+longer\s+need|"
                   r"don'?t\s+need\s+(?:it|a\s+repair|anyone)\s+(?:anymore|any\s+more|now))\b",
                   re.I)


def denies(text: str) -> bool:
    """A short answer that says there is none ("没有", "冇", "no code", "n/a", "睇唔到有咩號碼",
    "I can't see one")."""
    return len(text) <= 40 and bool(_DENIES.search(text))


def wants_to_stop(text: str) -> bool:
    return bool(_STOP.search(text.strip()))


# Putting the answer off: "门牌号不记得了，我下楼看一眼", "原因我不知道耶", "wait let me check".
_DEFERS = re.compile(
    r"(?:不记得|不記得|记不清|記不清|记不起|記不起|唔記得|忘了|忘记了|忘記了|不知道|唔知|不清楚|唔清楚)"
    r"[了喇啦耶欸诶呢哦喔啊呀]*(?:[，,。.!！\s]|$)|"
    r"(?:我|等我|让我|讓我)(?:去|下楼|下樓|落樓|落去|先)?(?:看|睇|查|找|搵)(?:一下|一眼|下|吓|看|睇|查)(?:先)?[再啦吧]?"
    r"(?:[，,。.!！\s]|$)|"
    r"(?:问问|問問|问一下|問一下|問下|问下)(?:我)?(?:老婆|老公|太太|先生|家人|屋企人|妈|媽|爸|仔|女)?|"
    r"\b(?:let\s+me|lemme|i'?ll|i\s+will|i\s+need\s+to|gotta|have\s+to)\s+"
    r"(?:check|ask|look|find\s+out|see)\b|\bask(?:ing)?\s+my\s+\w+|^\s*(?:wait|hold\s+on|hmm+)\b|"
    r"\b(?:don'?t|do\s+not|can'?t|cannot)\s+(?:know|remember|recall)\s*[.!?]*\s*$|"
    r"\bnot\s+sure\s*[.!?]*\s*$|\bforgot\b", re.I)


# Going to look it up now ("let me check", "我去看一下", "問下我老公", "hold on"): the answer is
# on its way, unlike "不记得" or "forgot", which say it is not known.
_GOES_TO_CHECK = re.compile(
    r"(?:我|等我|让我|讓我)(?:去|下楼|下樓|落樓|落去|先)?(?:看|睇|查|找|搵)(?:一下|一眼|下|吓|看|睇|查)|"
    r"(?:问问|問問|问一下|問一下|問下|问下)|"
    r"\b(?:let\s+me|lemme|i'?ll|i\s+will|gotta)\s+(?:check|ask|look|find\s+out|see)\b|"
    r"^\s*(?:wait|hold\s+on|hang\s+on|one\s+(?:sec|moment|min))\b|^\s*(?:等等|等一下|稍等|等陣|等阵)", re.I)


def goes_to_check(text: str) -> bool:
    """A short reply, no number in it, saying the customer is looking the answer up."""
    return len(text) <= 60 and not re.search(r"\d", text) and bool(_GOES_TO_CHECK.search(text))


def is_non_answer(text: str) -> bool:
    """"不知道", "随便", "see photo", "ok", an emoji: words that do not give a detail; or a short
    reply that puts the answer off ("不记得了，我下楼看一眼", "wait let me check") and holds no
    number."""
    text = text.strip()
    if not text or _NON_ANSWER.match(text) or _EMOJI_ONLY.match(text):
        return True
    return puts_off(text)


def puts_off(text: str) -> bool:
    """A short reply that puts the answer off and holds no number ("等下，我问问我老婆")."""
    return len(text) <= 60 and not re.search(r"\d", text) and bool(_DEFERS.search(text))


# "照片已发", "见附图", "photo attached", "see the pic I sent".
_PHOTO_CLAIM = re.compile(
    r"(?:照片|图片|圖片|相片|附图|附圖|截图|截圖|铭牌|銘牌|发票|發票)[^。！？!?]{0,6}"
    r"(?:发|發|传|傳|附|上传|上傳|给你|俾你|畀你|了|咗|在这|喺度|如下|见|見)|"
    r"(?:发|發|传|傳|附|上传|上傳|send|sent|attach(?:ed)?|upload(?:ed)?)[^。！？!?]{0,12}"
    r"(?:照片|图|圖|相片|photo|pic|picture|image|screenshot)|"
    r"(?:看|見|见|睇)(?:下|一下)?(?:附|上)?(?:图|圖|照片|相片|相)|"
    r"(?:拍|影)[照相片]?(?:了|咗|好)?(?:传|傳|发|發)?(?:给你|給你|俾你|畀你|发你|發你|过来|過來|上来|上來)|"
    r"(?:photo|pic|picture|image|screenshot)s?\b[^.!?]{0,40}\b(?:attached|above|below)\b|"
    r"(?:photo|pic|picture|image|screenshot)s?\s+(?:is\s+|are\s+)?here|"
    r"see\s+(?:the\s+|my\s+)?(?:attached\s+)?(?:photo|pic|picture|image|screenshot)|"
    r"\bin\s+the\s+(?:photo|pic|picture|image|screenshot)\b|照片里|照片裡|相入面|图里|圖裡|圖中|图中", re.I)


def claims_photo(text: str) -> bool:
    return bool(_PHOTO_CLAIM.search(text))


def only_points_to_photo(text: str) -> bool:
    """"见照片,照片已经发给你了", "see the pic I sent": a photo said to say it all."""
    if not claims_photo(text):
        return False
    rest = _PHOTO_CLAIM.sub("", text)
    rest = re.sub(r"(?:已经|已經|我|你|了|的|啦|吧|请|請|看|见|見|发|發|给|給|在|上面|下面|"
                  r"\b(?:i|the|a|my|it|please|pls|have|has|just|already|you|sent|see)\b|\W)",
                  "", rest, flags=re.I)
    return len(_HAN.findall(rest)) < 3 and len(re.findall(r"[A-Za-z]{2,}", rest)) < 3


# Words around a bare ticket number that still only ask for it: "查一下", "status?", "進度".
_STATUS_FILLER = re.compile(
    r"工单|工單|单号|單號|查询|查詢|查一下|查下|查|进度|進度|状态|狀態|请问|請問|我的|呢|吗|嗎|"
    r"ticket|number|no\.?|status|update|please|pls|check|my|the|what'?s|of|on|any|\W|_", re.I)


def bare_ticket_number(text: str) -> str | None:
    """The ticket number when a message is only that number (in any spelling), perhaps with a
    word such as "查一下" or "status?"; None for a message that says more."""
    match = TICKET_NUMBER_RE.search(text)
    if not match:
        return None
    rest = _STATUS_FILLER.sub("", text[:match.start()] + text[match.end():])
    return canonical_ticket_number(match.group(0)) if not rest else None


# "What does E4 mean", "E4 怎么办": a question about a code, not (yet) a request for a visit.
_CODE_QUESTION = re.compile(
    r"什么意思|什麼意思|咩意思|乜意思|啥意思|是什么|是什麼|係咩|系咩|代表|表示|怎么办|怎麼辦|点算|點算|"
    r"啥故障|什么故障|什麼故障|咩故障|乜故障|什么问题|什麼問題|咩問題|乜問題|要紧吗|要緊嗎|严重吗|嚴重嗎|"
    r"点办|點辦|怎么解决|怎麼解決|怎么处理|怎麼處理|如何|點樣|点样|\bmean|\bmeaning|what\s+is|"
    r"what'?s|how\s+(?:do\s+i|to|can\s+i)|\?|？", re.I)
_ASKS_FOR_VISIT = re.compile(
    r"派|上门|上門|师傅来|師傅來|師傅嚟|师傅过来|師傅過來|报修|報修|维修|維修|修理|"
    r"上嚟|嚟睇|過嚟|过来看|過來看|來看|来看|到府|叫修|来给|來給|来帮|來幫|嚟幫|来个人|來個人|"
    r"来装|來裝|嚟裝|给装|給裝|安排|瞅瞅|预约|預約|约埋|約埋|"
    r"\barrange\b|\bsend\s+(?:an?\s+)?(?:installer|guy|man|person)|"
    r"send\s+(?:someone|somebody|a\s+tech|an?\s+engineer|a\s+technician)|come\s+(?:and|to)|"
    r"(?:someone|somebody|a\s+technician|an?\s+engineer)\s+to\s+(?:come|look|check|fix)|"
    r"(?:can|could|will)\s+(?:someone|somebody|a\s+tech\w*|an?\s+engineer|you)\s+"
    r"(?:come|call|pop|drop|swing)\b|(?:engineer|technician|someone)\s+could\s+(?:call|come)|"
    r"book\s+a\s+repair|(?:repair|fix)\s+it(?!\s+(?:myself|ourselves))", re.I)
# Words that complain outright (of the service, not of the appliance).
_COMPLAINS = re.compile(r"投诉|投訴|申诉|申訴|客诉|客訴|complain|complaint|unacceptable|escalate|"
                        r"态度|態度|rude|manager|经理|經理|主管|supervisor|rip[- ]?off|charged\s+me|"
                        r"overcharg|scam|disgrace|垃圾|骗|騙|坑人|离谱|離譜|过分|過分|凭什么|憑什麼|"
                        r"乱收|亂收|放鸽子|放飛機|没来|沒來|冇嚟|no[- ]show|never\s+(?:came|showed)", re.I)
_NOT_A_CODE_QUESTION = ("ticket_status", "complaint", "cancel_request", "expedite",
                        "change_appointment", "installation_request", "return_exchange",
                        "human_agent", "data_export", "data_deletion")


def asks_for_visit(text: str) -> bool:
    """Whether the words ask for someone to come ("派个师傅来看", "安排師傅上嚟", "send someone")."""
    return bool(_ASKS_FOR_VISIT.search(text))


def complains_outright(text: str) -> bool:
    """Whether the words complain of the service itself (投诉, 態度, "unacceptable", a manager)."""
    return bool(_COMPLAINS.search(text))


def asks_about_code(parse, text: str) -> bool:
    """A question about an error code the display shows, not a request for a visit."""
    if parse.intent in _NOT_A_CODE_QUESTION or not parse.entity("error_code"):
        return False
    return bool(_CODE_QUESTION.search(text)) and not asks_for_visit(text)


# A question, not a statement: "多少钱?", "點樣加軟水鹽", "how often ...". A statement while a
# form asks something ("要求赔偿修墙的费用") is an answer, whatever it mentions.
_QUESTION = re.compile(
    r"[?？]|吗|嗎|么$|麼$|呢$|请问|請問|想问|想問|想知|多少|几多|幾多|几时|幾時|几耐|幾耐|多久|多长|多長|"
    r"怎么|怎麼|怎样|怎樣|如何|为什么|為什麼|为啥|點解|点解|點樣|点样|係咪|系咪|是否|是不是|有没有|有沒有|"
    r"可不可以|可唔可以|能不能|能否|哪里|哪裡|邊度|边度|咩|乜|啥|"
    r"^(?:how|what|when|where|why|which|who|can|could|do|does|is|are|will|should)\b|"
    r"\b(?:how\s+(?:much|long|often|do|to|can)|what(?:'s|\s+is|\s+does)|is\s+it|do\s+you|can\s+i)\b",
    re.I)


def is_question(text: str) -> bool:
    """Whether the words ask something (a question mark or a question word)."""
    return bool(_QUESTION.search(text.strip()))


# What it costs: 多少钱, 收費, "how much do you charge".
_ASKS_PRICE = re.compile(r"多少钱|多少錢|幾多錢|几多钱|幾錢|收多少|收几多|收幾多|收费|收費|费用|費用|价钱|價錢|"
                         r"价格|價格|上门费|上門費|出車費|charge|cost|price|fee|"
                         # not "how much warranty / time is left"
                         r"how\s+much(?!\s+(?:warranty|time|longer|cover(?:age)?|guarantee)\b)", re.I)


# A part on its own: 滤芯, 進水管, 接油杯, "a replacement filter".
_PART = re.compile(r"配件|零件|部件|滤芯|濾芯|濾心|滤网|濾網|过滤网|過濾網|进水管|進水管|排水管|接油杯|油杯|油盒|"
                   r"遥控器|遙控器|遙控|门封|門封|单买|單買|单独买|單獨買|淨係買|净系买|只买|只買|买得到|買得到|"
                   r"层架|層架|隔板|抽屉|抽屜|搁架|擱架|旋钮|旋鈕|把手|\bspare|\bparts?\b|"
                   r"轮子|輪子|碗篮|碗籃|门封条|門封條|\bwheels?\b|\bracks?\b|\bbaskets?\b|\bknobs?\b|"
                   r"\bgaskets?\b|\bdoor\s+seals?\b|"
                   r"\bfilters?\b|\bremote\b|\bhose\b|\bshel(?:f|ves)\b|\bdrawers?\b|replacement", re.I)


_BUYS = re.compile(r"买|買|购买|購買|订购|訂購|哪里有卖|哪裡有賣|邊度有得買|\bbuy\b|\border\b|\bpurchase", re.I)


# How to take apart, clean or use something: "油网咋拆下来洗", "濾網要怎麼清", "how do I clean".
_HOW_TO = re.compile(r"(?:咋|怎么|怎麼|怎样|怎樣|点样|點樣|點|如何|要点|要點)\s*(?:样|樣)?\s*"
                     r"(?:拆|洗|清|用|装回|裝回|换|換|更换|更換|保养|保養|除|去)|"
                     r"多久(?:要|需要|得)?(?:换|換|更换|更換|清洗|清|洗)|"
                     r"自己(?:能|可以|可唔可以|可不可以|會|会)?(?:换|換|拆|清|洗|装|裝)|"
                     r"\bhow\s+often\b|\b(?:can|could)\s+i\s+(?:change|replace|clean)\s+it\s+myself\b|"
                     r"\bhow\s+(?:do|to|can|should)\s+(?:i\s+|we\s+|you\s+)?"
                     r"(?:clean|remove|use|wash|replace|change|take|descale|reset)\b", re.I)


def topic_of(parse, text: str) -> str | None:
    """The knowledge topic asked about: the NLU's, except that the price of a part is about
    parts, what a visit costs out of warranty is about fees, not the warranty it names, and how
    to clean or take apart a part is about usage, not where the part is or what it costs."""
    topics = parse.entities.get("topic", [])
    if set(topics) <= {"warranty", "fee"} and _ASKS_PRICE.search(text):
        return "parts" if _PART.search(text) else "fee"
    if _PART.search(text) and _BUYS.search(text) and set(topics) <= {"usage", "parts", "outlet"}:
        return "parts"  # "can I buy a replacement filter": where and what it costs
    if _HOW_TO.search(text) and set(topics) <= {"usage", "parts", "outlet"}:
        return "usage"
    if not topics and _WARRANTY.search(text):
        return "warranty"  # the words the model did not mark ("还在保吗", "still covered")
    return topics[0] if topics else None


_WARRANTY = re.compile(r"保修|保固|保養|保养|质保|質保|在保|(?:过|過)(?:咗|左|了)?保|保内|保內|保唔保|三包|"
                       r"warrant|guarantee|(?:still|be|is|are)\s+covered", re.I)


# Moving a booked visit: 改期, 改到星期四, "move the installation to Thursday", reschedule.
_RESCHEDULE = re.compile(
    r"(?:往后|往後|推后|推後|延后|延後)(?:挪|推|延|改|移)|挪(?:一挪|挪|到|去|个|個)|改期|改约|改約|另约|另約|改(?:个|個)?时间|改(?:个|個)?時間|(?:换|換|调|調)(?:个|個)?(?:时间|時間|日子)|"
    r"(?:时间|時間|日子|日期)[^，,。]{0,4}(?:换|換|改|调|調)|"
    r"改(?:到|成|去|做)?(?:星期|礼拜|禮拜|周|週|明天|后天|後天|聽日|下(?:午|晝|昼|礼拜|禮拜|星期|周|週))|"
    r"\breschedul|\bpostpone|\bmove\b.{0,40}\b(?:to|from)\b|"
    r"\bchange\s+the\s+(?:time|date|day|appointment|slot)|\banother\s+(?:day|time|date)", re.I)


# Cancelling a booked visit: "cancel my range hood installation", "取消安装预约".
_CANCELS_VISIT = re.compile(
    r"(?:^|[.!,]\s*|\b(?:pls|please|can\s+you|could\s+you|(?:i|we)\s+(?:need|want|would\s+like)\s+to|"
    r"(?:i|we)'?d\s+like\s+to)\s+)cancel\b|"
    r"(?:^|[，,。!！]\s*|请|請|麻烦|麻煩|帮我|幫我|我要|我想|想|需要)\s*(?:取消|撤销|撤銷)", re.I)


def asks_to_cancel(text: str) -> bool:
    return bool(_CANCELS_VISIT.search(text)) and retracted(text) is None


def asks_price(text: str) -> bool:
    return bool(_ASKS_PRICE.search(text))


def asks_to_reschedule(text: str) -> bool:
    """Whether the words ask to move a booked visit to another time."""
    return bool(_RESCHEDULE.search(text))


# Asking why a fault happens or what to do about it ("点解漏水", "can I fix it myself"), not (yet)
# for someone to come.
_TROUBLE_QUESTION = re.compile(
    r"为什么|為什麼|为啥|為啥|點解|点解|什么原因|什麼原因|咩原因|乜原因|怎么回事|怎麼回事|正常吗|正常嗎|"
    r"正唔正常|自己(?:能|可以|点|點|怎么|怎麼)?(?:处理|處理|搞|修|弄|解决|解決|整)|怎么办|怎麼辦|點算|点算|"
    r"\bwhy\b|what\s+causes|is\s+(?:it|this|that)\s+normal|(?:can|could)\s+i\s+(?:fix|sort|solve)|"
    r"\bmyself\b|what\s+(?:should|can)\s+i\s+do", re.I)


def asks_about_trouble(text: str) -> bool:
    """A question about a fault (why, what to do, can I fix it myself) that asks for no visit
    and complains of nobody: self-checks first, the repair offered beside them."""
    return (bool(_TROUBLE_QUESTION.search(text)) and not asks_for_visit(text)
            and not complains_outright(text))


# Installing, not repairing: 装上, 安裝, "wall mount".
_INSTALL = re.compile(r"安装|安裝|装上|裝上|来装|來裝|嚟裝|给装|給裝|装一下|裝一下|"
                      r"\binstall(?!ed)|\bmount\b", re.I)


def wants_installation(text: str) -> bool:
    return bool(_INSTALL.search(text))


# "哦不对", "no sorry", "I mean": what follows corrects what came before.
_CORRECTION = re.compile(r"哦不对|不对|不對|哦不|唔係唔係|唔係|打错|打錯|说错|說錯|讲错|講錯|"
                         r"\bno\s+sorry\b|\bsorry\s*,?\s*i\s+mean|\bi\s+mean\b|\bwait\s+no\b|"
                         r"\bcorrection\b|\bactually\b|\bno\s*,?\s*wait\b|\boops\b|"
                         r"\bsorry\s*,?\s*i\s+meant\b|\bmake\s+(?:it|that)\b", re.I)


def corrected(text: str) -> str | None:
    """What follows the last correction in a message ("12号 哦不对 是14号" -> "是14号"), or
    None when it corrects nothing."""
    matches = list(_CORRECTION.finditer(text))
    if not matches:
        return None
    rest = text[matches[-1].end():].strip(" ，,.。:：…")
    return rest or None


# Taking back what one started to ask: "cancel pls.. no wait dont cancel", "别取消了", "唔好刪".
_RETRACTS = re.compile(r"(?:别|別|不要|唔好|不用|唔使|毋須|无须|無須|不想|唔想|先不)\s*(?:帮我|幫我|同我)?"
                       r"(?:取消|删除|刪除|删|刪|cancel)|"
                       r"\b(?:don'?t|dont|do\s+not|no\s+need\s+to)\s+(?:cancel|delete|erase|remove)\b|"
                       r"\bnot\s+(?:cancel+ing|deleting)\b|(?:还|還|暂|暫)?(?:不是|唔係)(?:要|想)?(?:取消|删|刪)",
                       re.I)
# "no wait": what came before is taken back, whatever it was.
_TAKES_BACK = re.compile(r"\bno\s*,?\s*wait\b|\bwait\s*,?\s*no\b", re.I)


def refuses_to_undo(text: str) -> bool:
    """"别取消", "don't cancel", "not cancelling yet": a cancellation or erasure said not to be
    wanted."""
    return bool(_RETRACTS.search(text))


def retracted(text: str) -> tuple[str, str] | None:
    """(what came before, what follows) a request taken back ("no wait dont cancel, i just want
    to know when the technician is coming" -> what follows is "i just want to know ..."), or
    None when nothing is taken back."""
    matches = sorted([*_RETRACTS.finditer(text), *_TAKES_BACK.finditer(text)],
                     key=lambda m: m.start())
    if not matches:
        return None
    strip = " ，,.。:：…!！了啦吧-"
    return (text[:matches[0].start()].strip(strip),
            re.sub(r"^(?:yet|住|先)\b", "", text[matches[-1].end():].strip(strip)).strip(strip))
