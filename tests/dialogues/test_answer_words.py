"""Every choice of every flow (yes/no steps included) is accepted in its own step, through the real
engine: its label, its label typed with a typo, and each paraphrase written blind
(tests/dialogues/data/blind/choice_paraphrases.yaml, written by an author who never saw the code).
The conversation is the bench's (bench/miniconvs.py): the flow started with consent, the steps
before answered, then the words typed at the step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from bench.miniconvs import BLIND, MiniConv, Score, Turn, engine_for, score_one
from bot.app import App
from core.message import Inbound
from dialogues.collecting import Chat
from dialogues.engine import Engine
from dialogues.flow import StepType
from dialogues.state import State

PARAPHRASES: list[dict[str, Any]] = yaml.safe_load(
    (BLIND / "choice_paraphrases.yaml").read_text(encoding="utf-8")
)
LOCALES = ("zh_Hans", "zh_Hant", "en")
_TO_TRADITIONAL = OpenCC("s2tw")


@pytest.fixture(scope="module")
def measured(base_app: App) -> Engine:
    return engine_for(base_app.dialogue)


@pytest.fixture(scope="module")
def answers(base_app: App) -> list[tuple[str, str, str, str]]:
    """(flow, step, value, label) for every answer of every choice and yes/no step."""
    found = []
    for flow in base_app.data.flows.flows.values():
        for step in flow.steps:
            if step.type == StepType.choice:
                found += [(flow.id, step.id, choice.value, choice.label) for choice in step.choices]
            elif step.type == StepType.yes_no:
                found += [(flow.id, step.id, "yes", "是"), (flow.id, step.id, "no", "否")]
    return found


def _verdict(engine: Engine, flow: str, step: str, say: str, expect: str, locale: str = "zh_Hans") -> str:
    result = Score()
    score_one(engine, MiniConv("t", flow, locale, (Turn(step, say, expect),)), result)
    return f"{result.results[0].verdict}: {result.results[0].reply[:80]}"


@st.composite
def typo(draw: st.DrawFn, label: str) -> str:
    """The label as a parent mistypes it. A character is dropped only from labels of three or more:
    a two-character label cut to one is ambiguous or another word ("初中" -> "中" is also 高中's;
    "是" -> nothing). Punctuation and spaces are not put between two digits ("9,0" is two numbers)."""
    kinds = ["double", "space", "punct", "width", "traditional"] + (["drop"] if len(label) >= 3 else [])
    kind = draw(st.sampled_from(kinds))
    at = draw(st.integers(0, len(label) - 1))
    if kind == "drop":
        return label[:at] + label[at + 1 :]
    if kind == "double":
        return label[: at + 1] + label[at:]
    if kind == "width":  # digits typed full-width, or the whole label in full-width forms
        return "".join(chr(ord(char) + 0xFEE0) if char.isdigit() else char for char in label)
    if kind == "traditional":
        return str(_TO_TRADITIONAL.convert(label))
    mark = " " if kind == "space" else draw(st.sampled_from("，。！？、…~"))
    if 0 < at < len(label) and label[at - 1].isdigit() and label[at].isdigit():
        at = 0
    return label[:at] + mark + label[at:]


def test_every_label_is_accepted_in_its_step(
    answers: list[tuple[str, str, str, str]], measured: Engine
) -> None:
    for flow, step, value, label in answers:
        assert _verdict(measured, flow, step, label, value).startswith("understood"), (flow, step, label)


def test_every_label_in_the_parents_language_is_accepted(
    answers: list[tuple[str, str, str, str]], measured: Engine
) -> None:
    for locale in ("zh_Hant", "en"):
        t = measured.services.translator(locale)
        for flow, step, value, label in answers:
            said = t.gettext(label)
            assert _verdict(measured, flow, step, said, value, locale).startswith("understood"), (
                locale,
                said,
            )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_label_typed_with_a_typo_is_accepted(
    answers: list[tuple[str, str, str, str]], measured: Engine, data: st.DataObject
) -> None:
    flow, step, value, label = data.draw(st.sampled_from(answers))
    typed = data.draw(typo(label))
    verdict = _verdict(measured, flow, step, typed, value)
    assert verdict.startswith("understood"), (flow, step, label, typed, verdict)


def _misses(engine: Engine, entry: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (locale, str(say), verdict)
        for locale in LOCALES
        for say in entry.get(locale, ())
        if not (
            verdict := _verdict(engine, entry["flow"], entry["step"], str(say), str(entry["value"]), locale)
        ).startswith("understood")
    ]


@pytest.mark.parametrize(
    "entry", PARAPHRASES, ids=[f"{entry['flow']}-{entry['step']}-{entry['value']}" for entry in PARAPHRASES]
)
def test_every_blind_paraphrase_is_accepted_in_its_step(measured: Engine, entry: dict[str, Any]) -> None:
    assert not _misses(measured, entry)


def test_no_blind_paraphrase_meets_the_crisis_reply(measured: Engine) -> None:
    """Answers to a flow's step ("yes, my husband has one", "me and my child") are answers, not a
    crisis: the crisis reply is kept for messages that name a danger."""
    crisis = {
        say for entry in PARAPHRASES for _, say, verdict in _misses(measured, entry) if "110" in verdict
    }
    assert not crisis


def test_the_blind_file_is_the_one_measured() -> None:
    """The copy in the tests is the blind author's file with a header, nothing edited."""
    text = Path(BLIND / "choice_paraphrases.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Written blind")
    assert (
        len(PARAPHRASES) == 40
        and sum(len(entry.get(locale, ())) for entry in PARAPHRASES for locale in LOCALES) == 628
    )


@pytest.mark.parametrize(
    "say", ["I don't think so", "不要，我不想给资料", "his father is in prison and mother is missing"]
)
def test_a_plain_reply_gets_no_crisis_reply(measured: Engine, say: str) -> None:
    """A plain answer ("I don't think so"), even out of any flow, names no danger: no crisis reply."""
    chat = Chat(measured, State(locale="en" if say.isascii() else "zh_Hans"))
    chat.send(Inbound(chat.user, chat.channel, text=say, locale=None))
    assert "OpenHandoff" not in chat.effects and "110" not in chat.text, chat.text
