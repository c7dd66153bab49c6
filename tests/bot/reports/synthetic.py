"""A month of synthetic conversations across several districts, held through the real turn path
(ConversationService: the engine, the appliers, the turn log), and a ledger of what happened as the
parents saw it: which service answered (the answer's own buttons name it), which rating was pressed,
which flow step was reached, which ticket was opened. The report tests compare every figure with
counts made from this ledger, never from the tables the reports read.

Each family has a name, a phone number and an id number, and writes them into some of its questions
(as parents do): none of them may appear in any report."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app import App
from bot.storage.desk import Desk
from bot.storage.workers import StaffMember, Workers
from core.clock import FixedClock
from core.message import Inbound, Reply
from dialogues.effect import OpenHandoff, RecordGap

START = datetime(2026, 11, 2, 1, 0)  # UTC: 09:00 in Fujian, a Monday
DAYS = 28

# (city, district, how the parent names the place)
DISTRICTS = (
    ("xiamen", "siming", "厦门思明区"),
    ("xiamen", "huli", "厦门湖里区"),
    ("xiamen", "jimei", "厦门集美区"),
    ("quanzhou", "jinjiang", "泉州晋江"),
    ("fuzhou", "gulou", "福州鼓楼区"),
)
QUESTIONS = (
    "孩子上学要什么材料",
    "孩子的医保怎么办",
    "孩子打疫苗去哪里",
    "居住证怎么办",
    "孩子上幼儿园有补助吗",
)
GAP_QUESTIONS = (
    "孩子学钢琴有补贴吗",
    "孩子想学游泳，政府有游泳课补贴吗",
    "小孩子学围棋政府给补助吗",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑"
GIVEN = "小明丽华伟芳娜静强磊军洋勇艳杰娟涛超秀英"
RATINGS = ("helpful", "not_helpful", "human")
OUTCOMES = ("resolved", "referred")


@dataclass
class Family:
    user_id: str
    city: str
    district: str
    place: str
    name: str
    phone: str
    id_number: str
    handed_off: bool = False
    handoff_consent: bool = False


@dataclass
class Ledger:
    """What happened, as the parents saw it."""

    answered: list[tuple[str, str, str]] = field(default_factory=list)  # (family, district, service)
    day_of_answer: list[datetime] = field(default_factory=list)
    ratings: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # (family, district, service, rating)
    gaps: list[tuple[str, str, str]] = field(default_factory=list)  # (family, district, words)
    flow_steps: list[tuple[str, str, str, str | None]] = field(
        default_factory=list
    )  # (family, district, flow, last step or None: finished)
    tickets: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # (family, district, urgency, after_service)
    claims: dict[str, list[float]] = field(default_factory=dict)  # district -> minutes waited
    closed: list[tuple[str, str]] = field(default_factory=list)  # (district, outcome)
    secrets: list[str] = field(default_factory=list)  # names, phones, id numbers written by parents


def _id_number(rng: random.Random) -> str:
    born = f"{rng.randint(1985, 1999)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return f"3502{rng.randint(10, 99)}{born}{rng.randint(100, 999)}{rng.choice('0123456789X')}"


def families(rng: random.Random, per_district: Sequence[int]) -> list[Family]:
    made = []
    for (city, district, place), count in zip(DISTRICTS, per_district, strict=True):
        for n in range(count):
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            made.append(
                Family(
                    user_id=f"{district}-{n}",
                    city=city,
                    district=district,
                    place=place,
                    name=name,
                    phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                    id_number=_id_number(rng),
                )
            )
    return made


class Month:
    """Drives the conversations; `ledger` holds what they did."""

    def __init__(self, app: App, clock: FixedClock, seed: int = 15) -> None:
        self.app = app
        self.clock = clock
        self.rng = random.Random(seed)
        self.ledger = Ledger()
        self.kb = app.data.knowledge

    def send(
        self, family: Family, text: str = "", payload: str | None = None
    ) -> tuple[tuple[Reply, ...], tuple[object, ...]]:
        event = Inbound(user_id=family.user_id, channel="telegram", text=text, payload=payload)
        before = _flow_at(self.app, family)
        outcome = self.app.conversations.handle_outcome(event)
        after = _flow_at(self.app, family)
        if after is not None:
            self.progress[(family.user_id, after[0])] = (family.district, after[1])
        elif before is not None:
            finished = any("清单做好了" in reply.text for reply in outcome.replies)
            self.progress[(family.user_id, before[0])] = (family.district, None if finished else before[1])
        for effect in outcome.effects:
            if isinstance(effect, RecordGap):
                self.ledger.gaps.append((family.user_id, family.district, text))
            if isinstance(effect, OpenHandoff):
                family.handed_off = True
                last = self._last_service.get(family.user_id, "")
                self.ledger.tickets.append((family.user_id, family.district, effect.urgency, last))
        return outcome.replies, outcome.effects

    def run(self, per_district: Sequence[int] = (7, 6, 6, 6, 2)) -> Ledger:
        self._last_service: dict[str, str] = {}
        self.progress: dict[tuple[str, str], tuple[str, str | None]] = {}
        for family in families(self.rng, per_district):
            self.ledger.secrets += [family.name, family.phone, family.id_number]
            for visit in range(self.rng.randint(1, 3)):
                day = self.rng.randrange(DAYS)
                self.clock.move_to(START + timedelta(days=day, hours=self.rng.randint(0, 9), minutes=visit))
                if visit == 0:  # where the family lives, said first (the reports count by place)
                    self.send(family, f"我们住在{family.place}")
                self.visit(family, first=visit == 0)
        self.work_tickets()
        self.ledger.flow_steps = [
            (family, district, flow, step) for (family, flow), (district, step) in self.progress.items()
        ]
        return self.ledger

    def visit(self, family: Family, *, first: bool) -> None:
        kind = self.rng.choices(("question", "gap", "flow"), weights=(5, 2, 2))[0]
        if kind == "question":
            self.question(family, first)
        elif kind == "gap":
            self.gap(family)
        else:
            self.flow(family, first)

    def question(self, family: Family, first: bool) -> None:
        text = self.rng.choice(QUESTIONS)
        replies, _ = self.send(family, f"我们住在{family.place}，{text}" if first else text)
        service = _answered(replies)
        if service is None:
            return
        self.ledger.answered.append((family.user_id, family.district, service))
        self._last_service[family.user_id] = service
        if self.rng.random() < 0.8:
            replies, _ = self.send(family, payload=f"more:bring:{service}")
            rating_buttons = [b.payload for r in replies for b in r.buttons if b.payload.startswith("fb:")]
            if rating_buttons and self.rng.random() < 0.8:
                rating = self.rng.choice(RATINGS)
                if rating == "human" and family.handed_off:
                    rating = "helpful"
                self.send(family, payload=f"fb:{rating}:{service}")
                self.ledger.ratings.append((family.user_id, family.district, service, rating))
                if rating == "human":
                    self.send(family, payload="handoff:yes")

    def gap(self, family: Family) -> None:
        words = self.rng.choice(GAP_QUESTIONS)
        text = self.rng.choice(
            (
                f"我叫{family.name}，电话{family.phone}，住在{family.place}，{words}",
                f"我们住在{family.place}，身份证{family.id_number}，{words}",
                f"{family.name}想问：{words}，打我电话{family.phone}",
            )
        )
        self.send(family, text)

    def flow(self, family: Family, first: bool) -> None:
        replies, _ = self.send(family, payload="flow:residence_permit")
        steps_to_answer = self.rng.choice((1, 2, 3, 99))
        answered = 0
        for _ in range(20):
            buttons = [b.payload for r in replies for b in r.buttons]
            consent = [p for p in buttons if p == "consent:yes"]
            choices = [p for p in buttons if p.startswith("answer:")]
            at = _flow_at(self.app, family)
            if (at is None and not consent) or answered >= steps_to_answer:
                break
            if consent:
                replies, _ = self.send(family, payload="consent:yes")
                continue
            if choices:
                replies, _ = self.send(family, payload=choices[0])
            else:
                step = at[1] if at else None
                replies, _ = self.send(family, "8岁" if step == "child_age" else "2025年3月1日")
            answered += 1
        if _flow_at(self.app, family) is not None:  # leave the flow, as a parent who does not come back does
            self.send(family, "取消")

    def work_tickets(self) -> None:
        """A worker of each city takes some tickets after a while and closes some of them."""
        sessions = self.app.storage.sessions
        desk = Desk(sessions, self.app.storage.cipher, timedelta(minutes=30))
        workers = Workers(sessions)
        admin: StaffMember = workers.create("admin1", "管理员", "a long enough password", "admin", START)
        self.clock.move_to(START + timedelta(days=DAYS + 1))
        for ticket_id, (_, district, _, _) in enumerate(self.ledger.tickets, start=1):
            if self.rng.random() < 0.3:
                continue
            created = _created_at(self.app, ticket_id)
            waited = self.rng.randint(5, 120)
            assert desk.claim(admin, ticket_id, created + timedelta(minutes=waited))
            self.ledger.claims.setdefault(district, []).append(float(waited))
            if self.rng.random() < 0.6:
                outcome = self.rng.choice(OUTCOMES)
                assert desk.close(admin, ticket_id, outcome, created + timedelta(minutes=waited + 30))
                self.ledger.closed.append((district, outcome))


def _answered(replies: Sequence[Reply]) -> str | None:
    """The service an answer is about: its buttons for the parts of the answer name it."""
    for reply in replies:
        for button in reply.buttons:
            if button.payload.startswith("more:"):
                return button.payload.split(":")[2]
    return None


def _flow_at(app: App, family: Family) -> tuple[str, str | None] | None:
    """The flow and step the conversation is at, read from its stored state."""
    from bot.storage.models import Conversation
    from dialogues.state import State

    with app.storage.sessions() as session:
        row = session.query(Conversation).filter_by(user_key=f"telegram:{family.user_id}").one_or_none()
        if row is None:
            return None
        state = State.model_validate_json(app.storage.cipher.decrypt(row.state)) if row.state else State()
    return (state.flow.flow_id, state.flow.step_id) if state.flow else None


def _created_at(app: App, ticket_id: int) -> datetime:
    from bot.storage.models import HandoffTicket

    with app.storage.sessions() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        assert ticket is not None
        created = ticket.created_at
    return created if created.tzinfo else created.replace(tzinfo=START.tzinfo)
