"""Group lifecycle (群生命周期): zombie groups, finished project groups, owners, size limits.

Definitions (the same on the page, in the CLI and in the proposal):
- Every lifecycle fact is judged as it stood at the analysis date ``_cfg.as_of`` (by default the
  newest message in the workspace): messages sent after it are ignored. The date window of the
  scope only limits the ``messages`` count and the daily activity, never the status.
- active message: kind not in (system, recall). first/last_message_at are the first and last
  active messages up to ``as_of`` over the group's whole history.
- no_messages: the group has no message of any kind in the workspace (e.g. only a roster):
  "没有聊天记录", listed apart and never a zombie.
- zombie: the group has a message (any kind) up to ``as_of`` but no active message with
  ``zombie_since < sent_local <= as_of``, where ``zombie_since = as_of − zombie_days``.
  A last active message exactly ``zombie_days`` days before ``as_of`` is a zombie; one
  ``zombie_days`` days minus a second before is not. A group whose only recent messages are
  system ones (邀请加入群聊) is still a zombie.
- days_silent: whole days (floor of 24 h periods) from the last active message to ``as_of``;
  so ``zombie`` ⇔ ``days_silent >= zombie_days`` whenever there is an active message.
- project: a ``PROJECT_WORDS`` word in the group's name or category.
- finished: a project group with messages up to ``as_of`` whose last active message is at least
  ``FINISHED_DAYS`` (14) days before ``as_of`` (or that has no active message at all):
  "专项工作已结束，应及时解散".
- owner_status: "unknown" — no owner in the group list or roster; "left" — the group has a
  roster and the owner is not in it any more (owner_in_group false), or a cadre directory was
  imported and the owner is not in it (owner_in_directory false); otherwise "ok".
  owner_in_group is NULL for groups without a roster (members known from senders only) and
  owner_in_directory is NULL when no directory was imported: nothing can be said then.
- near_limit: members ≥ 90 % of ``max_group_members`` (over-limit groups included);
  over_limit: members > ``max_group_members``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.analysis.base import Scope, frame, scoped
from core.lexicon import PROJECT_WORDS, alternation
from core.workspace import Workspace

FINISHED_DAYS = 14
NEAR_LIMIT_PERCENT = 90
RECENT_MESSAGES = 50

# One row per group in _g, built once per cursor and shared by the functions below.
_STATUS = """
create or replace temp table _life as
-- Aggregated per group account first and mapped to groups after: joining a million rows to
-- group_map before grouping, or casting each to a date, costs 3× more.
with per_account as (
    select m.group_account_id,
           count(*) as all_messages,
           count(*) filter (where m.sent_local <= f.as_of) as messages_to_date,
           min(m.sent_local) filter (where m.kind not in ('system', 'recall') and m.sent_local <= f.as_of)
               as first_message_at,
           max(m.sent_local) filter (where m.kind not in ('system', 'recall') and m.sent_local <= f.as_of)
               as last_message_at,
           max(m.sent_local) filter (where m.sent_local <= f.as_of) as last_any_at,
           -- The rows of v_msg (active, local date in [lo, hi]), counted in this same scan:
           -- v_msg would also work out every row's working-time flags.
           count(*) filter (where m.kind not in ('system', 'recall')
                            and m.sent_local >= f.lo and m.sent_local < f.hi + 1) as messages
    from messages m cross join _cfg f
    group by m.group_account_id
),
hist as (
    select gm.group_id, sum(a.all_messages) as all_messages, sum(a.messages_to_date) as messages_to_date,
           min(a.first_message_at) as first_message_at, max(a.last_message_at) as last_message_at,
           max(a.last_any_at) as last_any_at, sum(a.messages) as messages
    from per_account a
    join group_map gm on gm.account_id = a.group_account_id
    join _g on _g.group_id = gm.group_id
    group by gm.group_id
),
mem as (
    select group_id, count(*) as members, bool_or(source = 'roster') as has_roster
    from v_mem group by group_id
),
directory as (
    select coalesce(bool_or(in_directory), false) as present from people
),
base as (
    select g.id as group_id, g.name as "group", g.platform, g.unit, g.category,
           g.owner_id, g.owner_name as owner, op.unit as owner_unit,
           -- Without a roster the members are only the senders: an owner who never wrote is
           -- no evidence that they left, so membership is judged on rosters only.
           case when g.owner_id is null or not coalesce(mem.has_roster, false) then null
                else exists (select 1 from v_mem o where o.group_id = g.id and o.person_id = g.owner_id)
           end as owner_in_group,
           case when g.owner_id is null or not directory.present then null
                else op.in_directory
           end as owner_in_directory,
           coalesce(mem.members, 0) as members,
           coalesce(hist.messages, 0) as messages,
           hist.first_message_at, hist.last_message_at, hist.last_any_at,
           floor(epoch(f.as_of - hist.last_message_at) / 86400)::integer as days_silent,
           coalesce(hist.all_messages, 0) = 0 as no_messages,
           coalesce(hist.messages_to_date, 0) > 0 as has_history,
           regexp_matches(g.name || ' ' || coalesce(g.category, ''), $project) as project,
           f.zombie_since, f.max_members
    from groups g
    join _g on _g.group_id = g.id
    cross join _cfg f
    cross join directory
    left join people op on op.id = g.owner_id
    left join hist on hist.group_id = g.id
    left join mem on mem.group_id = g.id
)
select *,
       case when owner_id is null then 'unknown'
            when owner_in_group = false or owner_in_directory = false then 'left'
            else 'ok' end as owner_status,
       has_history and (last_message_at is null or last_message_at <= zombie_since) as zombie,
       project and has_history and (last_message_at is null or days_silent >= $finished_days) as finished,
       -- Integer arithmetic: 9 of 10 is near the limit, with no floating-point doubt.
       members * 100 >= $near_percent * max_members as near_limit,
       members > max_members as over_limit
