"""Working time: which days are official workdays, and which moments are after hours.

Days follow China's official calendar (package ``chinesecalendar``: public holidays and the
调休 Saturdays/Sundays that are worked). Years it does not know fall back to Monday–Friday and
are reported, so the page can warn. The user's extra holidays and workdays override both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from core.settings import Settings

OFFICIAL = "official"        # decided by chinesecalendar
FALLBACK = "weekday"         # year unknown to chinesecalendar: Monday–Friday
USER = "user"                # the user's extra holiday / workday


HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class Day:
    date: dt.date
    workday: bool
    source: str
    holiday_name: str | None = None


def day(d: dt.date, settings: Settings) -> Day:
    """Whether ``d`` is a workday under ``settings`` and who decided it."""
    if d in settings.extra_holidays:
        return Day(d, False, USER)
    if d in settings.extra_workdays:
        return Day(d, True, USER)
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return Day(d, d.weekday() < 5, FALLBACK)
    # name is set for public holidays and for the 调休 days worked in exchange for them
    return Day(d, not on_holiday, OFFICIAL, HOLIDAY_NAMES.get(name, name) if name else None)


def days(start: dt.date, end: dt.date, settings: Settings) -> list[Day]:
    """Every day from ``start`` to ``end`` inclusive (empty when end < start)."""
    n = (end - start).days + 1
    return [day(start + dt.timedelta(days=i), settings) for i in range(max(n, 0))]


def unknown_years(start: dt.date, end: dt.date) -> list[int]:
    """Years in [start, end] that chinesecalendar does not know (Monday–Friday is assumed)."""
    out = []
    for year in range(start.year, end.year + 1):
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            out.append(year)
    return out


def is_after_hours(moment: dt.datetime, settings: Settings) -> bool:
    """``moment`` is local wall-clock time. After hours: not a workday, or outside
    [work_start, work_end), or inside the lunch break when one is set."""
    if not day(moment.date(), settings).workday:
        return True
    t = moment.time()
    if t < settings.work_start or t >= settings.work_end:
        return True
    if settings.lunch_start and settings.lunch_end and settings.lunch_start <= t < settings.lunch_end:
        return True
    return False
