"""What is stored and why: the privacy answer, /mydata, and asking before /forget deletes everything."""

from __future__ import annotations

from datetime import date

from core.i18n import Translator
from core.message import Button
from dialogues.effect import DescribeStoredData
from dialogues.payload import PendingReply, RunCommand, render
from dialogues.state import Pending, Place
from dialogues.text import LANGUAGES
from dialogues.turn import Turn


def privacy(turn: Turn) -> None:
    t = turn.t
    turn.say(
        t.gettext(
            "你的信息只用来回答你。孩子的信息要先经过你同意才保存，而且加密保存。"
            "发 /mydata 看我存了什么，发 /forget 全部删除。"
        ),
        (
            Button(t.gettext("我的信息"), render(RunCommand("mydata"))),
            Button(t.gettext("删除我的信息"), render(RunCommand("forget"))),
        ),
    )


def place_text(turn: Turn, place: Place) -> str:
    t = turn.t
    if not place.known():
        return t.gettext("不知道")
    places = turn.services.lexicon.place_by_id
    names = []
    for kind, value in (("province", place.province), ("city", place.city), ("district", place.district)):
        if value and (kind, value) in places:
            names.append(places[(kind, value)].name)
    return t.content("".join(dict.fromkeys(names)))


def _consent_lines(t: Translator, consent: dict[str, bool]) -> list[str]:
    labels = {
        "child_profile": t.gettext("保存孩子信息"),
        "reminders": t.gettext("提醒"),
        "handoff": t.gettext("转给社工"),
    }
    return [
        t.gettext(
            "• 同意{label}：{answer}",
            label=labels[purpose],
            answer=t.gettext("是") if granted else t.gettext("否"),
        )
        for purpose, granted in sorted(consent.items())
        if purpose in labels
    ]


def _heard_lines(turn: Turn) -> list[str]:
    """What recent messages said and is held for a flow still in use (`State.heard`, never on a
    profile: dialogues/heard.py), one line per fact."""
    t = turn.t
    heard = turn.state.heard or {}
    facts = []
    if isinstance(heard.get("age"), (int, float)):
        age = float(heard["age"])
        shown = f"{age:.0f}" if abs(age - round(age)) < 0.05 else f"{age:.1f}"
        facts.append(t.gettext("{age}岁", age=shown))
    if heard.get("birth_date"):
        facts.append(
            t.gettext("生日 {date}", date=t.format_date(date.fromisoformat(str(heard["birth_date"]))))
        )
    newborn = {"under_90_days": t.gettext("宝宝出生不到90天"), "older": t.gettext("宝宝出生超过90天")}
    if heard.get("newborn") in newborn:
        facts.append(newborn[heard["newborn"]])
    if heard.get("disability") in ("yes", "no"):
        facts.append(t.gettext("孩子有残疾") if heard["disability"] == "yes" else t.gettext("孩子没有残疾"))
    if heard.get("low_income") in ("yes", "no"):
        facts.append(
            t.gettext("家里经济困难") if heard["low_income"] == "yes" else t.gettext("家里经济不困难")
        )
    who = {"child": t.gettext("孩子"), "parent": t.gettext("家长"), "both": t.gettext("家长和孩子")}
    if heard.get("who") in who:
        facts.append(t.gettext("给{who}办居住证", who=who[heard["who"]]))
    if not facts:
        return []
    return [t.gettext("• 你刚才说的、只为这次办理暂存的：{facts}", facts=t.gettext("；").join(facts))]


def my_data(turn: Turn) -> None:
    t = turn.t
    state = turn.state
    lines = [t.gettext("我存了这些关于你的信息：")]
    lines.append(t.gettext("• 语言：{locale}", locale=dict(LANGUAGES)[state.locale]))
    lines.append(t.gettext("• 住的地方：{place}", place=place_text(turn, state.residence)))
    if state.hukou.known():
        lines.append(t.gettext("• 户籍地：{place}", place=place_text(turn, state.hukou)))
    for child in state.children:
        age = child.age_on(turn.today)
        described = t.gettext("年龄未知")
        if age is not None:
            shown = f"{age:.0f}" if abs(age - round(age)) < 0.05 else f"{age:.1f}"
            described = t.gettext("{age}岁", age=shown)
        if child.birth_date:
            described += t.gettext("，生日 {date}", date=t.format_date(child.birth_date))
        if child.vaccine_reminders:
            described += t.gettext("，疫苗提醒：记着已打的{n}剂", n=len(child.doses))
        if not child.active:
            described += t.gettext("（已停止一切安排）")
        lines.append(t.gettext("• 孩子：{described}", described=described))
    lines += _consent_lines(t, state.consent)
    for checklist in state.checklists.values():
        lines.append(
            t.gettext(
                "• 清单：{title}（{date}）",
                title=checklist.title,
                date=t.format_date(checklist.created_at.date()),
            )
        )
    lines += _heard_lines(turn)
    if state.handoff_open:
        lines.append(t.gettext("• 有一个转给社工的请求"))
    lines.append(t.gettext("• 聊天记录：保存{days}天后自动删除", days=turn.services.retention_days))
    lines.append(t.gettext("发 /forget 可以全部删除。"))
    turn.say("\n".join(lines))
    turn.effects.append(DescribeStoredData())  # bot/ adds what each table holds, walking its declaration


def ask_forget(turn: Turn) -> None:
    t = turn.t
    turn.state.pending = Pending(kind="forget")
    turn.say(
        t.gettext("要删除你在这里的全部信息吗？包括聊天记录、孩子的信息、清单和提醒。删除后不能恢复。"),
        (
            Button(t.gettext("确认删除"), render(PendingReply("forget", "yes"))),
            Button(t.gettext("不删了"), render(PendingReply("forget", "no"))),
        ),
    )
