"""core.workcal: official days with 调休, the Monday–Friday fallback, the user's overrides, moments."""

from __future__ import annotations

import datetime as dt

from core import workcal
from core.settings import Settings

D = dt.date
T = dt.datetime


def test_official_holidays_and_adjusted_workdays() -> None:
    s = Settings()
    assert workcal.day(D(2026, 5, 1), s) == workcal.Day(D(2026, 5, 1), False, workcal.OFFICIAL, "劳动节")
    assert workcal.day(D(2026, 4, 5), s) == workcal.Day(D(2026, 4, 5), False, workcal.OFFICIAL, "清明节")
    # The Saturday worked in exchange for the May holiday carries the holiday's name.
    assert workcal.day(D(2026, 5, 9), s) == workcal.Day(D(2026, 5, 9), True, workcal.OFFICIAL, "劳动节")
    assert workcal.day(D(2026, 5, 12), s) == workcal.Day(D(2026, 5, 12), True, workcal.OFFICIAL, None)
    assert workcal.day(D(2026, 5, 16), s) == workcal.Day(D(2026, 5, 16), False, workcal.OFFICIAL, None)


def test_unknown_year_falls_back_to_monday_to_friday() -> None:
    s = Settings()
    # 2027-01-01 is a Friday: a holiday in reality, a workday by the fallback.
    assert workcal.day(D(2027, 1, 1), s) == workcal.Day(D(2027, 1, 1), True, workcal.FALLBACK)
    assert workcal.day(D(2027, 1, 2), s) == workcal.Day(D(2027, 1, 2), False, workcal.FALLBACK)
    assert workcal.unknown_years(D(2026, 12, 30), D(2028, 1, 2)) == [2027, 2028]
    assert workcal.unknown_years(D(2026, 1, 1), D(2026, 12, 31)) == []


def test_user_days_win_over_the_official_calendar() -> None:
    s = Settings(extra_holidays=[D(2026, 5, 12)], extra_workdays=[D(2026, 5, 2), D(2027, 1, 2)])
    assert workcal.day(D(2026, 5, 12), s) == workcal.Day(D(2026, 5, 12), False, workcal.USER)
    assert workcal.day(D(2026, 5, 2), s) == workcal.Day(D(2026, 5, 2), True, workcal.USER)
    assert workcal.day(D(2027, 1, 2), s) == workcal.Day(D(2027, 1, 2), True, workcal.USER)


def test_days_lists_every_day_inclusive() -> None:
    s = Settings()
    got = workcal.days(D(2026, 5, 8), D(2026, 5, 11), s)
    assert [(x.date.day, x.workday) for x in got] == [(8, True), (9, True), (10, False), (11, True)]
    assert workcal.days(D(2026, 5, 11), D(2026, 5, 10), s) == []


def test_is_after_hours_boundaries_and_lunch() -> None:
    s = Settings()
    assert [workcal.is_after_hours(T(2026, 5, 12, h, m, sec), s) for h, m, sec in
            ((8, 29, 59), (8, 30, 0), (12, 30, 0), (17, 59, 59), (18, 0, 0), (23, 30, 0))] == [
        True, False, False, False, True, True]
    assert workcal.is_after_hours(T(2026, 5, 9, 10), s) is False    # 调休 Saturday
    assert workcal.is_after_hours(T(2026, 5, 2, 10), s) is True     # 劳动节
    lunch = Settings(lunch_start=dt.time(12, 0), lunch_end=dt.time(13, 30))
    moments = ((11, 59), (12, 0), (13, 29), (13, 30))
    assert [workcal.is_after_hours(T(2026, 5, 12, h, m), lunch) for h, m in moments] == [False, True, True, False]
