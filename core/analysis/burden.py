"""Burden (人员负担): how many groups each cadre is in and how much they must read per day.

Definitions (built on ``core.analysis.base.scoped``; the same on the page, in the CLI and the proposal):
- cadre: a person in scope (``_p``) who is in the cadre directory (``people.in_directory``) when any
  directory has been imported, otherwise every person in scope. With a group filter, only the
  cadres who belong to at least one chosen group (the people those groups reach).
  People outside the directory (contractors, bank staff) are counted apart as non-cadres.
- groups: distinct groups in scope (``v_mem``) the cadre belongs to; 0 for a cadre in none.
  Over cap: groups > ``settings.cap``.
- received: messages in scope (``v_msg``: non-system, in the window) posted in the cadre's groups
  by anyone else (unknown senders included), counted once per group the cadre is in.
  Per day: received / ``_cfg.days``; reading minutes per day: that × ``reading_seconds`` / 60.
- after hours received / sent: such messages flagged ``after_hours`` (window totals), emergency
  ones included: the burden is the same, and the emergency split is the after-hours page's job
  (``v_msg.exempt`` costs a text scan that would triple this module's time).
- sent: messages in scope the cadre posted, in any group (a sender need not be on a roster).

Memberships are a snapshot (the latest rosters), so a cadre counts a group's whole window.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.analysis.base import Scope, frame, scoped
from core.workspace import Workspace

# Cadres in scope (the group filter flag is the only parameter).
_CADRES = """
create or replace temp table _cadre as
select p.id as person_id
from people p join _p on _p.person_id = p.id
where (p.in_directory or not exists (select 1 from people where in_directory))
  and (not ?::boolean or p.id in (select person_id from v_mem))
"""

# The one pass over the messages, reduced to one row per (group, sender), so that the membership
# join below never touches individual messages.
_PASS = """
create or replace temp table _gs as
select group_id, person_id, count(*) as n, count(*) filter (where after_hours) as n_ah
from v_msg
group by all;

create or replace temp table _gt as
select group_id, sum(n) as n, sum(n_ah) as n_ah from _gs group by group_id;
"""

# What a cadre receives in a group is the group's total minus their own posts there.
_LOAD = """
create or replace temp table _load as
with mem as (
    select distinct v_mem.group_id, v_mem.person_id
    from v_mem join _cadre on _cadre.person_id = v_mem.person_id
),
recv as (
    select mem.person_id, count(*) as groups,
           sum(coalesce(gt.n, 0) - coalesce(gs.n, 0)) as received,
           sum(coalesce(gt.n_ah, 0) - coalesce(gs.n_ah, 0)) as ah_received
    from mem
    left join _gt gt on gt.group_id = mem.group_id
    left join _gs gs on gs.group_id = mem.group_id and gs.person_id = mem.person_id
    group by mem.person_id
),
sent as (
    select gs.person_id, sum(gs.n) as sent, sum(gs.n_ah) as ah_sent
    from _gs gs join _cadre on _cadre.person_id = gs.person_id
    group by gs.person_id
)
select p.id as person_id, p.display_name as person, p.unit, p.position, p.is_leader,
       coalesce(r.groups, 0)::integer as groups,
       coalesce(r.groups, 0) > f.cap as over_cap,
       coalesce(r.received, 0)::bigint as received,
       coalesce(r.received / nullif(f.days, 0), 0)::double as messages_per_day,
       coalesce(r.received / nullif(f.days, 0), 0) * f.reading_seconds / 60 as reading_minutes,
       coalesce(r.ah_received, 0)::bigint as after_hours_received,
       coalesce(s.ah_sent, 0)::bigint as after_hours_sent,
       coalesce(s.sent, 0)::bigint as sent
from _cadre c
join people p on p.id = c.person_id
left join recv r on r.person_id = c.person_id
left join sent s on s.person_id = c.person_id
cross join _cfg f
"""

# Only when a directory exists is anyone "not a cadre"; they count if they are in a group or posted.
_NONCADRES = """
create or replace temp table _noncadre as
select p.id as person_id
from people p join _p on _p.person_id = p.id
where not p.in_directory and exists (select 1 from people where in_directory)
  and (p.id in (select person_id from v_mem) or p.id in (select person_id from _gs where person_id is not null))
