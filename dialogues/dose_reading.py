"""The doses a child has had, read from the parent's words about the vaccination booklet (预防接种证):
"都按时打了", "只打了出生那两针", "乙肝打了两针，卡介苗也打了", "百白破第三针还没打", "一针都没打".

A reading is a starting point (everything due so far, the birth doses, nothing) and, for each vaccine
named, how many of its doses were given: "乙肝打了两针" is doses 1 and 2; "第三针还没打" is two; a
vaccine named as done without a number ("卡介苗也打了") is every dose of it due so far; named as not
given ("百白破还没打") is none of it. Vaccine names come from the lexicon (core/data/lexicon.yaml);
numbers in Arabic or Chinese numerals (nlu/numeral.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from dialogues.reminder_words import DosesAnswer, ReminderWords
from nlu.numeral import NUMERAL_CHARS, to_number
from reminders.schedule import Schedule

_COUNT = re.compile(rf"(?P<n>\d{{1,2}}|[{NUMERAL_CHARS}]{{1,3}})\s*(?:针|剂|次|回|針|劑|shots?|doses?)")
_NTH = re.compile(
    rf"第\s*(?P<n>\d{{1,2}}|[{NUMERAL_CHARS}]{{1,3}})\s*(?:针|剂|次|針|劑)?|(?P<en>\d)(?:st|nd|rd|th)"
)
_NOT_GIVEN = re.compile(
    r"没打|沒打|还没|還沒|没有打|沒有打|未打|没接种|沒接種|没种|没去打"
    r"|not yet|haven'?t|hasn'?t|not given|missed"
)
_GIVEN = re.compile(
    r"打了|打过|打過|打完|打齐|打齊|都打|接种了|接種了|已接种|已接種|had|got|given|done|打咗|种了|種了"
)
_JOINER = re.compile(r"^[\s和跟与與、,，及还有還有也都and&+]*$")
_EN_COUNT = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_EN_COUNT_RE = re.compile(
    r"\b(?P<n>one|two|three|four|five)\s+(?:shots?|doses?)\b"
    rf"|(?:^|\s)[x×]\s*(?P<x>\d)\b|^\s*(?P<bare>\d)(?!\d)|打了\s*(?P<said>俩|仨|[{NUMERAL_CHARS}]{{1,2}}个?)(?![针剂次])"
)
_INFORMAL = {"俩": 2, "仨": 3}
_INACTIVATED = {"je_l": "je_i", "hepa_l": "hepa_i"}  # the schedule's alternatives (live -> inactivated)


@dataclass(frozen=True)
class DosesSaid:
    """What the reply says: a starting point and, per vaccine named, the doses given (None: every
    dose due so far)."""

    start: DosesAnswer | None = None
    counts: Mapping[str, int | None] = field(default_factory=dict)

    @property
    def understood(self) -> bool:
        return self.start is not None or bool(self.counts)


def _number(raw: str) -> int | None:
    value = to_number(raw)
    return int(value) if isinstance(value, (int, float)) and 0 <= value <= 9 else None


def _vaccine_pattern(names: Mapping[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    by_name = {name.lower(): vaccine for vaccine, words in names.items() for name in words}
    ordered = sorted(by_name, key=len, reverse=True)
    alternatives = "|".join(
        rf"(?<![a-z]){re.escape(name)}(?![a-z])" if name.isascii() else re.escape(name) for name in ordered
    )
    return re.compile(alternatives), by_name


def _about(segment: str) -> int | str | None:
    """What one vaccine's words say: a number of doses, None (all so far), or "" (nothing said)."""
    nth = _NTH.search(segment)
    negated = _NOT_GIVEN.search(segment) is not None
    if nth is not None:
        number = _number(nth.group("n") or nth.group("en") or "")
        if number is not None:
            return max(0, number - 1) if negated else number
    count = _COUNT.search(segment) or _EN_COUNT_RE.search(segment)
    number = None
    if count is not None:
        found = {key: value for key, value in count.groupdict().items() if value}
        raw = found.get("n") or found.get("x") or found.get("bare") or found.get("said", "").rstrip("个")
        number = _EN_COUNT.get(raw) or _INFORMAL.get(raw) or _number(raw)
    if number is not None and (not negated or _GIVEN.search(segment)):
        return number  # "打了两针"; "一针都没打" is none
    if negated:
        return 0
    if _GIVEN.search(segment):
        return None
    return ""


