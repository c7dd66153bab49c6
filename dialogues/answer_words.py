"""A flow step's answer named in the parent's own words (the flows' `words`, `yes_words`,
`no_words`) or by a time span (`durations`): "给娃办" is the choice "给孩子办", "孩子他爸有" a yes,
"住了一年多了" a yes to "住满半年了吗", "才出生二十天" the newborn's "不到90天".

A word counts unless a negation stands next to it ("孩子不用", "没有低保", "not the kid"); a word
inside a longer word found in the reply gives way to it ("我和娃都办": both, not the child); when
the words left name two answers, the longest word decides, and a tie is no answer (asked again).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from dialogues.flow import Duration, Step, StepType

_EDGES = " \t?？。.!！,，~～…、"
MAX_REPLY = 60  # a longer message is a question or a story, not an answer read by its words
_CLAUSE = re.compile(r"[,，。.!！?？;；、\s]")
# a negation just before a word ("不", "没有", "不太", "not") or just after it in the same clause ("孩子不用")
_NEG_BEFORE = re.compile(
    r"((不|没|沒|没有|沒有|不是|别|非|无|未)(太|怎么|怎麼|是很|那么|那麼|算|大)?"
    r"|\b(not|no|don'?t|never|without)\s+(the\s+|my\s+|a\s+|any\s+)?)$"
)
_NEG_AFTER = re.compile(r"^.{0,2}(不用|不要|不弄|不办|不交|没有|沒有|不是|以后再说|先不|还小)")
_NEG_AFTER_EN = re.compile(r"^\s*(not|no)\b")


def fold_word(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(_EDGES).lower()


def _found(word: str, text: str) -> Iterable[tuple[int, int]]:
    if word.isascii():  # an English word only as a whole word ("kid" not in "kidding")
        pattern = rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"
        return ((match.start(), match.end()) for match in re.finditer(pattern, text))
    return ((match.start(), match.end()) for match in re.finditer(re.escape(word), text))


def _negated(text: str, start: int, end: int, word: str) -> bool:
    before = text[max(0, start - 12) : start]
    after = _CLAUSE.split(text[end:], maxsplit=1)[0]
    if not word.startswith(("不", "没", "沒", "not", "no ", "don't")) and _NEG_BEFORE.search(before):
        return True
    return bool(_NEG_AFTER.search(after) or (word.isascii() and _NEG_AFTER_EN.search(text[end:])))


def _named(step: Step) -> list[tuple[str, tuple[str, ...]]]:
    if step.type == StepType.yes_no:
        return [("yes", step.yes_words.all()), ("no", step.no_words.all())]
    return [(choice.value, choice.words.all()) for choice in step.choices]


def by_words(step: Step, *texts: str) -> str | None:
    """The answer the reply names by the step's words (`texts`: the reply as typed and normalised)."""
    hits: list[tuple[int, int, int, str]] = []  # (text index, start, end, value)
    if any(len(text) > MAX_REPLY for text in texts):
        return None
    for index, text in enumerate(fold_word(text) for text in texts):
        for value, words in _named(step):
            for word in {fold_word(word) for word in words} - {""}:
                for start, end in _found(word, text):
                    if not _negated(text, start, end, word):
                        hits.append((index, start, end, value))
                    elif step.type == StepType.yes_no and value == "yes":
                        hits.append((index, start, end, "no"))  # "不太困难", "没有低保": a no
    kept = [
        hit
        for hit in hits
        if not any(
            other[0] == hit[0]
            and other[1] <= hit[1]
            and hit[2] <= other[2]
            and other[2] - other[1] > hit[2] - hit[1]
            for other in hits
        )
    ]
    values = {hit[3] for hit in kept}
    if len(values) <= 1:
        return next(iter(values), None)
    longest: dict[str, int] = {}
    for _, start, end, value in kept:
        longest[value] = max(longest.get(value, 0), end - start)
    ranked = sorted(longest.items(), key=lambda item: -item[1])
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