"""

def _setup(cur: Any, scope: Scope, load: bool = True, noncadres: bool = False) -> None:
    cur.execute(_PASS)
    if load:
        cur.execute(_CADRES, [bool(scope.groups)])
        cur.execute(_LOAD)
    if noncadres:
        cur.execute(_NONCADRES)


def person_load(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per cadre in scope: person_id, person, unit, position, is_leader, groups, over_cap,
    received (window total), messages_per_day, reading_minutes (per day), after_hours_received,
    after_hours_sent, sent (window totals).
    Sorted by groups desc, messages_per_day desc, person."""
    with scoped(ws, scope) as cur:
        _setup(cur, scope)
        return frame(cur, """
            select person_id, person, unit, position, is_leader, groups, over_cap, received, messages_per_day,
                   reading_minutes, after_hours_received, after_hours_sent, sent
            from _load
            order by groups desc, messages_per_day desc, person, person_id
        """)


def summary(ws: Workspace, scope: Scope = Scope()) -> dict[str, Any]:
    """The page's headline figures, a dict with: cadres; groups per cadre mean, median, max;
    max_count (cadres at the max), max_person (the first of them in ``person_load`` order) and
    max_people (all their names, same order); over_cap (count) and cap; messages_per_day_mean,
    _p50, _p90, _max; reading_minutes_mean, reading_minutes_max; non_cadres (people in scope outside the
    directory who are in a group or posted); directory (a cadre directory has been imported);
    reading_seconds; days (the window's length). Statistics are None when there are no cadres."""
    with scoped(ws, scope) as cur:
        _setup(cur, scope, noncadres=True)
        row = frame(cur, """
            with a as (
                select count(*) as cadres, avg(groups) as mean, quantile_cont(groups, 0.5) as median,
                       max(groups) as max, count(*) filter (where over_cap) as over_cap,
                       avg(messages_per_day) as messages_per_day_mean,
                       quantile_cont(messages_per_day, 0.5) as messages_per_day_p50,
                       quantile_cont(messages_per_day, 0.9) as messages_per_day_p90,
                       max(messages_per_day) as messages_per_day_max,
                       avg(reading_minutes) as reading_minutes_mean,
                       max(reading_minutes) as reading_minutes_max
                from _load
            ),
            top as (
                select list(person order by messages_per_day desc, person, person_id) as max_people
                from _load where groups = (select max from a)
            )
            select a.cadres, a.mean, a.median, a.max, len(top.max_people) as max_count,
                   top.max_people[1] as max_person, top.max_people, a.over_cap, f.cap,
                   a.messages_per_day_mean, a.messages_per_day_p50, a.messages_per_day_p90, a.messages_per_day_max,
                   a.reading_minutes_mean, a.reading_minutes_max,
                   (select count(*) from _noncadre) as non_cadres,
                   exists (select 1 from people where in_directory) as directory,
                   f.reading_seconds, f.days
            from a, top, _cfg f
        """).iloc[0].to_dict()
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "max_people":
            out[key] = list(value) if value is not None and len(value) else []
        elif value is None or (not isinstance(value, str) and pd.isna(value)):
            out[key] = None
        else:
            out[key] = value.item() if hasattr(value, "item") else value
    return out


