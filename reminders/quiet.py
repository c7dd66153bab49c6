"""Quiet hours: no reminder reaches a family at night. A pure function of the time and the family's
time zone; a reminder that falls due in quiet hours is deferred to their end, never dropped.

The window is [start, end) in the family's local time: with the default 21:00-08:00, 20:59 may send,
21:00 may not, 07:59 may not, 08:00 may. A window that does not cross midnight (13:00-14:00) works
the same way; start == end means no quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_QUIET_HOURS = "21:00-08:00"


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """'21:00-08:00' (the setting TONGXING_QUIET_HOURS)."""
        try:
            first, second = (part.strip() for part in text.split("-"))
            return cls(time.fromisoformat(first), time.fromisoformat(second))
        except ValueError as error:
            raise ValueError(f"quiet hours {text!r} are not like 21:00-08:00") from error

    def is_quiet(self, local: time) -> bool:
        local = local.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, at: datetime, zone: str) -> datetime:
        """`at` (aware) when it is outside quiet hours in `zone`, else the end of those quiet hours
        (aware, in UTC)."""
        local = at.astimezone(ZoneInfo(zone))
        if not self.is_quiet(local.time()):
            return at
        end_day = local.date()
        if local.time().replace(tzinfo=None) >= self.end and self.start > self.end:
            end_day += timedelta(days=1)  # evening part of a window that crosses midnight
        end = datetime.combine(end_day, self.end, tzinfo=ZoneInfo(zone))
        return end.astimezone(ZoneInfo("UTC"))
