"""A checklist as messages: sections, each line with why and its source, the dates, the documents.
On a phone it is sent in readable pieces (one per section); the pieces joined are the whole
checklist, which also goes out as one document.

A date is said plainly as of the day the checklist is shown (it may be shown again weeks later):
how far away it is, and when its deadline is near (rules.yaml, deadline_near_days) what to do first."""

from __future__ import annotations

from datetime import date

from core.i18n import N_, Translator
from dialogues.state import Checklist, KeyDate

SECTION_TITLES = {
    "applies": N_("适合你们的："),
    "bring": N_("要带的材料："),
    "where": N_("去哪里办："),
    "watch": N_("要注意的："),
}


def render_checklist(checklist: Checklist, t: Translator, today: date, near_days: int) -> str:
    return "\n".join(checklist_pieces(checklist, t, today, near_days))


def how_far(key_date: KeyDate, t: Translator, today: date, near_days: int) -> str:
    """How far away a date is ("还有27天截止"), and when its deadline is near, what to do first."""
    deadline = key_date.end or key_date.start
    if today < key_date.start:
        days = (key_date.start - today).days
        return t.ngettext("还有{n}天开始", "还有{n}天开始", days)
    if today > deadline:
        return t.gettext("已经过了")
    days = (deadline - today).days
    said = t.gettext("今天截止") if days == 0 else t.ngettext("还有{n}天截止", "还有{n}天截止", days)
    if days > near_days:
        return said
    if key_date.first_step:
        return t.gettext("{when}，现在就办：{first_step}", when=said, first_step=key_date.first_step)
    return t.gettext("{when}，现在就办，别等到最后一天。", when=said)


def checklist_pieces(checklist: Checklist, t: Translator, today: date, near_days: int) -> list[str]:
    """The checklist in pieces: the title with the first section, then one piece per section, the
    dates, and the sources; nothing is left out."""
    pieces: list[str] = []
    lines = [t.gettext("【清单】{title}", title=checklist.title)]
    for section in ("applies", "bring", "where", "watch"):
        entries = [line for line in checklist.lines if line.section == section]
        if not entries:
            continue
        if len(lines) > 1:
            pieces.append("\n".join(lines))
            lines = []
        lines.append(t.gettext(SECTION_TITLES[section]))
        for entry in entries:
            text = f"• {entry.text}"
            if entry.why:
                text += t.gettext("（{why}）", why=entry.why)
            if entry.source_item:
                text += f"〔{entry.source_item}〕"
            lines.append(text)
    if checklist.dates:
        pieces.append("\n".join(lines))
        lines = [t.gettext("重要日期：")]
        for key_date in checklist.dates:
            span = t.format_date(key_date.start)
            if key_date.end:
                span += " - " + t.format_date(key_date.end)
            when = how_far(key_date, t, today, near_days)
            lines.append(t.gettext("• {label}：{span}（{when}）", label=key_date.label, span=span, when=when))
    sources = list(dict.fromkeys(f"《{line.source}》" for line in checklist.lines if line.source))
    if sources:
        lines.append(t.gettext("来源：{sources}", sources="；".join(sources)))
    pieces.append("\n".join(lines))
    return [piece for piece in pieces if piece]
