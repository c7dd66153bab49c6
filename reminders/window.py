"""The planner for channels that may write to a parent only for a while after the parent's last
message (WeChat: 48 hours) or not at all (the web chat, whose page must ask). Pure: it takes the end
of the window and the times, and says what happens to one reminder. No platform is imported here.

| the reminder's send time      | window open now        | window closed (or none)                        |
|-------------------------------|------------------------|------------------------------------------------|
| already due                   | send now               | subscription if granted, else next message     |
| before the window's end       | send in window (later) | -                                              |
| at or after the window's end  | subscription if granted, else next message (and it is mentioned now)   |

"next message": the row waits (`waiting_window`) and goes out with the reply to the parent's next
message, marked `late` when its day has passed, else `sent`. Every reminder gets exactly one route:
none is dropped, and a route never sends one twice (the store claims a row before it is sent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

WECHAT_WINDOW = timedelta(hours=48)


class Route(StrEnum):
    SEND_NOW = "send_now"  # a customer-service message now
    SEND_IN_WINDOW = "send_in_window"  # stays planned: the window is still open when it falls due
    SUBSCRIPTION = "subscription"  # a subscription message (the parent accepted one)
    NEXT_MESSAGE = "next_message"  # waits for the parent's next message


def window_end(last_inbound: datetime | None, length: timedelta = WECHAT_WINDOW) -> datetime | None:
    """When the window closes: the parent's last message + its length; None when never opened."""
    return None if last_inbound is None else last_inbound + length


def is_open(end: datetime | None, now: datetime) -> bool:
    return end is not None and now < end


def route(send_at: datetime, now: datetime, end: datetime | None, *, subscription: bool = False) -> Route:
    """What happens to a reminder to send at `send_at`, seen at `now`, with the window closing at
    `end` (None: closed, or a channel that cannot write first) and whether a subscription message
    may carry it."""
    if is_open(end, now):
        if send_at <= now:
            return Route.SEND_NOW
        assert end is not None
        if send_at < end:
            return Route.SEND_IN_WINDOW
    return Route.SUBSCRIPTION if subscription else Route.NEXT_MESSAGE


def after_window(send_times: Iterable[datetime], now: datetime, end: datetime | None) -> list[datetime]:
    """The send times, soonest first, that will fall due once the window has closed (to mention
    them while the parent is here): not yet due, and at or after the window's end."""
    return sorted(when for when in send_times if when > now and (end is None or when >= end))
