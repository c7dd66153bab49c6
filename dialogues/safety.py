"""Safety first: a message about danger to a child gets emergency contacts at once and an urgent
handoff, whatever else is going on. The NLU crisis flag, with a keyword safety net under it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.i18n import Translator
from core.message import Button, Reply

SAFETY_NET_FILE = Path(__file__).resolve().parent / "data" / "safety_net.yaml"


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


def load_safety_net(path: Path = SAFETY_NET_FILE) -> SafetyNet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SafetyNet(
        patterns=tuple(re.compile(pattern) for pattern in data["patterns"]),
        unless=tuple(re.compile(pattern) for pattern in data.get("unless", [])),
    )


def crisis_replies(t: Translator, *, in_flow: bool) -> list[Reply]:
    """Emergency contacts first, then what happens next, honestly."""
    urgent = t.gettext(
        "如果孩子现在有危险，请马上打电话：\n"
        "• 110 报警（有人伤害孩子、孩子走失或被带走）\n"
        "• 120 急救（受伤、吃了药、自伤）\n"
        "• 12355 青少年服务台（心理支持和法律帮助）\n"
        "发现孩子被伤害或疑似被伤害，可以直接向公安机关（110）报案，这就是法律规定的报告渠道。"
    )
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
