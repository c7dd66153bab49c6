"""Adding a flow is a YAML file (plus its catalog strings), nothing else: a flow the code has never
heard of is offered in the menu, starts from the menu, from its intent and from its command, is
listed among the commands, and finishes with its checklist."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from dialogues.collecting import Chat
from dialogues.flow import FLOWS_DIR, FlowSet
from dialogues.flow_validator import check_flows
from tests.dialogues.conftest import engine_with

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "new_flow"


@pytest.fixture(scope="module")
def chat_with_new_flow(base_app: App) -> type[Chat]:
    data = base_app.data
    intents, topics = set(data.taxonomy.intents), set(data.taxonomy.topics)
    documents = data.knowledge.document_provinces
    new, problems = check_flows(FIXTURE, intents, topics, documents)
    assert problems == []
    shipped, _ = check_flows(FLOWS_DIR, intents, topics, documents)
    engine = engine_with(base_app, flows=FlowSet({**shipped.flows, **new.flows}))

    class NewFlowChat(Chat):
        def __init__(self) -> None:
            super().__init__(engine)

    return NewFlowChat


def test_a_new_flow_is_offered_in_the_menu_and_finishes_with_its_checklist(
    chat_with_new_flow: type[Chat],
) -> None:
    chat = chat_with_new_flow()
    chat.say("你好")
    assert chat.labels[0] == "补办预防接种证"  # its `order` puts it first
    chat.press("补办预防接种证")
    assert "你同意吗" in chat.text
    chat.press("同意")
    assert "我们看看孩子的预防接种证要怎么补办" in chat.text and "你们现在住在哪个城市" in chat.text
    chat.say("厦门")
    assert "孩子今年几岁了" in chat.text
    chat.say("孩子5岁")
    assert chat.labels[:2] == ["丢了", "没办过"]
    chat.press("丢了")
    assert "还记得以前在哪里打的疫苗吗" in chat.text
    chat.say("提醒我打疫苗")  # the new flow's own intent, mid-flow: the step is asked again, not restarted
    assert "还记得以前在哪里打的疫苗吗" in chat.text and chat.state.flow is not None
    assert chat.state.flow.answers["lost"] == "lost"
    chat.say("是的")
    assert "你的清单做好了" in chat.text
    for line in ("接种证是记录", "到现在住的地方的接种单位问补办", "请原来的接种单位帮忙查"):
        assert line in chat.text
    assert "StoreChecklist" in chat.effects
    assert chat.state.flow is None and "vaccine_booklet" in chat.state.checklists
    assert chat.state.residence.city == "xiamen" and chat.state.children[0].age == 5.0


def test_a_new_flow_starts_from_its_intent(chat_with_new_flow: type[Chat]) -> None:
    chat = chat_with_new_flow()
    chat.say("提醒我给孩子打疫苗")  # set_reminder, the intent the fixture declares
    assert chat.state.pending is not None and chat.state.pending.data == {"flow": "vaccine_booklet"}
    chat.press("同意")
    assert chat.state.flow is not None and chat.state.flow.flow_id == "vaccine_booklet"


def test_a_new_flow_starts_from_its_command_and_is_listed_among_the_commands(
    chat_with_new_flow: type[Chat],
) -> None:
    chat = chat_with_new_flow()
    chat.say("/nothing_like_this")
    assert "/booklet  一步步补办接种证" in chat.text and "/checkup  看孩子能享受什么" in chat.text
    chat.say("/booklet")
    assert chat.state.pending is not None and chat.state.pending.data == {"flow": "vaccine_booklet"}


def test_two_flows_cannot_claim_one_intent(base_app: App, tmp_path: Path) -> None:
    data = base_app.data
    copy = tmp_path / "flows"
    copy.mkdir()
    text = (FIXTURE / "vaccine_booklet.yaml").read_text(encoding="utf-8")
    (copy / "vaccine_booklet.yaml").write_text(text, encoding="utf-8")
    (copy / "zz_other.yaml").write_text(
        text.replace("id: vaccine_booklet", "id: zz_other").replace("/booklet", "/other"), encoding="utf-8"
    )
    _, problems = check_flows(
        copy, set(data.taxonomy.intents), set(data.taxonomy.topics), data.knowledge.document_provinces
    )
    assert [problem.message for problem in problems] == [
        "intent 'set_reminder' already starts flow 'vaccine_booklet'"
    ]
    assert problems[0].line == 6
