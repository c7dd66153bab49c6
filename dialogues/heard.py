"""What a message says about the family, whatever step it answers: a place at any level, the child's
age or birth date ("2016年3月8日", "刚生的", "上个月出生"), a disability, low income, who the
residence permit is for. Every step it answers is filled, in the flow that is open and in flows
started later, so nothing is asked twice (`runner.known_value` reads `heard_value`).

Consent (the decision): where the family lives is remembered as before (`answers.places_from`, by
the engine). What concerns a child goes on the child's profile only with the `child_profile`
consent (`store_on_child`, when a flow advances). Without it, what the last messages said is held
in `State.heard`, never on a profile, only long enough for the flow it was said for: the message
that said it, the one asking for the flow and the consent answer (`HOLD_TURNS`). A consent refused
drops it at once, and so does the end of that window (`forget_unconsented`, after every turn).
With consent too, what is not on a profile (a disability, low income, who a permit is for: the
consent text names only the age or birth date and the city) is held only while a flow is open or
for that window, never kept for good.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from dialogues.flow import Slot, Step, StepType
from dialogues.state import Child, State
from dialogues.turn import Turn
from nlu.result import Parse

HOLD_TURNS = 2  # without consent: the message that said it, the flow request, the consent answer
_NEWBORN_DAYS = 90

# "刚生的", "刚出生", "刚生了个宝宝": days old; "上个月出生", "上个月刚生的": about a month ago
_JUST_BORN = re.compile(
    r"刚(刚)?(出生|生(的|了|下|完)?)|才(出生|生(的|了|下))|新生儿|刚满月"
    r"|newborn|new-born|just (had|gave birth)|born (this|last) week"
    r"|born (\d{1,2}|a few|two|three) (days|weeks) ago"
    r"|(had|have) a (baby|son|daughter)( boy| girl)? (this|last) week"
)
_MONTHS_AGO = re.compile(
    r"(上个?月|上上个?月|前两个月|(?P<n>[一二两三四五六七八九十\d]{1,2})个(多)?月前)(刚|才)?(出生|生)"
)
# the same in English: "born last month", "born 2 months ago"; "he is 8", "8 years old", "aged 8"
_EN_MONTHS_AGO = re.compile(r"\bborn (?:last month|(?P<n>\d{1,2}|a|one|two|three) months? ago)")
_EN_AGE = re.compile(
    r"\b(?:(?:he|she|they|it)(?:'s| is| are)|aged?|(?:son|daughter|boy|girl|kid|child)(?:'s| is)?)"
    r"\s+(?P<a>\d{1,2})\b(?!\s*(?:months?|weeks?|days?)\b)"
    r"|\b(?P<b>\d{1,2})\s*(?:years?|yrs?)[ -]?old\b|\b(?P<c>\d{1,2})\s*(?:yo|y/o)\b"
)
_EN_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3}
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_DISABILITY = re.compile(
    r"残疾|脑瘫|自闭症|孤独症|唐氏|智力障碍|智障|听力障碍|视力障碍|聋|盲童|特殊教育|特教"
    r"|助听器|人工耳蜗|听力(不好|很差|差|有问题)|坐轮椅"
    r"|cerebral palsy|autis[mt]|down'?s? syndrome|disabilit|disabled|deaf|hearing aid|wheelchair"
    r"|special needs"
)
# "没有残疾" is a no; "没办残疾证" is not (the step's help: no certificate yet still counts)
_NO_DISABILITY = re.compile(
    r"(没有|没|不是|无|并非)(什么)?(残疾(?!证)|脑瘫|自闭症|孤独症|智力障碍|智障)"
    r"|\b(no|not|without|isn'?t|is not|doesn'?t have|does not have)( a| any| an)?"
    r" (disabilit|disabled|special needs|autis)"
)
_LOW_INCOME = re.compile(
    r"低保|低收入|收入(很|特别|比较)?低|没(有)?收入|(家里|经济|生活)(是)?(有点|很|比较|特别)?困难|特困|贫困户"
    r"|(家里|家|我们)(很|太|比较|特别|挺)?穷"
    r"|minimum living|dibao|low[- ]income|poor family|we are poor|can'?t afford"
    r"|financial (difficult|hardship)"
)
_NOT_LOW_INCOME = re.compile(
    r"(不|没|没有|不算)(困难|吃低保|是低保|低保)"
    r"|\b(no|not|never|don'?t get|do not get|aren'?t|are not|isn'?t)( a| any| on| the)?"
    r" (dibao|low[- ]income|minimum living|poor)"
)
_PERMIT_BOTH = re.compile(
    r"(我|家长|大人|自己)(和|跟|与)(孩子|儿子|女儿|娃|宝宝).{0,3}(都|一起)|都要办|两个都"
)
_PERMIT_CHILD = re.compile(r"(给|帮|替)(孩子|儿子|女儿|娃|宝宝|小孩)")
_PERMIT_PARENT = re.compile(r"(给|帮)?(我|家长|大人)自己")

CHILD_KEYS = ("age", "birth_date", "newborn", "newborn_on", "told_on", "disability")


def _months_ago(match: re.Match[str]) -> int:
    raw = match.group("n")
    if raw is None:
        return 2 if match.group(1).startswith(("上上", "前两")) else 1
    return int(raw) if raw.isdigit() else _CN.get(raw, 1)


def _newborn(age: float) -> str | None:
    """ "两个月" is under 90 days, "五个月" over; about three months is asked ("宝宝出生多久了？")."""
    if age < 0.2:
        return "under_90_days"
    if 0.34 <= age < 1:
        return "older"
    return None


def facts_in(text: str, parse: Parse | None, today: date) -> dict[str, Any]:
    """The facts about the child and the family one message states (values as the steps take them)."""
    facts: dict[str, Any] = {}
    for entity in parse.entities if parse else ():
        if entity.name == "birth_date" and "birth_date" not in facts:
            try:
                facts["birth_date"] = date.fromisoformat(str(entity.value))
            except ValueError:
                continue
        elif (
            entity.name == "age"
            and "age" not in facts
            and isinstance(entity.value, (int, float))
            and not (entity.note or "").startswith("estimated")  # "明年上幼儿园" is no age told
        ):
            facts["age"] = float(entity.value)
    if "age" not in facts and "birth_date" not in facts and (said := _EN_AGE.search(text)):
        years = int(said.group("a") or said.group("b") or said.group("c"))
        if years <= 17:
            facts["age"] = float(years)
    ago = _MONTHS_AGO.search(text)
    english_ago = _EN_MONTHS_AGO.search(text)
    if "birth_date" not in facts and ago:
        facts["birth_date"] = today - timedelta(days=30 * _months_ago(ago))
    elif "birth_date" not in facts and english_ago:
        raw = english_ago.group("n")
        months = 1 if raw is None else int(raw) if raw.isdigit() else _EN_NUMBERS[raw]
        facts["birth_date"] = today - timedelta(days=30 * months)
    elif "birth_date" not in facts and "age" not in facts and _JUST_BORN.search(text):
        facts["newborn"] = "under_90_days"
        facts["age"] = 0.0
    age = facts.get("age")
    if isinstance(age, float) and "newborn" not in facts and _newborn(age) is not None:
        facts["newborn"] = _newborn(age)
    if _DISABILITY.search(text):
        facts["disability"] = "no" if _NO_DISABILITY.search(text) else "yes"
    if _LOW_INCOME.search(text):
        facts["low_income"] = "no" if _NOT_LOW_INCOME.search(text) else "yes"
    if "证" not in text:
        pass  # who a permit is for, only when the message is about a permit
    elif _PERMIT_BOTH.search(text):
        facts["who"] = "both"
    elif "办" in text and _PERMIT_CHILD.search(text):
        facts["who"] = "child"
    elif "办" in text and _PERMIT_PARENT.search(text):
        facts["who"] = "parent"
    return facts


def hear(turn: Turn, text: str, parse: Parse | None, step: Step | None) -> None:
    """Hold what the message says as `heard` (see the consent rule); `step` is the flow step the
    message answers, if any (the place is remembered by `answers.places_from`)."""
    state = turn.state
    facts = facts_in(turn.services.tokenizer.normalize(text), parse, turn.today)
    if step is not None and (
        (step.type in {StepType.date, StepType.number} and step.slot is None)
        or (step.durations and not (step.slot or "").startswith("child."))
    ):
        # "2月30日" at "上次办证是哪天？" is that date, and "没有，四个月" at "住满半年了吗？" is how
        # long the family has lived here: neither is the child's age
        facts.pop("age", None)
        facts.pop("birth_date", None)
        facts.pop("newborn", None)
    if not facts:
        return
    if state.consent.get("child_profile") is False:
        facts = {key: value for key, value in facts.items() if key not in CHILD_KEYS}
    if facts:
        state.heard = {**_current(state), **{k: _plain(v) for k, v in facts.items()}, "turn": state.turns}
        if "birth_date" in facts:
            state.heard.pop("age", None)
        if "newborn" in facts:
            state.heard["newborn_on"] = turn.today.isoformat()
        if "age" in facts and "birth_date" not in facts:
            state.heard.pop("birth_date", None)
            state.heard["told_on"] = turn.today.isoformat()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _current(state: State) -> dict[str, Any]:
    return {key: value for key, value in (state.heard or {}).items() if key != "turn"}


def forget_unconsented(state: State) -> None:
    """At the end of a turn: facts held without consent go once consent is refused or after
    `HOLD_TURNS` turns; with consent, the child's facts are on the profile and `heard` is kept for
    the flows to come only as long as nothing else holds them."""
    heard = state.heard
    if heard is not None and not set(heard) - {"turn", "told_on", "newborn_on"}:
        state.heard = None
    if not state.heard or heard is None:
        return
    if state.consent.get("child_profile") is False:
        kept = {key: value for key, value in heard.items() if key not in CHILD_KEYS}
        state.heard = kept if set(kept) - {"turn", "told_on", "newborn_on"} else None
        return
    # a disability or low income is no part of what the consent text names (age, birth date, city):
    # held while a flow uses it, or for the next flow's start, never kept beyond
    if state.flow is None and state.turns - int(heard.get("turn", 0)) >= HOLD_TURNS:
        state.heard = None


def store_on_child(turn: Turn) -> None:
    """With consent, what was heard about the child goes on the profile (the flow's child)."""
    state = turn.state
    heard = state.heard
    if not heard or not state.consent.get("child_profile") or state.flow is None:
        return
    if not any(key in heard for key in ("age", "birth_date")):
        return
    child = state.active_child()
    if child is None:
        child = Child(id=f"c{len(state.children) + 1}")
        state.children.append(child)
        state.flow.child_id = child.id
    if child.birth_date is not None or child.age is not None:
        pass  # a profile's age changes through "修改答案", never from a word in another answer
    elif "birth_date" in heard:
        child.birth_date, child.age, child.age_told_on = date.fromisoformat(heard["birth_date"]), None, None
    elif "age" in heard:
        told = heard.get("told_on")
        child.age = float(heard["age"])
        child.age_told_on = date.fromisoformat(told) if told else turn.today
        child.birth_date = None
    for key in ("age", "birth_date", "told_on"):
        heard.pop(key, None)  # on the profile now


def said_now(step: Step, state: State, today: date) -> Any:
    """What this turn's message said for `step` (a disability in words, "没办残疾证" included, is
    a yes whatever a yes/no reader makes of "没")."""
    heard = state.heard or {}
    if step.slot is None or heard.get("turn") != state.turns:
        return None
    if step.slot in {Slot.child_disability, Slot.family_low_income, Slot.permit_for}:
        return heard_value(step.slot, state, today)
    return None


def heard_value(slot: Slot, state: State, today: date) -> Any:
    """The answer `heard` gives a step with this slot (child facts only with consent)."""
    heard = state.heard or {}
    consented = bool(state.consent.get("child_profile"))
    if slot == Slot.family_low_income:
        return heard.get("low_income")
    if slot == Slot.permit_for:
        return heard.get("who")
    if not consented:
        return None
    if slot == Slot.child_disability:
        return heard.get("disability")
    if slot == Slot.child_newborn:
        child = state.active_child()
        born = child.birth_date if child else None
        if born is None and heard.get("birth_date"):
            born = date.fromisoformat(heard["birth_date"])
        if born is not None:
            return "under_90_days" if (today - born).days < _NEWBORN_DAYS else "older"
        told = heard.get("newborn_on")
        if heard.get("newborn") == "under_90_days" and told and (today - date.fromisoformat(told)).days > 30:
            return None  # "刚生的" a month ago or more: asked again rather than guessed
        return heard.get("newborn")
    return None
