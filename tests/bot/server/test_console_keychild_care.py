"""The key care's changes beyond the visits (bot/storage/key_child_care.py) over a real App: a
supervisor or an admin hands a key child to another worker of its district and the pending
reminders move with it; a parent's later "no" in the chat, and their /forget, end the key care
(reason, moment, reminders cancelled at once, seen on the visits page and the child's page,
audited); /forget while a worker owns the conversation is answered and closes the ticket as
"forgotten"; the case summary shows place names. Concurrency on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.key_child_care import end_for_parent
from bot.storage.key_child_models import KeyChild
from bot.storage.key_children import KeyChildren
from bot.storage.models import AuditEntry, HandoffTicket
from bot.storage.user_data import FORGOTTEN_PREFIX
from bot.storage.workers import Workers
from core.clock import FixedClock
from core.database import transaction
from core.message import Inbound
from dialogues.case_summary import CaseSummary
from reminders.store import PENDING, ReminderRow
from reminders.visit import load_visits
from tests.bot.server.test_console import CHEAP, PASSWORD, Scene, audit_actions, desk, login, new_client, post
from tests.bot.server.test_console_keychild import (
    at,
    done,
    key_children,
    mark,
    reminders_of,
    user_key_of,
    worker_id,
)
from tests.bot.server.tickets import open_ticket

__all__ = ["desk"]


def add_worker(
    desk: Scene, login_name: str, name: str, districts: list[str], *, disabled: bool = False
) -> int:
    workers = Workers(desk.application.storage.sessions, CHEAP)
    member = workers.create(
        login_name, name, PASSWORD, "worker", desk.clock.now(), city="xiamen", districts=districts
    )
    if disabled:
        workers.disable(login_name)
    return member.id


def reassign(client: Any, key_id: int, worker: int | str) -> Any:
    return post(client, f"/console/visits/{key_id}/worker", worker_id=str(worker))


def parent_says(desk: Scene, ticket: int, *texts: str) -> list[str]:
    channel, _, user_id = user_key_of(desk, ticket).partition(":")
    said: list[str] = []
    for text in texts:
        replies = desk.application.conversations.handle(Inbound(user_id=user_id, channel=channel, text=text))
        said += [reply.text for reply in replies]
    return said


def pending_child_rows(desk: Scene, key_id: int) -> list[tuple[str, str, date]]:
    with transaction(desk.application.storage.sessions) as session:
        rows = session.scalars(
            select(ReminderRow).where(
                ReminderRow.child_ref == f"key{key_id}", ReminderRow.status.in_(PENDING)
            )
        )
        return sorted((row.user_key, row.label_id, row.due_date) for row in rows)


# --- a new worker responsible ---------------------------------------------------------------------


def test_a_supervisor_hands_a_key_child_to_another_worker_and_the_reminders_follow(desk: Scene) -> None:
    ticket = desk.ticket()
    sun = add_worker(desk, "sun", "孙社工", ["siming"])
    wang = worker_id(desk, "wang")
    mark(login(new_client(desk), "wang"), ticket, "phone")
    [child] = key_children(desk)
    before = [(label, due) for _, label, due in pending_child_rows(desk, child.id)]
    assert before and {key for key, _, _ in pending_child_rows(desk, child.id)} == {f"worker:{wang}"}

    zhao = login(new_client(desk), "zhao")
    page = zhao.get(f"/console/visits/{child.id}").text
    assert 'action="/console/visits/' in page and "孙社工" in page and "李社工" not in page  # Siming only
    response = reassign(zhao, child.id, sun)
    assert response.status_code == 303 and "said=reassigned" in response.headers["location"]

    moved = pending_child_rows(desk, child.id)
    assert [(label, due) for _, label, due in moved] == before  # the same dates ...
    assert {key for key, _, _ in moved} == {f"worker:{sun}"}  # ... for the new worker only
    assert [row for row in reminders_of(desk, wang) if row[1]] == []
    assert key_children(desk)[0].worker_id == sun
    page = zhao.get(f"/console/visits/{child.id}").text
    assert 'id="responsible">孙社工' in page and "王社工</span> → <span data-user>孙社工" in page
    assert ("zhao", "key_reassign", ticket) in audit_actions(desk.application)
    # and back: the first worker's cancelled rows are planned again
    assert reassign(zhao, child.id, wang).status_code == 303
    assert {key for key, _, _ in pending_child_rows(desk, child.id)} == {f"worker:{wang}"}
    assert [(label, due) for _, label, due in pending_child_rows(desk, child.id)] == before


def test_only_a_supervisor_or_admin_in_scope_may_reassign_and_only_to_an_active_worker_of_the_district(
    desk: Scene,
) -> None:
    ticket = desk.ticket()
    add_worker(desk, "gone", "离职社工", ["siming"], disabled=True)
    sun = add_worker(desk, "sun", "孙社工", ["siming"])
    mark(login(new_client(desk), "wang"), ticket, "phone")
    [child] = key_children(desk)
    wang_client = login(new_client(desk), "wang")
    assert reassign(wang_client, child.id, sun).status_code == 403  # sees the child, may not move it
    assert "换负责人" not in wang_client.get(f"/console/visits/{child.id}").text
    for outsider in ("li", "chen"):
        assert reassign(login(new_client(desk), outsider), child.id, sun).status_code == 404
    root = login(new_client(desk), "root")
    for refused in (worker_id(desk, "li"), worker_id(desk, "gone"), worker_id(desk, "zhao"), 99999, "x"):
        response = reassign(root, child.id, refused)
        assert response.status_code == 303 and "said=bad_worker" in response.headers["location"]
    assert key_children(desk)[0].worker_id == worker_id(desk, "wang")
    assert reassign(root, child.id, sun).status_code == 303
    assert key_children(desk)[0].worker_id == sun


# --- the parent's later "no", and /forget ------------------------------------------------------------


def test_a_parents_later_no_in_the_chat_ends_the_key_care_and_cancels_the_reminders(desk: Scene) -> None:
    ticket = desk.ticket()
    wang = login(new_client(desk), "wang")
    mark(wang, ticket, "phone")
    [child] = key_children(desk)
    assert pending_child_rows(desk, child.id)
    parent_says(desk, ticket, "我想给孩子办居住证", "不同意")

    [ended] = key_children(desk)
    assert ended.end_reason == "withdrawn" and ended.ended_on == desk.clock.now().date()
    assert ended.ended_at is not None and ended.ended_by is None
    assert pending_child_rows(desk, child.id) == []
    visits = wang.get("/console/visits").text
    assert 'id="ended"' in visits and "家长在对话里不再同意保存孩子信息" in visits
    page = wang.get(f"/console/visits/{child.id}")
    assert (
        page.status_code == 200
        and 'id="ended"' in page.text
        and "家长在对话里不再同意保存孩子信息" in page.text
    )
    assert f"/console/visits/{child.id}/done" not in page.text  # nothing more to record
    assert done(wang, child.id, "contact", date(2026, 11, 22)) == "not_found"
    assert ("(parent)", "key_end", ticket) in audit_actions(desk.application)


def test_forget_ends_the_key_care_wipes_the_name_and_leaves_an_ended_line(desk: Scene) -> None:
    ticket = desk.ticket()
    wang = login(new_client(desk), "wang")
    mark(wang, ticket, "phone", name="小明")
    [child] = key_children(desk)
    done(wang, child.id, "contact", date(2026, 11, 22), "见到孩子")
    said = parent_says(desk, ticket, "/forget", "确认删除")
    assert any("已经删除了你在这里的全部信息" in text for text in said)

    [ended] = key_children(desk)
    assert ended.end_reason == "forgotten" and ended.name is None and ended.due == ended.due
    assert ended.user_key.startswith(FORGOTTEN_PREFIX)
    assert pending_child_rows(desk, child.id) == []  # withdrawn at once, not when they fall due
    page = wang.get(f"/console/visits/{child.id}").text
    assert "家长删除了自己的信息" in page and "小明" not in page and "见到孩子" not in page
    assert "家长删除了自己的信息" in wang.get("/console/visits").text
    with transaction(desk.application.storage.sessions) as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "key_end")).all()
        assert [entry.user_key.startswith(FORGOTTEN_PREFIX) for entry in audit] == [True]


def test_forget_while_a_worker_owns_the_conversation_is_answered_and_closes_the_ticket(desk: Scene) -> None:
    ticket = desk.ticket()
    wang = login(new_client(desk), "wang")
    post(wang, f"/console/tickets/{ticket}/claim")
    assert parent_says(desk, ticket, "要带什么") == []  # the assistant is silent while the worker owns it
    asked = parent_says(desk, ticket, "/forget")
    assert any("要删除你在这里的全部信息吗" in text for text in asked)
    said = parent_says(desk, ticket, "确认删除")
    assert any("已经删除了你在这里的全部信息" in text for text in said)

    with transaction(desk.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None and (row.status, row.outcome) == ("closed", "forgotten")
        assert row.user_key.startswith(FORGOTTEN_PREFIX) and row.case_summary is None
    page = wang.get(f"/console/tickets/{ticket}").text
    assert 'id="forgotten"' in page and "孩子8岁" not in page and "你好" not in page
    polled = wang.get(f"/console/tickets/{ticket}/messages.json").json()
    assert polled["status"] == "closed" and "家长删除了自己的信息" in polled["status_text"]
    response = post(wang, f"/console/tickets/{ticket}/reply", text="还在吗？")
    assert "done=not_yours" in response.headers["location"]  # type: ignore[attr-defined]


def test_forget_while_a_worker_owns_the_conversation_can_be_declined(desk: Scene) -> None:
    ticket = desk.ticket()
    post(login(new_client(desk), "wang"), f"/console/tickets/{ticket}/claim")
    parent_says(desk, ticket, "/forget")
    assert any("什么都没删" in text for text in parent_says(desk, ticket, "不删了"))
    assert parent_says(desk, ticket, "在吗") == []  # still the worker's conversation
    with transaction(desk.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None and row.status == "assigned"


# --- place names in the case summary -------------------------------------------------------------


def test_the_case_summary_and_ticket_show_place_names_in_the_workers_language(desk: Scene) -> None:
    ticket = desk.ticket()
    case = CaseSummary(residence="fujian/xiamen/siming", hukou="sichuan/chengdu", words="想问上学")
    with transaction(desk.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None
        row.case_summary = desk.application.storage.cipher.encrypt(case.to_json())
    client = login(new_client(desk), "wang")
    hans = client.get(f"/console/tickets/{ticket}?lang=zh_Hans").text
    assert "福建 / 厦门 / 思明" in hans and "四川 / 成都" in hans and "fujian/xiamen" not in hans
    assert "福建 / 廈門 / 思明" in client.get(f"/console/tickets/{ticket}?lang=zh_Hant").text
    english = client.get(f"/console/tickets/{ticket}?lang=en").text
    assert "Fujian / Xiamen / Siming" in english and "Sichuan" not in english  # no pinyin listed: 四川
    assert "四川 / Chengdu" in english and "fujian/xiamen" not in english


# --- at the same moment, on PostgreSQL -------------------------------------------------------------


def at_once(*jobs: Callable[[], object]) -> list[Exception]:
    """Run the jobs in threads released together; the errors they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except Exception as error:  # reported to the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
