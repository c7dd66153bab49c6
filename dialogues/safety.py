"""Safety first: a message about danger to a child gets emergency contacts at once and an urgent
handoff, whatever else is going on. The NLU crisis flag, with a keyword safety net under it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from core.i18n import Translator
from core.message import Button, Reply
from core.yamlfile import DataFileError, Problem, read_schema

SAFETY_NET_FILE = Path(__file__).resolve().parent / "data" / "safety_net.yaml"


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"the regular expression does not compile: {error}") from error
    return pattern


Regex = Annotated[str, Field(min_length=1), AfterValidator(_compiles)]


class PatternListFile(BaseModel):
    """The schema of safety_net.yaml and bereavement.yaml: `patterns`, each vetoed by `unless`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    patterns: tuple[Regex, ...] = Field(min_length=1)
    unless: tuple[Regex, ...] = ()


@dataclass(frozen=True)
class SafetyNet:
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]

    def matches(self, normalized: str) -> bool:
        for pattern in self.patterns:
            for match in pattern.finditer(normalized):
                vetoed = any(
                    (veto.start() <= match.start() and match.end() <= veto.end())
                    or (match.start() <= veto.start() < match.end())
                    for guard in self.unless
                    for veto in guard.finditer(normalized)
                )
                if not vetoed:
                    return True
        return False


def read_safety_net(path: Path = SAFETY_NET_FILE) -> tuple[SafetyNet | None, list[Problem]]:
    """A pattern list (the safety net or the bereavement words) and every problem in its file."""
    source, raw, problems = read_schema(path, PatternListFile)
    if source is None or raw is None:
        return None, problems
    for key in ("patterns", "unless"):
        seen: set[str] = set()
        for position, pattern in enumerate(getattr(raw, key)):
            if pattern in seen:
                line = source.line_of((key, position))
                problems.append(Problem(source.display, line, f"'{key}': duplicate pattern '{pattern}'"))
            seen.add(pattern)
    net = SafetyNet(
        patterns=tuple(re.compile(pattern) for pattern in raw.patterns),
        unless=tuple(re.compile(pattern) for pattern in raw.unless),
    )
    return net, problems


def check_safety_net(path: Path = SAFETY_NET_FILE) -> list[Problem]:
    """The problems of a pattern list file (the safety net by default; bereavement.yaml has its format)."""
    return read_safety_net(path)[1]


def load_safety_net(path: Path = SAFETY_NET_FILE) -> SafetyNet:
    """The pattern list, or DataFileError listing every problem of its file."""
    net, problems = read_safety_net(path)
    if problems or net is None:
        raise DataFileError(problems)
    return net


def _urgent(t: Translator, kind: str) -> str:
    """The numbers, the one to call first on top. No medical advice of our own: the numbers only."""
    if kind == "medical":
        return t.gettext(
            "请马上打 120 急救电话，说清楚孩子怎么了、你们在哪里，听急救人员的安排。\n"
            "• 110 报警（有人伤害了孩子）\n"
            "• 12355 青少年服务台（心理支持和法律帮助）"
        )
    if kind == "carer_violence":
        return t.gettext(
            "如果你或孩子现在有危险，请马上打 110 报警。\n"
            "• 12338 妇女维权公益服务热线（全国妇联：家暴求助、法律和心理咨询）\n"
            "• 120 急救（有人受伤）\n"
            "• 12355 青少年服务台（孩子的心理支持和法律帮助）"
        )
    return t.gettext(
        "如果孩子现在有危险，请马上打电话：\n"
        "• 110 报警（有人伤害孩子、孩子走失或被带走）\n"
        "• 120 急救（受伤、吃了药、自伤）\n"
        "• 12355 青少年服务台（心理支持和法律帮助）\n"
        "发现孩子被伤害或疑似被伤害，可以直接向公安机关（110）报案，这就是法律规定的报告渠道。"
    )


def crisis_replies(t: Translator, kind: str, *, in_flow: bool, ask: bool = True) -> list[Reply]:
    """Emergency contacts first (which first depends on the kind of crisis), then what happens
    next, honestly, and (when `ask`) the two questions whose answer the social worker needs."""
    urgent = _urgent(t, kind)
    if not ask:
        next_steps = t.gettext("我已经把这次对话标为紧急，转给社工，他们会尽快联系你。你不是一个人。")
    elif kind == "carer_violence":
        next_steps = t.gettext(
            "我已经把这次对话标为紧急，转给社工，他们会尽快联系你。你不是一个人。"
            "如果可以，请告诉我：你和孩子现在安全吗？你们在哪个城市、哪个区？"
        )
    else:
        next_steps = t.gettext(
            "我已经把这次对话标为紧急，转给社工，他们会尽快联系你。你不是一个人。"
            "如果可以，请告诉我：孩子现在安全吗？你们在哪个城市、哪个区？"
        )
    buttons: tuple[Button, ...] = ()
    if in_flow:
        buttons = (Button(t.gettext("稍后继续刚才的步骤"), "nav:resume"),)
    return [Reply(urgent), Reply(next_steps, buttons)]


BEREAVEMENT_FILE = Path(__file__).resolve().parent / "data" / "bereavement.yaml"


def load_bereavement(path: Path = BEREAVEMENT_FILE) -> SafetyNet:
    """The words of a reported loss (same format as the safety net: patterns, and `unless` vetoes)."""
    return load_safety_net(path)