def read_doses(
    words: ReminderWords, vaccine_names: Mapping[str, tuple[str, ...]], text: str, normalized: str
) -> DosesSaid:
    """The reading of a reply (`normalized`: lower case, Simplified) about the doses given."""
    names = {
        vaccine: (*vaccine_names.get(vaccine, ()), *words.vaccine_names.get(vaccine, ()))
        for vaccine in {*vaccine_names, *words.vaccine_names}
    }
    pattern, by_name = _vaccine_pattern(names)
    clean = normalized.lower()
    mentions = list(pattern.finditer(clean))
    counts: dict[str, int | None] = {}
    waiting: list[str] = []  # "乙肝和卡介苗都打了": vaccines joined to the words that follow
    used: list[tuple[int, int]] = []  # what was read as about a vaccine (not a starting point)
    for position, mention in enumerate(mentions):
        vaccine = by_name[mention.group()]
        end = mentions[position + 1].start() if position + 1 < len(mentions) else len(clean)
        segment = re.split(r"[,，。;；!！?？\s]", clean[mention.end() : end].lstrip(), maxsplit=1)[0]
        if any(word in clean[mention.end() : end] for word in words.inactivated_words):
            vaccine = _INACTIVATED.get(vaccine, vaccine)  # "乙脑是灭活的": JE-I
        said = _about(segment)
        if said == "" and not _JOINER.match(segment):
            segment = clean[mention.end() : end]  # "乙脑是灭活的，打了两针": the words after the comma
            said = _about(segment)
        if said == "" and _JOINER.match(segment) and position + 1 < len(mentions):
            waiting.append(vaccine)
            used.append((mention.start(), mention.end() + len(segment)))
            continue
        if said == "":
            start_at = max(0, mention.start() - 8)
            said = _about(clean[start_at : mention.start()])  # "打了两针乙肝"
            if said != "":
                used.append((start_at, mention.start()))
        if said == "":
            waiting = []
            continue
        used.append((mention.start(), mention.end() + len(segment)))
        for each in (*waiting, vaccine):
            counts[each] = said  # type: ignore[assignment]
        waiting = []
    rest = "".join(char for at, char in enumerate(clean) if not any(a <= at < b for a, b in used))
    start = words.doses_answer(rest, rest) if used else words.doses_answer(text, normalized)
    if start == "unknown" and counts:
        start = None  # "乙肝打了两针，别的不记得了": what was named is what is known
    return DosesSaid(start, counts)


def due_so_far(schedule: Schedule, birth: date, today: date) -> dict[str, int]:
    """Each vaccine of the default track -> its highest dose whose recommended date has come."""
    left_out = {vaccine for _, others in schedule.alternatives.values() for vaccine in others}
    highest: dict[str, int] = {}
    for rule in schedule.rules:
        if rule.vaccine in left_out:
            continue
        scheduled = max(rule.age.at.after(birth), rule.effective_from or date.min)
        if scheduled <= today and scheduled <= (rule.effective_until or date.max):
            vaccine, dose = rule.slot.split(":")
            highest[vaccine] = max(highest.get(vaccine, 0), int(dose))
    return highest


def given_doses(
    said: DosesSaid, words: ReminderWords, schedule: Schedule, birth: date, today: date
) -> dict[str, None]:
    """The doses given ("vaccine:dose" -> None: the booklet's dates are not asked) that the reading
    means for a child born on `birth`, as of `today`."""
    so_far = due_so_far(schedule, birth, today)
    given: dict[str, None] = {}
    if said.start in ("all_on_time", "unknown"):
        given = {f"{vaccine}:{dose}": None for vaccine, last in so_far.items() for dose in range(1, last + 1)}
    elif said.start == "birth_only":
        given = dict.fromkeys(words.birth_doses)
    for vaccine, count in said.counts.items():
        if vaccine not in schedule.names:
            continue
        given = {key: None for key in given if not key.startswith(f"{vaccine}:")}
        if count is None:
            count = so_far.get(vaccine, 1)
        for number in range(1, min(count, schedule.max_dose(vaccine)) + 1):
            given[f"{vaccine}:{number}"] = None
    return given
