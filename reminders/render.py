"""An immunisation plan as text for a parent or an operator, in their language (names of vaccines and
the schedule's notes through the catalogs; dates in the locale's format)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.i18n import N_, Translator
from reminders.age import Duration
from reminders.plan import Plan, PlannedDose, Status
from reminders.schedule import Schedule

CONFIRM = N_("请向接种单位确认")  # shown with every date that rests on an unverified value


def dose_name(schedule: Schedule, t: Translator, vaccine: str, dose: int) -> str:
    """百白破疫苗 第3剂 / DTaP vaccine, dose 3."""
    return t.gettext("{vaccine} 第{dose}剂", vaccine=t.gettext(schedule.names[vaccine]), dose=dose)


def age_text(t: Translator, age: Duration) -> str:
    years, months = divmod(age.months, 12)
    if years and not months:
        return t.gettext("{years}岁", years=years)
    return t.gettext("{months}月龄", months=age.months)


def _line(schedule: Schedule, t: Translator, dose: PlannedDose) -> str:
    name = dose_name(schedule, t, dose.vaccine, dose.dose)
    due, complete_by = t.format_date(dose.due), t.format_date(dose.complete_by)
    text: dict[Status, str] = {
        "done": t.gettext("{name}：已接种", name=name),
        "due": t.gettext("{name}：{due}起可以接种，最好在{complete_by}前接种", name=name, due=due,
                         complete_by=complete_by),
        "overdue": t.gettext("{name}：已过了{complete_by}，{due}起补种", name=name, due=due,
                             complete_by=complete_by),
        "catch_up": t.gettext("{name}：前面的剂次晚了，{due}起接种", name=name, due=due),
        "upcoming": t.gettext("{name}：{due}起可以接种", name=name, due=due),
    }  # fmt: skip
    line = text[dose.status]
    if dose.status != "done" and not dose.verified:
        line += " *"
    return line


def render_plan(schedule: Schedule, t: Translator, plan: Plan) -> Iterator[str]:
    """The plan as lines: what is done, due now, overdue (with the catch-up dates), moved, coming."""
    yield t.gettext(
        "疫苗接种计划：出生日期{birth}，按{as_of}计算",
        birth=t.format_date(plan.birth),
        as_of=t.format_date(plan.as_of),
    )
    sections: tuple[tuple[Status, str], ...] = (
        ("done", t.gettext("已接种：")),
        ("due", t.gettext("现在可以接种：")),
        ("overdue", t.gettext("已逾期，请尽快补种（补种计划）：")),
        ("catch_up", t.gettext("补种后顺延的剂次：")),
        ("upcoming", t.gettext("以后要接种：")),
    )
    for status, title in sections:
        doses = plan.with_status(status)
        if not doses:
            continue
        yield title
        for dose in doses:
            yield "  " + _line(schedule, t, dose)
            for note in dose.notes:
                yield "    " + t.gettext(note)
    if plan.not_planned:
        yield t.gettext("不再补种：")
        for skipped in plan.not_planned:
            name = dose_name(schedule, t, skipped.vaccine, skipped.dose)
            yield "  " + t.gettext("{name}：{age}以后不再补种", name=name, age=age_text(t, skipped.from_age))
    if any(dose.status != "done" and not dose.verified for dose in plan.doses):
        yield t.gettext("* 这些日期依据的资料还没有核实，{confirm}。", confirm=t.gettext(CONFIRM))


def plan_json(plan: Plan) -> dict[str, Any]:
    """{"doses": [{"vaccine", "dose", "due", "complete_by", "status", "verified"}, ...],
    "not_planned": [{"vaccine", "dose", "from_age"}, ...]}, with ISO dates."""
    return {
        "doses": [
            {
                "vaccine": dose.vaccine,
                "dose": dose.dose,
                "due": dose.due.isoformat(),
                "complete_by": dose.complete_by.isoformat(),
                "status": dose.status,
                "verified": dose.verified,
            }
            for dose in plan.doses
        ],
        "not_planned": [
            {"vaccine": skipped.vaccine, "dose": skipped.dose, "from_age": str(skipped.from_age)}
            for skipped in plan.not_planned
        ],
    }
