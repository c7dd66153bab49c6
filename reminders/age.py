"""Ages and intervals as calendar durations ("2m", "6y", "28d"), and adding them to dates.

Convention at month ends: a date plus N months is the same day of the month N months later, or the
last day of that month when it has no such day (31 January + 1 month = 28 February, or 29 February
in a leap year; 29 February 2024 + 12 months = 28 February 2025). This is the rule of 《民法典》
Article 202 for periods counted in months (没有对应日的，月末日为期间的最后一日), the way a child's
"满N月龄" is usually counted, and what dateutil's relativedelta and SQL interval arithmetic do. It
never skips into the month after (31 January + 1 month is never 2 or 3 March), so a child born on the
31st is "1 month old" in February like every other child born in January. Ages are always counted
from the birth date (birth + 3 months), never by chaining month steps, so no day is lost on the way.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?$")


@dataclass(frozen=True, order=True)
class Duration:
    """A calendar duration: whole months (a year is 12) and then days."""

    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """'2m', '6y', '28d', '1y6m', '0d' -> Duration; ValueError for anything else."""
        match = _DURATION.match(text.strip())
        if not text.strip() or match is None:
            raise ValueError(f"'{text}' is not a duration like 28d, 2m, 6y or 1y6m")
        years, months, days = (int(part) if part else 0 for part in match.groups())
        return cls(months=12 * years + months, days=days)

    def after(self, start: date) -> date:
        """The date this long after `start` (months first, then days)."""
        return add_months(start, self.months) + timedelta(days=self.days)

    def __str__(self) -> str:
        years, months = divmod(self.months, 12)
        text = (f"{years}y" if years else "") + (f"{months}m" if months else "")
        return text + (f"{self.days}d" if self.days or not text else "")


def add_months(start: date, months: int) -> date:
    """`start` plus whole months, clamped to the last day of the target month (see the module doc)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)
