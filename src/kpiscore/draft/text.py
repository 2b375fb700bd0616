"""Card text as the phrasings compare it: folded, simplified, numerals as digits.

Cards arrive in simplified or traditional characters (seed 003 is traditional),
with full-width digits and punctuation, white space where a PDF or a narrow
cell broke a line, and numbers written as words (违反一次扣1分). :func:`fold`
turns all of that into one form so that a phrasing pattern is written once.
The draft always keeps the text as printed; only matching uses the folded form.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from kpiscore.base.numbers import parse_number

#: Traditional → simplified, for the vocabulary of assessment cards (headers, the
#: stock phrasings, units and common words of indicator titles), two characters a
#: pair. Characters that are the same in both scripts are not listed.
_PAIRS = (
    "維维標标稱称權权評评準准滿满據据調调結结為为統统計计訴诉決决應应時时間间規规鐘钟訪访發发"
    "數数題题複复復复處处雜杂庫库貢贡獻献檔档團团隊队蓋盖門门協协績绩達达員员務务優优議议納纳"
    "創创進进饋馈節节約约預预現现實实項项經经與与總总額额級级單单銷销戶户設设個个於于當当違违"
    "錯错誤误過过減减後后無无對对問问說说測测檢检驗验會会電电話话遲迟曠旷衛卫質质號号獎奖勵励"
    "係系繫系劃划畫画體体響响還还並并將将書书開开關关鍵键聯联歸归錄录紀纪嚴严執执範范儀仪態态"
    "潔洁樣样費费貨货換换損损壞坏舊旧倉仓車车輛辆駕驾駛驶裝装導导師师傳传遞递見见報报萬万億亿"
    "幾几兩两參参業业點点別别類类種种則则組组織织際际採采價价審审簽签職职編编製制週周獨独負负"
    "責责產产線线網网絡络頁页覽览載载盤盘罰罚邊边極极積积動动礎础護护養养歷历曆历細细緻致顧顾"
    "長长沒没從从來来這这們们該该麼么幣币讓让確确區区況况層层競竞爭争補补償偿錢钱賬账帳账張张"
    "勢势續续斷断誌志紙纸備备註注簡简較较轉转輸输運运營营險险證证讀读論论釋释義义構构顯显選选"
    "擇择遺遗訂订圖图溝沟諮咨詢询語语術术資资屬属閱阅擔担揮挥帶带領领頭头隨随親亲慮虑識识亂乱"
    "觀观練练習习賽赛獲获榮荣譽誉傑杰舉举薦荐讚赞頒颁財财賴赖貸贷債债漲涨虧亏純纯淨净稅税廣广"
    "頻频勞劳懲惩紅红儲储郵邮請请銜衔崗岗試试晉晋離离辭辞談谈訟讼賠赔糾纠紛纷廠厂髒脏櫥橱櫃柜"
    "冊册條条雙双階阶鬆松緊紧滯滞餘余歲岁齡龄屆届給给員员裡里裏里臺台隻只併并徵征週周僅仅傷伤"
    "勝胜厲厉壓压夠够奮奋寶宝屆届廳厅彙汇徑径憑凭據据擬拟擴扩攜携敗败暫暂標标樂乐機机歡欢氣气"
    "決决沖冲淺浅溫温滅灭灣湾灑洒熱热爾尔獲获環环產产畢毕異异盡尽眾众睞睐矚瞩礙碍禮礼穩稳窮穷"
    "競竞筆笔範范築筑簽签糧粮紀纪約约紅红級级納纳純纯紙纸線线練练組组細细終终紹绍經经綜综綠绿"
    "維维網网緒绪編编緣缘縮缩績绩繼继續续罷罢聞闻聲声職职膽胆腦脑臨临舉举艱艰藝艺蘭兰處处虛虚"
    "號号蟲虫術术衝冲製制複复親亲覺觉觸触計计訊讯記记講讲許许設设訴诉診诊証证詞词試试詳详認认"
    "誠诚誤误說说誰谁課课調调談谈請请諸诸謝谢謂谓謹谨識识譯译護护讀读變变貝贝負负貢贡財财責责"
    "販贩貨货貫贯貴贵買买貸贷費费貼贴賀贺資资賓宾賞赏賣卖質质賬账賺赚購购贈赠趕赶躍跃車车軌轨"
    "軍军軟软較较載载輔辅輕轻輛辆輸输辦办農农這这連连週周進进運运過过達达違违遠远適适選选遷迁"
    "遺遗還还郵邮鄉乡釋释針针鈴铃銀银銷销鋪铺鋼钢錄录錢钱鍛锻鎖锁鏈链鐵铁長长門门閉闭開开閒闲"
    "間间閱阅闆板闊阔隊队階阶際际險险隱隐雖虽雜杂雞鸡離离難难電电須须預预頗颇領领頻频顆颗題题"
    "額额顏颜願愿類类顧顾風风飛飞飯饭館馆馬马驗验驚惊體体髮发鬥斗魚鱼鳥鸟麥麦黃黄點点齊齐"
)
_PAIRS += "內内訓训"
_SIMPLIFY = str.maketrans({_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS), 2)})

_SPACE = re.compile(r"\s+")
#: Pinyin a web page put after a character (經(jīng)理, 統(tǒng)計): the page's, not the card's.
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
#: Numbers written as words next to the counter they count: 一次, 两天, 十分钟.
_NUMERAL = re.compile(r"([一二两三四五六七八九十]+)(?=次|天|日|个|项|篇|单|件|处|起|例|人|级|"
                      r"小时|分钟|周|月|年|倍|条|份)")
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
#: Punctuation NFKC leaves alone, folded to the forms the patterns are written with.
_PUNCT = str.maketrans({"、": ",", "。": ";", ";": ";", "×": "*",
                        "÷": "/", "\\": "/", "—": "-", "–": "-", "~": "-", "〜": "-",
                        "≧": "≥", "≦": "≤", "【": "(", "】": ")", "“": '"', "”": '"'})


def simplified(text: str) -> str:
    """NFKC and simplified characters, white space kept, pinyin a web page added after a
    character dropped (for ids and for matching)."""
    return _PINYIN.sub("", unicodedata.normalize("NFKC", text).translate(_SIMPLIFY)).strip()


def fold(text: str) -> str:
    """``text`` as the phrasings match it: NFKC, simplified characters, no white space,
    numerals as digits (一次 → 1次), one form of punctuation (, for 、 and ; for 。,
    ``*`` for × and x, ``/`` for ÷ and \\).

    ``x`` and ``X`` become ``*`` only between a number or bracket and something: the
    letters of an English word stay.
    """
    s = _SPACE.sub("", simplified(text))
    s = _NUMERAL.sub(lambda m: str(_numeral(m.group(1))), s)
    s = re.sub(r"(?<=[\d)])[xX](?=[\d(])", "*", s)
    return s.translate(_PUNCT)


def _numeral(word: str) -> int:
    """一 → 1, 十 → 10, 十五 → 15, 二十 → 20, 二十五 → 25."""
    if "十" not in word:
        value = 0
        for ch in word:
            value = value * 10 + _DIGITS[ch]
        return value
    tens, _, ones = word.partition("十")
    return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)


def number(text: str) -> Decimal:
    """A number the patterns captured (``0.5``, ``15``); they capture digits only."""
    parsed = parse_number(text)
    assert parsed is not None, text
    return parsed[0]


def short(text: str, limit: int = 40) -> str:
    """``text`` on one line, cut to ``limit`` characters for a message."""
    one = _SPACE.sub(" ", text).strip()
    return one if len(one) <= limit else one[: limit - 1] + "…"
