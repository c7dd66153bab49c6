"""Slash commands: one handler per command, registered with the few words that describe it. A flow
whose YAML declares a command starts from it; any other command gets the list of commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.i18n import N_, Translator
from dialogues.flow import FlowSet
from dialogues.handoff import ask_handoff
from dialogues.language import ask_language
from dialogues.menu import greet
from dialogues.privacy import ask_forget, my_data
from dialogues.registry import Registry
from dialogues.reminder_list import show as show_reminders
from dialogues.steps import back, cancel, reprompt, show_checklists, start_flow
from dialogues.turn import Turn
from dialogues.vaccine_talk import correct_birth, correct_doses, show_details
from dialogues.vaccine_talk import start as start_vaccine_reminders


@dataclass(frozen=True)
class Command:
    run: Callable[[Turn], None]
    description: str | None = None  # listed in the help (and in a platform's command menu) when set


COMMANDS: Registry[str, Command] = Registry("command")
COMMANDS.register("start", "help", "menu")(Command(greet, N_("帮助")))
COMMANDS.register("checklist")(Command(show_checklists, N_("我的清单")))
COMMANDS.register("human")(Command(ask_handoff, N_("转人工")))
COMMANDS.register("reminders")(Command(show_reminders, N_("我的提醒")))
COMMANDS.register("mydata")(Command(my_data, N_("我的信息")))
COMMANDS.register("forget")(Command(ask_forget, N_("删除我的信息")))
COMMANDS.register("lang", "language")(Command(ask_language, N_("换语言")))
COMMANDS.register("cancel")(Command(cancel))
COMMANDS.register("back")(Command(back))
COMMANDS.register("resume")(Command(reprompt))
COMMANDS.register("vaccines")(Command(start_vaccine_reminders))  # the buttons of the reminder set-up
COMMANDS.register("vaccine_plan")(Command(show_details))
COMMANDS.register("vaccine_birth")(Command(correct_birth))
COMMANDS.register("vaccine_doses")(Command(correct_doses))


def command_menu(t: Translator, flows: FlowSet) -> list[tuple[str, str]]:
    """(command, description) in the translator's language: the flows' commands after /help. What
    the help lists, and what a platform's command menu shows (Telegram's setMyCommands)."""
    entries: list[tuple[str, str]] = []
    seen: set[int] = set()
    for name in COMMANDS:
        command = COMMANDS.get(name)
        if command is None or command.description is None or id(command) in seen:
            continue
        seen.add(id(command))
        entries.append((f"/{name}", t.gettext(command.description)))
        if name == "start":
            entries[-1] = ("/help", entries[-1][1])
            entries += [
                (flow.command, t.gettext(flow.description)) for flow in flows.in_menu_order() if flow.command
            ]
    return entries


def listed(turn: Turn) -> list[tuple[str, str]]:
    """The command menu in the parent's language."""
    return command_menu(turn.t, turn.services.flows)


def run_command(turn: Turn, name: str) -> None:
    command = COMMANDS.get(name)
    if command is not None:
        command.run(turn)
        return
    flow = turn.services.flows.for_command(f"/{name}")
    if flow is not None:
        start_flow(turn, flow)
        return
    t = turn.t
    commands = "\n".join(f"{command}  {description}" for command, description in listed(turn))
    turn.say(t.gettext("没有这个命令。可以用：\n{commands}", commands=commands))
    reprompt(turn)
