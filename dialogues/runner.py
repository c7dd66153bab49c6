"""Walking a flow: which step comes next (skipping what is known or irrelevant), progress, and the
personal checklist at the end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.i18n import Translator
from dialogues.flow import Condition, DateRule, Entry, Flow, NumberCondition, Slot, Step
from dialogues.heard import heard_value
from dialogues.rules import ConversationRules
from dialogues.state import ActiveFlow, Checklist, ChecklistLine, KeyDate, State
from knowledge.answer import service_texts
from knowledge.catalog import KnowledgeBase
from knowledge.schema import Condition as Need
from knowledge.schema import HandledAt


def _holds(
    conditions: tuple[Condition, ...], numbers: tuple[NumberCondition, ...], answers: dict[str, Any]
) -> bool | None:
    """True/False once the steps it depends on are answered; None while one is still open."""
    for condition in conditions:
        if condition.step not in answers:
            return None
        if str(answers[condition.step]) not in condition.values:
            return False
    for number in numbers:
        if number.step not in answers:
            return None
        value = answers[number.step]
        if not isinstance(value, (int, float)):
            return False
        if (number.min is not None and value < number.min) or (number.max is not None and value > number.max):
            return False
    return True


def known_value(step: Step, state: State, today: date) -> Any:
    """An answer already remembered for this step's slot (so the step is skipped)."""
    if step.slot is None:
        return None
    heard = heard_value(step.slot, state, today)
    if heard is not None:
        return heard
    child = state.active_child()
    if step.slot == Slot.residence and state.residence.known():
        return state.residence.model_dump()
    if step.slot == Slot.hukou and state.hukou.known():
        return state.hukou.model_dump()
    if child is not None:
        if step.slot == Slot.child_age:
            age = child.age_on(today)
            return round(age, 1) if age is not None else None
        if step.slot == Slot.child_birth_date and child.birth_date:
            return child.birth_date.isoformat()
        if step.slot == Slot.child_stage and child.stage:
            return child.stage
    return None


def next_step(flow: Flow, active: ActiveFlow, state: State, today: date) -> Step | None:
    """The first step still to ask; known slots are filled in on the way."""
    for step in flow.steps:
        if step.id in active.answers:
            continue
        relevant = _holds(step.when, step.when_number, active.answers)
        if relevant is False:
            continue
        known = known_value(step, state, today)
        if known is not None:
            active.answers[step.id] = known
            continue
        return step
    return None


def progress(flow: Flow, active: ActiveFlow, current: Step, state: State, today: date) -> tuple[int, int]:
    """("第2步，共5步"): the steps asked so far plus those that still may come. A step whose answer
    is already known is not counted (it will not be asked), a step that depends on a known answer
    only if that answer makes it come, and one that depends on an answer still to come is counted:
    the total never grows, it shrinks only when an answer rules a step out."""
    asked = [step_id for step_id in active.history if step_id != current.id]
    answers = dict(active.answers)
    for step in flow.steps:
        if step.id != current.id and step.id not in answers:
            known = known_value(step, state, today)
            if known is not None:
                answers[step.id] = known
    remaining = 0
    seen_current = False
    for step in flow.steps:
        if step.id == current.id:
            seen_current = True
        if not seen_current or (step.id in answers and step.id != current.id):
            continue
        if _holds(step.when, step.when_number, answers) is not False:
            remaining += 1  # one that depends on an answer still to come may come: counted
    return len(asked) + 1, len(asked) + remaining


def source_parts(
    kb: KnowledgeBase, document_id: str | None, item: str | None, t: Translator
) -> tuple[str | None, str | None]:
    """(document title, item) in the reader's script."""
    if document_id is None:
        return None, None
    document = kb.documents.get(document_id)
    title = document.title if document else document_id
    return t.content(title), t.content(item) if item else None