def test_a_reassignment_racing_a_reassignment_or_the_parents_no_leaves_no_stray_reminder(
    make_app: Callable[..., App], postgres_url: str
) -> None:
    """Two supervisors reassigning at once, or a reassignment and the parent's "no" at once: the
    child's row is locked, so the reminders pending at the end are exactly those of the worker
    responsible (none when the care ended)."""
    clock = FixedClock(at(date(2026, 11, 1)))
    application = make_app(postgres_url, clock)
    workers = Workers(application.storage.sessions, CHEAP)
    now = clock.now()
    wang = workers.create("wang", "王社工", PASSWORD, "worker", now, city="xiamen", districts=["siming"])
    sun = workers.create("sun", "孙社工", PASSWORD, "worker", now, city="xiamen", districts=["siming"])
    qian = workers.create("qian", "钱社工", PASSWORD, "worker", now, city="xiamen", districts=["siming"])
    zhao = workers.create("zhao", "赵督导", PASSWORD, "supervisor", now, city="xiamen")
    root = workers.create("root", "管理员", PASSWORD, "admin", now)
    schedule = load_visits()
    children = KeyChildren(application.storage.sessions, application.storage.cipher, schedule, clock.zone)

    def pending(key_id: int) -> set[str]:
        with transaction(application.storage.sessions) as session:
            return set(
                session.scalars(
                    select(ReminderRow.user_key).where(
                        ReminderRow.child_ref == f"key{key_id}", ReminderRow.status.in_(PENDING)
                    )
                )
            )

    def parent_no(user_key: str) -> None:
        with transaction(application.storage.sessions) as session:
            end_for_parent(session, schedule, user_key, "withdrawn", now, clock.zone)

    for round_ in range(6):
        user_key = f"telegram:{uuid.uuid4().hex[:8]}"
        ticket_id = open_ticket(application.storage.sessions, now, user_key=user_key)
        key_id = children.mark(wang, ticket_id, "phone", "", now)
        second = (
            partial(children.reassign, root, key_id, qian.id, now)
            if round_ % 2 == 0
            else partial(parent_no, user_key)
        )
        errors = at_once(partial(children.reassign, zhao, key_id, sun.id, now), second)
        assert all(str(error) in {"ended"} for error in errors), errors
        with transaction(application.storage.sessions) as session:
            child = session.get(KeyChild, key_id)
            assert child is not None
            if child.ended_on is None:
                assert pending(key_id) == {f"worker:{child.worker_id}"}
                assert child.worker_id in {sun.id, qian.id}
            else:
                assert child.end_reason == "withdrawn" and pending(key_id) == set()
