"""The window planner (reminders/window.py): every reminder gets one route, and over any timeline of
parent messages and dispatcher ticks each reminder reaches the parent exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.window import WECHAT_WINDOW, Route, after_window, route, window_end

T0 = datetime(2026, 3, 1, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=10 * 24 * 60)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def test_the_readme_table() -> None:
    end = at(48 * 60)
    assert route(at(10), at(10), end) is Route.SEND_NOW
    assert route(at(60), at(10), end) is Route.SEND_IN_WINDOW
    assert route(end, at(10), end) is Route.NEXT_MESSAGE  # the window's last instant is closed
    assert route(end, at(10), end, subscription=True) is Route.SUBSCRIPTION
    assert route(at(50 * 60), at(49 * 60), end) is Route.NEXT_MESSAGE
    assert route(at(50 * 60), at(49 * 60), end, subscription=True) is Route.SUBSCRIPTION
    assert route(at(5), at(10), None) is Route.NEXT_MESSAGE  # never wrote, or no push


def test_the_window_is_the_last_message_plus_48_hours() -> None:
    assert window_end(at(0)) == at(0) + WECHAT_WINDOW and window_end(None) is None


@given(send=minutes, now=minutes, last=st.none() | minutes, subscription=st.booleans())
def test_every_reminder_gets_exactly_one_route_that_fits_the_window(
    send: int, now: int, last: int | None, subscription: bool
) -> None:
    end = window_end(at(last)) if last is not None else None
    found = route(at(send), at(now), end, subscription=subscription)
    open_now = end is not None and at(now) < end
    if found in (Route.SEND_NOW, Route.SEND_IN_WINDOW):
        assert open_now and end is not None and at(send) < end  # never a message outside the window
    if found is Route.SEND_NOW:
        assert at(send) <= at(now)
    if found is Route.SUBSCRIPTION:
        assert subscription
    if found is Route.NEXT_MESSAGE:
        assert not subscription and (not open_now or at(send) >= end)  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(
    sends=st.lists(minutes, min_size=1, max_size=12),
    messages=st.lists(minutes, max_size=8),
    grants=st.integers(min_value=0, max_value=3),
    tick=st.integers(min_value=1, max_value=240),
)
def test_over_any_timeline_each_reminder_reaches_the_parent_exactly_once(
    sends: list[int], messages: list[int], grants: int, tick: int
) -> None:
    """A model of the dispatcher (ticks), the parent's messages (each opens the window and takes what
    waited) and one-time subscription grants, driven only by the planner's routes. After a last
    message at the end, every reminder was delivered once, and never outside the window except by a
    subscription message."""
    delivered: dict[int, int] = dict.fromkeys(range(len(sends)), 0)
    state = dict.fromkeys(range(len(sends)), "planned")
    last: datetime | None = None
    events = sorted([(m, "message") for m in messages] + [(m, "tick") for m in range(0, 10 * 24 * 60, tick)])
    events += [(10 * 24 * 60, "tick"), (10 * 24 * 60 + 1, "message")]  # all due by then; the parent writes
    for minute, kind in events:
        now = at(minute)
        if kind == "message":
            last = now
            for index, status in state.items():
                if status == "waiting":
                    delivered[index] += 1
                    state[index] = "done"
            continue
        end = window_end(last)
        for index, send in enumerate(sends):
            if state[index] != "planned" or at(send) > now:
                continue
            found = route(at(send), now, end, subscription=grants > 0)
            if found is Route.SEND_NOW:
                assert end is not None and now < end
                delivered[index] += 1
                state[index] = "done"
            elif found is Route.SUBSCRIPTION:
                grants -= 1
                delivered[index] += 1
                state[index] = "done"
            else:
                assert found is Route.NEXT_MESSAGE
                state[index] = "waiting"
    assert all(count == 1 for count in delivered.values()), delivered


def test_what_falls_after_the_window_is_listed_soonest_first() -> None:
    end = at(48 * 60)
    times = [at(49 * 60), at(5), at(47 * 60), end, at(100 * 60)]
    assert after_window(times, at(10), end) == [end, at(49 * 60), at(100 * 60)]
    assert after_window([at(5), at(20)], at(10), None) == [at(20)]
