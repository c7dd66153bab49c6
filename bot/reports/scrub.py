"""Scrubbing free text before a report shows it (the knowledge-gap report's examples): names, phone
and id numbers, plates, e-mail addresses, street addresses and place names are replaced by a
bracketed word ([姓名], [电话], [证件号], [车牌], [邮箱], [地址], [地点], [数字]). One module, used
by every report that shows words; what it cannot recognise it errs on the side of removing.

The rules, in order (each sees the text the earlier ones left):
1. id numbers: 18 characters, 17 digits and a digit or X (15-digit old ones too);
2. e-mail addresses; phone numbers (a mobile 1[3-9] and 9 digits, a landline with its area code);
   any other run of 5 or more digits (a number that could identify: a bank card, a house number);
3. plates: a province's one-character abbreviation, a letter and 5-6 letters or digits;
4. names: what follows 我叫 / 名字是 / 孩子叫 ... (two or three characters), a common surname before
   先生 / 女士 / 老师 / 阿姨 ..., and a common surname with one or two more characters before 的孩子 /
   家 / 说 ...; and whatever jieba tags as a person's name;
5. addresses: a run ending in 路 / 街 / 巷 / 号 / 小区 / 栋 / 单元 / 室 / 村 ... (with the numbers in it);
   a run ending in 省 / 市 / 区 / 县 / 镇 / 乡 / 街道 / 社区; the lexicon's place names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial

import jieba.posseg

NAME = "[姓名]"
PHONE = "[电话]"
ID_NUMBER = "[证件号]"
PLATE = "[车牌]"
EMAIL = "[邮箱]"
ADDRESS = "[地址]"
PLACE = "[地点]"
NUMBER = "[数字]"

# the most common Chinese surnames (about 85% of the population), and a few two-character ones
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "洪柯庄翁施傅温康欧阳连颜"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐")
_HAN = "\u4e00-\u9fff"
_PROVINCE_SHORT = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SURNAME = f"(?:{'|'.join(DOUBLE_SURNAMES)}|[{SURNAMES}])"

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])"), ID_NUMBER),
    (re.compile(r"(?<![0-9])\d{15}(?![0-9])"), ID_NUMBER),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), EMAIL),
    (re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])"), PHONE),
    (re.compile(r"(?<![0-9])0\d{2,3}[- ]?\d{7,8}(?![0-9])"), PHONE),
    (re.compile(f"[{_PROVINCE_SHORT}][A-Za-z][ ·]?[A-Za-z0-9]{{5,6}}"), PLATE),
    (re.compile(r"\d[\d -]{3,}\d"), NUMBER),
    (
        re.compile(f"(我叫|名字叫|名字是|叫做|孩子叫|儿子叫|女儿叫|小孩叫|姓名是|姓名叫)[{_HAN}]{{2,3}}"),
        rf"\g<1>{NAME}",
    ),
    (re.compile(f"(我姓|他姓|她姓)[{_HAN}]"), rf"\g<1>{NAME}"),
    (
        re.compile(f"{_SURNAME}[{_HAN}]{{0,2}}(?=先生|女士|小姐|老师|阿姨|师傅|同学|大姐|大哥|医生|社工)"),
        NAME,
    ),
    (
        re.compile(
            f"{_SURNAME}[{_HAN}]{{1,2}}(?=的孩子|的儿子|的女儿|家长|的妈妈|的爸爸|同学|想问|想咨询|问一下|咨询)"
        ),
        NAME,
    ),
    (re.compile(f"[{_HAN}]{{2}}(?:省|自治区|市|(?<!小)区|县|镇|乡|街道|社区)"), PLACE),
    (
        re.compile(
            f"[{_HAN}0-9A-Za-z]{{2,3}}(?:路|街|巷|弄|大道|小区|花园|公寓|大厦|新村|村)"
            f"(?:[0-9A-Za-z一二三四五六七八九十]+(?:号楼|号|栋|幢|单元|室|楼|层|组))*"
            f"|[0-9A-Za-z一二三四五六七八九十]+(?:号楼|号|栋|幢|单元|室)"
        ),
        ADDRESS,
    ),
)
_NAME_FLAGS = {"nr", "nrfg", "nrt"}
_KEEP = re.compile(r"\[[^\]]+\]")


def scrub(text: str, place_names: Iterable[str] = ()) -> str:
    """`text` with every name, number, plate, address and place replaced by its bracketed word."""
    names = sorted({name for name in place_names if len(name) >= 2}, key=len, reverse=True)
    if names:
        known = re.compile(f"(?:{'|'.join(re.escape(name) for name in names)})(?:省|市|区|县)?")
        text = _outside(text, lambda piece: known.sub(PLACE, piece))
    for pattern, replacement in _RULES:
        text = _outside(text, partial(_substitute, pattern, replacement))
    return _outside(text, _names_in)


def _substitute(pattern: re.Pattern[str], replacement: str, piece: str) -> str:
    return pattern.sub(replacement, piece)


def _outside(text: str, change: Callable[[str], str]) -> str:
    """`change` applied to the text between the bracketed words already put in."""
    pieces: list[str] = []
    last = 0
    for kept in _KEEP.finditer(text):
        pieces.append(change(text[last : kept.start()]) if kept.start() > last else "")
        pieces.append(kept.group())
        last = kept.end()
    pieces.append(change(text[last:]) if last < len(text) else "")
    return "".join(pieces)


def _names_in(text: str) -> str:
    """What jieba tags as a person's name and starts with a common surname."""
    return "".join(
        NAME if pair.flag in _NAME_FLAGS and _surnamed(pair.word) else pair.word
        for pair in jieba.posseg.cut(text)
    )


def _surnamed(word: str) -> bool:
    return 2 <= len(word) <= 4 and (word[0] in SURNAMES or word[:2] in DOUBLE_SURNAMES)