from base
"""

_STATUS_ROWS = """
select group_id, "group", platform, unit, category, owner, owner_status, members, messages,
       first_message_at, last_message_at, days_silent, zombie, no_messages, project, finished,
       near_limit, over_limit, owner_id, owner_unit, owner_in_group, owner_in_directory, last_any_at
from _life
order by last_message_at asc nulls first, "group"
"""


def _build(cur: Any) -> None:
    """Create TEMP table ``_life`` (one row per group in ``_g``) on a ``scoped`` cursor."""
    cur.execute(_STATUS, {"project": alternation(PROJECT_WORDS), "finished_days": FINISHED_DAYS,
                          "near_percent": NEAR_LIMIT_PERCENT})


def group_status(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per group in scope with its lifecycle status (see the module docstring).

    Columns: group_id, group, platform, unit, category, owner, owner_status (ok|unknown|left),
    members, messages (active, in the window), first_message_at, last_message_at (local, NULL when
    none), days_silent, zombie, no_messages, project, finished, near_limit, over_limit — then
    owner_id, owner_unit, owner_in_group, owner_in_directory (NULL = cannot tell) and last_any_at
    (last message of any kind, system included). Sorted by last_message_at (nulls first), group.
    """
    with scoped(ws, scope) as cur:
        _build(cur)
        return frame(cur, _STATUS_ROWS)


def summary(ws: Workspace, scope: Scope = Scope()) -> dict[str, Any]:
    """Counts of groups per finding, plus the settings and analysis date they were judged with.

    Keys: groups, zombie, finished, no_messages, owner_unknown, owner_left, near_limit, over_limit,
    largest (members of the biggest group), as_of (the analysis instant; None without messages),
    as_of_date (the day it stands for), zombie_days, finished_days, max_members, near_percent.
    """
    with scoped(ws, scope) as cur:
        _build(cur)
        row = cur.execute(
            """
            -- From _cfg outwards, so an empty scope still yields one row of zeros.
            select count(l.group_id) as groups,
                   count(*) filter (where l.zombie) as zombie,
                   count(*) filter (where l.finished) as finished,
                   count(*) filter (where l.no_messages) as no_messages,
                   count(*) filter (where l.owner_status = 'unknown') as owner_unknown,
                   count(*) filter (where l.owner_status = 'left') as owner_left,
                   count(*) filter (where l.near_limit) as near_limit,
                   count(*) filter (where l.over_limit) as over_limit,
                   coalesce(max(l.members), 0) as largest,
                   any_value(f.as_of) as as_of, any_value(f.zombie_days) as zombie_days,
                   any_value(f.max_members) as max_members
            from _cfg f left join _life l on true
            """
        ).fetchone()
        names = [d[0] for d in cur.description]
    out = dict(zip(names, row))
    # The day the user reads as "截至": a chosen date stands for its end (next midnight).
    out["as_of_date"] = scope.as_of or (out["as_of"].date() if out["as_of"] else None)
    out["finished_days"] = FINISHED_DAYS
    out["near_percent"] = NEAR_LIMIT_PERCENT
    return out


