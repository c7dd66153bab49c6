"""Button payloads: typed values parsed and rendered in one place, never longer than Telegram's 64
bytes, and anything that is not a payload is None (never an exception)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App
from dialogues import payload
from dialogues.payload import (
    AskHuman,
    ChangeAnswer,
    HowTo,
    Nav,
    PendingReply,
    RunCommand,
    ShowTopic,
    StartFlow,
    StepAnswer,
)

EXAMPLES = [
    StepAnswer("residence_permit", "who", "child"),
    Nav("back"),
    Nav("change"),
    ChangeAnswer("child_age"),
    StartFlow("school_admission"),
    ShowTopic("preschool"),
    HowTo("fj_10"),
    PendingReply("place", "厦门"),
    PendingReply("language", "zh_Hant"),
    RunCommand("mydata"),
    AskHuman(),
    payload.DoseReminder("done", "c1", "dtap", 3),
    payload.ReminderKind("pause", "vaccine"),
    PendingReply("vaccine_doses", "all_on_time"),
]


@pytest.mark.parametrize("value", EXAMPLES, ids=[type(value).__name__ for value in EXAMPLES])
def test_every_payload_reads_back_as_itself(value: payload.Payload) -> None:
    assert payload.parse(payload.render(value)) == value


@pytest.mark.parametrize(
    "raw",
    ["rem:done:c1:dtap", "rem:eat:c1:dtap:3", "rem:done:C1:dtap:3", "remk:dance:vaccine", "remk:pause:"],
)
def test_a_forged_reminder_payload_is_no_payload(raw: str) -> None:
    assert payload.parse(raw) is None


def test_the_payloads_of_earlier_versions_still_read() -> None:
    assert payload.parse("checkup") == RunCommand("checkup")
    assert payload.parse("answer:residence_permit:who:parent") == StepAnswer(
        "residence_permit", "who", "parent"
    )


def test_a_payload_longer_than_telegram_allows_is_refused_when_rendered() -> None:
    with pytest.raises(payload.PayloadTooLongError):
        payload.render(StepAnswer("a_flow_with_a_rather_long_name", "a_step_with_a_long_name", "and_value"))


def test_every_button_of_every_shipped_flow_fits_in_telegram_callback_data(base_app: App) -> None:
    for flow in base_app.data.flows.flows.values():
        for step in flow.steps:
            for value in [choice.value for choice in step.choices] or ["yes", "no"]:
                rendered = payload.render(StepAnswer(flow.id, step.id, value))
                assert len(rendered.encode("utf-8")) <= payload.MAX_BYTES


@pytest.mark.parametrize(
    "raw",
    ["", ":", "garbage", "nav:", "nav:jump", "answer:x", "answer:X:y:z", "topic:", "flow:../etc", "cmd:/x"],
)
def test_what_is_not_a_payload_reads_as_none(raw: str) -> None:
    assert payload.parse(raw) is None


@given(st.text(max_size=200))
def test_parsing_any_text_never_raises_and_what_it_reads_renders_back(raw: str) -> None:
    parsed = payload.parse(raw)
    if parsed is not None:
        assert len(raw.encode("utf-8")) <= payload.MAX_BYTES
        assert payload.parse(payload.render(parsed)) == parsed
