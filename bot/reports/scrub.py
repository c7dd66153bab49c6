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
   家 / 说 ...; and bare names by jieba's part-of-speech tags (`_names_in`), never a domain word;
5. addresses: a run ending in 路 / 街 / 巷 / 号 / 小区 / 栋 / 单元 / 室 / 村 ... (with the numbers in it);
   a run ending in 省 / 市 / 区 / 县 / 镇 / 乡 / 街道 / 社区; the lexicon's place names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache, partial

import jieba.posseg

from core.lexicon import load_lexicon

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
    text = _outside(text, _addressed_names)
    return _outside(text, _names_in)


# A name that opens a sentence or follows 我是, right before a comma or a colon (王超强，孩子… /
# 我是李娜：… / 张伟问：…): how parents sign a message, the form jieba cuts worst (王 超强).
_ADDRESSED = re.compile(
    f"(?:^|(?<=[。！？!?\\s])|(?<=我是))({_SURNAME}[{_HAN}]{{1,2}}?)(?=[，,：:]|[问说][，,：:])"
)
COMMON = 100  # a dictionary word seen this often that jieba does not tag as a name is a word (高考)


def _addressed_names(text: str) -> str:
    keep = _domain_words()

    def name_or_word(match: re.Match[str]) -> str:
        span = match.group(1)
        common = (jieba.dt.FREQ.get(span) or 0) >= COMMON
        if span in keep or (common and jieba.posseg.dt.word_tag_tab.get(span) not in _NAME_FLAGS):
            return span
        return NAME

    return _ADDRESSED.sub(name_or_word, text)


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
    """Bare names, with no cue word, found with jieba's segmentation and part-of-speech tags
    (jieba.posseg), never taking a word of the domain (居住证, 医保, 幼儿园, 义务教育, 康复: the
    lexicon's terms and POLICY_WORDS), which jieba sometimes tags as a name (幼儿园, 康复 are `nr`):
    - a word tagged as a person's name (nr, nrfg, nrt) that starts with a common surname (张伟);
    - a surname standing alone followed by a short word that can be a given name (王 小洋: a noun,
      an adjective or a name, not a verb, particle or number);
    - a run of words jieba made up (not in its dictionary: how it cuts a name it does not know, often
      gluing a character of the name to the word beside it: 帮罗 强丽, 郑洋 静能) or tagged a name,
      holding a surname: from the surname, up to three characters;
    - a word tagged a name, or a made-up run of at most two characters, right after a word ending in
      a surname (孩子王 小丽: the surname is taken off the word before); a pet name (小丽, 阿强)."""
    keep = _domain_words()
    pairs = [(pair.word, pair.flag) for pair in jieba.posseg.cut(text)]
    out: list[str] = []
    index = 0
    while index < len(pairs):
        word, flag = pairs[index]
        after = pairs[index + 1] if index + 1 < len(pairs) else None
        if word in keep or not _han(word):
            out.append(word)
            index += 1
            continue
        if flag in _NAME_FLAGS and _surnamed(word):
            out.append(NAME)
            index += 1
            continue
        if _is_surname(word) and after is not None and _given(after, keep):
            out.append(NAME)
            index += 2  # the given name is part of it
            continue
        end = index
        while end < len(pairs) and _unknown(pairs[end], keep):
            end += 1
        run = "".join(word for word, _ in pairs[index:end])
        at = _surname_at(run) if _starts_a_name(pairs[index:end]) else None
        if at is not None:
            size = (2 if run[at : at + 2] in DOUBLE_SURNAMES else 1) + 2  # a surname and two more
            out.append(run[:at] + NAME + run[at + size :])
            index = end
            continue
        if run and (flag in _NAME_FLAGS or len(run) <= 2) and out and _ends_in_surname(out[-1], keep):
            out[-1] = out[-1][:-1]
            out.append(NAME)
            index = max(end, index + 1)
            continue
        if flag in _NAME_FLAGS and len(word) <= 2 and word[0] in _PET_PREFIXES:
            out.append(NAME)
        else:
            out.append(word)
        index += 1
    return "".join(out)


