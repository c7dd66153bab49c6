"""The worker console over a real App (SQLite; the concurrent claim on PostgreSQL): the whole path of
a ticket (login, queue, claim, transcript, reply delivered through the parent's channel, note, hand
back, close), who may see what (also by guessing ids), CSRF, lock-out, session expiry, the audit.

The push target is a recorder standing in for Telegram or WeChat (no platform runs here); the web
chat's real outbox is tested at the end."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import anyio
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select
from starlette.routing import BaseRoute

from bot.app import App
from bot.server import console, webchat
from bot.server.app import create_server
from bot.server.channel import RoutesOnly
from bot.server.console_session import LoginLimiter
from bot.server.push import PushTargets, StoredReplies
from bot.storage.desk import Desk
from bot.storage.key_child_models import KeyChild
from bot.storage.models import AuditEntry, Conversation, HandoffTicket
from bot.storage.workers import Workers
from core.clock import FixedClock
from core.database import transaction
from core.message import Inbound, Reply
from tests.bot.server.tickets import open_ticket
from tests.conftest import TODAY

PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # the tests' hashes: fast to check


@dataclass
class Recorder:
    """Stands in for a platform's sender: what would have reached the parent."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(self, user_id: str, replies: Sequence[Reply]) -> str:
        self.sent += [(user_id, reply.text) for reply in replies]
        return "sent"


@dataclass
class Scene:
    application: App
    clock: FixedClock
    recorder: Recorder
    client: TestClient

    def ticket(self, *, district: str = "siming", city: str = "xiamen", urgency: str = "normal") -> int:
        """A family talks to the assistant, then a ticket is opened for them (as the handoff applier
        would), in `district`."""
        user_id = uuid.uuid4().hex[:12]
        self.application.conversations.handle(Inbound(user_id=user_id, channel="telegram", text="你好"))
        with transaction(self.application.storage.sessions) as session:
            ticket = HandoffTicket(
                user_key=f"telegram:{user_id}",
                reason="requested",
                urgency=urgency,
                status="open",
                province="fujian",
                city=city,
                district=district,
                summary=self.application.storage.cipher.encrypt("孩子8岁，想在厦门上学"),
                created_at=self.clock.now(),
            )
            session.add(ticket)
            session.flush()
            return ticket.id


@pytest.fixture
def desk(make_app: Callable[..., App]) -> Iterator[Scene]:
    clock = FixedClock(TODAY)
    application = make_app(clock=clock)
    workers = Workers(application.storage.sessions, CHEAP)
    now = clock.now()
    workers.create("wang", "王社工", PASSWORD, "worker", now, city="xiamen", districts=["siming"])
    workers.create("li", "李社工", PASSWORD, "worker", now, city="xiamen", districts=["huli"])
    workers.create("zhao", "赵督导", PASSWORD, "supervisor", now, city="xiamen")
    workers.create("chen", "陈督导", PASSWORD, "supervisor", now, city="fuzhou")
    workers.create("root", "管理员", PASSWORD, "admin", now)
    recorder = Recorder()
    push = PushTargets()
    push.register("telegram", recorder)
    server = create_server(application, channels=[console.channel(application, push)])
    with TestClient(server, base_url="https://testserver") as client:
        yield Scene(application, clock, recorder, client)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def attempt(client: TestClient, who: str, password: str = PASSWORD) -> str:
    """A login; the page it ends on."""
    token = csrf_of(client.get("/console/login").text)
    return client.post("/console/login", data={"csrf": token, "login": who, "password": password}).text


def login(client: TestClient, who: str, password: str = PASSWORD) -> TestClient:
    attempt(client, who, password)
    return client


def new_client(desk: Scene) -> TestClient:
    return TestClient(desk.client.app, base_url="https://testserver")


def post(client: TestClient, path: str, **data: str) -> object:
    token = csrf_of(client.get("/console").text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def audit_actions(application: App) -> list[tuple[str, str, int | None]]:
    with transaction(application.storage.sessions) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.worker_login, row.action, row.ticket_id) for row in rows]