# ── time spans ────────────────────────────────────────────────────────────────
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
# a year of twelve 30-day months: "半年" is six months
_UNITS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "个月": 30, "月": 30, "年": 360}
_EN_UNITS = {"day": 1, "week": 7, "month": 30, "year": 360}
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_EN_NUMBERS |= {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUMBER = r"(?P<n>\d+|[零一二两俩三四五六七八九十百几]+|半)"
_SPAN = re.compile(
    rf"(?P<pre>超过|过了|早过了|已经|都|满|不到|没满|没到|不满|还没满|还差|差|快|将近|才|刚)?\s*{_NUMBER}\s*(?P<more>多|来)?"
    r"\s*(?P<unit>天|日|周|星期|个?礼拜|个?(?P<more2>多)?半?月|年)(?P<half>半)?(?P<post>多|以上|以内|以下|不到|了?早?过了)?"
)
_SPAN_EN = re.compile(
    r"(?P<pre>more than|over|less than|under|almost|nearly|about|only)?\s*"
    r"(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half(?: an?)?)\s+"
    r"(?P<unit>day|week|month|year)s?"
)
_MORE = {"超过", "过了", "早过了", "多", "以上", "more than", "over"}
_LESS = {"不到", "没满", "没到", "不满", "还没满", "还差", "差", "快", "将近", "以内", "以下"}
_LESS |= {"less than", "under"}
_LESS_EN = {"almost", "nearly"}


def _chinese_number(raw: str) -> float | None:
    if raw.isdigit():
        return float(raw)
    if raw == "半":
        return 0.5
    if "几" in raw:  # "几个礼拜", "十几天": a few
        return 15.0 if raw.startswith("十") else 3.0
    if raw in _DIGITS:
        return float(_DIGITS[raw])
    if len(raw) == 2 and raw[0] in _DIGITS and raw[1] in _DIGITS:  # "七八个月", "五六年": the lower
        return float(_DIGITS[raw[0]])
    if "百" in raw:
        head = raw.split("百")[0]
        return float(_DIGITS.get(head, 1) * 100)
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return float(_DIGITS.get(tens, 1) * 10 + _DIGITS.get(ones, 0))
    return None


def spans(text: str) -> list[float]:
    """The time spans the reply states, in days (more than a span: a day more; less: a day less)."""
    found: list[float] = []
    chinese = re.sub(r"(?<![a-z])\s+(?![a-z])", "", text)  # "不 到90天", "9 0天": spaces between characters
    for match in _SPAN.finditer(chinese):
        number = _chinese_number(match.group("n"))
        if number is None:
            continue
        unit = match.group("unit")
        unit_days = _UNITS["个月" if "月" in unit else unit.lstrip("个")]
        days = number * unit_days
        if "半" in unit or match.group("half"):
            days += unit_days / 2
        post = match.group("post") or ""
        qualifiers = {match.group("pre") or "", match.group("more") or "", post.lstrip("了早")}
        if qualifiers & _MORE or "过了" in post or match.group("more") or match.group("more2"):
            days += 1
        elif qualifiers & _LESS:
            days -= 1
        found.append(days)
    for match in _SPAN_EN.finditer(text.lower()):
        raw = match.group("n")
        number = 0.5 if raw.startswith("half") else float(raw) if raw.isdigit() else float(_EN_NUMBERS[raw])
        days = number * _EN_UNITS[match.group("unit")]
        pre = match.group("pre") or ""
        days += 1 if pre in _MORE else -1 if pre in _LESS | _LESS_EN else 0
        found.append(days)
    return found


def by_duration(step: Step, text: str) -> str | None:
    """The answer a time span in the reply gives (all spans must agree)."""
    if not step.durations or len(text) > MAX_REPLY:
        return None
    values = {value for days in spans(text) if (value := _span_value(step.durations, days)) is not None}
    return values.pop() if len(values) == 1 else None


def _span_value(rules: tuple[Duration, ...], days: float) -> str | None:
    for rule in rules:
        low = rule.min_days if rule.min_days is not None else days
        high = rule.max_days if rule.max_days is not None else days
        if low <= days <= high:
            return rule.value
    return None
