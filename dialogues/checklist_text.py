"""A checklist as messages: sections, each line with why and its source, the dates, the documents.
On a phone it is sent in readable pieces (one per section); the pieces joined are the whole
checklist, which also goes out as one document."""

from __future__ import annotations

from core.i18n import N_, Translator
from dialogues.state import Checklist

SECTION_TITLES = {
    "applies": N_("适合你们的："),
    "bring": N_("要带的材料："),
    "where": N_("去哪里办："),
    "watch": N_("要注意的："),
}


def render_checklist(checklist: Checklist, t: Translator) -> str:
    return "\n".join(checklist_pieces(checklist, t))


def checklist_pieces(checklist: Checklist, t: Translator) -> list[str]:
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
            lines.append(t.gettext("• {label}：{span}", label=key_date.label, span=span))
    sources = list(dict.fromkeys(f"《{line.source}》" for line in checklist.lines if line.source))
    if sources:
        lines.append(t.gettext("来源：{sources}", sources="；".join(sources)))
    pieces.append("\n".join(lines))
    return [piece for piece in pieces if piece]