def by_owner(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """谁建群谁负责: one row per owner of groups in scope (owner NULL: groups without a known owner).

    Columns: owner_id, owner, owner_unit, in_directory (NULL when no directory), groups, zombie,
    finished, no_messages, owner_left (groups where the owner's status is "left"), members (sum of
    the groups' members), messages (active, in the window), group_names (list, by name).
    Sorted by groups desc, then problem groups desc, owner.
    """
    with scoped(ws, scope) as cur:
        _build(cur)
        return frame(
            cur,
            """
            select owner_id, any_value(owner) as owner, any_value(owner_unit) as owner_unit,
                   any_value(owner_in_directory) as in_directory,
                   count(*) as groups,
                   count(*) filter (where zombie) as zombie,
                   count(*) filter (where finished) as finished,
                   count(*) filter (where no_messages) as no_messages,
                   count(*) filter (where owner_status = 'left') as owner_left,
                   sum(members)::bigint as members,
                   sum(messages)::bigint as messages,
                   list("group" order by "group") as group_names
            from _life
            group by owner_id
            order by groups desc, count(*) filter (where zombie or finished) desc, owner_id is null, owner
            """,
        )


def daily_activity(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """Active messages per group and local day inside the window (days without messages omitted).

    Columns: group_id, group, d (date), messages. Sorted by group, d.
    """
    with scoped(ws, scope) as cur:
        # The rows of v_msg, counted straight from messages (see _STATUS for why).
        return frame(
            cur,
            """
            with per_account as (
                select m.group_account_id, m.sent_local::date as d, count(*) as messages
                from messages m cross join _cfg f
                where m.kind not in ('system', 'recall') and m.sent_local >= f.lo and m.sent_local < f.hi + 1
                group by all
            )
            select gm.group_id, g.name as "group", a.d, sum(a.messages)::bigint as messages
            from per_account a
            join group_map gm on gm.account_id = a.group_account_id
            join _g on _g.group_id = gm.group_id
            join groups g on g.id = gm.group_id
            group by all
            order by "group", a.d
            """,
        )


def group_detail(ws: Workspace, group_id: int, limit: int = RECENT_MESSAGES) -> dict[str, pd.DataFrame]:
    """Everything behind one group's row, over its whole history (no scope):

    - ``info``: one row — group_id, group, platform, platform_id, unit, category, emergency,
      created_at (local), notes, owner_id, owner;
    - ``members``: person_id, name, unit, position, role (owner/admin/member), is_owner,
      in_directory, joined_at (local), source, messages (active messages sent, whole history);
      owners and admins first;
    - ``recent``: the last ``limit`` messages of any kind (system and recall included), newest
      first — sent_local, sender, kind, text;
    - ``daily``: d, messages (active) for every day the group had one.
    """
    tz = ws.settings().timezone
    cur = ws.cursor()
    try:
        info = frame(cur, """
            select id as group_id, name as "group", platform, platform_id, unit, category, emergency,
                   timezone(?, created_at) as created_at, notes, owner_id, owner_name as owner
            from groups where id = ?""", [tz, group_id])
        members = frame(cur, """
            with sent as (
                select pm.person_id, count(*) as messages
                from messages m
                join group_map gm on gm.account_id = m.group_account_id
                join person_map pm on pm.account_id = m.sender_account_id
                where gm.group_id = $g and m.kind not in ('system', 'recall')
                group by pm.person_id
            )
            select p.id as person_id, p.display_name as name, p.unit, p.position, mb.role,
                   p.id is not distinct from g.owner_id as is_owner, p.in_directory,
                   timezone($tz, mb.joined_at) as joined_at, mb.source,
                   coalesce(sent.messages, 0) as messages
            from memberships mb
            join people p on p.id = mb.person_id
            join groups g on g.id = mb.group_id
            left join sent on sent.person_id = p.id
            where mb.group_id = $g
            order by case mb.role when 'owner' then 0 when 'admin' then 1 else 2 end,
                     messages desc, name
            """, {"g": group_id, "tz": tz})
        recent = frame(cur, """
            select m.sent_local, p.display_name as sender, m.kind, m.text
            from messages m
            join group_map gm on gm.account_id = m.group_account_id
            left join person_map pm on pm.account_id = m.sender_account_id
            left join people p on p.id = pm.person_id
            where gm.group_id = $g
            order by m.sent_local desc, m.import_id desc, m.line desc
            limit $n
            """, {"g": group_id, "n": limit})
        daily = frame(cur, """
            select m.sent_local::date as d, count(*) as messages
            from messages m join group_map gm on gm.account_id = m.group_account_id
            where gm.group_id = ? and m.kind not in ('system', 'recall')
            group by 1 order by 1
            """, [group_id])
        return {"info": info, "members": members, "recent": recent, "daily": daily}
    finally:
        cur.close()