def test_a_ticket_goes_from_the_queue_to_closed_and_the_parent_hears_the_worker(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    queue = client.get("/console")
    assert f"/console/tickets/{ticket}" in queue.text and "孩子8岁" in queue.text

    page = client.get(f"/console/tickets/{ticket}")
    assert "你好" in page.text  # the transcript, decrypted
    assert post(client, f"/console/tickets/{ticket}/claim").status_code == 303  # type: ignore[attr-defined]
    assert any("王社工" in text for _, text in desk.recorder.sent)  # the parent is told who took over

    post(client, f"/console/tickets/{ticket}/reply", text="您好，我来帮您看看入学材料。")
    assert any("入学材料" in text and "王社工" in text for _, text in desk.recorder.sent)
    # the assistant is silent while the worker owns the conversation
    user_id = desk.recorder.sent[0][0]
    said = desk.application.conversations.handle(
        Inbound(user_id=user_id, channel="telegram", text="要带什么")
    )
    assert said == []
    polled = client.get(f"/console/tickets/{ticket}/messages.json", params={"after": 0}).json()
    assert any(message["text"] == "要带什么" for message in polled["messages"])  # the page sees it

    post(client, f"/console/tickets/{ticket}/reply", canned="ask_phone")
    assert any("方便接电话" in text for _, text in desk.recorder.sent)
    post(client, f"/console/tickets/{ticket}/note", text="家长白天上班，晚上联系")
    assert "晚上联系" in client.get(f"/console/tickets/{ticket}").text

    before = len(desk.recorder.sent)
    post(client, f"/console/tickets/{ticket}/handback")
    assert any("交回" in text for _, text in desk.recorder.sent[before:])
    assert desk.application.conversations.handle(Inbound(user_id=user_id, channel="telegram", text="谢谢"))

    post(client, f"/console/tickets/{ticket}/close", outcome="resolved")
    with transaction(desk.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None and (row.status, row.outcome) == ("closed", "resolved")
    actions = [action for who, action, tid in audit_actions(desk.application) if tid == ticket]
    for expected in ("view_transcript", "claim", "reply", "note", "hand_back", "close"):
        assert expected in actions
    assert ("wang", "login", None) in audit_actions(desk.application)


def test_the_queue_puts_urgent_first_then_first_come_and_flags_overdue_urgent(desk: Scene) -> None:
    first = desk.ticket()
    desk.clock.move_to(TODAY + timedelta(minutes=5))
    urgent = desk.ticket(urgency="urgent")
    desk.clock.move_to(TODAY + timedelta(minutes=10))
    second = desk.ticket()
    page = login(desk.client, "wang").get("/console").text
    order = [int(found) for found in re.findall(r'href="/console/tickets/(\d+)"', page)]
    assert order == [urgent, first, second]
    assert "已超时" not in page
    desk.clock.move_to(TODAY + timedelta(minutes=40))  # urgent has waited 35 minutes (SLA: 30)
    assert "已超时" in desk.client.get("/console").text


@pytest.mark.parametrize(
    ("who", "visible"),
    [("wang", True), ("li", False), ("zhao", True), ("chen", False), ("root", True)],
)
def test_a_ticket_is_seen_only_within_the_worker_scope_even_by_guessing_its_url(
    desk: Scene, who: str, visible: bool
) -> None:
    ticket = desk.ticket(district="siming", city="xiamen")
    client = login(desk.client, who)
    assert (f"/console/tickets/{ticket}" in client.get("/console").text) is visible
    expected = 200 if visible else 404
    assert client.get(f"/console/tickets/{ticket}").status_code == expected
    assert client.get(f"/console/tickets/{ticket}/messages.json").status_code == expected
    claim = post(client, f"/console/tickets/{ticket}/claim")
    assert claim.status_code == (303 if visible else 404)  # type: ignore[attr-defined]
    assert client.get(f"/console/tickets/{ticket + 999}").status_code == 404  # no such ticket: the same
    assert client.get(f"/console/tickets/{2**40}").status_code == 404  # beyond any id: not a database error
    if visible:
        huge = client.get(f"/console/tickets/{ticket}/messages.json", params={"after": "9" * 40})
        assert huge.status_code == 200 and huge.json()["messages"] == []


def test_a_post_without_the_csrf_token_is_refused(desk: Scene) -> None:
    ticket = desk.ticket()
    client = login(desk.client, "wang")
    assert client.post(f"/console/tickets/{ticket}/claim", data={}).status_code == 403
    assert client.post(f"/console/tickets/{ticket}/claim", data={"csrf": "forged"}).status_code == 403
    other = login(new_client(desk), "li")  # another session's token does not fit this one
    stolen = csrf_of(other.get("/console").text)
    assert client.post(f"/console/tickets/{ticket}/claim", data={"csrf": stolen}).status_code == 403
    with transaction(desk.application.storage.sessions) as session:
        assert session.get(HandoffTicket, ticket).status == "open"  # type: ignore[union-attr]
    assert (
        new_client(desk).post("/console/login", data={"login": "wang", "password": PASSWORD}).status_code
        == 403
    )


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(desk: Scene) -> None:
    for _ in range(5):
        assert "账号或密码不对" in attempt(new_client(desk), "wang", "wrong password!")
    locked = login(new_client(desk), "wang")  # the right password, but locked
    assert locked.get("/console", follow_redirects=False).status_code == 303
    desk.clock.move_to(TODAY + timedelta(minutes=16))
    assert login(new_client(desk), "wang").get("/console", follow_redirects=False).status_code == 200
    assert ("wang", "login_failed", None) in audit_actions(desk.application)


def test_too_many_login_attempts_from_one_address_are_slowed_down(make_app: Callable[..., App]) -> None:
    application = make_app()
    limited = console.Console(application, PushTargets(), limiter=LoginLimiter(attempts=10))
    server = create_server(application, channels=[RoutesOnly("console", limited.router())])
    with TestClient(server) as client:
        token = csrf_of(client.get("/console/login").text)
        codes = [
            client.post("/console/login", data={"csrf": token, "login": f"x{n}", "password": "x"}).status_code
            for n in range(12)
        ]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
    assert LoginLimiter().attempts >= 50  # the default lets an office behind one address sign in


def test_the_session_cookie_is_strict_and_expires_when_idle_or_old(desk: Scene) -> None:
    token = csrf_of(desk.client.get("/console/login").text)
    response = desk.client.post(
        "/console/login", data={"csrf": token, "login": "wang", "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert desk.client.get("/console", follow_redirects=False).status_code == 200
    desk.clock.move_to(TODAY + timedelta(minutes=31))  # idle for longer than 30 minutes
    assert desk.client.get("/console", follow_redirects=False).status_code == 303
    login(desk.client, "wang")
    for minutes in range(25, 8 * 60, 25):  # busy all day: still ends after 8 hours
        desk.clock.move_to(TODAY + timedelta(minutes=31 + minutes))
        desk.client.get("/console", follow_redirects=False)
    desk.clock.move_to(TODAY + timedelta(hours=8, minutes=35))
    assert desk.client.get("/console", follow_redirects=False).status_code == 303


def test_logout_and_disable_end_the_session(desk: Scene) -> None:
    client = login(desk.client, "wang")
    post(client, "/console/logout")
    assert client.get("/console", follow_redirects=False).status_code == 303
    client = login(desk.client, "wang")
    Workers(desk.application.storage.sessions).disable("wang")
    assert client.get("/console", follow_redirects=False).status_code == 303
    assert login(new_client(desk), "wang").get("/console", follow_redirects=False).status_code == 303


def test_pages_carry_security_headers_and_no_inline_script(desk: Scene) -> None:
    page = desk.client.get("/console/login")
    headers = page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "http://" not in page.text and "https://" not in page.text
    assert desk.client.get("/console/static/console.js").status_code == 200
    assert desk.client.get("/console/static/../console.py").status_code == 404


def test_only_the_owner_replies_and_a_second_claim_loses(desk: Scene) -> None:
    ticket = desk.ticket()
    wang = login(desk.client, "wang")
    post(wang, f"/console/tickets/{ticket}/claim")
    root = login(new_client(desk), "root")
    lost = post(root, f"/console/tickets/{ticket}/claim")
    assert "done=taken" in lost.headers["location"]  # type: ignore[attr-defined]
    zhao_city_peer = login(new_client(desk), "zhao")
    sent = len(desk.recorder.sent)
    other = Workers(desk.application.storage.sessions, CHEAP)
    other.create("wu", "吴社工", PASSWORD, "worker", desk.clock.now(), city="xiamen", districts=["siming"])
    wu = login(new_client(desk), "wu")
    refused = post(wu, f"/console/tickets/{ticket}/reply", text="我也来说一句")
    assert "done=not_yours" in refused.headers["location"]  # type: ignore[attr-defined]
    assert len(desk.recorder.sent) == sent
    assert zhao_city_peer.get(f"/console/tickets/{ticket}").status_code == 200


@contextmanager
def counted(application: App) -> Iterator[Counter[str]]:
    """The SQL statements and the transactions run on the App's database meanwhile."""
    engine = application.storage.engine
    seen: Counter[str] = Counter()

    def statement(*_: object) -> None:
        seen["statements"] += 1

    def begin(*_: object) -> None:
        seen["transactions"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


def open_tickets(desk: Scene, number: int, owner: int | None = None) -> None:
    """`number` tickets in Siming (every tenth urgent; with an owner, claimed by them), in one insert."""
    summary = desk.application.storage.cipher.encrypt("孩子8岁，想在厦门上学")
    rows = [
        {
            "user_key": f"telegram:{uuid.uuid4().hex[:12]}",
            "reason": "requested",
            "urgency": "urgent" if index % 10 == 0 else "normal",
            "status": "open" if owner is None else "assigned",
            "worker_id": owner,
            "province": "fujian",
            "city": "xiamen",
            "district": "siming",
            "summary": summary,
            "created_at": desk.clock.now() - timedelta(minutes=index),
        }
        for index in range(number)
    ]
    with transaction(desk.application.storage.sessions) as session:
        session.execute(insert(HandoffTicket), rows)


def test_the_queue_page_is_one_transaction_of_the_same_few_statements_however_many_tickets(
    desk: Scene,
) -> None:
    """No statement per ticket (an owner's name, a place): a page of 3 tickets and a page of 50 out
    of 240 run the same statements, in one transaction with the page's audit entry."""
    workers = {member.login: member.id for member in Workers(desk.application.storage.sessions).listed()}
    open_tickets(desk, 2)
    open_tickets(desk, 1, owner=workers["wang"])
    client = login(desk.client, "zhao")  # the city's supervisor sees the claimed ones and their owners
    viewed = [action for _, action, _ in audit_actions(desk.application)].count("view_queue")
    with counted(desk.application) as few:
        assert client.get("/console").text.count('href="/console/tickets/') == 3
    open_tickets(desk, 120)
    open_tickets(desk, 60, owner=workers["wang"])
    open_tickets(desk, 57, owner=workers["li"])
    with counted(desk.application) as many:
        page = client.get("/console").text
    assert page.count('href="/console/tickets/') == 50 and "王社工" in page
    with counted(desk.application) as later:  # a later page, all normal tickets: one urgency read
        assert client.get("/console", params={"page": "4"}).text.count('href="/console/tickets/') == 50
    assert few == many
    assert many["transactions"] == later["transactions"] == 1
    assert later["statements"] == many["statements"] - 1 <= 7  # with SQLite's BEGIN
    assert [action for _, action, _ in audit_actions(desk.application)].count("view_queue") == viewed + 3


def test_a_lost_claim_and_its_audit_entry_are_one_transaction(desk: Scene) -> None:
    ticket = desk.ticket()
    wang = login(desk.client, "wang")
    post(wang, f"/console/tickets/{ticket}/claim")
    root = login(new_client(desk), "root")
    token = csrf_of(root.get("/console").text)
    with counted(desk.application) as seen:
        lost = root.post(f"/console/tickets/{ticket}/claim", data={"csrf": token}, follow_redirects=False)
    assert "done=taken" in lost.headers["location"]
    assert seen["transactions"] == 1
    assert ("root", "claim_lost", ticket) in audit_actions(desk.application)


def test_supervisors_read_and_export_the_audit_and_workers_cannot(desk: Scene) -> None:
    ticket = desk.ticket()
    wang = login(desk.client, "wang")
    wang.get(f"/console/tickets/{ticket}")
    assert wang.get("/console/audit").status_code == 404
    assert wang.get("/console/audit.csv").status_code == 404
    zhao = login(new_client(desk), "zhao")
    assert "view_transcript" in zhao.get("/console/audit").text
    exported = zhao.get("/console/audit.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert f"view_transcript,{ticket}" in exported.text
    assert ("zhao", "export", None) in audit_actions(desk.application)


def test_a_supervisor_reads_only_their_citys_audit_and_an_admin_reads_all(desk: Scene) -> None:
    ticket = desk.ticket()  # in Xiamen
    login(desk.client, "wang").get(f"/console/tickets/{ticket}")
    attempt(new_client(desk), "li", "wrong password")  # a Xiamen worker's failed login
    xiamen = login(new_client(desk), "zhao").get("/console/audit.csv").text
    assert f"view_transcript,{ticket}" in xiamen and "login_failed" in xiamen
    fuzhou = login(new_client(desk), "chen").get("/console/audit.csv").text
    assert f"view_transcript,{ticket}" not in fuzhou and "login_failed" not in fuzhou
    assert "wang" not in fuzhou
    everything = login(new_client(desk), "root").get("/console/audit.csv").text
    assert f"view_transcript,{ticket}" in everything and "login_failed" in everything


def test_a_guard_against_formula_cells_in_the_export(desk: Scene) -> None:
    login(new_client(desk), "=cmd|' /C calc'!A0")  # a failed login names the login tried
    exported = login(new_client(desk), "root").get("/console/audit.csv").text
    assert "'=cmd" in exported and "\n=cmd" not in exported


def test_a_message_pushed_to_a_web_chat_parent_waits_in_the_outbox_for_their_page(
    make_app: Callable[..., App],
) -> None:
    application = make_app()
    storage = application.storage
    push = PushTargets()
    push.register("web", StoredReplies(storage.sessions, storage.cipher, application.clock).target("web"))
    with TestClient(create_server(application, channels=[webchat.channel(application)])) as parent:
        parent.post("/chat/api/message", json={"message_id": uuid.uuid4().hex, "text": "你好"})
        assert parent.get("/chat/api/inbox").json() == {"replies": []}
        with transaction(storage.sessions) as session:
            user_key = session.scalars(select(Conversation.user_key)).one()
        assert anyio.run(push.deliver, user_key, [Reply("社工的回复\n—— 社工 王")]) == "stored"
        assert parent.get("/chat/api/inbox").json()["replies"][0]["text"].startswith("社工的回复")
        assert parent.get("/chat/api/inbox").json() == {"replies": []}  # collected once
        assert TestClient(parent.app).get("/chat/api/inbox").json() == {"replies": []}  # not others'


@pytest.mark.postgres
def test_two_workers_claiming_the_same_ticket_at_once_exactly_one_wins(
    make_app: Callable[..., App], postgres_url: str
) -> None:
    application = make_app(postgres_url)
    workers = Workers(application.storage.sessions, CHEAP)
    now = application.clock.now()
    members = [
        workers.create(f"w{n}", f"社工{n}", PASSWORD, "worker", now, city="xiamen", districts=["siming"])
        for n in range(2)
    ]
    desk = Desk(application.storage.sessions, application.storage.cipher, timedelta(minutes=30))
    for _ in range(20):
        ticket_id = open_ticket(application.storage.sessions, now, urgency="urgent")
        barrier = threading.Barrier(2)
        results: list[bool] = []

        def claim(index: int, ticket_id: int, barrier: threading.Barrier, results: list[bool]) -> None:
            barrier.wait()
            results.append(desk.claim(members[index], ticket_id, now))

        threads = [
            threading.Thread(target=claim, args=(index, ticket_id, barrier, results)) for index in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False, True]
        with transaction(application.storage.sessions) as session:
            row = session.get(HandoffTicket, ticket_id)
            assert row is not None and row.status == "assigned" and row.worker_id in {m.id for m in members}


# --- every console route, each role, generated from the app's route table ---------------------------

ROLES = ("wang", "li", "zhao", "chen", "root", None)  # district worker, other district, city supervisor,
# other city's supervisor, admin, no session; the ticket and the key child are in Xiamen, Siming
IN_SCOPE = {"wang", "zhao", "root"}
SUPERVISORS = {"zhao", "chen", "root"}


def signed_in_only(ok: int) -> Callable[[str, str], int]:
    """Any signed-in worker: `ok`."""
    return lambda who, method: ok


def scoped(ok: int, refused: int = 404) -> Callable[[str, str], int]:
    """Only within the Siming ticket's scope (the district's worker, the city's supervisor, an admin);
    anyone else is told nothing exists (404), or refused the place asked for (403, the reports)."""
    return lambda who, method: ok if who in IN_SCOPE else refused


def supervising(ok: int) -> Callable[[str, str], int]:
    """Supervisors and admins; a worker is told nothing exists."""
    return lambda who, method: ok if who in SUPERVISORS else 404


def supervising_in_scope(ok: int) -> Callable[[str, str], int]:
    """The city's supervisor and admins; the district's worker sees the child but is refused (403);
    anyone else is told nothing exists (404)."""
    return lambda who, method: ok if who in IN_SCOPE & SUPERVISORS else 403 if who in IN_SCOPE else 404


# Every console route and what each signed-in role gets; the test fails for a route not listed here.
ACCESS: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/console"): signed_in_only(200),
    ("GET", "/console/login"): signed_in_only(303),  # already signed in: to the queue
    ("POST", "/console/login"): signed_in_only(403),  # a signed-in page's token is not the login form's
    ("POST", "/console/logout"): signed_in_only(303),
    ("GET", "/console/static/{name}"): signed_in_only(200),
    ("GET", "/console/tickets/{ticket_id}"): scoped(200),
    ("GET", "/console/tickets/{ticket_id}/messages.json"): scoped(200),
    ("POST", "/console/tickets/{ticket_id}/claim"): scoped(303),
    ("POST", "/console/tickets/{ticket_id}/reply"): scoped(303),
    ("POST", "/console/tickets/{ticket_id}/note"): scoped(303),
    ("POST", "/console/tickets/{ticket_id}/handback"): scoped(303),
    ("POST", "/console/tickets/{ticket_id}/close"): scoped(303),
    ("GET", "/console/tickets/{ticket_id}/key"): scoped(200),
    ("POST", "/console/tickets/{ticket_id}/key"): scoped(303),
    ("GET", "/console/audit"): supervising(200),
    ("GET", "/console/audit.csv"): supervising(200),
    ("GET", "/console/visits"): signed_in_only(200),
    ("GET", "/console/visits/{key_id}"): scoped(200),
    ("POST", "/console/visits/{key_id}/done"): scoped(303),
    ("POST", "/console/visits/{key_id}/end"): scoped(303),
    ("POST", "/console/visits/{key_id}/worker"): supervising_in_scope(303),  # no worker chosen: said so
    ("POST", "/console/telegram/code"): signed_in_only(200),  # the visits page with the code
    ("POST", "/console/telegram/unlink"): signed_in_only(303),
    ("GET", "/console/reports"): scoped(200, refused=403),
    ("GET", "/console/reports/{name}"): scoped(200, refused=403),
    ("GET", "/console/reports/{name}.csv"): scoped(200, refused=403),
    ("GET", "/console/reports/{name}.json"): scoped(200, refused=403),
}
OPEN = {("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/static/{name}")}
QUERY = {"district": "siming", "since": "2026-01-01"}  # the reports: the ticket's district asked for


def flattened(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Each route with the prefix it is served under; FastAPI keeps an included router as one entry
    (its original router and the prefix it was included with), so those are opened."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from flattened(inner.routes, prefix + str(getattr(context, "prefix", "") or ""))
        else:
            yield prefix, route


def route_table(server: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every console route the server answers."""
    return sorted(
        (method, prefix + route.path)
        for prefix, route in flattened(server.routes)
        if isinstance(route, APIRoute) and (prefix + route.path).startswith("/console")
        for method in route.methods or ()
    )


@pytest.fixture
def routed(desk: Scene) -> tuple[Scene, dict[str, str]]:
    """The desk with a Siming ticket whose child is marked key: the values for the path parameters."""
    ticket = desk.ticket(district="siming", city="xiamen")
    wang = login(new_client(desk), "wang")
    response = post(wang, f"/console/tickets/{ticket}/key", consent="yes", consent_method="phone")
    assert "said=marked" in response.headers["location"]  # type: ignore[attr-defined]
    with transaction(desk.application.storage.sessions) as session:
        key_id = session.scalars(select(KeyChild.id)).one()
    return desk, {"ticket_id": str(ticket), "key_id": str(key_id), "name": "demand"}


def test_the_access_table_lists_every_console_route_of_the_server(desk: Scene) -> None:
    """A new console route fails here until its rule is written in ACCESS (and so tested below)."""
    found = set(route_table(desk.client.app))  # type: ignore[arg-type]
    assert found, "no console route found in the server's route table"
    assert found - set(ACCESS) == set(), "console routes without an access rule in ACCESS"
    assert set(ACCESS) - found == set(), "rules for routes the server no longer has"


def fill(path: str, values: dict[str, str]) -> str:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    missing = [name for name in names if name not in values]
    assert not missing, f"{path}: no fixture value for {missing}"
    return re.sub(r"{(\w+)(?::\w+)?}", lambda found: values[found.group(1)], path)


@pytest.mark.parametrize("who", ROLES, ids=[who or "no_session" for who in ROLES])
def test_every_console_route_answers_each_role_as_its_rule_says(
    routed: tuple[Scene, dict[str, str]], who: str | None
) -> None:
    desk, values = routed
    got: dict[tuple[str, str], int] = {}
    expected: dict[tuple[str, str], int] = {}
    for method, path in route_table(desk.client.app):  # type: ignore[arg-type]
        client = new_client(desk) if who is None else login(new_client(desk), who)
        target = fill(path, {**values, "name": "console.js" if "static" in path else "demand"})
        data: dict[str, str] = {}
        if who is not None and method == "POST":
            data["csrf"] = csrf_of(client.get("/console").text)
        if method == "POST" and path == "/console/login":
            data = {"csrf": csrf_of(client.get("/console/login").text) if who is None else data["csrf"]}
            data |= {"login": "wang", "password": "not the password"}
        response = client.request(
            method,
            target,
            params=QUERY if method == "GET" else None,
            data=data or None,
            follow_redirects=False,
        )
        got[(method, path)] = response.status_code
        if who is None:
            if (method, path) in OPEN:
                expected[(method, path)] = 200
            elif method == "GET":
                expected[(method, path)] = 401 if path.endswith(".json") else 303
            else:
                expected[(method, path)] = 401
        else:
            rule = ACCESS.get((method, path))
            assert rule is not None, f"{method} {path} has no rule in ACCESS"
            expected[(method, path)] = rule(who, method)
        if response.status_code in (303, 401, 403, 404):
            assert "孩子8岁" not in response.text and "你好" not in response.text, (method, path)
        if who is None and response.status_code == 303:
            assert response.headers["location"] == "/console/login", (method, path)
    assert got == expected