def _dates(
    flow: Flow,
    kb: KnowledgeBase,
    answers: dict[str, Any],
    today: date,
    t: Translator,
    child_id: str | None,
    province: str | None = None,
    city: str | None = None,
) -> list[KeyDate]:
    found: list[KeyDate] = []
    for rule in flow.dates:
        if _holds(rule.when, (), answers) is False or not shown_in(rule, province, kb):
            continue
        if rule.kind == "registration_window":
            found += _registration_dates(rule, kb, answers, today, t, child_id, province, city)
            continue
        source = rule.source_for(province)
        title, item = source_parts(
            kb, source.document if source else None, source.item if source else None, t
        )
        start, end = _date_window(rule, answers, today)
        if start is not None:
            found.append(
                KeyDate(
                    id=rule.id,
                    label=t.gettext(rule.label),
                    start=start,
                    end=end,
                    child_id=child_id,
                    first_step=t.gettext(rule.first_step) if rule.first_step else None,
                    reminder=rule.reminder,
                    source=_cited(title, item),
                )
            )
    return found


def _cited(title: str | None, item: str | None) -> str | None:
    """《居住证暂行条例》第10条."""
    if not title:
        return None
    shown = title if title.startswith("《") else f"《{title}》"
    return f"{shown}{item or ''}"


def _registration_dates(
    rule: DateRule,
    kb: KnowledgeBase,
    answers: dict[str, Any],
    today: date,
    t: Translator,
    child_id: str | None,
    province: str | None,
    city: str | None,
) -> list[KeyDate]:
    """The city's registration windows for the stage the parent answered, not yet closed; none where
    the knowledge base has none for the city (no date is ever made up)."""
    stage = answers.get(rule.step or "")
    found = []
    for window in kb.registration_windows_for(province, city):
        if window.stage != stage or window.end < today:
            continue
        title, item = source_parts(kb, window.source.document, window.source.item, t)
        found.append(
            KeyDate(
                id=f"{rule.id}_{window.id}",
                label=t.gettext(rule.label),
                start=window.start,
                end=window.end,
                child_id=child_id,
                first_step=t.gettext(rule.first_step) if rule.first_step else None,
                reminder=rule.reminder,
                source=_cited(title, item),
                verified=window.verified,
                stage=str(window.stage),
            )
        )
    return found


def shown_in(line: Entry | DateRule, province: str | None, kb: KnowledgeBase) -> bool:
    """Whether a line is for a family living in `province`: not limited to other provinces, and
    its source there is national or that province's own (never another province's plan; a line
    with only provinces' own sources is for those provinces; while the province is unknown, no
    province's own line is shown)."""
    if line.provinces and province not in line.provinces:
        return False
    source = line.source_for(province)
    if source is None and isinstance(line, Entry) and line.province_sources:
        return False  # it rests on some provinces' documents only, none of them this family's
    owner = kb.document_province(source.document) if source else None
    return owner is None or owner == province


def _date_window(rule: DateRule, answers: dict[str, Any], today: date) -> tuple[date | None, date | None]:
    if rule.kind == "yearly_window" and rule.start and rule.end:
        start_month, start_day = (int(part) for part in rule.start.split("-"))
        end_month, end_day = (int(part) for part in rule.end.split("-"))
        start = date(today.year, start_month, start_day)
        end = date(today.year, end_month, end_day)
        if end < start:
            end = date(today.year + 1, end_month, end_day)
        if end < today:
            start, end = start.replace(year=start.year + 1), end.replace(year=end.year + 1)
        return start, end
    raw = answers.get(rule.step or "")
    if not raw:
        return None, None
    base = date.fromisoformat(str(raw))
    month = base.month - 1 + rule.months
    year = base.year + month // 12
    day = min(base.day, 28)
    start = date(year, month % 12 + 1, day) + timedelta(days=rule.days)
    window = timedelta(days=30)
    while start + window < today:  # the next occurrence still open (today may lie inside a window)
        start = start.replace(year=start.year + 1)
    return start, start + window


def build_checklist(
    flow: Flow,
    active: ActiveFlow,
    kb: KnowledgeBase,
    t: Translator,
    today: date,
    province: str | None,
    city: str | None,
    age: float | None,
    rules: ConversationRules,
) -> Checklist:
    lines: list[ChecklistLine] = []
    if flow.kind == "entitlement_checkup":
        lines += checkup_lines(flow, active.answers, kb, t, province, city, age, rules)
    for entry in flow.checklist:
        if _holds(entry.when, entry.when_number, active.answers) is not True:
            continue
        if not shown_in(entry, province, kb):
            continue
        source = entry.source_for(province)
        title, item = source_parts(
            kb, source.document if source else None, source.item if source else None, t
        )
        lines.append(
            ChecklistLine(
                section=str(entry.section),
                text=t.gettext(entry.text),
                why=t.gettext(entry.why) if entry.why else None,
                source=title,
                source_item=item,
            )
        )
    return Checklist(
        flow_id=flow.id,
        title=t.gettext(flow.title),
        created_at=datetime.combine(today, datetime.min.time(), tzinfo=UTC),
        lines=lines,
        dates=_dates(flow, kb, active.answers, today, t, active.child_id, province, city),
        child_id=active.child_id,
    )


