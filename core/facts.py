"""``msg_facts``: one narrow row per non-system message, the table every analysis query scans.

It holds what would otherwise be recomputed by every page for every message: the resolved
group and sender, the local date, hour and weekday, and the working-time flags of issue 3
(after hours by the official calendar and the user's hours, late night, exempt). Like
``people`` and ``groups`` it is derived data: rebuilt, in one transaction, the first time an
analysis runs after the workspace changed (import, undo, settings), so imports stay as fast as
before and no page ever sees flags from old settings.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyarrow as pa

from core import workcal
from core.settings import Settings

# Which workspace version the facts were built for (meta key).
META_KEY = "facts_version"


def emergency_pattern(words: list[str]) -> str:
    """An RE2 pattern matching any of ``words`` literally; with no words, one that never matches."""
    words = [w for w in words if w]
    return "|".join(re.escape(w) for w in words) if words else r"[^\s\S]"


def calendar_table(start: dt.date, end: dt.date, settings: Settings) -> pa.Table:
    """Every day start … end with its workday flag, source and holiday name."""
    days = workcal.days(start, end, settings)
    return pa.table({
        "d": pa.array([x.date for x in days], pa.date32()),
        "workday": pa.array([x.workday for x in days], pa.bool_()),
        "source": pa.array([x.source for x in days], pa.string()),
        "holiday": pa.array([x.holiday_name for x in days], pa.string()),
    })


def rebuild(cur: Any, settings: Settings, version: int) -> None:
    """Rebuild ``msg_facts`` for ``settings`` inside the caller's transaction on ``cur``."""
    first, last = cur.execute(
        "select min(sent_local)::date, max(sent_local)::date from messages").fetchall()[0]
    cur.execute("delete from msg_facts")
    if first is not None:
        cur.register("_fact_cal", calendar_table(first, last, settings))
        cur.execute("set variable qj_emergency_re = ?", [emergency_pattern(settings.emergency_words)])
        try:
            cur.execute(
                """
                insert into msg_facts
                with m as (
                    -- text-derived flags at the scan, so the joins move no strings
                    select import_id, line, group_account_id, sender_account_id, sent_at, sent_local, kind,
                           category, norm_hash, norm_len,
                           coalesce(regexp_matches(text, getvariable('qj_emergency_re')), false) as emergency_word
                    from messages
                    where kind not in ('system', 'recall')
                )
                select m.import_id, m.line, gm.group_id, pm.person_id, m.sent_at, m.sent_local,
                       m.sent_local::date as d, hour(m.sent_local) as hh, isodow(m.sent_local) as dow,
                       m.kind, m.category, m.norm_hash, m.norm_len,
                       (not c.workday
                        or m.sent_local::time < ?::time or m.sent_local::time >= ?::time
                        -- no lunch break set: the comparisons are null, hence false
                        or coalesce(m.sent_local::time >= ?::time and m.sent_local::time < ?::time, false))
                           as after_hours,
                       (m.sent_local::time >= time '22:00' or m.sent_local::time < time '07:00') as late_night,
                       (g.emergency or m.emergency_word) as exempt
                from m
                join group_map gm on gm.account_id = m.group_account_id
                join groups g on g.id = gm.group_id
                join _fact_cal c on c.d = m.sent_local::date
                left join person_map pm on pm.account_id = m.sender_account_id
                """,
                [settings.work_start, settings.work_end, settings.lunch_start, settings.lunch_end],
            )
        finally:
            cur.unregister("_fact_cal")
    cur.execute("insert or replace into meta values (?, ?)", [META_KEY, str(version)])
