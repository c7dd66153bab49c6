"""Follow-ups in context: after an answer about a service, a short or elliptic message ("那要钱吗",
"要带什么", "多久能办好", "那高中呢", "what documents?") is read against that answer; the words are
data (dialogues/data/followups.yaml). A full new question still goes to the normal understanding.

What is shown: the part of the answer the message asks for (how, bring, where, ask), or the lines
of the answer that speak of the aspect (cost, time, eligibility), or the service of the other
stage of schooling. An aspect the answer says nothing about is said so, with a person offered
(nothing is made up), and an aspect already shown is not shown again (`State.last_shown`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.message import Button
from core.yamlfile import DataFileError, Problem, read_schema
from dialogues.answers import (
    choose,
    next_buttons,
    related_hits,
    remember_shown,
    say_answer,
    say_part,
)
from dialogues.case_summary import remember_unanswered
from dialogues.effect import RecordGap
from dialogues.menu import human_button
from dialogues.navigation import LocaleWords
from dialogues.turn import Turn
from knowledge.answer import PARTS, Answer, make_answer
from knowledge.catalog import Item
from knowledge.index import Hit
from knowledge.schema import Stage
from nlu.result import Parse

FOLLOWUPS_FILE = Path(__file__).resolve().parent / "data" / "followups.yaml"
_PUNCTUATION = re.compile(r"[\s?？。.!！,，~～…、;；:：'\"“”‘’()（）]+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Aspect(_Strict):
    asks: LocaleWords
    part: str | None = None  # an answer part that answers it (knowledge/answer.py PARTS)
    evidence: LocaleWords | None = None  # else: the words of the answer's lines that speak of it
    who: bool = False  # the answer's "who can" line comes first

    @model_validator(mode="after")
    def _one_way_to_answer(self) -> _Aspect:
        if self.part is not None and self.part not in PARTS:
            raise ValueError(f"part '{self.part}' is none of {', '.join(PARTS)}")
        if (self.part is None) == (self.evidence is None):
            raise ValueError("an aspect is answered either by a part or by evidence words, one of them")
        return self


class _FollowUpsFile(_Strict):
    max_chars: int = Field(ge=2, le=40)
    max_words: int = Field(ge=1, le=20)
    anaphora: LocaleWords
    aspects: dict[str, _Aspect] = Field(min_length=1)
    stage_topics: tuple[str, ...] = Field(min_length=1)
    stages: dict[Stage, LocaleWords] = Field(min_length=1)
    fillers: LocaleWords


def fold(text: str) -> str:
    """Lower case, full-width to half-width (Traditional to Simplified is the tokenizer's)."""
    return unicodedata.normalize("NFKC", text).lower().strip()


@dataclass(frozen=True)
class Words:
    """Words compared as contained; English ones at a word's start (with a plural ending)."""

    chinese: tuple[str, ...]
    english: re.Pattern[str] | None

    @classmethod
    def of(cls, words: LocaleWords, *, prefix: bool = False) -> Words:
        folded = {fold(word) for word in (*words.zh_Hans, *words.zh_Hant, *words.en)}
        english = sorted(word for word in folded if word.isascii())
        ending = "" if prefix else r"(?:s|es)?\b"
        pattern = (
            re.compile(r"\b(?:" + "|".join(re.escape(word) for word in english) + ")" + ending)
            if english
            else None
        )
        return cls(tuple(sorted(word for word in folded if not word.isascii())), pattern)

    def find(self, *texts: str) -> bool:
        for text in texts:
            if any(word in text for word in self.chinese):
                return True
            if self.english is not None and self.english.search(text):
                return True
        return False


@dataclass(frozen=True)
class Aspect:
    id: str
    key: str  # what `State.last_shown` records: the part, or the aspect's id
    part: str | None
    asks: Words
    evidence: Words | None
    who: bool


@dataclass(frozen=True)
class FollowUps:
    max_chars: int
    max_words: int
    anaphora: tuple[str, ...]
    aspects: tuple[Aspect, ...]  # in the order they are tried
    stage_topics: tuple[str, ...]
    stages: tuple[tuple[str, Words], ...]
    fillers: frozenset[str]  # words that say nothing of a topic ("孩子", "we", "能")
    all_words: tuple[str, ...]  # every word of the aspects, stages and anaphora

    def aspect_in(self, *texts: str) -> Aspect | None:
        folded = [fold(text) for text in texts if text]
        return next((aspect for aspect in self.aspects if aspect.asks.find(*folded)), None)

    def stage_in(self, *texts: str) -> str | None:
        folded = [fold(text) for text in texts if text]
        return next((stage for stage, words in self.stages if words.find(*folded)), None)

    def elliptic(self, text: str) -> bool:
        """Short ("那要钱吗", "what documents?") or starting with a word that refers back ("那个…")."""
        clean = _PUNCTUATION.sub(" ", fold(text)).strip()
        if not clean:
            return False
        if clean.isascii():
            if len(clean.split()) <= self.max_words:
                return True
        elif len(clean.replace(" ", "")) <= self.max_chars:
            return True
        return any(
            clean.startswith(word) and (not word.isascii() or clean[len(word) : len(word) + 1] in {"", " "})
            for word in self.anaphora
        )


def _all(words: LocaleWords) -> set[str]:
    return {fold(word) for word in (*words.zh_Hans, *words.zh_Hant, *words.en)}


def check_followups(path: Path = FOLLOWUPS_FILE) -> tuple[FollowUps | None, list[Problem]]:
    source, data, problems = read_schema(path, _FollowUpsFile)
    if data is None or source is None:
        return None, problems
    aspects = tuple(
        Aspect(
            id=name,
            key=aspect.part or name,
            part=aspect.part,
            asks=Words.of(aspect.asks),
            evidence=Words.of(aspect.evidence, prefix=True) if aspect.evidence else None,
            who=aspect.who,
        )
        for name, aspect in data.aspects.items()
    )
    keys = [aspect.key for aspect in aspects]
    for key in sorted({key for key in keys if keys.count(key) > 1}):
        problems.append(Problem(source.display, source.line_of(("aspects",)), f"two aspects show '{key}'"))
    if problems:
        return None, problems
    anaphora = _all(data.anaphora)
    every = anaphora | {word for each in data.aspects.values() for word in _all(each.asks)}
    every |= {word for words in data.stages.values() for word in _all(words)}
    followups = FollowUps(
        max_chars=data.max_chars,
        max_words=data.max_words,
        anaphora=tuple(sorted(anaphora, key=len, reverse=True)),
        aspects=aspects,
        stage_topics=data.stage_topics,
        stages=tuple((str(stage), Words.of(words)) for stage, words in data.stages.items()),
        fillers=frozenset(_all(data.fillers)),
        all_words=tuple(sorted(every)),
    )
    return followups, problems


@cache
def followups(path: Path = FOLLOWUPS_FILE) -> FollowUps:
    loaded, problems = check_followups(path)
    if loaded is None:
        raise DataFileError(problems)
    return loaded


def lines_about(
    answer: Answer, aspect: Aspect, normalize: Callable[[str], str] = fold
) -> tuple[list[str], list[str]]:
    """(what the answer says about the aspect, what it says is still to be asked about it): its
    lines that contain an evidence word (Traditional lines are read through `normalize`)."""
    evidence = aspect.evidence
    assert evidence is not None

    def speaks(line: str) -> bool:
        return evidence.find(fold(normalize(line)))

    said = [line for line in (answer.summary, *answer.provides, *answer.how) if speaks(line)]
    if answer.handling_note and speaks(answer.handling_note):
        said.append(answer.handling_note)
    unclear = [line for line in answer.unknowns if speaks(line)]
    return said, unclear


def follow_up(turn: Turn, text: str, normalized: str, parse: Parse | None) -> bool:
    """A message read against the last answer or the flow under way (True: answered here);
    anything else is left to the caller: a full new question goes to the normal understanding."""
    last = context(turn)
    if last is None:
        return False
    part = turn.services.navigation.answer_part(text, normalized)  # a button's label typed out
    data = followups()
    if part is not None:
        aspect = next((each for each in data.aspects if each.part == part), None)
    else:
        aspect = data.aspect_in(text, normalized)
    stage = data.stage_in(text, normalized)
    elliptic = part is not None or data.elliptic(text)
    asked = _new_topic(turn, parse)
    if (
        stage is not None
        and elliptic
        and last.topic in data.stage_topics
        and asked in {None, *data.stage_topics}
    ):
        sibling = _sibling(turn, stage, data.stage_topics)
        if sibling is not None:
            if aspect is None:
                if sibling.id == last.id and _only_follow_up_words(turn, data, text):  # "那幼儿园呢"
                    _covered(turn, last)
                else:  # the other stage's service, or "孩子上幼儿园有补助吗" again: answered (again)
                    say_answer(turn, Hit(sibling, 0.0), related_hits(turn, sibling.topic, {}, "", None))
                return True
            last = sibling
    if aspect is None:
        return False
    if asked != last.topic and not (elliptic and (asked is None or _only_follow_up_words(turn, data, text))):
        return False  # a new question about something else
    show_aspect(turn, last, aspect, text)
    return True


def context(turn: Turn) -> Item | None:
    """What a follow-up is about: the service of the flow under way (or offered, while its consent
    is asked), else the service last answered."""
    state = turn.state
    services = turn.services
    flow_id = state.flow.flow_id if state.flow else None
    if flow_id is None and state.pending is not None:
        if state.pending.kind != "consent":
            return None  # a place, a person, a language, /forget: the question asked comes first
        flow_id = str(state.pending.data.get("flow"))
    flow = services.flows.flows.get(flow_id) if flow_id else None
    if flow is not None:
        if (
            state.last_service in services.kb.by_id
            and services.kb.by_id[state.last_service].topic == flow.topic
        ):
            return services.kb.by_id[state.last_service]
        child = state.active_child()
        hit = choose(turn, flow.topic, state, child.age_on(turn.today) if child else None)
        return hit.item if hit else None
    if state.last_service is None or state.last_service not in services.kb.by_id:
        return None
    return services.kb.by_id[state.last_service]


def _new_topic(turn: Turn, parse: Parse | None) -> str | None:
    """The topic the classifier is confident the message is about (a flow's request included)."""
    if parse is None or not turn.confident(parse.confidence):
        return None
    flow = turn.services.flows.for_intent(parse.intent)
    return (
        parse.topic or turn.services.rules.intent_topics.get(parse.intent) or (flow.topic if flow else None)
    )


def _only_follow_up_words(turn: Turn, data: FollowUps, text: str) -> bool:
    """Whether the message says nothing but what a follow-up says ("how to apply", "多久能拿到"):
    then the classifier's guess of a topic from those words alone is no new question."""
    rest = fold(turn.services.tokenizer.normalize(text))
    for word in sorted(data.all_words, key=len, reverse=True):
        rest = rest.replace(word, " ")
    return all(word in data.fillers for word in turn.services.tokenizer.words(rest, normalized=True))


def _sibling(turn: Turn, stage: str, topics: tuple[str, ...]) -> Item | None:
    """The service for that stage where the family lives: of the first of the stage topics whose
    audience has the stage."""
    residence = turn.state.residence
    candidates = [
        item
        for item in turn.services.kb.for_place(residence.province, residence.city)
        if item.topic in topics and stage in {str(each) for each in item.service.audience.stages}
    ]
    return min(candidates, key=lambda item: topics.index(item.topic), default=None)


def _covered(turn: Turn, item: Item) -> None:
    t = turn.t
    answer = make_answer(turn.services.kb, Hit(item, 0.0), t)
    remember_shown(turn.state, item.id, "stage")
    turn.noted_service(item.id)
    turn.say(
        t.gettext("“{title}”就包括这个学段。", title=answer.title),
        (*next_buttons(turn, answer, None), human_button(turn)),
    )


def show_aspect(turn: Turn, item: Item, aspect: Aspect, text: str) -> None:
    """The aspect of the service's answer: its part, or its lines about it; said plainly when the
    answer has nothing on it, and not repeated when already shown."""
    state = turn.state
    t = turn.t
    answer = make_answer(turn.services.kb, Hit(item, 0.0), t)
    turn.noted_service(item.id)  # what the turn was about, for the reports, whichever way it is answered
    if state.last_service == item.id and aspect.key in state.last_shown:
        turn.say(
            t.gettext(
                "上面说的就是我的资料里关于这一点的全部信息。还想问清楚的话，可以找社工，"
                "或拨打当地政务服务热线 12345。"
            ),
            (*next_buttons(turn, answer, aspect.part), human_button(turn)),
        )
        return
    if aspect.part is not None:
        say_part(turn, item.id, aspect.part)
        return
    remember_shown(state, item.id, aspect.key)
    said, unclear = lines_about(answer, aspect, turn.services.tokenizer.normalize)
    lines = [f"【{answer.title}】"]
    if aspect.who:
        lines.append(t.gettext("谁可以：{who}", who=answer.who))
    if said:
        lines.append(t.gettext("依据的文件是这样写的："))
        lines += [f"• {line}" for line in said]
    if unclear:
        lines.append(t.gettext("还要问清楚："))
        lines += [f"• {line}" for line in unclear]
    buttons: tuple[Button, ...] = (*next_buttons(turn, answer, None), human_button(turn))
    if not said and not unclear and not aspect.who:
        residence = state.residence
        turn.effects.append(RecordGap(text[:500], residence.province, residence.city))
        remember_unanswered(state, text)
        lines.append(
            t.gettext(
                "依据的文件没有写这一点，我不想乱说。可以请社工帮你问清楚，或拨打当地政务服务热线 12345。"
            )
        )
        buttons = (human_button(turn), *next_buttons(turn, answer, None))
    lines.append(t.gettext("来源：{source}", source=answer.source))
    turn.say("\n".join(lines), buttons)
