"""The answer to the questions a crisis reply asks ("孩子现在安全吗？你们在哪个城市、哪个区？"), read
in the parent's own words: safe or not (negation and doubt: "不安全", "应该没事了吧"), with whom,
and the place at any level. What is understood goes on the open urgent ticket (NoteCrisisFollowUp);
the parent gets a short acknowledgement; the place alone is asked once more, never a third time,
and an unclear answer is never asked again. The flow that was open waits for the parent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.lexicon import Lexicon, Place
from core.message import Button
from core.yamlfile import DataFileError, Problem, read_schema
from dialogues.effect import NoteCrisisFollowUp
from dialogues.payload import Nav, render
from dialogues.safety import Regex
from dialogues.slot import MAX_TEXT, find_places
from dialogues.state import Pending
from dialogues.steps import active
from dialogues.turn import Turn
from nlu.result import OUT_OF_SCOPE, Parse

FOLLOWUP_FILE = Path(__file__).resolve().parent / "data" / "crisis_followup.yaml"
MAX_ASKS = 2  # the crisis reply asks once; the place alone may be asked once more
Safety = Literal["safe", "unsafe", "unknown"]
# intents that ask for nothing: said after a crisis reply, they get a short acknowledgement
_NO_REQUEST = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "crisis", OUT_OF_SCOPE})


class _WordsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unsafe: tuple[Regex, ...] = Field(min_length=1)
    safe: tuple[Regex, ...] = Field(min_length=1)
    unsure: tuple[Regex, ...] = Field(min_length=1)
    with_whom: tuple[Regex, ...] = Field(min_length=1)


@dataclass(frozen=True)
class FollowUpWords:
    unsafe: tuple[re.Pattern[str], ...]
    safe: tuple[re.Pattern[str], ...]
    unsure: tuple[re.Pattern[str], ...]
    with_whom: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class FollowUpAnswer:
    safety: Safety
    with_whom: str | None
    place: Place | None
    said_safety: bool  # the answer spoke of safety, even unsure ("应该没事了吧")

    @property
    def understood(self) -> bool:
        return self.said_safety or self.with_whom is not None or self.place is not None


def check_followup_words(path: Path = FOLLOWUP_FILE) -> tuple[FollowUpWords | None, list[Problem]]:
    _, raw, problems = read_schema(path, _WordsFile)
    if raw is None:
        return None, problems

    def compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern) for pattern in patterns)

    return (
        FollowUpWords(
            compiled(raw.unsafe), compiled(raw.safe), compiled(raw.unsure), compiled(raw.with_whom)
        ),
        problems,
    )


@cache
def followup_words(path: Path = FOLLOWUP_FILE) -> FollowUpWords:
    words, problems = check_followup_words(path)
    if words is None or problems:
        raise DataFileError(problems)
    return words


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    return next((found for pattern in patterns if (found := pattern.search(text))), None)


def read_followup(words: FollowUpWords, lexicon: Lexicon, normalized: str) -> FollowUpAnswer:
    """What an answer says; `normalized` is the tokenizer's normal form (Simplified, lower case)."""
    safety: Safety = "unknown"
    said = True
    if _first(words.unsafe, normalized):
        safety = "unsafe"
    elif _first(words.safe, normalized):
        safety = "unknown" if _first(words.unsure, normalized) else "safe"
    else:
        said = False
    whom = _first(words.with_whom, normalized)
    places = find_places(lexicon, normalized)
    return FollowUpAnswer(safety, whom.group(0) if whom else None, places[0] if places else None, said)


def _for_someone_else(turn: Turn, text: str, normalized: str, parse: Parse | None) -> bool:
    """A navigation word, the open flow step's answer or a new question: not an answer to us."""
    services = turn.services
    navigation = services.navigation
    if any(navigation.says(action, text, normalized) for action in ("resume", "back", "cancel", "change")):
        return True
    current = active(turn)
    if current is not None and turn.read(current[1], text, parse, labels=False).ok:
        return True
    return parse is not None and parse.intent not in _NO_REQUEST and turn.confident(parse.confidence)


def flow_waits(turn: Turn) -> None:
    """One line: the flow that was open waits until the parent comes back to it."""
    current = active(turn)
    if current is None:
        return
    t = turn.t
    turn.say(
        t.gettext("之前{flow}的问题，等你方便时发“继续”。", flow=t.gettext(current[0].title)),
        (Button(t.gettext("继续"), render(Nav("resume"))),),
    )


def note_answer(turn: Turn, text: str) -> FollowUpAnswer:
    """Read an answer; what it says goes to the urgent ticket (a NoteCrisisFollowUp effect)."""
    services = turn.services
    answer = read_followup(followup_words(), services.lexicon, services.tokenizer.normalize(text))
    if not answer.understood:
        return answer
    place = answer.place
    turn.effects.append(
        NoteCrisisFollowUp(
            safety=answer.safety,
            note=text.strip()[:MAX_TEXT],
            with_whom=answer.with_whom,
            province=place.province if place else None,
            city=place.city if place else None,
            district=place.id if place is not None and place.kind == "district" else None,
        )
    )
    return answer


def on_followup(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    """The pending handler of "crisis_followup" (registered in dialogues/pending.py). A new crisis
    in the answer never reaches it: dialogues/crisis.py handles it first, and notes it too."""
    state = turn.state
    t = turn.t
    asked = int(pending.data.get("asked", 1))
    state.pending = None
    answer = note_answer(turn, text)
    if not answer.understood:
        if _for_someone_else(turn, text, turn.services.tokenizer.normalize(text), parse):
            return False
        turn.say(t.gettext("好的。社工会尽快联系你。如果孩子有危险，请马上打 110。"))
        flow_waits(turn)
        return True
    if answer.safety == "unsafe":
        turn.say(t.gettext("请先保护好自己和孩子，现在就打 110 报警。我已经告诉社工，他们会尽快联系你。"))
    elif answer.safety == "safe":
        turn.say(t.gettext("知道孩子现在安全，我放心一些了。社工会尽快联系你。"))
    else:
        turn.say(t.gettext("好的，我告诉社工了，他们会尽快联系你。如果孩子有危险，请马上打 110。"))
    if answer.place is None and not state.residence.known() and asked < MAX_ASKS:
        state.pending = Pending(kind="crisis_followup", data={**pending.data, "asked": asked + 1})
        turn.say(t.gettext("方便的话，告诉我你们在哪个城市、哪个区，社工好就近联系你。"))
        return True
    flow_waits(turn)
    return True
