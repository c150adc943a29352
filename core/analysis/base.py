"""The analysis scope every page, the CLI and the proposal share.

``scoped(ws, scope)`` opens a cursor of its own and creates, on that cursor only (TEMP objects
are per connection in DuckDB), the tables and views that hold the definitions of issue 3:

``_cfg``   one row: the analysis window (lo, hi: local dates, inclusive; days; as_of and
           zombie_since: local timestamps) and the settings queries compare with (work_start,
           work_end, zombie_days, cap, reading_seconds, max_members)
``_cal``   d date, workday boolean, source varchar, holiday varchar — every day lo … hi
``_g``     group_id — groups in scope (group filter, unit filter)
``_p``     person_id — people in scope (unit filter)
``v_msg``  every non-system message in scope (group in ``_g``, local date in [lo, hi]) with
           group_id, person_id (sender, may be NULL), sent_at, sent_local, d, hh, dow (1 = Mon … 7),
           kind, category, norm_hash, norm_len, import_id, line, after_hours, late_night, exempt.
           System and recall messages never appear here. A filtered scan of ``msg_facts``
           (core/facts.py), which ``scoped`` brings up to date first.
``v_msg_text`` the same rows plus text and mentions (a join: use it only to list messages)
``v_mem``  memberships of groups in ``_g`` (all members, whatever their unit, so overlap is exact)

Definitions (the same on every page, in the CLI and the proposal):
- after hours: local date is not a workday (official calendar with 调休; unknown years Mon–Fri),
  or local time outside [work_start, work_end), or inside the lunch break when one is set;
- late night: local time in [22:00, 24:00) or [00:00, 07:00);
- exempt: the group is flagged emergency, or the text contains an emergency word;
- the window: scope.start … scope.end (local dates, inclusive), by default the first message's
  date … the analysis date; ``days`` is its length in days (the denominator of "per day").
- the analysis date ``as_of``: scope.as_of (a date means the end of that day), by default the
  newest message in the workspace; zombie: no non-system message in the ``zombie_days`` days up
  to it (sent_local > as_of − zombie_days).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator

import pandas as pd

from core import workcal
from core.facts import calendar_table
from core.workspace import Workspace

LATE_NIGHT_START = dt.time(22, 0)
LATE_NIGHT_END = dt.time(7, 0)


@dataclass(frozen=True)
class Scope:
    """What the user filtered on. Empty tuples mean "all"."""

    start: dt.date | None = None
    end: dt.date | None = None
    units: tuple[str, ...] = ()
    groups: tuple[int, ...] = ()
    as_of: dt.date | None = None


@dataclass(frozen=True)
class Window:
    """The resolved analysis window (local dates) and analysis date."""

    lo: dt.date | None
    hi: dt.date | None
    days: int
    as_of: dt.datetime | None
    unknown_years: tuple[int, ...] = field(default_factory=tuple)


def _bounds(cur: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    return tuple(cur.execute("select min(sent_local), max(sent_local) from messages").fetchall()[0])  # type: ignore[return-value]


def resolve_window(cur: Any, scope: Scope) -> Window:
    """Turn the user's dates into the window every figure uses."""
    first, last = _bounds(cur)
    if scope.as_of is not None:
        as_of: dt.datetime | None = dt.datetime.combine(scope.as_of + dt.timedelta(days=1), dt.time())
        as_of_date: dt.date | None = scope.as_of
    else:
        as_of, as_of_date = last, (last.date() if last else None)
    lo = scope.start or (first.date() if first else None)
    hi = scope.end or as_of_date
    if lo is None or hi is None:
        return Window(None, None, 0, as_of)
    days = max((hi - lo).days + 1, 0)
    return Window(lo, hi, days, as_of, tuple(workcal.unknown_years(lo, hi)) if days else ())


_VIEWS = """
create or replace temp view v_msg as
select f.*
from msg_facts f
join _g on _g.group_id = f.group_id
where f.d between getvariable('qj_lo') and getvariable('qj_hi');

-- the same rows with their text, for the queries that list messages
create or replace temp view v_msg_text as
select v.*, m.text, m.mentions
from v_msg v
join messages m on m.import_id = v.import_id and m.line = v.line;

create or replace temp view v_mem as
select mb.group_id, mb.person_id, mb.role, mb.joined_at, mb.source
from memberships mb join _g on _g.group_id = mb.group_id;
"""


