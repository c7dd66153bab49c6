"""What a reminder is about, in the parent's language, rendered when it is sent: the row keeps a
label id and parameters that are not personal (a vaccine id and a dose number), never text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.i18n import N_, Translator
from reminders.render import dose_name
from reminders.schedule import Schedule

FIXED = {
    "residence_permit_renewal": N_("居住证签注"),
    "school_registration": N_("入学报名"),
    "visit_contact": N_("每月联系"),
    "visit_home": N_("入户走访"),
    "information_update": N_("信息更新"),
}
LABEL_IDS = ("vaccine_dose", *FIXED)
STAGE_REGISTRATION = {
    "preschool": N_("幼儿园入园报名"),
    "primary": N_("小学入学报名"),
    "junior_middle": N_("初中入学报名"),
    "senior_high": N_("高中入学报名"),
}


def render_label(schedule: Schedule, t: Translator, label_id: str, params: Mapping[str, Any]) -> str:
    """百白破疫苗 第3剂, 居住证签注...; ValueError for a label this code does not know."""
    if label_id == "vaccine_dose":
        vaccine, dose = str(params.get("vaccine", "")), params.get("dose")
        if vaccine not in schedule.names or not isinstance(dose, int):
            raise ValueError(f"vaccine_dose needs a known vaccine and a dose number, not {dict(params)}")
        return dose_name(schedule, t, vaccine, dose)
    if label_id in FIXED:
        return _sourced(t, label_id, params)
    raise ValueError(f"unknown reminder label {label_id!r}")


def _sourced(t: Translator, label_id: str, params: Mapping[str, Any]) -> str:
    """居住证签注（依据：《居住证暂行条例》第10条）; a school window names its stage, and an unverified
    one asks the parent to confirm with the local education department."""
    stage = params.get("stage")
    if label_id == "school_registration" and isinstance(stage, str) and stage in STAGE_REGISTRATION:
        text = t.gettext(STAGE_REGISTRATION[stage])
    else:
        text = t.gettext(FIXED[label_id])
    source = params.get("source")
    if isinstance(source, str) and source:
        text = t.gettext("{label}（依据：{source}）", label=text, source=t.content(source))
    if label_id == "school_registration" and params.get("verified") is False:
        text = t.gettext("{label}，请向当地教育部门确认", label=text)
    return text
