"""Key children in the console (bot/server/console_keychild.py) over a real App: marking a family's
child as key only with the parent's consent recorded, the visits page in each role's scope (also by
guessing ids), "done" recording the visit and planning the next dates and reminder rows, the
worker's reminders going out through the dispatcher to a linked Telegram chat (and waiting without
one), the one-time link code, and /mydata and /forget covering what is stored."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import App
from bot.reminder_notifier import Push
from bot.storage.key_child_models import KeyChild, KeyChildVisit, WorkerTelegram
from bot.storage.key_children import KeyChildren
from bot.storage.models import ConsentRecord, HandoffTicket, Worker
from bot.storage.user_data import count_user_data, declared_models
from bot.storage.worker_telegram import WorkerTelegramLinks, link_command
from bot.storage.workers import StaffMember, Workers
from bot.worker_reminders import worker_notifier
from core.clock import FixedClock
from core.database import Base, transaction
from core.message import Inbound, Reply
from reminders.dispatcher import Dispatcher
from reminders.store import ReminderRow
from reminders.visit import load_visits
from tests.bot.server.test_console import (
    CHEAP,
    PASSWORD,
    Scene,
    audit_actions,
    csrf_of,
    desk,
    login,
    new_client,
    post,
)
from tests.bot.server.tickets import open_ticket

__all__ = ["desk"]  # the fixture, shared with the console's own tests

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    """That hour in Shanghai, in UTC as the system clock gives it."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def user_key_of(desk: Scene, ticket: int) -> str:
    with transaction(desk.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None
        return row.user_key


def worker_id(desk: Scene, login_name: str) -> int:
    with transaction(desk.application.storage.sessions) as session:
        found = session.scalar(select(Worker.id).where(Worker.login == login_name))
        assert found is not None
        return int(found)


def consent_in_chat(desk: Scene, ticket: int, granted: bool) -> None:
    """The parent answered the conversation's consent question (as the consent applier records it)."""
    with transaction(desk.application.storage.sessions) as session:
        session.add(
            ConsentRecord(
                user_key=user_key_of(desk, ticket),
                purpose="child_profile",
                granted=granted,
                created_at=desk.clock.now(),
            )
        )


def mark(
    client: TestClient, ticket: int, method: str = "phone", *, consent: bool = True, name: str = ""
) -> str:
    """Mark the ticket's child as key; the notice the page ends on (?said=...)."""
    fields = {"consent_method": method, "name": name}
    if consent:
        fields["consent"] = "yes"
    response: Any = post(client, f"/console/tickets/{ticket}/key", **fields)
    assert response.status_code in (303, 404), response.text
    if response.status_code == 404:
        return "not_found"
    found = re.search(r"said=(\w+)", response.headers["location"])
    assert found
    return found.group(1)


def key_children(desk: Scene) -> list[KeyChild]:
    with transaction(desk.application.storage.sessions) as session:
        rows = list(session.scalars(select(KeyChild).order_by(KeyChild.id)))
        session.expunge_all()
        return rows


def reminders_of(desk: Scene, worker: int, status: str = "planned") -> list[tuple[str, str | None, date]]:
    with transaction(desk.application.storage.sessions) as session:
        rows = session.scalars(
            select(ReminderRow)
            .where(ReminderRow.user_key == f"worker:{worker}", ReminderRow.status == status)
            .order_by(ReminderRow.due_date, ReminderRow.label_id)
        )
        return [(row.label_id, row.child_ref, row.due_date) for row in rows]


def done(client: TestClient, key_id: int, kind: str, on: date, note: str = "") -> str:
    response: Any = post(
        client, f"/console/visits/{key_id}/done", kind=kind, done_on=on.isoformat(), note=note
    )
    if response.status_code == 404:
        return "not_found"
    assert response.status_code == 303
    found = re.search(r"said=(\w+)", response.headers["location"])
    assert found
    return found.group(1)


def test_without_the_parents_consent_ticked_nothing_is_marked(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    page = client.get(f"/console/tickets/{ticket}/key")
    assert page.status_code == 200 and "还没有回答过是否同意保存孩子信息" in page.text  # the chat has none
    assert mark(client, ticket, "phone", consent=False) == "no_consent"
    assert mark(client, ticket, "by_carrier_pigeon") == "no_consent"
    assert key_children(desk) == []
    assert "没有记录家长的同意" in client.get(f"/console/tickets/{ticket}/key?said=no_consent").text
    assert ("wang", "key_refused", ticket) in audit_actions(desk.application)


def test_consent_said_to_be_in_the_chat_needs_the_parents_yes_in_the_conversation(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    assert mark(client, ticket, "chat") == "no_chat_consent"
    consent_in_chat(desk, ticket, granted=False)
    assert "选择了不同意" in client.get(f"/console/tickets/{ticket}/key").text
    assert mark(client, ticket, "chat") == "no_chat_consent"
    assert key_children(desk) == []

    consent_in_chat(desk, ticket, granted=True)
    assert "家长已同意保存孩子信息" in client.get(f"/console/tickets/{ticket}/key").text
    assert mark(client, ticket, "chat", name="小明") == "marked"
    [child] = key_children(desk)
    wang = worker_id(desk, "wang")
    assert (child.user_key, child.ticket_id, child.district) == (user_key_of(desk, ticket), ticket, "siming")
    assert (child.consent_method, child.consent_by, child.worker_id) == ("chat", wang, wang)
    assert child.consent_at is not None and child.marked_on == date(2026, 11, 22)
    assert child.name is not None and "小明".encode() not in child.name  # encrypted at rest
    assert desk.application.storage.cipher.decrypt(child.name) == "小明"
    page = client.get(f"/console/tickets/{ticket}/key?said=marked")
    assert "已标记为重点关爱儿童" in page.text and f"/console/visits/{child.id}" in page.text
    assert "chat-refused" not in client.get(f"/console/visits/{child.id}").text
    consent_in_chat(desk, ticket, granted=False)  # the parent said no later: the worker is told
    assert "后来在对话里选择了不同意" in client.get(f"/console/visits/{child.id}").text
    assert ("wang", "key_mark", ticket) in audit_actions(desk.application)


def test_a_marked_child_gives_its_worker_a_contact_a_home_visit_and_the_april_update(desk: Scene) -> None:
    client = login(desk.client, "wang")
    first, second = desk.ticket(), desk.ticket()
    assert mark(client, first, "phone") == "marked"
    assert mark(client, second, "in_person") == "marked"
    one, two = (child.id for child in key_children(desk))
    assert key_children(desk)[0].due == {
        "contact": "2026-12-22",  # marked 22 November 2026: a month later
        "home_visit": "2027-02-22",  # three months later
        "info_update": "2027-04-01",  # the next April
    }
    wang = worker_id(desk, "wang")
    assert reminders_of(desk, wang) == [
        ("visit_contact", f"key{one}", date(2026, 12, 22)),
        ("visit_contact", f"key{two}", date(2026, 12, 22)),
        ("visit_home", f"key{one}", date(2027, 2, 22)),
        ("visit_home", f"key{two}", date(2027, 2, 22)),
        ("information_update", None, date(2027, 4, 1)),  # one for the worker, however many children
    ]
    with transaction(desk.application.storage.sessions) as session:
        row = session.scalars(select(ReminderRow).where(ReminderRow.user_key == f"worker:{wang}")).first()
        assert row is not None and (row.channel, row.kind) == ("worker", "visit")
        assert row.send_at.astimezone(SHANGHAI).hour == 9


def test_done_records_the_visit_and_plans_the_next_counted_from_its_day_across_month_ends(
    desk: Scene,
) -> None:
    desk.clock.move_to(at(date(2027, 1, 5)))
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    assert mark(client, ticket, "phone") == "marked"
    [child] = key_children(desk)
    wang = worker_id(desk, "wang")

    desk.clock.move_to(at(date(2027, 1, 31)))
    client = login(new_client(desk), "wang")  # the earlier session has gone idle
    assert done(client, child.id, "contact", date(2027, 1, 31), "电话联系，孩子已入学") == "done"
    [child] = key_children(desk)
    assert child.due["contact"] == "2027-02-28"  # 31 January + 1 month
    assert ("visit_contact", f"key{child.id}", date(2027, 2, 5)) in reminders_of(desk, wang, "cancelled")
    assert ("visit_contact", f"key{child.id}", date(2027, 2, 28)) in reminders_of(desk, wang)
    with transaction(desk.application.storage.sessions) as session:
        visit = session.scalars(select(KeyChildVisit)).one()
        assert (visit.kind, visit.done_on, visit.worker_id) == ("contact", date(2027, 1, 31), wang)
        assert visit.note is not None and "孩子已入学".encode() not in visit.note
    page = client.get(f"/console/visits/{child.id}")
    assert "孩子已入学" in page.text and "2027年2月28日" in page.text

    # a home visit is a contact too; done on 30 November it would give the last day of February
    assert done(client, child.id, "home_visit", date(2027, 1, 31)) == "done"
    [child] = key_children(desk)
    assert (child.due["home_visit"], child.due["contact"]) == ("2027-04-30", "2027-02-28")

    desk.clock.move_to(at(date(2028, 2, 29)))
    client = login(new_client(desk), "wang")
    assert done(client, child.id, "contact", date(2028, 2, 29)) == "done"  # a leap day
    assert done(client, child.id, "home_visit", date(2028, 2, 29)) == "done"
    [child] = key_children(desk)
    assert (child.due["contact"], child.due["home_visit"]) == ("2028-03-29", "2028-05-29")

    # a visit recorded late moves nothing back
    assert done(client, child.id, "contact", date(2027, 12, 20)) == "done"
    assert key_children(desk)[0].due["contact"] == "2028-03-29"
    assert done(client, child.id, "contact", date(2028, 3, 1)) == "bad_visit"  # not in the future
    assert done(client, child.id, "contact", date(2027, 1, 4)) == "bad_visit"  # nor before marking
    assert done(client, child.id, "phone_chat", date(2028, 2, 29)) == "bad_visit"
    actions = [action for _, action, _ in audit_actions(desk.application)]
    assert actions.count("key_visit") == 5


def test_the_information_update_done_in_april_is_next_due_in_october(desk: Scene) -> None:
    desk.clock.move_to(at(date(2027, 3, 10)))
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    mark(client, ticket, "phone")
    [child] = key_children(desk)
    assert child.due["info_update"] == "2027-04-01"
    desk.clock.move_to(at(date(2027, 4, 20)))
    client = login(new_client(desk), "wang")
    assert done(client, child.id, "info_update", date(2027, 4, 20)) == "done"
    assert key_children(desk)[0].due["info_update"] == "2027-10-01"
    assert ("information_update", None, date(2027, 10, 1)) in reminders_of(desk, worker_id(desk, "wang"))


def test_the_visits_page_lists_what_is_overdue_first_with_its_dates(desk: Scene) -> None:
    client = login(desk.client, "wang")
    early, late = desk.ticket(), desk.ticket()
    mark(client, early, "phone")
    desk.clock.move_to(at(date(2026, 12, 20)))
    client = login(new_client(desk), "wang")
    mark(client, late, "phone", name="小红")
    desk.clock.move_to(at(date(2026, 12, 23)))  # the first child's contact (22 December) is overdue
    client = login(new_client(desk), "wang")
    page = client.get("/console/visits").text
    first, second = (child.id for child in key_children(desk))
    assert page.index(f'/console/visits/{first}"') < page.index(f'/console/visits/{second}"')
    assert "已过期" in page and "2026年12月22日" in page and "2027年1月20日" in page
    assert "小红" in page  # decrypted for the worker
    assert ("wang", "view_visits", None) in audit_actions(desk.application)


@pytest.mark.parametrize(
    ("who", "visible"),
    [("wang", True), ("li", False), ("zhao", True), ("chen", False), ("root", True)],
)
def test_a_key_child_is_seen_only_within_the_scope_even_by_guessing_its_id(
    desk: Scene, who: str, visible: bool
) -> None:
    ticket = desk.ticket(district="siming", city="xiamen")
    mark(login(desk.client, "wang"), ticket, "phone")
    [child] = key_children(desk)
    client = login(new_client(desk), who)
    expected = 200 if visible else 404
    assert (f'/console/visits/{child.id}"' in client.get("/console/visits").text) is visible
    assert client.get(f"/console/visits/{child.id}").status_code == expected
    assert client.get(f"/console/tickets/{ticket}/key").status_code == expected
    assert (done(client, child.id, "contact", date(2026, 11, 22)) == "done") is visible
    assert (mark(client, ticket, "phone") == "marked") is visible
    assert client.get(f"/console/visits/{child.id + 999}").status_code == 404
    assert client.get(f"/console/visits/{2**40}").status_code == 404
    assert client.get("/console/visits/word").status_code == 422


def test_a_post_without_the_csrf_token_records_nothing(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    assert (
        client.post(
            f"/console/tickets/{ticket}/key", data={"consent": "yes", "consent_method": "phone"}
        ).status_code
        == 403
    )
    assert key_children(desk) == []
    mark(client, ticket, "phone")
    [child] = key_children(desk)
    assert client.post(f"/console/visits/{child.id}/done", data={"kind": "contact"}).status_code == 403
    assert client.post("/console/telegram/code", data={}).status_code == 403


def test_ending_a_key_child_stops_its_reminders(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    mark(client, ticket, "phone")
    [child] = key_children(desk)
    assert post(client, f"/console/visits/{child.id}/end").status_code == 303  # type: ignore[attr-defined]
    wang = worker_id(desk, "wang")
    assert [label for label, ref, _ in reminders_of(desk, wang) if ref] == []
    visits = client.get("/console/visits").text
    assert f"/console/visits/{child.id}/done" not in visits  # no longer among the children due
    assert 'id="ended"' in visits and "社工结束" in visits  # but listed as ended this month
    page = client.get(f"/console/visits/{child.id}")
    assert page.status_code == 200 and 'id="ended"' in page.text
    assert done(client, child.id, "contact", date(2026, 11, 22)) == "not_found"


def test_the_link_code_is_shown_once_works_once_and_expires(desk: Scene) -> None:
    client = login(desk.client, "wang")
    token = csrf_of(client.get("/console/visits").text)
    page = client.post("/console/telegram/code", data={"csrf": token}).text
    found = re.search(r"/link ([A-Z0-9]{8})", page)
    assert found
    code = found.group(1)
    links = WorkerTelegramLinks(desk.application.storage.sessions)
    assert links.link(code.lower(), 777, desk.clock.now()) == worker_id(desk, "wang")  # typed in lower case
    assert links.link(code, 778, desk.clock.now()) is None  # used up
    assert "已绑定" in client.get("/console/visits").text
    with transaction(desk.application.storage.sessions) as session:
        row = session.get(WorkerTelegram, worker_id(desk, "wang"))
        assert row is not None and row.chat_id == "777" and row.code_hash is None

    stale = links.new_code(worker_id(desk, "li"), desk.clock.now())
    desk.clock.move_to(at(date(2026, 11, 22), 17).replace(minute=30))  # well past 15 minutes
    assert links.link(stale, 779, desk.clock.now()) is None
    assert post(client, "/console/telegram/unlink").status_code == 303  # type: ignore[attr-defined]
    assert links.chat_of(worker_id(desk, "wang")) is None


def test_link_commands_are_told_apart_from_a_parents_start() -> None:
    assert link_command("/link ab3d-ef7h") == "AB3DEF7H"
    assert link_command("/start wk_AB3DEF7H") == "AB3DEF7H"
    assert link_command("/link") == ""
    assert link_command("/start") is None
    assert link_command("/start permit") is None
    assert link_command("我想link一下") is None


@dataclass
class TelegramRecorder:
    sent: list[tuple[str, str]] = field(default_factory=list)
    answer: str = "sent"

    async def send(self, user_id: str, replies: Sequence[Reply], _key: str) -> str:
        self.sent += [(user_id, reply.text) for reply in replies]
        return self.answer


def test_a_due_visit_reaches_the_workers_linked_telegram_and_waits_without_a_link(desk: Scene) -> None:
    ticket = desk.ticket()
    mark(login(desk.client, "wang"), ticket, "phone", name="小明")
    [child] = key_children(desk)
    wang = worker_id(desk, "wang")
    recorder = TelegramRecorder()
    application = desk.application
    notifier = worker_notifier(application, {"telegram": Push(recorder.send)})
    dispatcher = Dispatcher(application.storage.sessions, notifier, desk.clock.now)

    desk.clock.move_to(at(date(2026, 12, 22)))  # the contact is due, 10:00
    dispatcher.tick()
    assert recorder.sent == []  # no linked chat: it waits, the console shows it
    assert ("visit_contact", f"key{child.id}", date(2026, 12, 22)) in reminders_of(
        desk, wang, "waiting_window"
    )

    links = WorkerTelegramLinks(application.storage.sessions)
    assert links.link(links.new_code(wang, desk.clock.now()), 555, desk.clock.now()) == wang
    dispatcher.tick()  # linking woke what waited
    [(chat, text)] = recorder.sent
    assert chat == "555" and f"#{child.id}" in text and "每月联系" in text and "2026年12月22日" in text
    assert "小明" not in text  # no child's name in a chat app
    assert ("visit_contact", f"key{child.id}", date(2026, 12, 22)) in reminders_of(desk, wang, "sent")

    # a home visit done before its reminder's day: that reminder is not sent (the next contact is)
    client = login(new_client(desk), "wang")
    assert done(client, child.id, "home_visit", date(2026, 12, 22)) == "done"
    desk.clock.move_to(at(date(2027, 2, 22)))
    dispatcher.tick()
    assert [text for _, text in recorder.sent if "入户走访" in text] == []
    assert "每月联系：2027年1月22日" in recorder.sent[-1][1]  # a month after the home visit, late
    assert ("visit_home", f"key{child.id}", date(2027, 2, 22)) in reminders_of(desk, wang, "cancelled")

    # the worker blocked the bot: the link is dropped, the reminder waits
    recorder.answer = "blocked"
    desk.clock.move_to(at(date(2027, 3, 22)))
    dispatcher.tick()
    assert links.chat_of(wang) is None
    assert reminders_of(desk, wang, "waiting_window")


def test_mydata_counts_and_forget_ends_the_key_child_and_deletes_its_visits(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    mark(client, ticket, "phone", name="小明")
    [child] = key_children(desk)
    done(client, child.id, "contact", date(2026, 11, 22), "见到孩子")
    key = user_key_of(desk, ticket)
    models = declared_models(Base)
    with transaction(desk.application.storage.sessions) as session:
        counted = {stored.table: stored.count for stored in count_user_data(session, models, key)}
        assert counted["key_child"] == 1 and counted["key_child_visit"] == 1
    channel, _, user_id = key.partition(":")
    for text in ("/forget", "确认删除"):
        desk.application.conversations.handle(Inbound(user_id=user_id, channel=channel, text=text))
    [ended] = key_children(desk)  # an ended line under a random marker, without the name
    assert ended.user_key != key and ended.name is None and ended.end_reason == "forgotten"
    with transaction(desk.application.storage.sessions) as session:
        assert session.scalars(select(KeyChildVisit)).first() is None
        counted = {stored.table: stored.count for stored in count_user_data(session, models, key)}
        assert counted["key_child"] == 0 and counted["key_child_visit"] == 0
    # the worker's pending reminders for the child are withdrawn at once, and never sent
    wang = worker_id(desk, "wang")
    assert [row for row in reminders_of(desk, wang) if row[1]] == []
    recorder = TelegramRecorder()
    WorkerTelegramLinks(desk.application.storage.sessions).link(
        WorkerTelegramLinks(desk.application.storage.sessions).new_code(wang, desk.clock.now()),
        555,
        desk.clock.now(),
    )
    notifier = worker_notifier(desk.application, {"telegram": Push(recorder.send)})
    desk.clock.move_to(at(date(2027, 4, 1)))
    Dispatcher(desk.application.storage.sessions, notifier, desk.clock.now).tick()
    assert recorder.sent == [] and reminders_of(desk, wang) == []


@pytest.mark.postgres
def test_two_visits_recorded_at_once_on_postgresql_lose_neither(
    make_app: Callable[..., App], postgres_url: str
) -> None:
    """A contact and a home visit of one child recorded at the same moment by two people: the row is
    locked while its dates change, so both are kept and one contact reminder is left planned."""
    clock = FixedClock(at(date(2026, 11, 1)))
    application = make_app(postgres_url, clock)
    workers = Workers(application.storage.sessions, CHEAP)
    wang = workers.create(
        "wang", "王社工", PASSWORD, "worker", clock.now(), city="xiamen", districts=["siming"]
    )
    zhao = workers.create("zhao", "赵督导", PASSWORD, "supervisor", clock.now(), city="xiamen")
    children = KeyChildren(
        application.storage.sessions, application.storage.cipher, load_visits(), clock.zone
    )
    for _ in range(10):
        clock.move_to(at(date(2026, 11, 1)))
        ticket_id = open_ticket(application.storage.sessions, clock.now())
        key_id = children.mark(wang, ticket_id, "phone", "", clock.now())
        clock.move_to(at(date(2026, 11, 22)))
        barrier = threading.Barrier(2)

        def record(
            member: StaffMember, kind: str, on: date, barrier: threading.Barrier = barrier, key: int = key_id
        ) -> None:
            barrier.wait()
            children.record_visit(member, key, kind, on, "", clock.now())

        threads = [
            threading.Thread(target=record, args=(wang, "contact", date(2026, 11, 20))),
            threading.Thread(target=record, args=(zhao, "home_visit", date(2026, 11, 22))),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with transaction(application.storage.sessions) as session:
            child = session.get(KeyChild, key_id)
            assert child is not None
            assert (child.due["contact"], child.due["home_visit"]) == ("2026-12-22", "2027-02-22")
            planned = session.scalars(
                select(ReminderRow.due_date).where(
                    ReminderRow.child_ref == f"key{key_id}",
                    ReminderRow.label_id == "visit_contact",
                    ReminderRow.status == "planned",
                )
            ).all()
            assert planned == [date(2026, 12, 22)]
            assert (
                len(session.scalars(select(KeyChildVisit).where(KeyChildVisit.key_child_id == key_id)).all())
                == 2
            )