@contextlib.contextmanager
def scoped(ws: Workspace, scope: Scope = Scope()) -> Iterator[Any]:
    """A cursor with the scope's TEMP tables and views (see the module docstring)."""
    ws.ensure_facts()
    settings = ws.settings()
    cur = ws.cursor()
    try:
        window = resolve_window(cur, scope)
        cur.register("_cal_arrow", calendar_table(window.lo, window.hi, settings))
        cur.execute("create or replace temp table _cal as select * from _cal_arrow")
        cur.unregister("_cal_arrow")
        zombie_since = (window.as_of - dt.timedelta(days=settings.zombie_days)) if window.as_of else None
        cur.execute(
            """
            create or replace temp table _cfg as
            select ?::date as lo, ?::date as hi, ?::integer as days, ?::timestamp as as_of,
                   ?::timestamp as zombie_since, ?::time as work_start, ?::time as work_end,
                   ?::integer as zombie_days, ?::integer as cap, ?::double as reading_seconds,
                   ?::integer as max_members
            """,
            [window.lo, window.hi, window.days, window.as_of, zombie_since, settings.work_start,
             settings.work_end, settings.zombie_days, settings.cap, settings.reading_seconds,
             settings.max_group_members],
        )
        cur.execute("create or replace temp table _p as select id as person_id from people "
                    "where len(?::varchar[]) = 0 or unit = any(?::varchar[])",
                    [list(scope.units), list(scope.units)])
        cur.execute(
            """
            create or replace temp table _g as
            select g.id as group_id from groups g
            where (len(?::integer[]) = 0 or g.id = any(?::integer[]))
              and (len(?::varchar[]) = 0 or g.unit = any(?::varchar[])
                   or exists (select 1 from memberships mb join _p on _p.person_id = mb.person_id
                              where mb.group_id = g.id))
            """,
            [list(scope.groups), list(scope.groups), list(scope.units), list(scope.units)],
        )
        # bound as variables: constants let the scan skip row groups outside the window
        cur.execute("set variable qj_lo = ?::date", [window.lo])
        cur.execute("set variable qj_hi = ?::date", [window.hi])
        cur.execute(_VIEWS)
        yield cur
    finally:
        cur.close()


def empty_stretch(ws: Workspace, scope: Scope = Scope(), min_days: int = 30) -> tuple[dt.date, dt.date] | None:
    """The longest run of days inside the window with no message at all, as (first, last) empty
    day, when it is at least ``min_days`` long — else None. Exports covering different periods
    stretch the window, and every "per day" figure is then diluted by the empty days."""
    with scoped(ws, scope) as cur:
        row = cur.execute(
            """
            with days as (select distinct d from v_msg),
            gaps as (select d, lead(d) over (order by d) as next_d from days)
            select d + 1, next_d - 1 from gaps
            where next_d - d - 1 >= ?
            order by next_d - d desc, d
            limit 1
            """,
            [int(min_days)],
        ).fetchone()
    return (row[0], row[1]) if row else None


def frame(cur: Any, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
    """Run ``sql`` on ``cur`` and return the whole result as a DataFrame (small results only)."""
    return cur.execute(sql, params or []).df()


def window_of(ws: Workspace, scope: Scope = Scope()) -> Window:
    """The window ``scope`` resolves to (for captions: "2026-03-02 至 2026-05-30，共 90 天")."""
    cur = ws.cursor()
    try:
        return resolve_window(cur, scope)
    finally:
        cur.close()


def filter_options(ws: Workspace) -> dict[str, Any]:
    """What the sidebar filters offer: units (people's units), groups (id, name), date bounds."""
    cur = ws.cursor()
    try:
        units = [r[0] for r in cur.execute(
            "select unit from people where unit is not null group by unit order by count(*) desc, unit").fetchall()]
        groups = cur.execute("select id, name from groups order by name").fetchall()
        first, last = _bounds(cur)
        return {"units": units, "groups": groups,
                "first": first.date() if first else None, "last": last.date() if last else None}
    finally:
        cur.close()
