"""When the social workers of a place are at work, and what a parent is told when a ticket opens:
inside office hours roughly how soon a worker replies, outside them when the office opens and the
hotlines to call meanwhile; an urgent ticket always with the emergency numbers.

Pure functions of the clock: the hours are deployment settings (bot/data/office_hours.yaml, read
and checked by bot/office_hours.py at start-up) handed to the engine as these frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.i18n import N_, Translator
from dialogues.state import Place

WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


@dataclass(frozen=True)
class Window:
    """Open on `weekday` (0 Monday .. 6 Sunday) from `start` to `end` (local time, end exclusive)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Office:
    zone: ZoneInfo
    windows: tuple[Window, ...]
    reply_minutes: int  # inside office hours a worker usually replies within this many minutes

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        moment = local.time()
        return any(
            window.weekday == local.weekday() and window.start <= moment < window.end
            for window in self.windows
        )

    def next_opening(self, now: datetime) -> datetime | None:
        """The next start of a window after `now` (local time), within a week; None: never open."""
        local = now.astimezone(self.zone)
        openings = []
        for days in range(8):
            day = (local + timedelta(days=days)).date()
            for window in self.windows:
                if window.weekday != day.weekday():
                    continue
                start = datetime.combine(day, window.start, tzinfo=self.zone)
                if start > local:
                    openings.append(start)
        return min(openings, default=None)


@dataclass(frozen=True)
class OfficeHours:
    """The offices by place, (kind, id) with kind district, city or province: the most precise place
    known wins, else the default."""

    default: Office
    places: dict[tuple[str, str], Office]

    def for_place(self, place: Place) -> Office:
        for kind, key in (("district", place.district), ("city", place.city), ("province", place.province)):
            if key is not None and (kind, key) in self.places:
                return self.places[(kind, key)]
        return self.default


def _opening_words(t: Translator, opening: datetime, now: datetime) -> str:
    local_now = now.astimezone(opening.tzinfo)
    days = (opening.date() - local_now.date()).days
    clock = opening.strftime("%H:%M")
    if days == 0:
        return t.gettext("今天 {time}", time=clock)
    if days == 1:
        return t.gettext("明天 {time}", time=clock)
    return t.gettext("{weekday} {time}", weekday=t.gettext(WEEKDAYS[opening.weekday()]), time=clock)


def what_happens_next(t: Translator, office: Office | None, now: datetime, *, urgent: bool) -> str:
    """What the parent is told after the ticket opened: when a worker will reply, and whom to call."""
    emergency = t.gettext("如果孩子有危险，请马上打 110（报警）或 120（急救）。")
    if office is None:
        said = t.gettext("社工上班时间一般会在一个工作日内回复你，回复会发到这里。")
        if not urgent:
            said += t.gettext("如果情况紧急，请直接打 110 或 120。")
    elif office.is_open(now):
        said = t.gettext(
            "现在是社工的上班时间，社工一般会在{minutes}分钟内在这里回复你。", minutes=office.reply_minutes
        )
    else:
        opening = office.next_opening(now)
        said = (
            t.gettext(
                "现在社工下班了，{opening}上班后会在这里回复你。", opening=_opening_words(t, opening, now)
            )
            if opening is not None
            else t.gettext("社工会尽快在这里回复你。")
        )
        said += t.gettext("等待的时候，可以打政务服务热线 12345，或青少年服务热线 12355。")
        if not urgent:
            said += t.gettext("紧急情况请打 110。")
    return f"{said}{emergency}" if urgent else said
