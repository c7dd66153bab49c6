"""Answers: a ranked item as a stable JSON object, and as plain text for a parent."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.i18n import Translator
from knowledge.catalog import KnowledgeBase
from knowledge.index import Hit
from knowledge.schema import HandledAt, Source


@dataclass(frozen=True)
class Answer:
    """One answer of `tongxing ask --json` and of the hotline API (see docs/answer-schema.md)."""

    service_id: str
    topic: str
    score: float
    title: str
    summary: str
    who: str
    provides: tuple[str, ...]
    how: tuple[str, ...]
    materials: tuple[str, ...]
    where: str
    department: str
    handled_at: str
    handling_note: str | None
    contacts: tuple[dict[str, str | None], ...]
    unknowns: tuple[str, ...]
    terms: dict[str, str]
    source: str
    source_detail: dict[str, str | bool | None]
    layer: str
    province: str | None
    city: str | None
    short_source: str = ""  # the source line of the first answer (render_brief); `source` if empty

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "topic": self.topic,
            "score": self.score,
            "title": self.title,
            "summary": self.summary,
            "how": list(self.how),
            "where": self.where,
            "source": self.source,
            "who": self.who,
            "provides": list(self.provides),
            "materials": list(self.materials),
            "department": self.department,
            "handled_at": self.handled_at,
            "handling_note": self.handling_note,
            "contacts": [dict(contact) for contact in self.contacts],
            "unknowns": list(self.unknowns),
            "terms": dict(self.terms),
            "source_detail": dict(self.source_detail),
            "layer": self.layer,
            "province": self.province,
            "city": self.city,
        }


def source_line(kb: KnowledgeBase, source: Source, translator: Translator, *, short: bool = False) -> str:
    """《Document title》item (date): the line a parent can check (the Chinese title is kept, since
    that is what the parent will find; a translation is added after it, its short form when
    `short`: the first answer's source line, which must fit a phone screen)."""
    document = kb.document_of(source)
    when = source.date or document.date
    title = translator.content(document.title)
    translated = kb.translations.get(translator.locale)
    if translated and document.id in translated.documents:
        own = translated.documents[document.id]
        if short:
            own = translated.short_titles.get(document.id, own)
        title = f"{title} / {own}"
    return translator.gettext(
        "《{title}》{item}（{date}）",
        title=title,
        item=translator.content(source.item),
        date=translator.format_date(when),
    )


def make_answer(kb: KnowledgeBase, hit: Hit, translator: Translator) -> Answer:
    service = hit.item.service
    text = translator.content
    document = kb.document_of(service.source)
    translation = kb.translations.get(translator.locale)
    own = translation.services.get(service.id) if translation else None
    answer = Answer(
        service_id=service.id,
        topic=service.topic,
        score=hit.score,
        title=text(service.title),
        summary=text(service.summary),
        who=text(service.audience.description),
        provides=tuple(text(line) for line in service.provides),
        how=tuple(text(step) for step in service.how.steps),
        materials=tuple(text(line) for line in service.how.materials),
        where=text(service.how.where),
        department=text(service.how.department),
        handled_at=str(service.handled_at),
        handling_note=text(service.handling_note) if service.handling_note else None,
        contacts=tuple(
            {
                "name": text(contact.name),
                "phone": contact.phone,
                "note": text(contact.note) if contact.note else None,
            }
            for contact in service.contacts
        ),
        unknowns=tuple(text(line) for line in service.unknowns),
        terms={text(term): text(meaning) for term, meaning in service.terms.items()},
        source=source_line(kb, service.source, translator),
        short_source=source_line(kb, service.source, translator, short=True),
        source_detail={
            "document": document.id,
            "title": text(document.title),
            "number": document.number,
            "item": text(service.source.item),
            "date": (service.source.date or document.date).isoformat(),
            "derived": service.derived,
        },
        layer=hit.item.layer,
        province=hit.item.province,
        city=hit.item.city,
    )
    if own is None:
        return answer
    return replace(
        answer,
        title=own.title,
        summary=own.summary,
        who=own.who,
        provides=own.provides,
        how=own.steps,
        materials=own.materials,
        where=own.where,
        department=own.department,
        handling_note=own.handling_note,
        unknowns=own.unknowns,
        terms=dict(own.terms),
    )


def _handled_at_line(answer: Answer, t: Translator) -> str:
    if answer.handled_at == HandledAt.hukou:
        line = t.gettext("在哪办：向老家（户籍地）申请，这边可以帮忙。")
    elif answer.handled_at == HandledAt.both:
        line = t.gettext("在哪办：在现在住的地方提出，部分手续由老家（户籍地）办理。")
    elif answer.handled_at == HandledAt.unstated:
        line = t.gettext("在哪办：依据的文件没写明，先问现在住的地方的民政部门。")
    else:
        line = t.gettext("在哪办：在现在住的地方办。")
    if not answer.handling_note:
        return line
    space = "" if line.endswith("。") else " "  # Chinese full stops take no space after them
    return f"{line}{space}{answer.handling_note}"


def render_answer(answer: Answer, t: Translator, *, explained: set[str] | None = None) -> str:
    """Short plain text: what the child gets, who, how, where, the source.

    Official terms are explained the first time they appear (`explained` remembers them)."""
    semicolon, comma = t.gettext("；"), t.gettext("、")  # list separators differ by language
    lines = [f"【{answer.title}】{answer.summary}"]
    glossary = _glossary(answer, t, explained if explained is not None else set())
    if glossary:
        lines.append(glossary)
    lines.append(t.gettext("孩子能得到：{items}", items=semicolon.join(answer.provides)))
    lines.append(t.gettext("谁可以：{who}", who=answer.who))
    steps = " ".join(f"{number}. {step}" for number, step in enumerate(answer.how, start=1))
    lines.append(t.gettext("怎么办：{steps}", steps=steps))
    if answer.materials:
        lines.append(t.gettext("要带：{materials}", materials=comma.join(answer.materials)))
    lines.append(
        t.gettext(
            "去哪里：{where}（负责部门：{department}）", where=answer.where, department=answer.department
        )
    )
    lines.append(_handled_at_line(answer, t))
    if answer.unknowns:  # every caveat: one cut here may be the one that qualifies the materials
        lines.append(t.gettext("还要问清楚：{unknowns}", unknowns=semicolon.join(answer.unknowns)))
    lines.append(t.gettext("来源：{source}", source=answer.source))
    return "\n".join(lines)


def _glossary(answer: Answer, t: Translator, seen: set[str], within: str | None = None) -> str | None:
    """The few-word explanations of the answer's official terms not yet explained (`seen` grows);
    with `within`, only of the terms that text shows (the others wait until they are shown)."""
    terms = {term: meaning for term, meaning in answer.terms.items() if within is None or term in within}
    glossary = [
        t.gettext("{term}：{meaning}", term=term, meaning=meaning)
        for term, meaning in terms.items()
        if term not in seen
    ]
    seen.update(terms)
    return t.gettext("（说明：{glossary}）", glossary=t.gettext("；").join(glossary)) if glossary else None


def render_brief(answer: Answer, t: Translator, *, explained: set[str] | None = None) -> str:
    """The first reply to a question, short enough for a phone: what the child gets, where it is
    handled (here or at the hukou place) and the source. The rest is one press away (render_part).

    Official terms are explained the first time they appear (`explained` remembers them)."""
    lines = [f"【{answer.title}】{answer.summary}", _handled_at_line(answer, t)]
    glossary = _glossary(answer, t, explained if explained is not None else set(), "\n".join(lines))
    if glossary:
        lines.insert(1, glossary)
    lines.append(t.gettext("来源：{source}", source=answer.short_source or answer.source))
    return "\n".join(lines)


PARTS = ("how", "bring", "where", "ask")  # the parts of an answer behind its first reply


def has_part(answer: Answer, part: str) -> bool:
    """Whether the answer has something to show for the part (every answer says how and where)."""
    if part == "bring":
        return bool(answer.materials)
    if part == "ask":
        return bool(answer.unknowns)
    return part in PARTS


def render_part(answer: Answer, part: str, t: Translator, *, explained: set[str] | None = None) -> str:
    """One part of an answer, asked for after the first reply: how to apply (who, what the child
    gets, the steps), what to bring, where to go (and whom to call), what to ask (every caveat).
    Official terms the part shows for the first time are explained, and how to apply explains every
    term not yet explained (`explained` remembers them)."""
    semicolon = t.gettext("；")
    lines = [f"【{answer.title}】"]
    if part == "how":
        lines.append(t.gettext("孩子能得到：{items}", items=semicolon.join(answer.provides)))
        lines.append(t.gettext("谁可以：{who}", who=answer.who))
        lines.append(t.gettext("怎么办："))
        lines += [f"{number}. {step}" for number, step in enumerate(answer.how, start=1)]
    elif part == "bring":
        if answer.materials:
            lines.append(t.gettext("要带："))
            lines += [f"• {line}" for line in answer.materials]
        else:
            lines.append(t.gettext("依据的文件没有列出要带的材料，去办之前先问办理的部门。"))
        if answer.unknowns:
            lines.append(t.gettext("有些事文件没写清楚，去之前要问清楚，点“要问清楚的”看。"))
    elif part == "where":
        lines.append(
            t.gettext(
                "去哪里：{where}（负责部门：{department}）", where=answer.where, department=answer.department
            )
        )
        lines.append(_handled_at_line(answer, t))
        for contact in answer.contacts:
            phone = f" {contact['phone']}" if contact.get("phone") else ""
            note = t.gettext("（{note}）", note=contact["note"]) if contact.get("note") else ""
            lines.append(t.gettext("联系：{name}{phone}{note}", name=contact["name"], phone=phone, note=note))
    elif part == "ask":
        if answer.unknowns:
            lines.append(t.gettext("还要问清楚："))
            lines += [f"• {line}" for line in answer.unknowns]
        else:
            lines.append(t.gettext("依据的文件把这一项写清楚了，没有要另外问的。"))
    else:
        raise ValueError(f"no part '{part}' of an answer")
    within = None if part == "how" else "\n".join(lines)  # how to apply explains every term left
    glossary = _glossary(answer, t, explained if explained is not None else set(), within)
    if glossary:
        lines.append(glossary)
    lines.append(t.gettext("来源：{source}", source=answer.source))
    return "\n".join(lines)


def service_texts(kb: KnowledgeBase, service_id: str, translator: Translator) -> tuple[str, str, str]:
    """(title, summary, who) of a service in the reader's language, falling back to the source."""
    service = kb.by_id[service_id].service
    translation = kb.translations.get(translator.locale)
    own = translation.services.get(service_id) if translation else None
    if own is not None:
        return own.title, own.summary, own.who
    text = translator.content
    return text(service.title), text(service.summary), text(service.audience.description)