def checkup_lines(
    flow: Flow,
    answers: dict[str, Any],
    kb: KnowledgeBase,
    t: Translator,
    province: str | None,
    city: str | None,
    age: float | None,
    rules: ConversationRules,
) -> list[ChecklistLine]:
    """Who counts as a migrant child here, every service of the family's list that likely applies,
    and what to check for the others."""
    has: set[Need] = set()
    for step in flow.steps:
        if step.implies and answers.get(step.id) == "yes":
            has |= set(step.implies)
    lines = definition_lines(kb, t, province, age)
    items = kb.for_place(province, city) if province else kb.layer("national")
    for item in items:
        service = item.service
        stages = tuple(str(stage) for stage in service.audience.stages)
        if age is not None and not (service.audience.includes_age(age) and rules.fits_stage(stages, age)):
            continue
        required = set(service.audience.conditions) - {Need.residence_permit}
        source, source_item = source_parts(kb, service.source.document, service.source.item, t)
        where = {
            HandledAt.residence: t.gettext("在这边办"),
            HandledAt.hukou: t.gettext("向老家申请，这边帮忙"),
            HandledAt.both: t.gettext("这边提出，老家办理"),
            HandledAt.unstated: t.gettext("在哪办没写明，先问这边的民政部门"),
        }[service.handled_at]
        title, summary, who = service_texts(kb, service.id, t)
        if not required or required & has:  # an item's conditions are alternatives (any of them)
            lines.append(
                ChecklistLine(
                    section="applies",
                    text=f"{title}（{where}）",
                    why=summary,
                    source=source,
                    source_item=source_item,
                )
            )
        elif required & {Need.emergency, Need.severe_mental_disorder, Need.key_child, Need.extreme_poverty}:
            lines.append(
                ChecklistLine(
                    section="watch",
                    text=t.gettext("如果遇到这种情况：{title}（{where}）", title=title, where=where),
                    why=who,
                    source=source,
                    source_item=source_item,
                )
            )
    return lines


def definition_lines(
    kb: KnowledgeBase, t: Translator, province: str | None, age: float | None
) -> list[ChecklistLine]:
    """Who counts as a migrant child where the family lives, said gently, and for a child outside it
    (too old for it) what still applies."""
    definition = kb.migrant_child(province)
    if definition is None:
        return []
    source, source_item = source_parts(kb, definition.source.document, definition.source.item, t)
    text = t.gettext(
        "这些服务是给“流动儿童”的：随父母或其他监护人离开户籍地，跨县（市、区）在外地住了{months}个月以上、"
        "不满{age}周岁的孩子。",
        months=definition.months_min,
        age=definition.age_under,
    )
    if "central_city_districts" in definition.excludes:
        text += t.gettext("只在同一个城市的中心城区几个区之间搬家的，不算。")
    lines = [
        ChecklistLine(
            section="applies",
            text=text,
            why=t.gettext(
                "还没住满{months}个月，或者没有跨县搬家的，清单上的服务不一定都能享受，以办理部门说法为准；"
                "住满后可以再发 /checkup 看一遍。",
                months=definition.months_min,
            ),
            source=source,
            source_item=source_item,
        )
    ]
    if age is not None and not definition.covers_age(age):
        permit, permit_item = source_parts(kb, "residence_permit_regulation", "第2条、第12条", t)
        lines.append(
            ChecklistLine(
                section="applies",
                text=t.gettext(
                    "孩子已满{age}周岁，不在“流动儿童”的范围里，下面的服务不一定都适用，以办理部门说法为准。"
                    "不过孩子在这里住满半年、有稳定住处或在这里连续上学的，可以自己申领居住证，"
                    "持证人在居住地享有基本公共卫生、公共文化体育、法律援助等服务。",
                    age=definition.age_under,
                ),
                source=permit,
                source_item=permit_item,
            )
        )
    return lines
