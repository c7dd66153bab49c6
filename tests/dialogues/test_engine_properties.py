"""The engine never crashes and never loses what is stored, whatever arrives (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from core.message import Inbound
from dialogues.state import Child, Place, State

TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=20),  # emoji
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),  # control characters
    st.sampled_from(["", "?", "/", "/unknown", "返回", "取消", "2月30日", "25", "是", "不是", "1", "99"]),
    st.integers(min_value=1, max_value=12).map(lambda n: "长" * (n * 1000)),
)
PAYLOADS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "nav:back",
            "nav:cancel",
            "nav:change",
            "nav:resume",
            "answer:x:y:z",
            "topic:nope",
            "flow:residence_permit",
            "flow:entitlement_checkup",
            "change:who",
            "consent:yes",
            "forget:no",
            "garbage",
            ":",
            "how:nothing",
        ]
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(TEXTS, PAYLOADS), min_size=1, max_size=6))
def test_any_sequence_of_inputs_gets_replies_and_keeps_stored_data(
    base_app: App, steps: list[tuple[str, str | None]]
) -> None:
    engine = base_app.dialogue
    state = State(
        residence=Place(province="fujian", city="xiamen"),
        consent={"child_profile": True},
        children=[Child(id="c1", age=5.0)],
    )
    for text, payload in steps:
        outcome = engine.handle(state, Inbound(user_id="p", channel="test", text=text, payload=payload))
        assert outcome.replies, (text, payload)
        assert all(reply.text.strip() for reply in outcome.replies)
        assert "Traceback" not in "".join(reply.text for reply in outcome.replies)
        if not any(type(effect).__name__ == "DeleteUserData" for effect in outcome.effects):
            assert outcome.state.residence.city == "xiamen" or outcome.state.flow is not None
            assert [child.id for child in outcome.state.children] == ["c1"]
        state = outcome.state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(TEXTS, PAYLOADS), min_size=1, max_size=6))
def test_the_engine_never_changes_the_state_it_is_given(
    base_app: App, steps: list[tuple[str, str | None]]
) -> None:
    """The turn works on its own copy: a turn that is rolled back, or a redelivered message, leaves
    the stored state exactly as it was."""
    engine = base_app.dialogue
    state = State(
        residence=Place(province="fujian", city="xiamen"),
        consent={"child_profile": True, "reminders": True},
        children=[Child(id="c1", age=1.0, doses={"hepb:1": "2026-01-02"}, vaccine_reminders=True)],
    )
    for text, payload in steps:
        before = state.model_dump_json()
        outcome = engine.handle(state, Inbound(user_id="p", channel="test", text=text, payload=payload))
        assert state.model_dump_json() == before
        state = outcome.state
