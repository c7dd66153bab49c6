"""The clock is passed in, so that tests and transcripts control time.

Instants are timezone-aware UTC datetimes (what the database stores); a day is the family's day, in
the zone the service runs for (TONGXING_TIMEZONE, default Asia/Shanghai): at 01:30 in Xiamen it is
already tomorrow, although it is still yesterday in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


class Clock(Protocol):
    @property
    def zone(self) -> ZoneInfo: ...

    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """Wall-clock time: `now()` in UTC, `today()` the date in `zone`."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self._zone).date()


class FixedClock:
    """A clock that stands still until moved; for tests and scripted conversations.
    A naive datetime is read as UTC; `today()` is the date in `zone` (default Asia/Shanghai)."""

    def __init__(self, at: datetime, zone: ZoneInfo | None = None) -> None:
        self._zone = zone or ZoneInfo(DEFAULT_TIMEZONE)
        self._at = _aware(at)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.astimezone(self._zone).date()

    def move_to(self, at: datetime) -> None:
        self._at = _aware(at)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
