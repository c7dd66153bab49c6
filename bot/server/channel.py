"""What a channel is to the server: a name, the routes it adds, and what it starts and stops with
the server (Telegram's long polling, say). A channel turns its platform's updates into core events
(`Inbound`), runs them through `take_turn`, and renders the `Reply`s its own way."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import anyio
import anyio.to_thread
from fastapi import APIRouter

from bot.app import App
from bot.conversation import user_key
from bot.metrics import count_error, observe_turn
from bot.waiting_reminders import WaitingReminders
from core.event import Event
from core.message import Reply
from dialogues.engine import Outcome

LOG = logging.getLogger("tongxing.turn")


class Channel(Protocol):
    name: str

    def router(self) -> APIRouter | None:
        """The routes this channel adds to the server, or None."""

    async def start(self) -> None:
        """Called once when the server starts (after the App is built)."""

    async def stop(self) -> None:
        """Called once when the server stops, before the App is closed: finish what is in flight."""


@dataclass
class RoutesOnly:
    """A channel that is only routes (the hotline API, the web chat, WeChat)."""

    name: str
    routes: APIRouter
    started: list[str] = field(default_factory=list)

    def router(self) -> APIRouter | None:
        return self.routes

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


# One gate per event loop (a test may run several loops on one App): anyio's limiters belong to a loop.
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def turn_gate(application: App) -> anyio.CapacityLimiter:
    """How many turns run at once in this process (`Settings.turn_threads`): the others wait their
    turn in the order they came (the limiter is first come, first served). Without it every request
    takes one of anyio's 40 threads, and 40 threads competing for one interpreter (and, on SQLite, for
    its one writer lock) doubled the CPU a turn costs and let a turn overtake others for tens of ms."""
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = anyio.CapacityLimiter(application.settings.resolved_turn_threads())
    return gate


async def take_turn(application: App, event: Event) -> Outcome:
    """One event through the conversation core, off the event loop (storage is synchronous
    SQLAlchemy; the turn holds the conversation's row lock while it runs), through the process's turn
    gate. Every channel's turns come through here, so here they are counted (/metrics) and logged,
    without their words or the user."""
    conversations = application.conversations
    outcome, _ = await _timed(
        application, event, lambda turn_event: (conversations.handle_outcome(turn_event), [])
    )
    return outcome


async def take_turn_with_waiting(
    application: App, event: Event, waiting: WaitingReminders
) -> tuple[Outcome, list[Reply]]:
    """`take_turn`, then what waited for the parent (reminders that could not reach them), said and
    marked delivered, in the same thread and turn gate. The turn itself sees, in its own transaction,
    whether anything waits, so that a message with nothing waiting (nearly all) costs nothing more."""

    def turn_then_waiting(turn_event: Event) -> tuple[Outcome, list[Reply]]:
        turn = application.conversations.take(turn_event, look_for_waiting=True)
        if not turn.reminders_waiting:
            return turn.outcome, []
        return turn.outcome, waiting.take(user_key(turn_event))

    return await _timed(application, event, turn_then_waiting)


async def _timed(
    application: App, event: Event, run: Callable[[Event], tuple[Outcome, list[Reply]]]
) -> tuple[Outcome, list[Reply]]:
    start = time.perf_counter()
    try:
        outcome, said = await anyio.to_thread.run_sync(run, event, limiter=turn_gate(application))
    except Exception as error:
        count_error(event.channel, "turn_failed")
        LOG.error("turn failed", extra={"channel": event.channel, "error": error.__class__.__name__})
        raise
    seconds = time.perf_counter() - start
    observe_turn(event.channel, outcome.effects, seconds)
    LOG.info(
        "turn",
        extra={
            "channel": event.channel,
            "ms": round(seconds * 1000, 1),
            "replies": len(outcome.replies),
            "effects": [type(effect).__name__ for effect in outcome.effects],
            "duplicate": outcome.duplicate,
        },
    )
    return outcome, said


def numbered(reply: Reply) -> str:
    """A reply as plain text with its buttons as numbered choices, for channels without buttons
    (WeChat, SMS). The core reads a number typed back (dialogues/offered.py)."""
    lines = [reply.text]
    lines += [f"{number}. {button.label}" for number, button in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


def numbered_all(replies: Sequence[Reply]) -> str:
    return "\n\n".join(numbered(reply) for reply in replies)
