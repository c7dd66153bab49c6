"""The immunisation plan: for a table of birth dates it equals the schedule written out by hand here
(before and after the 2025-01-01 DTaP change, leap days, month ends); the DTaP transition rule; catch-up
plans keep every minimum interval and age and never plan a missed dose before as-of."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reminders.age import Duration
from reminders.plan import Plan, PlanError, parse_given, plan_immunizations
from reminders.schedule import Schedule, load_schedule

SCHEDULE = load_schedule()
D = date.fromisoformat

# The default track (IPV/bOPV, JE-L, HepA-L), written out by hand from domain-facts.md section 2 for each
# birth date: vaccine:dose -> due-from date. "N months" lands on the month's last day when the birth day
# does not exist in that month.
BORN_2024_01_31 = {  # leap year, month end, the old DTaP series (3, 4, 5 months) before 2025
    "hepb:1": "2024-01-31",
    "bcg:1": "2024-01-31",
    "hepb:2": "2024-02-29",
    "ipv:1": "2024-03-31",
    "ipv:2": "2024-04-30",
    "dtap:1": "2024-04-30",
    "bopv:1": "2024-05-31",
    "dtap:2": "2024-05-31",
    "dtap:3": "2024-06-30",
    "hepb:3": "2024-07-31",
    "mpsv_a:1": "2024-07-31",
    "mmr:1": "2024-09-30",
    "je_l:1": "2024-09-30",
    "mpsv_a:2": "2024-10-31",
    "dtap:4": "2025-07-31",
    "mmr:2": "2025-07-31",
    "hepa_l:1": "2025-07-31",
    "je_l:2": "2026-01-31",
    "mpsv_ac:1": "2027-01-31",
    "bopv:2": "2028-01-31",
    "dtap:5": "2030-01-31",
    "mpsv_ac:2": "2030-01-31",
}
BORN_2024_02_29 = {  # a leap day: in other years, the 28th of February
    "hepb:1": "2024-02-29",
    "bcg:1": "2024-02-29",
    "hepb:2": "2024-03-29",
    "ipv:1": "2024-04-29",
    "ipv:2": "2024-05-29",
    "dtap:1": "2024-05-29",
    "bopv:1": "2024-06-29",
    "dtap:2": "2024-06-29",
    "dtap:3": "2024-07-29",
    "hepb:3": "2024-08-29",
    "mpsv_a:1": "2024-08-29",
    "mmr:1": "2024-10-29",
    "je_l:1": "2024-10-29",
    "mpsv_a:2": "2024-11-29",
    "dtap:4": "2025-08-29",
    "mmr:2": "2025-08-29",
    "hepa_l:1": "2025-08-29",
    "je_l:2": "2026-02-28",
    "mpsv_ac:1": "2027-02-28",
    "bopv:2": "2028-02-29",
    "dtap:5": "2030-02-28",
    "mpsv_ac:2": "2030-02-28",
}
BORN_2024_12_31 = {  # 31 December: born before the change, every DTaP dose under the new schedule
    "hepb:1": "2024-12-31",
    "bcg:1": "2024-12-31",
    "hepb:2": "2025-01-31",
    "ipv:1": "2025-02-28",
    "dtap:1": "2025-02-28",
    "ipv:2": "2025-03-31",
    "bopv:1": "2025-04-30",
    "dtap:2": "2025-04-30",
    "hepb:3": "2025-06-30",
    "dtap:3": "2025-06-30",
    "mpsv_a:1": "2025-06-30",
    "mmr:1": "2025-08-31",
    "je_l:1": "2025-08-31",
    "mpsv_a:2": "2025-09-30",
    "dtap:4": "2026-06-30",
    "mmr:2": "2026-06-30",
    "hepa_l:1": "2026-06-30",
    "je_l:2": "2026-12-31",
    "mpsv_ac:1": "2027-12-31",
    "bopv:2": "2028-12-31",
    "dtap:5": "2030-12-31",
    "mpsv_ac:2": "2030-12-31",
}
BORN_2025_03_15 = {  # after the change: DTaP at 2, 4, 6, 18 months and 6 years; nothing at 5 months
    "hepb:1": "2025-03-15", "bcg:1": "2025-03-15", "hepb:2": "2025-04-15", "ipv:1": "2025-05-15",
    "dtap:1": "2025-05-15", "ipv:2": "2025-06-15", "bopv:1": "2025-07-15", "dtap:2": "2025-07-15",
    "hepb:3": "2025-09-15", "dtap:3": "2025-09-15", "mpsv_a:1": "2025-09-15", "mmr:1": "2025-11-15",
    "je_l:1": "2025-11-15", "mpsv_a:2": "2025-12-15", "dtap:4": "2026-09-15", "mmr:2": "2026-09-15",
    "hepa_l:1": "2026-09-15", "je_l:2": "2027-03-15", "mpsv_ac:1": "2028-03-15", "bopv:2": "2029-03-15",
    "dtap:5": "2031-03-15", "mpsv_ac:2": "2031-03-15",
}  # fmt: skip


def _dues(plan: Plan) -> dict[str, str]:
    return {f"{dose.vaccine}:{dose.dose}": dose.due.isoformat() for dose in plan.doses}


@pytest.mark.parametrize(
    ("birth", "expected"),
    [("2024-01-31", BORN_2024_01_31), ("2024-02-29", BORN_2024_02_29), ("2024-12-31", BORN_2024_12_31),
     ("2025-03-15", BORN_2025_03_15)],
)  # fmt: skip
def test_the_plan_of_a_newborn_is_the_schedule_written_out(birth: str, expected: dict[str, str]) -> None:
    plan = plan_immunizations(SCHEDULE, D(birth), D(birth))
    assert _dues(plan) == expected
    assert {dose.status for dose in plan.doses if dose.vaccine in ("hepb", "bcg") and dose.dose == 1} == {
        "due"
    }
    assert {dose.status for dose in plan.doses if dose.due > D(birth)} == {"upcoming"}
    assert plan.not_planned == ()


def test_complete_by_dates_follow_the_ages_in_the_notes() -> None:
    plan = plan_immunizations(SCHEDULE, D("2024-01-31"), D("2024-01-31"))
    complete_by = {f"{dose.vaccine}:{dose.dose}": dose.complete_by.isoformat() for dose in plan.doses}
    assert complete_by["hepb:1"] == "2024-02-01"  # within 24 hours
    assert complete_by["bcg:1"] == "2024-04-30"  # before 3 months
    assert complete_by["dtap:3"] == complete_by["mmr:1"] == "2025-01-31"  # by 12 months
    assert complete_by["mpsv_a:2"] == "2025-07-31"  # by 18 months
    assert complete_by["dtap:4"] == complete_by["hepa_l:1"] == "2026-01-31"  # by 24 months
    assert complete_by["je_l:2"] == "2027-01-31" and complete_by["bopv:2"] == "2029-01-31"
    assert complete_by["dtap:5"] == complete_by["mpsv_ac:2"] == "2031-01-31"  # by 7 years


@pytest.mark.parametrize(
    ("birth", "given", "as_of", "expected"),
    [
        # old doses 1 and 2 given; dose 3 at 5 months would be 2025-01-01, no longer under the old schedule
        ("2024-08-01", "dtap:1@2024-11-01,dtap:2@2024-12-01", "2024-12-01", {"dtap:3": "2025-02-01"}),
        # dose 1 at 3 months would be 2025-01-15 (after the change); at 2 months it is 2024-12-15, before
        # the new schedule is in force: from 2025-01-01
        ("2024-10-15", "", "2024-10-15",
         {"dtap:1": "2025-01-01", "dtap:2": "2025-02-15", "dtap:3": "2025-04-15"}),
        # dose 3 at 5 months (2024-12-10) falls before the change and follows the old schedule, 28 days
        # after dose 2 (given without a date: counted from as-of)
        ("2024-07-10", "dtap:1,dtap:2", "2024-11-20", {"dtap:3": "2024-12-18"}),
        ("2024-07-10", "dtap:1@2024-10-10,dtap:2@2024-11-10", "2024-11-20", {"dtap:3": "2024-12-10"}),
        # the DT dose at 6 years before 2025
        ("2018-03-01", "", "2018-03-01", {"dt:1": "2024-03-01"}),
    ],
)  # fmt: skip
def test_the_dtap_change_of_2025_applies_by_the_date_of_each_dose(
    birth: str, given: str, as_of: str, expected: dict[str, str]
) -> None:
    dues = _dues(plan_immunizations(SCHEDULE, D(birth), D(as_of), parse_given(given)))
    assert {key: dues[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("as_of", "status", "due"),
    [("2024-06-01", "due", "2024-03-01"),  # DT, while the old schedule is in force
     ("2025-02-10", "due", "2025-01-01"),  # DTaP dose 5 from the day the new schedule is in force
     ("2025-04-10", "overdue", "2025-04-10")],  # past 7 years: caught up from as-of, as DTaP
)  # fmt: skip
def test_a_missed_dt_dose_is_given_as_dtap_dose_5_after_the_change(as_of: str, status: str, due: str) -> None:
    plan = plan_immunizations(SCHEDULE, D("2018-03-01"), D(as_of), parse_given("dtap:4@2019-09-01"))
    rows = [dose for dose in plan.doses if (dose.vaccine, dose.dose) in (("dt", 1), ("dtap", 5))]
    expected = ("dt", 1) if as_of < "2025" else ("dtap", 5)
    assert [(row.vaccine, row.dose, row.status, row.due) for row in rows] == [(*expected, status, D(due))]


def test_a_dt_dose_given_fills_dtap_dose_5_and_counts_the_earlier_doses() -> None:
    plan = plan_immunizations(SCHEDULE, D("2018-03-01"), D("2025-02-10"), parse_given("dt:1@2024-03-05"))
    dtap = {(dose.vaccine, dose.dose): dose.status for dose in plan.doses if dose.vaccine in ("dt", "dtap")}
    assert dtap == {("dtap", 1): "done", ("dtap", 2): "done", ("dtap", 3): "done", ("dtap", 4): "done",
                    ("dt", 1): "done"}  # fmt: skip


def test_statuses_for_a_child_part_way() -> None:
    # born 2024-03-01, as of 2025-04-10 (13 months): HepB 1-2 given, nothing else
    plan = plan_immunizations(
        SCHEDULE, D("2024-03-01"), D("2025-04-10"), parse_given("hepb:1@2024-03-01,hepb:2")
    )
    status = {f"{dose.vaccine}:{dose.dose}": (dose.status, dose.due.isoformat()) for dose in plan.doses}
    assert status["hepb:2"] == ("done", "2024-04-01")
    assert status["hepb:3"] == ("overdue", "2025-06-09")  # 60 days after hepb:2, whose date is unknown: as-of
    assert status["mmr:1"] == ("overdue", "2025-04-10")  # 12 months passed
    assert status["mpsv_a:1"] == ("due", "2024-09-01")  # complete by 18 months
    assert status["mpsv_a:2"] == ("catch_up", "2025-07-10")  # 3 months after dose 1, given from as-of
    assert status["dtap:4"] == ("upcoming", "2025-09-01")
    assert status["je_l:1"] == ("overdue", "2025-04-10")  # the same day as mmr:1 (both live, injected)
    assert status["mmr:2"] == ("upcoming", "2025-09-01")  # 28 days after mmr:1 is before 18 months


def test_two_injectable_live_vaccines_are_planned_the_same_day_or_28_days_apart() -> None:
    plan = plan_immunizations(SCHEDULE, D("2024-01-10"), D("2024-10-20"), parse_given("mmr:1@2024-10-10"))
    je = next(dose for dose in plan.doses if dose.vaccine == "je_l" and dose.dose == 1)
    assert (je.status, je.due) == ("catch_up", D("2024-11-07"))


def test_a_bcg_dose_is_not_caught_up_from_4_years_and_after_3_months_needs_a_skin_test() -> None:
    late = plan_immunizations(SCHEDULE, D("2020-06-01"), D("2025-03-01"))
    assert [(skipped.vaccine, skipped.from_age) for skipped in late.not_planned] == [("bcg", Duration(48))]
    assert "bcg" not in {dose.vaccine for dose in late.doses}
    infant = plan_immunizations(SCHEDULE, D("2024-11-01"), D("2025-03-01"))
    bcg = next(dose for dose in infant.doses if dose.vaccine == "bcg")
    assert bcg.status == "overdue" and "PPD" in bcg.notes[0]


def test_nothing_is_caught_up_from_18_years() -> None:
    plan = plan_immunizations(SCHEDULE, D("2006-05-01"), D("2025-03-01"))
    assert plan.doses == () and len(plan.not_planned) == 22


def test_doses_given_of_an_alternative_product_switch_the_track() -> None:
    plan = plan_immunizations(SCHEDULE, D("2024-01-10"), D("2024-09-12"), parse_given("je_i:1@2024-09-10"))
    je = {
        (dose.vaccine, dose.dose): dose.due.isoformat()
        for dose in plan.doses
        if dose.vaccine.startswith("je")
    }
    assert je == {("je_i", 1): "2024-09-10", ("je_i", 2): "2024-09-17", ("je_i", 3): "2026-01-10",
                  ("je_i", 4): "2030-01-10"}  # fmt: skip
    assert plan.tracks == {"je": "je_i", "hepa": "hepa_l"}


@pytest.mark.parametrize(
    ("birth", "as_of", "given", "message"),
    [
        ("2025-05-01", "2025-04-01", "", "is after"),
        ("2024-01-01", "2025-04-01", "flu:1", "unknown vaccine 'flu'"),
        ("2024-01-01", "2025-04-01", "hepb:4", "hepb has doses 1 to 3"),
        ("2024-01-01", "2025-04-01", "hepb:0", "hepb has doses 1 to 3"),
        ("2024-01-01", "2025-04-01", "hepb:1@2023-12-31", "outside"),
        ("2024-01-01", "2025-04-01", "hepb:1@2025-04-02", "outside"),
        ("2018-01-01", "2025-04-01", "dt:1,dtap:5", "are the same dose"),
        ("2024-01-01", "2025-04-01", "je_l:1,je_i:1", "ask the clinic"),
    ],
)
def test_input_the_plan_cannot_use_is_refused_in_one_line(
    birth: str, as_of: str, given: str, message: str
) -> None:
    with pytest.raises(PlanError, match=message) as error:
        plan_immunizations(SCHEDULE, D(birth), D(as_of), parse_given(given))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("text", ["hepb", "hepb:x", "hepb:1@2024-13-01", "HepB-1"])
def test_a_given_dose_must_read_like_vaccine_colon_dose(text: str) -> None:
    with pytest.raises(PlanError):
        parse_given(text)


# ---- catch-up plans keep the minimum intervals (random children) ----

SLOTS = [rule.slot for rule in SCHEDULE.rules if rule.vaccine not in ("je_i", "hepa_i")]
SLOT_ORDER = list(dict.fromkeys(SLOTS))


@st.composite
def children(draw: st.DrawFn) -> tuple[date, date, dict[str, date | None]]:
    birth = draw(st.dates(date(2012, 1, 1), date(2026, 12, 31)))
    as_of = birth + timedelta(days=draw(st.integers(0, 19 * 366)))
    given: dict[str, date | None] = {}
    by_series: dict[str, date] = {}
    for slot in SLOT_ORDER:
        if not draw(st.booleans()):
            continue
        series = slot.split(":")[0]
        start = by_series.get(series, birth)
        if start > as_of:
            continue
        when = draw(st.none() | st.dates(start, as_of))
        given[slot] = when
        if when is not None:
            by_series[series] = when
    return birth, as_of, given


def _rules_of(schedule: Schedule, key: str) -> list[object]:
    return [rule for rule in schedule.rules if rule.key == key]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(children())
def test_every_planned_dose_keeps_its_minimum_age_and_intervals(
    child: tuple[date, date, dict[str, date | None]],
) -> None:
    birth, as_of, given_doses = child
    assume(birth <= as_of)
    plan = plan_immunizations(SCHEDULE, birth, as_of, given_doses)
    planned = {f"{dose.vaccine}:{dose.dose}": dose for dose in plan.doses if dose.status != "done"}
    # where later intervals count from: a given date; as-of for a dose given without a date; a planned date
    reference: dict[str, date] = {SCHEDULE.slot_of(key): when or as_of for key, when in given_doses.items()}
    reference |= {SCHEDULE.slot_of(key): dose.due for key, dose in planned.items()}
    for key, dose in planned.items():
        rules = [rule for rule in SCHEDULE.rules if rule.key == key]
        assert dose.due >= min(rule.age.at.after(birth) for rule in rules), key
        for rule in rules:
            for interval in rule.after:
                if interval.dose in reference:
                    assert dose.due >= interval.at_least.at.after(reference[interval.dose]), (key, interval)
        if dose.status == "overdue":
            assert dose.due >= as_of, key
        if dose.status in ("upcoming", "catch_up"):
            assert dose.due > as_of, key
    # every dose of the followed track is in the plan once: done, planned or not caught up
    keys = [SCHEDULE.slot_of(f"{dose.vaccine}:{dose.dose}") for dose in plan.doses]
    keys += [SCHEDULE.slot_of(f"{skipped.vaccine}:{skipped.dose}") for skipped in plan.not_planned]
    assert sorted(keys) == sorted(SLOT_ORDER)


@settings(max_examples=200, deadline=None)
@given(children())
def test_injectable_live_vaccines_are_never_planned_within_28_days_of_each_other(
    child: tuple[date, date, dict[str, date | None]],
) -> None:
    birth, as_of, given_doses = child
    plan = plan_immunizations(SCHEDULE, birth, as_of, given_doses)
    planned = [max(dose.due, as_of) for dose in plan.doses
               if dose.status != "done" and dose.vaccine in SCHEDULE.live_injectable]  # fmt: skip
    given_live = [
        when or as_of for key, when in given_doses.items() if key.split(":")[0] in SCHEDULE.live_injectable
    ]
    for first in planned:
        for second in planned + given_live:
            assert first == second or abs((first - second).days) >= 28, (first, second)
