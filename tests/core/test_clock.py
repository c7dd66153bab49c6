"""The clock: instants are aware UTC datetimes, a day is the family's day in the configured zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

import core.clock
from core.clock import FixedClock, SystemClock
from core.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING_UTC = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # 01:30 on 5 December in Shanghai


def test_the_system_clock_gives_the_day_in_its_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Frozen:  # type: ignore[override]
            assert tz is UTC
            return cls.fromtimestamp(EVENING_UTC.timestamp(), UTC)

    monkeypatch.setattr(core.clock, "datetime", Frozen)
    clock = SystemClock(SHANGHAI)
    assert clock.today() == date(2026, 12, 5)
    assert clock.now() == EVENING_UTC and clock.now().utcoffset() == timedelta(0)
    assert SystemClock(ZoneInfo("UTC")).today() == date(2026, 12, 4)


def test_the_real_system_clock_is_aware() -> None:
    now = SystemClock(SHANGHAI).now()
    assert now.tzinfo is not None and abs(datetime.now(UTC) - now) < timedelta(minutes=1)


def test_the_fixed_clock_gives_the_day_in_its_zone() -> None:
    assert FixedClock(EVENING_UTC, SHANGHAI).today() == date(2026, 12, 5)
    assert FixedClock(EVENING_UTC, ZoneInfo("UTC")).today() == date(2026, 12, 4)
    assert FixedClock(EVENING_UTC).zone == SHANGHAI  # the default zone is the settings' default
    naive = FixedClock(datetime(2026, 12, 4, 17, 30))  # naive means UTC
    assert naive.now() == EVENING_UTC and naive.today() == date(2026, 12, 5)
    naive.move_to(datetime(2026, 12, 4, 15, 59))
    assert naive.today() == date(2026, 12, 4) and naive.now().tzinfo is UTC


def test_the_time_zone_setting_defaults_to_shanghai_and_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TONGXING_TIMEZONE", raising=False)
    assert Settings().zone == SHANGHAI
    monkeypatch.setenv("TONGXING_TIMEZONE", "Asia/Urumqi")
    assert Settings().zone == ZoneInfo("Asia/Urumqi")
    monkeypatch.setenv("TONGXING_TIMEZONE", "Asia/Xiamen")
    with pytest.raises(ValidationError, match="unknown time zone 'Asia/Xiamen'"):
        Settings()
