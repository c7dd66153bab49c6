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


def render_label(schedule: Schedule, t: Translator, label_id: str, params: Mapping[str, Any]) -> str:
    """百白破疫苗 第3剂, 居住证签注...; ValueError for a label this code does not know."""
    if label_id == "vaccine_dose":
        vaccine, dose = str(params.get("vaccine", "")), params.get("dose")
        if vaccine not in schedule.names or not isinstance(dose, int):
            raise ValueError(f"vaccine_dose needs a known vaccine and a dose number, not {dict(params)}")
        return dose_name(schedule, t, vaccine, dose)
    if label_id in FIXED:
        return t.gettext(FIXED[label_id])
    raise ValueError(f"unknown reminder label {label_id!r}")