def distribution(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """Groups-per-cadre histogram: one row per count from 0 to the maximum (empty counts kept),
    columns groups, cadres, over_cap (bool: groups > cap)."""
    with scoped(ws, scope) as cur:
        _setup(cur, scope)
        return frame(cur, """
            select k.groups::integer as groups, count(l.person_id) as cadres, k.groups > any_value(f.cap) as over_cap
            from (select unnest(range(0, coalesce((select max(groups) from _load), -1) + 1)) as groups) k
            left join _load l on l.groups = k.groups
            cross join _cfg f
            group by k.groups
            order by k.groups
        """)


def by_unit(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per unit of the cadres in scope (unit None for cadres without one): unit, cadres,
    mean_groups, max_groups, over_cap (count), mean_messages_per_day, mean_reading_minutes,
    after_hours_received (mean per cadre). Sorted by mean_groups desc, over_cap desc, unit."""
    with scoped(ws, scope) as cur:
        _setup(cur, scope)
        return frame(cur, """
            select unit, count(*) as cadres, avg(groups) as mean_groups, max(groups) as max_groups,
                   count(*) filter (where over_cap) as over_cap,
                   avg(messages_per_day) as mean_messages_per_day,
                   avg(reading_minutes) as mean_reading_minutes,
                   avg(after_hours_received) as after_hours_received
            from _load
            group by unit
            order by mean_groups desc, over_cap desc, unit nulls last
        """)


def non_cadres(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """People in scope outside the cadre directory who are in a group or posted in scope:
    person_id, person, unit, position, groups, sent. Empty when no directory was imported."""
    with scoped(ws, scope) as cur:
        _setup(cur, scope, load=False, noncadres=True)
        return frame(cur, """
            select p.id as person_id, p.display_name as person, p.unit, p.position,
                   (select count(distinct group_id) from v_mem where v_mem.person_id = p.id) as groups,
                   coalesce((select sum(n) from _gs where _gs.person_id = p.id), 0)::bigint as sent
            from _noncadre n join people p on p.id = n.person_id
            order by groups desc, person
        """)


def person_groups(ws: Workspace, person_id: int, scope: Scope = Scope()) -> pd.DataFrame:
    """The groups in scope ``person_id`` belongs to, one row each: group_id, group, platform, unit,
    role, members, messages (window total), messages_per_day, received_per_day (others' messages),
    reading_minutes (per day, of those received), sent (by the person), after_hours_received.
    Sorted by received_per_day desc, group."""
    with scoped(ws, scope) as cur:
        return frame(cur, """
            with mine as (
                -- one row per group even if the person is listed twice; the strongest role wins
                select group_id,
                       arg_min(role, case role when 'owner' then 0 when 'admin' then 1 else 2 end) as role
                from v_mem where person_id = ? group by group_id
            ),
            gs as (
                select v.group_id, count(*) as n,
                       count(*) filter (where v.person_id is distinct from ?) as recv,
                       count(*) filter (where v.person_id = ?) as sent,
                       count(*) filter (where v.after_hours and v.person_id is distinct from ?) as ah
                from v_msg v semi join mine on mine.group_id = v.group_id
                group by v.group_id
            ),
            members as (
                select group_id, count(distinct person_id) as members
                from v_mem semi join mine on mine.group_id = v_mem.group_id
                group by group_id
            )
            select g.id as group_id, g.name as "group", g.platform, g.unit,
                   mine.role, members.members,
                   coalesce(gs.n, 0) as messages,
                   coalesce(gs.n / nullif(f.days, 0), 0)::double as messages_per_day,
                   coalesce(gs.recv / nullif(f.days, 0), 0)::double as received_per_day,
                   coalesce(gs.recv / nullif(f.days, 0), 0) * f.reading_seconds / 60 as reading_minutes,
                   coalesce(gs.sent, 0) as sent,
                   coalesce(gs.ah, 0) as after_hours_received
            from mine
            join groups g on g.id = mine.group_id
            join members on members.group_id = mine.group_id
            left join gs on gs.group_id = mine.group_id
            cross join _cfg f
            order by received_per_day desc, "group"
        """, [person_id, person_id, person_id, person_id])


def received_messages(ws: Workspace, person_id: int, scope: Scope = Scope(), limit: int = 200) -> pd.DataFrame:
    """The latest ``limit`` messages in scope ``person_id`` received (posted by others in their
    groups), newest first: sent_local, group, sender (None when unknown), kind, category, text,
    after_hours."""
    with scoped(ws, scope) as cur:
        # Find the cut-off time on the narrow columns first, so the texts of a million messages are
        # never read or sorted; the second query then prunes the scan by time.
        cur.execute("create or replace temp table _mine as select distinct group_id from v_mem where person_id = ?",
                    [person_id])
        cutoff = cur.execute("""
            select min(sent_local) from (
                select v.sent_local from v_msg v
                where v.group_id in (select group_id from _mine) and v.person_id is distinct from ?
                order by v.sent_local desc limit ?)
        """, [person_id, limit]).fetchone()[0]
        return frame(cur, """
            select v.sent_local, g.name as "group", p.display_name as sender, v.kind, v.category, v.text,
                   v.after_hours
            from v_msg_text v
            join groups g on g.id = v.group_id
            left join people p on p.id = v.person_id
            where v.group_id in (select group_id from _mine) and v.person_id is distinct from ?
              and v.sent_local >= ?
            order by v.sent_local desc, g.name, sender
            limit ?
        """, [person_id, cutoff, limit])
