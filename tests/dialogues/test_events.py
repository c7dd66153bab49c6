"""Events through the engine alone, in memory: a worker taking over, writing and handing back (the
flow resumes at its step), crisis handling while a worker owns the conversation, a reminder falling
due, a consent withdrawn elsewhere, a redelivered message id, and stale or forged buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from core.event import ConsentWithdrawn, ReminderDue, WorkerHandBack, WorkerMessage, WorkerTakeOver
from dialogues.collecting import Chat
from dialogues.payload import RunCommand, render
from dialogues.state import Checklist, Child, Place, State, WorkerOwner
from tests.conftest import TODAY

USER, CHANNEL = "parent-1", "test"


def take_over(worker: str = "w1", name: str = "王芳") -> WorkerTakeOver:
    return WorkerTakeOver(USER, CHANNEL, worker, name)


def in_permit_flow(chat: Chat) -> Chat:
    for say in ("办居住证", "同意", "厦门", "给孩子办"):
        chat.say(say)
    assert chat.state.flow is not None and chat.state.flow.step_id == "lived_6_months"
    return chat


def test_a_worker_taking_over_is_announced_once_and_silences_the_assistant(chat: Callable[..., Chat]) -> None:
    talk = in_permit_flow(chat())
    talk.send(take_over())
    assert "社工王芳来了" in talk.text and talk.state.worker is not None
    talk.send(take_over())
    assert talk.last.replies == ()  # the same worker again: nothing said twice
    for text in ("是", "/help", "孩子上学要什么材料", ""):
        talk.say(text)
        assert talk.last.replies == () and talk.last.effects == ()
    talk.payload("nav:cancel")
    assert talk.last.replies == ()
    assert talk.state.flow is not None and talk.state.flow.step_id == "lived_6_months"


def test_a_crisis_is_handled_even_while_a_worker_owns_the_conversation(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.send(take_over())
    talk.say("他爸喝醉了又打孩子，孩子头上流血了")
    assert "110" in talk.text and "120" in talk.text
    assert talk.effects == ["OpenHandoff"]
    assert talk.last.effects[0].urgency == "urgent"  # type: ignore[union-attr]
    assert talk.state.worker is not None  # the worker still owns it


def test_only_the_owning_worker_writes_to_the_parent_signed_with_their_name(
    chat: Callable[..., Chat],
) -> None:
    talk = chat()
    talk.send(WorkerMessage(USER, CHANNEL, "w1", "王芳", "你好"))
    assert talk.last.replies == ()  # nobody owns the conversation yet
    talk.send(take_over())
    talk.send(WorkerMessage(USER, CHANNEL, "w2", "李明", "我来回答"))
    assert talk.last.replies == ()
    talk.send(WorkerMessage(USER, CHANNEL, "w1", "王芳", "  明天上午去街道办就行。 "))
    assert talk.text == "明天上午去街道办就行。\n—— 社工 王芳"


def test_hand_back_tells_the_parent_and_resumes_the_flow_at_its_step(chat: Callable[..., Chat]) -> None:
    talk = in_permit_flow(chat())
    talk.send(take_over())
    talk.send(WorkerHandBack(USER, CHANNEL, "w2"))
    assert talk.last.replies == () and talk.state.worker is not None  # not the owner: nothing happens
    talk.send(WorkerHandBack(USER, CHANNEL, "w1"))
    assert "社工把对话交回给我了" in talk.text and "住满半年了吗" in talk.text
    assert talk.state.worker is None and talk.labels[:2] == ["是", "否"]
    talk.press("是")
    assert "孩子今年几岁了" in talk.text


def test_hand_back_outside_a_flow_only_tells_the_parent(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.send(take_over())
    talk.send(WorkerHandBack(USER, CHANNEL, "w1"))
    assert "社工把对话交回给我了" in talk.text and "我们接着刚才的步骤" not in talk.text


def reminder(child_id: str | None = "c1") -> ReminderDue:
    return ReminderDue(USER, CHANNEL, "r1", "vaccine", "百白破第3剂", date(2026, 12, 1), child_id)


def family() -> State:
    return State(residence=Place(province="fujian", city="xiamen"), children=[Child(id="c1", age=1.0)])


def test_a_due_reminder_is_said_in_the_parents_language(chat: Callable[..., Chat]) -> None:
    talk = chat(state=family())
    talk.send(reminder())
    assert "提醒：百白破第3剂" in talk.text and "2026" in talk.text
    english = chat(state=family().model_copy(update={"locale": "en"}))
    english.send(reminder())
    assert english.text.startswith("Reminder: 百白破第3剂")


@pytest.mark.parametrize(
    "state",
    [
        family().model_copy(
            update={"worker": WorkerOwner(worker_id="w1", display_name="王芳", since=TODAY.date())}
        ),
        family().model_copy(update={"consent": {"reminders": False}}),
        family().model_copy(update={"children": [Child(id="c1", age=1.0, active=False)]}),
        family().model_copy(update={"children": []}),
    ],
    ids=["worker owns", "reminders refused", "child's plans stopped", "child forgotten"],
)
def test_a_due_reminder_is_not_said_when_something_stands_against_it(
    chat: Callable[..., Chat], state: State
) -> None:
    talk = chat(state=State.model_validate(state.model_dump()))
    talk.send(reminder())
    assert talk.last.replies == () and talk.last.effects == ()


def test_withdrawing_the_child_profile_consent_forgets_the_children_and_stops_their_flow(
    chat: Callable[..., Chat],
) -> None:
    talk = in_permit_flow(chat())
    talk.state.checklists["residence_permit"] = Checklist(
        flow_id="residence_permit", title="办居住证", created_at=TODAY, lines=[]
    )
    talk.send(ConsentWithdrawn(USER, CHANNEL, "child_profile"))
    assert "之前存的孩子信息和清单已经删除" in talk.text
    assert talk.effects == ["RecordConsent", "DeleteChildData"]
    assert talk.state.children == [] and talk.state.checklists == {} and talk.state.flow is None
    assert talk.state.consent["child_profile"] is False
    talk.send(ConsentWithdrawn(USER, CHANNEL, "child_profile"))
    assert talk.last.replies == () and talk.last.effects == ()  # already withdrawn: nothing twice


def test_withdrawing_the_handoff_consent_keeps_the_children(chat: Callable[..., Chat]) -> None:
    talk = chat(state=family().model_copy(update={"consent": {"handoff": True}}))
    talk.send(ConsentWithdrawn(USER, CHANNEL, "handoff"))
    assert talk.effects == ["RecordConsent"] and talk.state.children and "转给社工" in talk.text


def test_a_redelivered_message_is_answered_once(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("办居住证", message_id="m1")
    first = talk.last
    assert first.replies and not first.duplicate
    talk.say("办居住证", message_id="m1")
    assert talk.last.duplicate and talk.last.replies == () and talk.last.state == first.state
    talk.say("办居住证", message_id="m2")
    assert talk.last.replies


def test_only_the_latest_message_ids_are_remembered(chat: Callable[..., Chat]) -> None:
    talk = chat()
    for number in range(60):
        talk.say("谢谢", message_id=f"m{number}")
    assert len(talk.state.seen_messages) == 50 and talk.state.seen_messages[-1] == "m59"


@pytest.mark.parametrize(
    "raw",
    [
        "answer:residence_permit:who:parent",  # a step already answered
        "answer:residence_permit:lived_6_months:maybe",  # a value the step does not have
        "answer:school_admission:stage:primary",  # another flow
        "change:issue_date",  # a step not answered
        "consent:yes",  # nothing is being asked
        "flow:no_such_flow",
        "topic:no_such_topic",
        "how:no_such_item",
        "garbage",
        "x" * 300,
    ],
)
def test_a_stale_or_forged_button_gets_a_kind_reask_and_changes_nothing(
    chat: Callable[..., Chat], raw: str
) -> None:
    talk = in_permit_flow(chat())
    before = talk.state.model_dump()
    talk.payload(raw)
    assert "这个按钮已经过期了" in talk.text and "住满半年了吗" in talk.text
    after = talk.state.model_dump()
    assert {key: value for key, value in after.items() if key != "turns"} == {
        key: value for key, value in before.items() if key != "turns"
    }


def test_a_button_from_before_a_restart_reads_against_the_stored_state(chat: Callable[..., Chat]) -> None:
    talk = in_permit_flow(chat())
    stored = State.model_validate_json(talk.state.model_dump_json())  # what bot/ kept in the database
    restarted = chat(state=stored)
    restarted.payload("answer:residence_permit:lived_6_months:yes")
    assert "孩子今年几岁了" in restarted.text


def test_a_parent_can_see_their_data_while_a_worker_owns_the_conversation(chat: Callable[..., Chat]) -> None:
    """Seeing one's data is a right like deleting it: /mydata, typed or pressed, is answered while a
    worker owns the conversation; other commands and buttons still reach only the worker."""
    talk = in_permit_flow(chat())
    talk.send(take_over())
    talk.say("/mydata")
    assert "我存了这些关于你的信息" in talk.text and "厦门" in talk.text
    talk.payload(render(RunCommand("mydata")))
    assert "我存了这些关于你的信息" in talk.text
    for text in ("/help", "/reminders", "/checklist"):
        talk.say(text)
        assert talk.last.replies == ()
    talk.payload(render(RunCommand("help")))
    assert talk.last.replies == ()
    assert talk.state.worker is not None and talk.state.flow is not None
