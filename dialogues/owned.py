"""What the parent may still do while a worker owns the conversation (the assistant is otherwise
silent, crisis handling aside): see and delete their data, the rights the privacy law gives them.
/mydata, typed or pressed, gets its usual answer; /forget its usual question, and the answer to it
its usual reply; deleting then closes the worker's ticket as "forgotten" (bot/storage/appliers.py).
Everything else reaches the worker only."""

from __future__ import annotations

from dialogues.buttons import on_button
from dialogues.commands import run_command
from dialogues.offered import pressed
from dialogues.payload import PendingReply, RunCommand, parse
from dialogues.pending import on_pending
from dialogues.privacy import ask_forget
from dialogues.turn import Turn
from nlu.result import Parse

FORGET = "forget"
MY_DATA = "mydata"


def _is_forget(raw: str) -> bool:
    payload = parse(raw)
    return (isinstance(payload, RunCommand) and payload.name == FORGET) or (
        isinstance(payload, PendingReply) and payload.kind == FORGET
    )


def _is_my_data(raw: str) -> bool:
    payload = parse(raw)
    return isinstance(payload, RunCommand) and payload.name == MY_DATA


def owned_text(turn: Turn, text: str, parse_result: Parse | None) -> bool:
    """A message while a worker owns the conversation: True when it was /forget or the answer to
    its question (and was answered), False to stay silent."""
    command = text.split()[0][1:].lower() if text.startswith("/") else None
    if command == FORGET:
        ask_forget(turn)
        return True
    if command == MY_DATA:
        run_command(turn, MY_DATA)
        return True
    pending = turn.state.pending
    if pending is None or pending.kind != FORGET:
        return False
    button = pressed(turn, text)  # "1" for 确认删除 on a channel without buttons
    if button is not None and _is_forget(button):
        on_button(turn, button)
        return True
    return on_pending(turn, text, parse_result)


def owned_button(turn: Turn, raw: str) -> bool:
    """A button while a worker owns the conversation: only /mydata, /forget and /forget's answers
    are pressed."""
    if not (_is_forget(raw) or _is_my_data(raw)):
        return False
    on_button(turn, raw)
    return True
