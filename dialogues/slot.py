"""Reading a parent's answer to one flow step: choice, yes/no, number, age, date, text, place.

Each reader returns the value, or a problem that becomes a clear re-ask.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.lexicon import Lexicon, Place
from core.tokenizer import Tokenizer
from dialogues.answer_words import by_duration, by_words
from dialogues.flow import Step, StepType
from dialogues.yes_no_words import yes_no_words
from nlu.numeral import NUMERAL_CHARS, to_number
from nlu.result import Parse

YES = re.compile(
    r"^(是|是的|对|对的|有|有的|嗯|恩|好|好的|可以|行|没错|当然|住满了|满了|办过|交了|交着|在交)"
)
# English as a whole word at the start ("y" and "yes", never "you" or "yesterday")
YES_EN = re.compile(
    r"^(yes|y|yeah|yea|yep|yup|ok|okay|sure|of course|correct|right|that'?s right|true|agreed?"
    r"|i agree|we agree|i do|we do|i have|we have|i am|we are|he is|she is|please do|absolutely"
    r"|definitely|certainly|fine|alright|all right)\b"
)
NO = re.compile(r"(^(否|no|n|nope|没|无)$)|不是|没有|没满|不满|没办|没交|不可以|不行|不用|^不|^没|not yet")
NO_EN = re.compile(
    r"\b(no|nope|nah|not|never|disagree|don'?t|doesn'?t|didn'?t|haven'?t|hasn'?t|hadn'?t|isn'?t"
    r"|aren'?t|wasn'?t|won'?t|can'?t|cannot)\b"
)
# the same words among Chinese ones ("好像I don't了"), where \b does not separate them
_NO_EN_MIXED = re.compile(NO_EN.pattern.replace(r"\b(", r"(?<![a-z'])(", 1).replace(r")\b", r")(?![a-z'])"))
_PLAIN_YES = frozenset(("yes", "y", "yeah", "yea", "yep", "yup", "ok", "okay", "sure", "of course"))
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
# Ages in English words ("eight", "five and a half"): the classifier's age entity reads Chinese ones.
_EN_NUMBERS = {
    word: float(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_MONTHS = re.compile(r"\bmonths?\b")
_EN_NUMBER = re.compile(rf"\b({'|'.join(_EN_NUMBERS)}|\d+)\b(\s+and\s+a\s+half)?")
# "I don't know" is not a "no" (不知道 starts with 不): it gets the question again, with its help.
UNSURE = re.compile(r"不知道|不清楚|不确定|不记得|记不清|说不准|不好说|搞不清|not sure|don'?t know|no idea")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# a number in Chinese numerals said alone ("十二", "十二歲了"), the answer to "几岁"
_BARE_NUMERAL = re.compile(rf"^\s*(?P<n>[{NUMERAL_CHARS}]+)\s*(岁|歲)?\s*(了|啦|吧)?[\s。.!！]*$")
_ISO_LIKE = re.compile(r"(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
MAX_TEXT = 500
_MARKS = re.compile(r"[\s,，.。!！?？~～…、;；]")


@dataclass(frozen=True)
class Reading:
    value: Any = None
    problem: str | None = None  # a problem code: not_understood | out_of_range | future | past | bad_date
    birth: date | None = None  # an age step answered with a birth date: the date, kept on the profile

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_choice(
    step: Step, text: str, translate: Callable[[str], str] | None = None, typed: str = ""
) -> Reading:
    """A choice by its number, its label, the choice's words or a time span (dialogues/answer_words.py),
    or a part of one label, in the source language or in the parent's (`translate`: "my child" for
    "For my child"); `typed` is the reply as typed (Traditional words), `text` normalised."""
    clean = text.strip().lower()
    if clean.isdigit() and 1 <= int(clean) <= len(step.choices):
        return Reading(step.choices[int(clean) - 1].value)
    labels = [
        (choice, {choice.label.lower()} | ({translate(choice.label).lower()} if translate else set()))
        for choice in step.choices
    ]
    compact = _MARKS.sub("", clean)  # "不 到90天", "给孩子办。"
    for choice, names in labels:
        if clean == choice.value or clean in names or compact in {_MARKS.sub("", name) for name in names}:
            return Reading(choice.value)
    matches = [choice for choice, names in labels if any(name in clean for name in names)]
    if len(matches) == 1:
        return Reading(matches[0].value)
    close = [choice for choice, names in labels if any(_one_typo(clean, name) for name in names)]
    if len(close) == 1:  # "家长和孩孩子都办": a label with one character dropped, doubled or changed
        return Reading(close[0].value)
    named = by_words(step, typed or text, clean) or by_duration(step, clean)
    if named is not None:
        return Reading(named)
    # part of one label only, as a parent types it ("给孩子" for "给孩子办"; "孩子" fits two: asked again)
    matches = [choice for choice, names in labels if len(clean) >= 2 and any(clean in name for name in names)]
    if len(matches) == 1:
        return Reading(matches[0].value)
    return Reading(problem="not_understood")


_FIRST_CLAUSE = re.compile(r"[\s,，.。!！?？~～…、;；]")


def _one_typo(text: str, label: str) -> bool:
    """The text is the label (three characters or more) with one character dropped, added or
    changed, spaces and punctuation aside."""
    a, b = _MARKS.sub("", text), _MARKS.sub("", label)
    if len(b) < 3 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:at] + long[at + 1 :] == short for at in range(len(long)))


def read_yes_no(text: str, parse: Parse | None, threshold: float) -> Reading:
    clean = text.strip().lower().translate(_APOSTROPHES)
    if UNSURE.search(clean):
        return Reading(problem="not_understood")
    first = _FIRST_CLAUSE.split(clean, maxsplit=1)[0]
    if first and first != clean and len(first) <= 5 and not re.search(r"[a-z]", clean):
        said = read_yes_no(first, None, 1.0)  # "确定，全部删掉", "同意的，记一下吧": the first clause answers
        if said.ok:
            return said
    words = yes_no_words()
    forms = words.forms(clean)  # "应该是吧" -> "是", "好像不用" -> "不用"
    if any(form.startswith(word) for form in forms for word in words.yes_despite_negation):
        return Reading("yes")  # "没问题", "不错": a yes that starts with 不/没
    if (
        forms & words.no
        or any(NO.search(form) or form.startswith(words.no_starts) for form in forms)
        or (not clean.isascii() and _NO_EN_MIXED.search(clean))  # "好像I don't"
    ):
        return Reading("no")
    if forms & words.yes or any(YES.search(form) for form in forms):
        return Reading("yes")
    if clean.isascii():  # English: a yes-word first ("yes, no problem"), else any negation ("I don't agree")
        said_yes = YES_EN.search(clean)
        if said_yes and (said_yes.group(1) in _PLAIN_YES or not NO_EN.search(clean)):
            return Reading("yes")
        if NO_EN.search(clean):
            return Reading("no")
    if parse is not None and parse.confidence >= threshold:
        if parse.intent == "affirm":
            return Reading("yes")
        if parse.intent == "deny":
            return Reading("no")
    return Reading(problem="not_understood")


def _entity(parse: Parse | None, *names: str) -> Any:
    if parse is None:
        return None
    for entity in parse.entities:
        if entity.name in names:
            return entity.value
    return None


def read_number(step: Step, text: str, parse: Parse | None, *, age: bool = False) -> Reading:
    value: float | None = None
    if age:
        found = _entity(parse, "age")
        value = float(found) if isinstance(found, (int, float)) else None
    if value is None:
        match = _NUMBER.search(text)
        if match:
            value = float(match.group(0))
    if age and _MONTHS.search(text):
        months = _english_number(text) if value is None else value
        value = None if months is None else float(int(months // 12))  # full years, as the step asks
    elif value is None and age:
        value = _english_number(text)
    if value is None and (bare := _BARE_NUMERAL.match(text)):  # "十二" said alone
        number = to_number(bare.group("n"))
        value = float(number) if number is not None else None
    if value is None:
        return Reading(problem="not_understood")
    low = step.min if step.min is not None else (0 if age else None)
    high = step.max if step.max is not None else (17 if age else None)
    if (low is not None and value < low) or (high is not None and value > high):
        return Reading(problem="out_of_range")
    return Reading(value)


def _english_number(text: str) -> float | None:
    """ "eight", "he's eight", "five and a half" -> the number; None without one."""
    match = _EN_NUMBER.search(text.lower())
    if match is None:
        return None
    word = match.group(1)
    value = _EN_NUMBERS[word] if word in _EN_NUMBERS else float(word)
    return value + 0.5 if match.group(2) else value


def read_date(step: Step, text: str, parse: Parse | None, today: date) -> Reading:
    found = _entity(parse, "birth_date", "date")
    when: date | None = None
    if isinstance(found, str):
        try:
            when = date.fromisoformat(found)
        except ValueError:
            when = None
    if when is None:
        match = _ISO_LIKE.search(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            year = year + 2000 if year < 100 else year
            try:
                when = date(year, month, day)
            except ValueError:
                return Reading(problem="bad_date")
    if when is None:
        match = _MONTH_DAY.search(text)
        if match:  # "3月8号" without a year: the nearest such day on the side the step asks for
            return _month_day(step, int(match.group(1)), int(match.group(2)), today)
    if when is None:
        return Reading(problem="not_understood")
    if step.dates == "past" and when > today:
        return Reading(problem="future")
    if step.dates == "future" and when < today:
        return Reading(problem="past")
    if when.year < 1990:
        return Reading(problem="bad_date")
    return Reading(when)


def _age_or_birth_date(step: Step, text: str, parse: Parse | None, today: date) -> Reading:
    """An age step's answer: an age, or a birth date ("2016年3月8日", "16年3月") as the age it gives."""
    if _entity(parse, "birth_date") is not None or _ISO_LIKE.search(text):
        born = read_date(step, text, parse, today)
        if born.ok and isinstance(born.value, date) and born.value <= today:
            age = math.floor((today - born.value).days / 365.25 * 10) / 10  # not yet 6 is 5.9
            low = step.min if step.min is not None else 0
            high = step.max if step.max is not None else 17
            if not low <= age <= high + 0.99:
                return Reading(problem="out_of_range")
            return Reading(age, birth=born.value)
        if not born.ok and born.problem != "not_understood":
            return born
    return read_number(step, text, parse, age=True)


