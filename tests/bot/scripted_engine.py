"""A stand-in for the dialogue engine whose effects are chosen by the message text: these tests are
about carrying effects out and storing states (the real engine runs in the transcripts)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from bot.cipher import Cipher
from bot.conversation import ConversationService
from core.clock import FixedClock
from core.database import make_engine, make_sessions
from core.message import Inbound, Reply
from dialogues.effect import (
    DeleteUserData,
    DescribeStoredData,
    Effect,
    OpenHandoff,
    RecordConsent,
    StoreChecklist,
)
from dialogues.engine import Outcome
from dialogues.state import Child, State
from dialogues.state_migration import StateMigrations

KEY = base64.urlsafe_b64encode(b"tongxing-test-key-32-bytes-long!")
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class ScriptedEngine:
    """ "child" stores a child with consent, a checklist and a handoff; "forget" and "mydata" emit
    their effects; "english" switches the locale; anything else only counts the turn."""

    def __init__(self) -> None:
        self.seen: list[State] = []

    def handle(self, state: State, inbound: Inbound) -> Outcome:
        self.seen.append(state)
        new = state.model_copy(deep=True)
        new.turns += 1
        effects: tuple[Effect, ...] = ()
        if inbound.text == "child":
            new.consent["child_profile"] = True
            new.children.append(Child(id="c1", name="小明", age=5.0))
            effects = (
                RecordConsent(purpose="child_profile", granted=True),
                StoreChecklist(flow_id="f", title="t", lines=({"text": "小明的清单"},)),
                OpenHandoff(reason="requested", urgency="normal", summary="小明的家长要找社工"),
            )
        elif inbound.text == "forget":
            effects = (DeleteUserData(),)
        elif inbound.text == "mydata":
            effects = (DescribeStoredData(),)
        elif inbound.text == "english":
            new.locale = "en"
        return Outcome((Reply(f"turn {new.turns}"),), effects, new)


def scripted_service(
    url: str,
    engine: ScriptedEngine | None = None,
    key: bytes = KEY,
    migrations: StateMigrations | None = None,
) -> ConversationService:
    return ConversationService(
        engine or ScriptedEngine(),  # type: ignore[arg-type]
        make_sessions(make_engine(url)),
        Cipher(key),
        FixedClock(NOW),
        migrations=migrations,
    )
