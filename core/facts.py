"""``msg_facts``: one narrow row per non-system message, the table every analysis query scans.

It holds what would otherwise be recomputed by every page for every message: the resolved
group and sender, the local date, hour and weekday, the working-time flags of issue 3
(after hours by the official calendar and the user's hours, late night, exempt), whether a photo
check-in text is a report rather than a request, for each photo request the images that answered
it, and for each assignment the non-substance messages in the 2 hours after it (core/lexicon.py
FOLLOW_HOURS; both counted over all of the group's stored messages). Like
``people`` and ``groups`` it is derived data: rebuilt, in one transaction, the first time an
analysis runs after the workspace changed (import, undo, settings), so imports stay as fast as
before and no page ever sees flags from old settings.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from pathlib import Path
from typing import Any

import pyarrow as pa

from core import workcal
from core.lexicon import FOLLOW_HOURS, NON_SUBSTANCE, photo_done_pattern
from core.settings import Settings

# Which workspace version, and which revision of this module, the facts were built for.
META_KEY = "facts_version"

_DDL = """
create table msg_facts (
    import_id   integer not null,
    line        bigint,
    group_id    integer not null,
    person_id   integer,
    sent_at     timestamptz not null,
    sent_local  timestamp not null,
    d           date not null,
    hh          integer not null,
    dow         integer not null,
    kind        varchar not null,
    category    varchar not null,
    norm_hash   ubigint,
    norm_len    integer,
    after_hours boolean not null,
    late_night  boolean not null,
    exempt      boolean not null,
    photo_reply boolean not null,           -- a check-in report (已打卡), not a request for photos
    chatter_2h  integer,                    -- assignments: non-substance messages in [t, t + 2 h]
    images_2h   integer,                    -- photo requests: images/videos answering it within 2 h
    note        varchar                     -- red packets and transfers only: their text (wish, amount)
)
"""


@functools.cache
def _revision() -> str:
    # read once per process: stamp() runs before every analysis query
    code = Path(__file__).read_bytes() + photo_done_pattern().encode("utf-8")
    return hashlib.sha256(code).hexdigest()[:12]


def stamp(version: int) -> str:
    """What ``meta.facts_version`` holds when the facts match workspace ``version``: a change
    to this module (its table or its definitions) or to the word lists also calls for a rebuild."""
    return f"{version}:{_revision()}"


def emergency_pattern(words: list[str]) -> str:
    """An RE2 pattern matching any of ``words`` literally; with no words, one that never matches."""
    words = [w for w in words if w]
    return "|".join(re.escape(w) for w in words) if words else r"[^\s\S]"


def calendar_table(start: dt.date | None, end: dt.date | None, settings: Settings) -> pa.Table:
    """Every day start … end with its workday flag, source and holiday name (none without dates)."""
    days = workcal.days(start, end, settings) if start and end else []
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
    # Derived data: the table is made anew, so a new layout needs no migration.
    cur.execute("drop table if exists msg_facts")
    cur.execute(_DDL)
    if first is not None:
        cur.register("_fact_cal", calendar_table(first, last, settings))
        cur.execute("set variable qj_emergency_re = ?", [emergency_pattern(settings.emergency_words)])
        cur.execute("set variable qj_photo_done = ?", [photo_done_pattern()])
        try:
            cur.execute(
                """
                create or replace temp table _facts as
                with m as (
                    -- text-derived flags at the scan, so the joins move no strings
                    select import_id, line, group_account_id, sender_account_id, sent_at, sent_local, kind,
                           category, norm_hash, norm_len,
                           coalesce(regexp_matches(text, getvariable('qj_emergency_re')), false) as emergency_word,
                           case when category = 'photo_checkin' and kind in ('text', 'quote', 'link')
                                then regexp_full_match(
                                    regexp_replace(regexp_replace(lower(coalesce(text, '')),
                                                                  '\\[[^\\[\\]]{1,8}\\]', '', 'g'),
                                                   '[\\s\\p{P}\\p{S}]', '', 'g'),
                                    getvariable('qj_photo_done'))
                                else false end as photo_reply,
                           -- rare and always listed: worth keeping beside the keys
                           case when category = 'red_packet' then text end as note
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
                       (g.emergency or m.emergency_word) as exempt,
                       m.photo_reply, m.note
                from m
                join group_map gm on gm.account_id = m.group_account_id
                join groups g on g.id = gm.group_id
                join _fact_cal c on c.d = m.sent_local::date
                left join person_map pm on pm.account_id = m.sender_account_id
                """,
                [settings.work_start, settings.work_end, settings.lunch_start, settings.lunch_end],
            )
            # chatter in [t, t + 2 h] = C(≤ t + 2 h) − C(< t), C the running count of non-substance
            # messages in the group: one sort and two as-of look-ups, not a 2-hour frame per message
            cur.execute(
                """
                insert into msg_facts
                with c as (
                    select group_id, sent_at,
                           count(*) over (partition by group_id order by sent_at
                                          range between unbounded preceding and current row) as cum
                    from _facts
                    where list_contains(?::varchar[], category)
                ),
                a as (
                    select rowid as fid, group_id, sent_at from _facts where category = 'assignment'
                ),
                n as (
                    select a.fid, coalesce(hi.cum, 0) - coalesce(lo.cum, 0) as chatter
                    from a
                    asof left join c hi on hi.group_id = a.group_id and hi.sent_at <= a.sent_at + to_hours(?)
                    asof left join c lo on lo.group_id = a.group_id and lo.sent_at < a.sent_at
                ),
                -- each image or video answers the latest photo request in its group at or before it,
                -- when that request is at most FOLLOW_HOURS older
                r as (
                    select rowid as fid, group_id, sent_at from _facts
                    where category = 'photo_checkin' and kind in ('text', 'quote', 'link') and not photo_reply
                ),
                i as (
                    select group_id, sent_at from _facts where kind in ('image', 'video')
                ),
                answered as (
                    select r.fid, count(*) as images
                    from i asof join r on r.group_id = i.group_id and i.sent_at >= r.sent_at
                    where i.sent_at <= r.sent_at + to_hours(?)
                    group by r.fid
                )
                -- joined on the staging row, which is unique whatever the messages hold
                select f.* exclude (note), n.chatter,
                       case when r.fid is not null then coalesce(answered.images, 0) end, f.note
                from _facts f
                left join n on n.fid = f.rowid
                left join r on r.fid = f.rowid
                left join answered on answered.fid = f.rowid
                -- a join scrambles row order; stored in import order, the table keeps each file's
                -- group and time runs together, which compresses and scans far better
                order by f.import_id, f.line
                """,
                [list(NON_SUBSTANCE), FOLLOW_HOURS, FOLLOW_HOURS],
            )
            cur.execute("drop table _facts")
        finally:
            cur.unregister("_fact_cal")
    cur.execute("insert or replace into meta values (?, ?)", [META_KEY, stamp(version)])
