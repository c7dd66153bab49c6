"""The reminder effects carried out on SQLite and PostgreSQL: a child's vaccination reminders are
written (nothing personal in a row), re-planned when the birth date is corrected (what no longer fits
cancelled, nothing duplicated), listed for /reminders, and cancelled by /forget; and through the
running assistant, a due reminder goes out with its three buttons and 已接种 re-plans."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.reminder_notifier import ChannelNotifier, Push
from core.message import Inbound, Reply
from reminders.dispatcher import Dispatcher
from reminders.store import ReminderRow

USER = "u1"


def _say(app: App, text: str = "", payload: str | None = None) -> tuple[Reply, ...]:
    return app.conversations.handle_outcome(
        Inbound(user_id=USER, channel="test", text=text, payload=payload)
    ).replies


def _press(app: App, replies: Sequence[Reply], label: str) -> tuple[Reply, ...]:
    payload = next(button.payload for reply in replies for button in reply.buttons if button.label == label)
    return _say(app, payload=payload)


def _set_up(app: App, birth: str = "2026年3月10日") -> None:
    replies = _say(app, "帮我设个疫苗提醒")
    if any(button.label == "同意" for reply in replies for button in reply.buttons):
        _press(app, replies, "同意")
    replies = _say(app, birth)
    if any("预防接种证" in reply.text for reply in replies):
        _say(app, "乙肝打了两针，卡介苗也打了")


def _rows(app: App) -> list[ReminderRow]:
    with app.storage.sessions() as session:
        return list(session.scalars(select(ReminderRow).order_by(ReminderRow.id)).all())


def test_reminders_are_written_replanned_on_correction_and_cancelled_on_forget(
    make_app: Callable[..., App], database_url: str
) -> None:
    app = make_app(database_url)
    _set_up(app)
    rows = _rows(app)
    pending = [row for row in rows if row.status == "planned"]
    assert len(pending) > 10 and {row.kind for row in rows} == {"vaccine"}
    assert {row.child_ref for row in rows} == {"c1"} and all(row.channel == "test" for row in rows)
    assert not any("2026-03-10" in row.params for row in rows)  # no birth date in a row
    dtap3 = [row for row in pending if '"dtap"' in row.params and '"dose": 3' in row.params]
    # dose 1 is caught up now, dose 2 28 days on, dose 3 28 days after: 3 days before it, and on the day
    assert sorted(row.due_date.isoformat() for row in dtap3) == ["2027-01-17", "2027-01-17"]
    assert sorted(row.send_at.date().isoformat() for row in dtap3) == ["2027-01-14", "2027-01-17"]
    _say(app, "/reminders")  # listing changes nothing
    assert len(_rows(app)) == len(rows)
    _set_up(app)  # the same answers again: the same rows, none added
    assert len(_rows(app)) == len(rows)
    _say(app, "/vaccine_birth")
    _say(app, "2026年2月1日")
    after = _rows(app)
    planned = [row for row in after if row.status == "planned"]
    cancelled = [row for row in after if row.status == "cancelled"]
    assert planned and cancelled and len(after) > len(rows)
    assert all(row.last_error == "re-planned" for row in cancelled)
    assert {row.id for row in cancelled} <= {row.id for row in rows}
    replies = _say(app, "/forget")
    _press(app, replies, "确认删除")
    assert _rows(app) == []


def test_stopping_cancels_and_resuming_plans_the_same_rows_again(
    make_app: Callable[..., App], database_url: str
) -> None:
    app = make_app(database_url)
    _set_up(app)
    before = {row.idempotency_key for row in _rows(app)}
    _say(app, "不要再提醒我打疫苗了")
    assert {row.status for row in _rows(app)} == {"cancelled"}
    _say(app, "恢复疫苗提醒")
    rows = _rows(app)
    assert {row.idempotency_key for row in rows} == before and {row.status for row in rows} == {"planned"}


def test_withdrawn_reminders_consent_cancels_the_childs_rows(make_app: Callable[..., App]) -> None:
    from core.event import ConsentWithdrawn

    app = make_app()
    _set_up(app)
    app.conversations.handle(ConsentWithdrawn(USER, "test", "reminders"))
    assert {row.status for row in _rows(app)} == {"cancelled"}


def test_a_reported_loss_cancels_the_childs_reminders(make_app: Callable[..., App]) -> None:
    app = make_app()
    _set_up(app)
    _say(app, "孩子上个月因病去世了")
    assert {row.status for row in _rows(app)} == {"cancelled"}


class RecordingPush:
    def __init__(self) -> None:
        self.sent: list[Sequence[Reply]] = []

    async def __call__(self, user: str, replies: Sequence[Reply], key: str) -> str:
        self.sent.append(replies)
        return "sent"


def test_a_due_reminder_goes_out_with_three_buttons_and_done_replans(make_app: Callable[..., App]) -> None:
    app = make_app()
    _set_up(app)
    first = min((row for row in _rows(app) if row.status == "planned"), key=lambda row: row.send_at)
    app.clock.move_to(first.send_at + timedelta(minutes=1))  # type: ignore[attr-defined]
    push = RecordingPush()
    Dispatcher(app.storage.sessions, ChannelNotifier(app, {"test": Push(push)}), app.clock.now).tick()
    assert push.sent, "nothing was sent"
    replies = push.sent[0]
    labels = [button.label for reply in replies for button in reply.buttons]
    assert labels == ["已接种", "晚点提醒", "停止"]
    done = next(button.payload for reply in replies for button in reply.buttons if button.label == "已接种")
    vaccine, dose = done.split(":")[3:5]
    answered = _say(app, payload=done)
    assert "记下了" in answered[0].text
    rows = _rows(app)
    same = [
        row for row in rows if f'"vaccine": "{vaccine}"' in row.params and f'"dose": {dose}' in row.params
    ]
    assert all(row.status in ("sent", "cancelled") for row in same)  # nothing more for the dose given
    assert any(row.status == "sent" for row in same)
