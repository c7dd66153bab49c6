"""The case summary a worker reads first, built from the State alone: a flow half done, the child's
age and school stage (from rules.yaml's ages), both places, what the assistant could not answer and
what it already told the parent; and the summary carried by the ticket a handoff opens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.app import App
from dialogues.case_summary import CaseSummary, StepAnswer, remember_answer, stage_for_age, summarise
from dialogues.collecting import Chat
from dialogues.effect import OpenHandoff
from dialogues.state import ActiveFlow, Child, Place, State

DAY = date(2026, 11, 22)


def _summary(app: App, state: State, words: str = "") -> CaseSummary:
    services = app.dialogue.services
    return summarise(
        state,
        DAY,
        flows=services.flows.flows,
        kb=services.kb,
        stage_ages=services.rules.stage_ages,
        words=words,
    )


def test_a_flow_half_done_gives_its_title_and_the_questions_answered_with_the_parents_answers(
    base_app: App,
) -> None:
    state = State(
        residence=Place(province="fujian", city="xiamen", district="huli"),
        hukou=Place(province="sichuan"),
        children=[Child(id="c1", birth_date=date(2018, 3, 8))],
        flow=ActiveFlow(
            flow_id="school_admission",
            step_id="has_permit",
            answers={
                "residence": {"province": "fujian", "city": "xiamen"},
                "stage": "primary",
                "child_age": 8,
            },
            history=["residence", "stage", "child_age"],
            child_id="c1",
        ),
        unanswered="孩子户口在老家，能在这边参加中考吗",
    )
    summary = _summary(app=base_app, state=state, words="我想找个真人问问")
    assert summary.flow_title == "孩子上幼儿园、上学"
    assert summary.flow_steps == (
        StepAnswer("你们现在住在哪个城市？", "fujian/xiamen"),
        StepAnswer("孩子要上（或正在上）哪个阶段？", "小学", translatable=True),
        StepAnswer("孩子今年几岁了？", "8"),
    )
    assert (summary.child_age, summary.child_stage) == (8, "primary")
    assert (summary.residence, summary.hukou) == ("fujian/xiamen/huli", "sichuan")
    assert summary.unanswered == "孩子户口在老家，能在这边参加中考吗"
    assert summary.words == "我想找个真人问问"
    assert CaseSummary.from_json(summary.to_json()) == summary  # what the ticket stores reads back the same


def test_the_stage_comes_from_the_ages_of_rules_yaml_when_the_parent_did_not_name_one(base_app: App) -> None:
    ages = base_app.dialogue.services.rules.stage_ages
    assert [stage_for_age(ages, age) for age in (1, 4.5, 6, 11.9, 12, 16)] == [
        "infant",
        "preschool",
        "primary",
        "primary",
        "junior_middle",
        "senior_high",
    ]
    state = State(children=[Child(id="c1", age=13, age_told_on=DAY)])
    assert (_summary(base_app, state).child_age, _summary(base_app, state).child_stage) == (
        13,
        "junior_middle",
    )


def test_what_was_told_is_the_last_answers_titles_and_sources_newest_first(base_app: App) -> None:
    kb = base_app.dialogue.services.kb
    services = sorted(kb.by_id)[:4]
    state = State()
    for service_id in (*services, services[0]):  # the first again: it moves to the front, not twice
        remember_answer(state, service_id)
    told = _summary(base_app, state).told
    assert [item.title for item in told] == [
        kb.by_id[s].service.title for s in (services[0], services[3], services[2])
    ]
    assert all(item.source.startswith("《") for item in told)


def test_an_empty_state_gives_an_empty_summary(base_app: App) -> None:
    assert _summary(base_app, State()).empty()


def test_a_handoff_in_the_middle_of_a_flow_opens_a_ticket_with_the_flow_and_its_answers(
    chat: Callable[..., Chat],
) -> None:
    talk = chat()
    for say in ("办居住证", "同意", "厦门", "给孩子办"):
        talk.say(say)
    talk.say("/human")
    talk.press("可以")
    talk.press("思明")  # which district: asked when only the city is known
    tickets = [effect for effect in talk.last.effects if isinstance(effect, OpenHandoff)]
    assert len(tickets) == 1 and tickets[0].case is not None
    case = tickets[0].case
    assert case.flow_title == "办居住证"
    assert [step.question for step in case.flow_steps][:1] == ["你们现在住在哪个城市？"]
    assert case.residence is not None and case.residence.startswith("fujian/xiamen")


def test_a_question_without_an_answer_is_in_the_next_tickets_summary(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("我在厦门")
    talk.say("孩子的宠物狗能不能办疫苗证明")
    talk.say("/human")
    talk.press("可以")
    talk.press("不清楚")  # which district: asked when only the city is known
    tickets = [effect for effect in talk.last.effects if isinstance(effect, OpenHandoff)]
    assert tickets and tickets[0].case is not None
    assert tickets[0].case.unanswered == "孩子的宠物狗能不能办疫苗证明"
