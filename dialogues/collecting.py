"""A conversation run in memory through the engine alone, collecting every outcome (like Rasa's
CollectingOutputChannel): the state is threaded from turn to turn as bot/ would store it. The tests
and the benchmarks (bench/miniconvs.py) drive conversations with it; no database."""

from __future__ import annotations

from core.event import Event
from core.message import Button, Inbound
from dialogues.engine import Engine, Outcome
from dialogues.state import State


class Chat:
    def __init__(
        self, engine: Engine, state: State | None = None, user: str = "parent-1", channel: str = "test"
    ) -> None:
        self.engine = engine
        self.state = state or State()
        self.user = user
        self.channel = channel
        self.outcomes: list[Outcome] = []

    def send(self, event: Event) -> Outcome:
        outcome = self.engine.handle(self.state, event)
        self.state = outcome.state
        self.outcomes.append(outcome)
        return outcome

    def say(self, text: str, message_id: str | None = None) -> Outcome:
        return self.send(Inbound(self.user, self.channel, text=text, message_id=message_id))

    def payload(self, raw: str) -> Outcome:
        return self.send(Inbound(self.user, self.channel, payload=raw))

    def press(self, label: str) -> Outcome:
        buttons = self.buttons
        match = [button for button in buttons if button.label == label]
        if not match:
            raise LookupError(f"no button {label!r} among {[button.label for button in buttons]}")
        return self.payload(match[0].payload)

    @property
    def last(self) -> Outcome:
        return self.outcomes[-1]

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.last.replies)

    @property
    def buttons(self) -> list[Button]:
        return [button for reply in self.last.replies for button in reply.buttons]

    @property
    def labels(self) -> list[str]:
        return [button.label for button in self.buttons]

    @property
    def effects(self) -> list[str]:
        return [type(effect).__name__ for effect in self.last.effects]
