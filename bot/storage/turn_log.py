"""The turn log the reports read (bot/reports/): one row per turn, written in the turn's own
transaction, with what the turn was about (intent, topic, service, flow step, place, handoff) and
never the parent's words or user id. A family is a keyed hash of the user key (HMAC with a key
derived from the service's secret key), so reports can count families without naming one; /forget
replaces the hash with a random marker in every row that carries it."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from hashlib import sha256
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.cipher import Cipher
from bot.storage.models import AnswerFeedback, TurnLog, UnansweredQuestion
from core.event import Event
from core.message import Inbound
from dialogues.effect import OpenHandoff, RecordGap
from dialogues.state import State
from dialogues.turn import Outcome

FAMILY_PURPOSE = "report_family"
FORGOTTEN_FAMILY = "forgotten:"


def family_of(cipher: Cipher, user_key: str) -> str:
    """The family's pseudonym in the reports' tables: stable, keyed, not reversible without the key."""
    return hmac.new(cipher.derive(FAMILY_PURPOSE), user_key.encode(), sha256).hexdigest()[:32]


def turn_row(
    user_key: str, family: str, event: Event, before: State, outcome: Outcome, now: datetime, zone: ZoneInfo
) -> dict[str, object] | None:
    """The turn log's row for one turn, or None for a turn that is not a parent's (a worker's message,
    a reminder falling due): the reports count what families asked and did."""
    if not isinstance(event, Inbound):
        return None
    state, facts = outcome.state, outcome.facts
    residence = state.residence
    finished = facts.finished_flow
    flow: str | None
    step: str | None
    if finished is not None:
        flow, step = finished, None
    elif state.flow is not None:
        flow, step = state.flow.flow_id, state.flow.step_id
    elif before.flow is not None:  # left (cancelled) this turn: the step it was left at
        flow, step = before.flow.flow_id, before.flow.step_id
    else:
        flow = step = None
    return {
        "at": now,
        "day": now.astimezone(zone).date(),
        "channel": user_key.partition(":")[0][:16],
        "family": family,
        "intent": facts.intent,
        "topic": facts.topic,
        "service": facts.service,
        "after_service": before.last_service,
        "flow": flow,
        "step": step,
        "finished": finished is not None,
        "province": residence.province,
        "city": residence.city,
        "district": residence.district,
        "handoff": any(isinstance(effect, OpenHandoff) for effect in outcome.effects),
        "gap": any(isinstance(effect, RecordGap) for effect in outcome.effects),
        "question": facts.question,
    }


def forget_family(session: Session, family: str) -> None:
    """/forget: the family's questions without an answer (their words) are deleted; its turns and
    ratings stay in the aggregates, under a random marker instead of its hash."""
    session.execute(
        delete(UnansweredQuestion)
        .where(UnansweredQuestion.family == family)
        .execution_options(synchronize_session=False)
    )
    marker = f"{FORGOTTEN_FAMILY}{uuid.uuid4().hex[:22]}"
    for model in (TurnLog, AnswerFeedback):
        session.execute(
            update(model)
            .where(model.family == family)
            .values(family=marker)
            .execution_options(synchronize_session=False)
        )
