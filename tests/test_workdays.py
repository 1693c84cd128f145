"""Working-day calendar (DOMAIN P-rules): official holidays and 调休 make-up days, counting convention, years without
data flagged provisional, loaded years, calendar-day and month arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from bot.rules.workdays import LOADED, OFFICIAL, Reckoned, WorkCalendar, YearDays, add_days, add_months, month_end
from bot.services.official_calendar import official_range, official_years
from tests.support.official_days import calendar_until_2026, until_2026


@pytest.fixture(scope="module")
def official() -> WorkCalendar:
    """The official data up to 2026, so that 2027 stays a year without data whatever the package version."""
    return calendar_until_2026()


def d(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


# Facts from the State Council notices (国办发明电), written down by hand — not read from the package.
MAKE_UP_WORKDAYS = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
WEEKDAY_HOLIDAYS = ["2025-01-01", "2025-01-28", "2025-02-04", "2025-04-04", "2025-05-05", "2025-06-02",
                    *[f"2025-10-0{n}" for n in (1, 2, 3, 6, 7, 8)], "2026-01-02", "2026-02-16", "2026-02-23", "2026-10-07"]


@pytest.mark.parametrize("day", MAKE_UP_WORKDAYS)
def test_make_up_weekend_days_are_working_days(official: WorkCalendar, day: str) -> None:
    assert d(day).weekday() >= 5, "the fixture lists weekend days"
    assert official.judge(d(day)) == (True, False)


@pytest.mark.parametrize("day", WEEKDAY_HOLIDAYS)
def test_holidays_on_weekdays_are_days_off(official: WorkCalendar, day: str) -> None:
    assert d(day).weekday() < 5, "the fixture lists weekdays"
    assert official.judge(d(day)) == (False, False)


def test_ordinary_days(official: WorkCalendar) -> None:
    assert official.is_workday(d("2025-10-09")) and official.is_workday(d("2026-03-02"))
    assert not official.is_workday(d("2025-10-12")), "an ordinary Sunday"


def test_official_coverage_is_what_the_package_accepts() -> None:
    first, last = official_range()
    assert first <= 2025 and last >= 2026
    for year in (first, last):
        chinese_calendar.is_workday(date(year, 6, 1))
    for year in (first - 1, last + 1):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(date(year, 6, 1))
    assert [y.year for y in official_years()] == list(range(first, last + 1))
    assert {y.source for y in official_years()} == {OFFICIAL}


def test_calendar_agrees_with_the_package_day_by_day(official: WorkCalendar) -> None:
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert official.judge(day) == (chinese_calendar.is_workday(day), False), day
        day += timedelta(days=1)


def test_national_day_2025_working_day_arithmetic(official: WorkCalendar) -> None:
    # Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked. The start day is never counted.
    assert official.add_workdays(d("2025-09-30"), 1) == Reckoned(d("2025-10-09"))
    assert official.add_workdays(d("2025-10-09"), 3) == Reckoned(d("2025-10-13"))  # Fri 10, Sat 11 (调休), Mon 13
    assert official.subtract_workdays(d("2025-10-09"), 7) == Reckoned(d("2025-09-23"))  # via Sun Sep 28


def test_spring_festival_2025(official: WorkCalendar) -> None:
    assert official.add_workdays(d("2025-01-24"), 1) == Reckoned(d("2025-01-26")), "Sunday Jan 26 was worked"
    assert official.add_workdays(d("2025-01-27"), 1) == Reckoned(d("2025-02-05")), "Jan 28 – Feb 4 off"
    assert official.subtract_workdays(d("2025-02-10"), 1) == Reckoned(d("2025-02-08")), "Saturday Feb 8 was worked"


def test_zero_days_is_the_start_and_negative_is_refused(official: WorkCalendar) -> None:
    assert official.add_workdays(d("2025-10-01"), 0) == Reckoned(d("2025-10-01"))
    with pytest.raises(ValueError):
        official.add_workdays(d("2025-10-01"), -1)


def test_year_beyond_the_data_is_weekends_only_and_provisional(official: WorkCalendar) -> None:
    assert official.judge(d("2027-01-01")) == (True, True), "a Friday, judged without data"
    assert official.add_workdays(d("2027-03-01"), 5) == Reckoned(d("2027-03-08"), provisional=True)
    assert official.add_workdays(d("2026-12-31"), 1) == Reckoned(d("2027-01-01"), provisional=True)
    assert official.subtract_workdays(d("2027-01-04"), 1) == Reckoned(d("2027-01-01"), provisional=True)
    assert official.subtract_workdays(d("2027-01-04"), 0).provisional is False, "no day judged"
    assert official.add_workdays(d("2026-12-28"), 3) == Reckoned(d("2026-12-31")), "stays inside 2026"


def test_year_before_the_data_is_provisional(official: WorkCalendar) -> None:
    assert official.add_workdays(d("2003-06-02"), 1) == Reckoned(d("2003-06-03"), provisional=True)
    assert not official.known(2003) and official.source(2003) is None


def test_loaded_year_is_not_provisional_and_uses_its_days() -> None:
    loaded = YearDays(2027, frozenset({d("2027-01-01")}), frozenset({d("2027-02-06")}), LOADED)
    calendar = WorkCalendar.layered(until_2026(), [loaded])
    assert calendar.source(2027) == LOADED and calendar.source(2026) == OFFICIAL
    assert calendar.add_workdays(d("2026-12-31"), 1) == Reckoned(d("2027-01-04")), "Jan 1 off, then the weekend"
    assert calendar.judge(d("2027-02-06")) == (True, False), "a loaded make-up Saturday"
    assert calendar.judge(d("2027-02-07")) == (False, False), "an ordinary Sunday of a loaded year"


def test_loaded_year_replaces_the_official_one() -> None:
    corrected = YearDays(2025, frozenset({d("2025-03-03")}), frozenset(), LOADED)
    calendar = WorkCalendar.layered(official_years(), [corrected])
    assert not calendar.is_workday(d("2025-03-03"))
    assert calendar.is_workday(d("2025-10-08")), "the official holidays of 2025 are gone with the replacement"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [("2025-01-31", 1, "2025-02-28"), ("2024-01-31", 1, "2024-02-29"), ("2025-03-31", -1, "2025-02-28"),
     ("2025-11-03", 6, "2026-05-03"), ("2024-02-29", 36, "2027-02-28"), ("2025-12-15", 1, "2026-01-15")],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(d(start), months) == Reckoned(d(expected))


def test_month_end_and_calendar_days() -> None:
    assert month_end(d("2026-01-01"), -1) == Reckoned(d("2025-12-31"))
    assert month_end(d("2026-01-01"), 0) == Reckoned(d("2026-01-31"))
    assert month_end(d("2024-01-15"), 1) == Reckoned(d("2024-02-29"))
    assert add_days(d("2025-09-30"), 3) == Reckoned(d("2025-10-03")), "calendar days ignore holidays"
    assert add_days(d("2027-01-01"), -1) == Reckoned(d("2026-12-31")), "never provisional"
