"""After a crisis reply, the parent's answer (is the child safe, with whom, where) is stored on their
open urgent ticket: the place columns, the safety column, and the words in the encrypted note
(migration 0005). Real app, real NLU model, real database (SQLite, and PostgreSQL when it runs)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.app import App
from bot.storage.models import HandoffTicket
from core.message import Inbound


def _say(app: App, text: str, user: str = "p1") -> None:
    app.conversations.handle_outcome(Inbound(user_id=user, channel="test", text=text))


def _tickets(app: App, user: str = "p1") -> list[HandoffTicket]:
    with app.storage.sessions() as session:
        rows = session.scalars(
            select(HandoffTicket).where(HandoffTicket.user_key == f"test:{user}").order_by(HandoffTicket.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_the_answer_after_a_crisis_puts_place_safety_and_words_on_the_urgent_ticket(
    make_app: Callable[..., App], database_url: str
) -> None:
    app = make_app(database_url)
    _say(app, "孩子他爸又在打孩子了")
    _say(app, "现在在家 暂时没事 我们在厦门湖里区")
    [ticket] = _tickets(app)
    assert (ticket.urgency, ticket.province, ticket.city, ticket.district) == (
        "urgent",
        "fujian",
        "xiamen",
        "huli",
    )
    assert ticket.safety == "safe"
    assert ticket.follow_up is not None and "暂时没事".encode() not in ticket.follow_up  # encrypted at rest
    assert "暂时没事" in app.storage.cipher.decrypt(ticket.follow_up)


def test_a_later_unsure_answer_keeps_the_known_safety_and_adds_its_words(
    make_app: Callable[..., App], database_url: str
) -> None:
    app = make_app(database_url)
    _say(app, "孩子他爸又在打孩子了")
    _say(app, "不安全 他还在家")
    _say(app, "福州鼓楼区")
    [ticket] = _tickets(app)
    assert ticket.safety == "unsafe"
    assert (ticket.city, ticket.district) == ("fuzhou", "gulou")
    note = app.storage.cipher.decrypt(ticket.follow_up or b"")
    assert "他还在家" in note and "福州鼓楼区" in note


def test_an_answer_with_no_open_urgent_ticket_changes_nothing(
    make_app: Callable[..., App], database_url: str
) -> None:
    app = make_app(database_url)
    _say(app, "孩子他爸又在打孩子了")
    with app.storage.sessions() as session, session.begin():
        for ticket in session.scalars(select(HandoffTicket)):
            ticket.status = "closed"
    _say(app, "安全了 在厦门思明区")
    [ticket] = _tickets(app)
    assert (ticket.safety, ticket.follow_up, ticket.district) == (None, None, None)