def _month_day(step: Step, month: int, day: int, today: date) -> Reading:
    candidates = []
    for year in range(today.year - 4, today.year + 5):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue  # 2月30日 never exists; 2月29日 only in a leap year
    if not candidates:
        return Reading(problem="bad_date")
    if step.dates == "past":
        candidates = [when for when in candidates if when <= today]
    elif step.dates == "future":
        candidates = [when for when in candidates if when >= today]
    return Reading(min(candidates, key=lambda when: abs((when - today).days)))


_ORDER = {"district": 0, "city": 1, "province": 2}


def find_places(lexicon: Lexicon, text: str) -> list[Place]:
    """Places named in the (normalised) text, most specific first (districts, then cities, then
    provinces), at each level those the knowledge base covers before those outside it (广州)."""
    covered = lexicon.covered_places
    found: dict[tuple[str, str], Place] = {}
    for name, place, word in lexicon.place_matchers:  # prepared once per lexicon
        if name in text and (word is None or word.search(text) is not None):
            found.setdefault((place.kind, place.id), place)
    return sorted(
        found.values(), key=lambda place: (_ORDER[place.kind], (place.kind, place.id) not in covered)
    )


def read_place(lexicon: Lexicon, text: str) -> Reading:
    places = find_places(lexicon, text)
    if not places:
        return Reading(problem="not_understood")
    best = places[0]
    district = best.id if best.kind == "district" else None
    value = {"province": best.province, "city": best.city, "district": district}
    return Reading(value)


def read_answer(
    step: Step,
    text: str,
    parse: Parse | None,
    lexicon: Lexicon,
    tokenizer: Tokenizer,
    today: date,
    *,
    threshold: float,
    translate: Callable[[str], str] | None = None,
) -> Reading:
    """The answer to `step` in the parent's words; `threshold` is the model's fitted confidence, below
    which the classifier's affirm/deny is not taken as a yes or no; `translate` gives a choice's label
    in the parent's language."""
    clean = tokenizer.normalize(text)[:MAX_TEXT]
    if not clean:
        return Reading(problem="not_understood")
    if step.type == StepType.choice:
        return read_choice(step, clean, translate, text)
    if step.type == StepType.yes_no:  # the step's own words first ("孩子他爸有"), then any yes or no
        named = by_words(step, text, clean) or by_duration(step, clean)
        return Reading(named) if named is not None else read_yes_no(clean, parse, threshold)
    if step.type == StepType.number:
        return read_number(step, clean, parse)
    if step.type == StepType.age:
        return _age_or_birth_date(step, clean, parse, today)
    if step.type == StepType.date:
        return read_date(step, clean, parse, today)
    if step.type == StepType.place:
        return read_place(lexicon, clean)
    return Reading(text.strip()[:MAX_TEXT])