POLICY_WORDS = frozenset(
    {
        "居住证", "医保", "幼儿园", "义务教育", "康复", "低保", "高中", "特困", "救助", "残疾", "疫苗",
        "接种", "入学", "学籍", "户籍", "社保", "托育", "助学金", "公租房", "监护", "心理", "儿童之家",
    }
)  # fmt: skip
# words jieba tags as a person's name that parents write as ordinary words (thanks, kin, vaccines)
NOT_NAMES = frozenset(
    {
        "谢谢", "多谢", "孙子", "孙女", "孙儿", "阿婆", "阿嬷", "阿公", "阿姨", "阿爸", "阿妈", "白破",
        "百白破", "张贴", "莫让", "莫得", "支付宝", "高兴", "方便", "周岁", "马上", "江湖",
    }
)  # fmt: skip
_PET_PREFIXES = "小阿"
RARE = 20  # a dictionary word seen fewer times than this in jieba's corpus, tagged as below, may be a name
_RARE_NAME_FLAGS = frozenset({"nr", "nrfg", "nrt", "ns", "nz"})
# tags a given name jieba does not know gets: a name, a noun, an adjective (明丽), a place (秀英 as ns)
_GIVEN_FLAGS = frozenset({"nr", "nrfg", "nrt", "n", "ng", "nz", "ns", "a", "ag", "an", "j"})


@lru_cache(maxsize=1)
def _domain_words() -> frozenset[str]:
    """Words that are never a name: POLICY_WORDS and the domain lexicon's terms (core/data/lexicon.yaml)."""
    lexicon = load_lexicon()
    words = set(lexicon.words)
    for canonical, variants in lexicon.synonyms.items():
        words.add(canonical)
        words.update(variants)
    return frozenset(POLICY_WORDS | NOT_NAMES | words)


def _han(word: str) -> bool:
    return bool(word) and all("\u4e00" <= char <= "\u9fff" for char in word)


def _is_surname(word: str) -> bool:
    return (len(word) == 1 and word in SURNAMES) or word in DOUBLE_SURNAMES


def _given(pair: tuple[str, str], keep: frozenset[str]) -> bool:
    word, flag = pair
    return 1 <= len(word) <= 2 and _han(word) and word not in keep and flag in _GIVEN_FLAGS


def _unknown(pair: tuple[str, str], keep: frozenset[str]) -> bool:
    """A word jieba made up (its dictionary does not have it), a lone surname, or one character
    tagged a name (徐洋 芳)."""
    word, flag = pair
    if word in keep or not _han(word):
        return False
    if _is_surname(word) or (len(word) == 1 and flag in _NAME_FLAGS):
        return True
    frequency = jieba.dt.FREQ.get(word) or 0
    # jieba's dictionary holds some rare names as places or names (徐洋): rare is as good as made up
    return frequency == 0 or (frequency < RARE and flag in _RARE_NAME_FLAGS and word[0] in SURNAMES)


def _starts_a_name(run: list[tuple[str, str]]) -> bool:
    """A made-up run names a person only when the word holding its surname is a lone surname tagged a
    name (王) or a made-up word jieba took for a name, a noun, a place or an adjective (帮罗 is
    not, 郑洋 is): a surname inside a made-up verb (钱花光, 向公安) starts nothing."""
    for word, flag in run:
        if any(char in SURNAMES for char in word):
            return flag in _GIVEN_FLAGS if len(word) > 1 else flag in _NAME_FLAGS
    return False


def _surname_at(run: str) -> int | None:
    """Where a name can start in a run of made-up words: a surname with at least one more character."""
    for at in range(len(run) - 1):
        if run[at] in SURNAMES or run[at : at + 2] in DOUBLE_SURNAMES:
            return at
    return None


def _ends_in_surname(word: str, keep: frozenset[str]) -> bool:
    return len(word) >= 2 and _han(word) and word[-1] in SURNAMES and word not in keep


def _surnamed(word: str) -> bool:
    return 2 <= len(word) <= 4 and (word[0] in SURNAMES or word[:2] in DOUBLE_SURNAMES)
