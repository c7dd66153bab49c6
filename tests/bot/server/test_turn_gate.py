"""The turn gate (bot/server/channel.py): at most `turn_threads` turns of one process run at once,
and the ones that wait are served first come, first served; the default follows the database."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.app import App
from bot.server.channel import take_turn
from core.message import Inbound
from core.settings import Settings
from dialogues.engine import Outcome
from dialogues.state import State


class SlowConversations:
    """A conversation core that takes 20 ms a turn and records how many run at once, and in which
    order they started."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[str] = []
        self.lock = threading.Lock()

    def handle_outcome(self, event: Any) -> Outcome:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.started.append(event.user_id)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        return Outcome((), (), State())


def application(threads: int) -> tuple[App, SlowConversations]:
    conversations = SlowConversations()
    settings = Settings(database_url="sqlite://", turn_threads=threads)
    return cast(App, SimpleNamespace(settings=settings, conversations=conversations)), conversations


async def arrive_in_order(app: App, users: list[str]) -> None:
    tasks = []
    for user in users:  # each task reaches the gate before the next one is created
        tasks.append(
            asyncio.create_task(take_turn(app, Inbound(user_id=user, channel="gate_test", text="x")))
        )
        await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)


@pytest.mark.parametrize("threads", [1, 3])
def test_no_more_turns_run_at_once_than_the_gate_lets_through(threads: int) -> None:
    app, conversations = application(threads)
    asyncio.run(arrive_in_order(app, [f"u{n}" for n in range(12)]))
    assert conversations.most == threads
    assert len(conversations.started) == 12


def test_turns_that_wait_at_the_gate_are_served_in_the_order_they_came() -> None:
    app, conversations = application(1)
    users = [f"u{n:02d}" for n in range(15)]
    asyncio.run(arrive_in_order(app, users))
    assert conversations.started == users


def test_one_turn_at_a_time_on_sqlite_and_two_on_postgresql_unless_set() -> None:
    assert Settings(database_url="sqlite:///x.db").resolved_turn_threads() == 1
    assert Settings(database_url="postgresql+psycopg://db/x").resolved_turn_threads() == 2
    assert Settings(database_url="postgresql+psycopg://db/x", turn_threads=8).resolved_turn_threads() == 8


def test_the_console_runs_one_piece_at_a_time_on_sqlite_and_four_on_postgresql_unless_set() -> None:
    postgres = "postgresql+psycopg://db/x"
    assert Settings(database_url="sqlite:///x.db").resolved_console_threads() == 1
    assert Settings(database_url=postgres).resolved_console_threads() == 4
    assert Settings(database_url=postgres, turn_threads=8).resolved_console_threads() == 4
    assert Settings(database_url=postgres, console_threads=3).resolved_console_threads() == 3


def test_a_gate_is_made_per_event_loop_so_a_second_loop_can_use_the_same_app() -> None:
    app, conversations = application(1)
    asyncio.run(arrive_in_order(app, ["a", "b"]))
    asyncio.run(arrive_in_order(app, ["c", "d"]))  # a limiter of a closed loop would fail here
    assert conversations.started == ["a", "b", "c", "d"]
