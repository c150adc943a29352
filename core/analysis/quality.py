"""Message quality (消息质量): what the messages in scope are, per group and per sender.

Every function reads the scope's ``v_msg`` (non-system messages in scope, see base.py) and the
category stored at import (core/lexicon.py, core/sql/classify.sql). Definitions:

- 干货率 (substance share) = (assignment + document + other) / messages.
- Duplicate notice: the same normalised text (``norm_hash``, ``norm_len`` ≥ 20) in at least two
  groups within 72 hours. Per ``norm_hash`` the copies are ordered by time; a copy more than 72 h
  after the previous one starts a new cluster; a cluster counts when it spans ≥ 2 groups. Extra
  copies = copies − 1 per counted cluster (copies = every message in the cluster).
- Red packets and transfers: category ``red_packet`` (kinds red_packet and transfer).
- Photo check-in request: a text/quote/link message of category ``photo_checkin`` that is not a
  check-in report (``lexicon.photo_done_pattern``: 已打卡, 柳湾村已上传). Each image or video
  counts for the latest request in its group at or before it, when at most 2 hours later
  (``msg_facts.images_2h``, counted over all the group's stored messages).
- Buried assignment: an assignment followed, in its group within 2 hours (inclusive), by at least
  ``threshold`` non-substance messages (ack, flattery, offtopic, photo_checkin, red_packet),
  counted over all the group's stored messages whatever the date filter (``msg_facts.chatter_2h``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pandas as pd

from core.analysis.base import Scope, frame, scoped
from core.lexicon import NON_SUBSTANCE, SUBSTANCE
from core.workspace import Workspace

# The eight categories a non-system message can have, substance first (the charts' order).
CATEGORIES = SUBSTANCE + NON_SUBSTANCE

DUPLICATE_MIN_LEN = 20
DUPLICATE_HOURS = 72
# Default of ``threshold`` below: an assignment is buried when at least this many non-substance
# messages follow it in its group within FOLLOW_HOURS.
BURIED_THRESHOLD = 20

# A money amount as exports write it: ￥500.00, ¥ 2,000, （20 个，共 200.00 元）.
_AMOUNT = r"(?:[￥¥]\s*|共\s*)([0-9][0-9,]*(?:\.[0-9]{1,2})?)"


def _check_category(category: str | None) -> None:
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")


def categories(ws: Workspace, scope: Scope = Scope()) -> dict[str, int]:
    """Messages per category over the scope: all eight categories, in ``CATEGORIES`` order, zeros kept."""
    with scoped(ws, scope) as cur:
        counts = dict(cur.execute("select category, count(*) from v_msg group by category").fetchall())
    return {c: int(counts.get(c, 0)) for c in CATEGORIES}


def by_group(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per group with messages in scope: group_id, group, messages, one column per
    category, substance (assignment + document + other) and substance_share (0–1).
    Ordered by messages, most first."""
    # count per (group, category) in one pass, then pivot the few hundred rows
    sql = """
        with c as (
            select group_id, category, count(*) as n from v_msg group by group_id, category
        )
        select g.id as group_id, g.name as "group", sum(n)::bigint as messages,
               coalesce(sum(n) filter (where c.category = 'assignment'), 0)::bigint as assignment,
               coalesce(sum(n) filter (where c.category = 'document'), 0)::bigint as document,
               coalesce(sum(n) filter (where c.category = 'other'), 0)::bigint as other,
               coalesce(sum(n) filter (where c.category = 'ack'), 0)::bigint as ack,
               coalesce(sum(n) filter (where c.category = 'flattery'), 0)::bigint as flattery,
               coalesce(sum(n) filter (where c.category = 'offtopic'), 0)::bigint as offtopic,
               coalesce(sum(n) filter (where c.category = 'photo_checkin'), 0)::bigint as photo_checkin,
               coalesce(sum(n) filter (where c.category = 'red_packet'), 0)::bigint as red_packet,
               coalesce(sum(n) filter (where c.category in ('assignment', 'document', 'other')), 0)::bigint
                   as substance,
               coalesce(sum(n) filter (where c.category in ('assignment', 'document', 'other')), 0) / sum(n)
                   as substance_share
        from c
        join groups g on g.id = c.group_id
        group by g.id, g.name
        order by messages desc, g.name
    """
    with scoped(ws, scope) as cur:
        return frame(cur, sql)


def top_senders(ws: Workspace, scope: Scope = Scope(), category: str = "ack", limit: int = 20) -> pd.DataFrame:
    """Who sends most messages of ``category`` (people in scope only, unknown senders left out):
    person_id, name, unit, messages (of that category), groups (groups they sent it in),
    total (all their messages in scope), share (messages / total). Most first, at most ``limit``."""
    _check_category(category)
    sql = """
        with s as (
            select person_id, group_id, count(*) filter (where category = $category) as n, count(*) as t
            from v_msg
            where person_id is not null
            group by person_id, group_id
        ),
        per as (
            select person_id, sum(n) as messages, count(*) filter (where n > 0) as groups, sum(t) as total
            from s
            group by person_id
            having sum(n) > 0
        )
        select per.person_id, p.display_name as name, p.unit, per.messages::bigint as messages,
               per.groups, per.total::bigint as total, per.messages / per.total as share
        from per
        join _p on _p.person_id = per.person_id
        join people p on p.id = per.person_id
        order by messages desc, name
        limit $limit
    """
    with scoped(ws, scope) as cur:
        return frame(cur, sql, {"category": category, "limit": int(limit)})


def red_packets(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """Every red packet and transfer in scope, oldest first: group_id, group, person_id, sender,
    unit, sent_local, kind (red_packet | transfer), text (wish/amount as exported), amount (yuan,
    when the text states one, else NaN), after_hours."""
    sql = """
        select m.group_id, g.name as "group", m.person_id, p.display_name as sender, p.unit,
               m.sent_local, m.kind, m.note as text,
               try_cast(replace(nullif(regexp_extract(coalesce(m.note, ''), $amount, 1), ''), ',', '')
                        as decimal(14, 2))::double as amount,
               m.after_hours
        from v_msg m
        join groups g on g.id = m.group_id
        left join people p on p.id = m.person_id
        where m.category = 'red_packet'
        order by m.sent_local, g.name, m.import_id, m.line
    """
    with scoped(ws, scope) as cur:
        return frame(cur, sql, {"amount": _AMOUNT})


# Clusters of one normalised text, as CTEs ending in ``k`` (counted clusters) and ``c`` (copies).
_CLUSTERS = """
    with d as (
        -- keys only: the windows below sort every long text message, so no strings ride along
        select group_id, person_id, sent_at, sent_local, norm_hash, import_id, line
        from v_msg
        where norm_hash is not null and norm_len >= $min_len
    ),
    s as (
        select *, lag(sent_at) over (partition by norm_hash order by sent_at, group_id, import_id, line) as prev_at
        from d
    ),
    c as (
        select *, sum(case when prev_at is null or sent_at > prev_at + to_hours($hours) then 1 else 0 end)
                      over (partition by norm_hash order by sent_at, group_id, import_id, line
                            rows between unbounded preceding and current row) as seg
        from s
    ),
    k as (
        select norm_hash, seg, count(*) as copies, count(distinct group_id) as groups, min(sent_at) as first_at
        from c
        group by norm_hash, seg
        having count(distinct group_id) >= 2
    )
"""


def duplicate_notices(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per copy of every duplicate-notice cluster: cluster (1, 2, … by first copy time),
    copy (1 = first), copies, groups (distinct groups in the cluster), group_id, group,
    person_id, sender, sent_local, minutes_after_first, text. Ordered by cluster, copy."""
    sql = _CLUSTERS + """
        select dense_rank() over (order by k.first_at, k.norm_hash) as cluster,
               row_number() over (partition by c.norm_hash, c.seg
                                  order by c.sent_at, c.group_id, c.import_id, c.line) as copy,
               k.copies, k.groups, c.group_id, g.name as "group", c.person_id, p.display_name as sender,
               c.sent_local, round(epoch(c.sent_at - k.first_at) / 60)::integer as minutes_after_first, t.text
        from c
        join k on k.norm_hash = c.norm_hash and k.seg = c.seg
        join messages t on t.import_id = c.import_id and t.line = c.line
        join groups g on g.id = c.group_id
        left join people p on p.id = c.person_id
        order by cluster, copy
    """
    with scoped(ws, scope) as cur:
        return frame(cur, sql, {"min_len": DUPLICATE_MIN_LEN, "hours": DUPLICATE_HOURS})


def duplicate_report(ws: Workspace, scope: Scope = Scope(),
                     limit: int = 300) -> tuple[dict[str, int], pd.DataFrame]:
    """What the page shows, in one pass: :func:`duplicate_summary` over every cluster, and the
    rows of :func:`duplicate_notices` for the ``limit`` clusters that reached the most groups
    (then most copies, then earliest); cluster numbers are the same as over all clusters."""
    params = {"min_len": DUPLICATE_MIN_LEN, "hours": DUPLICATE_HOURS}
    with scoped(ws, scope) as cur:
        # the copies of counted clusters, once, for both the counts and the listing (TEMP: this cursor)
        cur.execute("create or replace temp table _dup as " + _CLUSTERS + """
            select c.*, k.copies, k.groups, k.first_at from c join k on k.norm_hash = c.norm_hash and k.seg = c.seg
        """, params)
        clusters, copies = cur.execute(
            "select count(distinct (norm_hash, seg)), count(*) from _dup").fetchone()
        rows = frame(cur, """
            with ranked as (
                select norm_hash, seg,
                       dense_rank() over (order by first_at, norm_hash) as cluster,
                       row_number() over (order by groups desc, copies desc, first_at, norm_hash) as importance
                from (select distinct norm_hash, seg, copies, groups, first_at from _dup)
            ),
            top as materialized (
                select r.cluster, d.* from _dup d
                join ranked r on r.norm_hash = d.norm_hash and r.seg = d.seg
                where r.importance <= $limit
            )
            select t.cluster,
                   row_number() over (partition by t.norm_hash, t.seg
                                      order by t.sent_at, t.group_id, t.import_id, t.line) as copy,
                   t.copies, t.groups, t.group_id, g.name as "group", t.person_id, p.display_name as sender,
                   t.sent_local, round(epoch(t.sent_at - t.first_at) / 60)::integer as minutes_after_first, m.text
            from top t
            join messages m on m.import_id = t.import_id and m.line = t.line
            join groups g on g.id = t.group_id
            left join people p on p.id = t.person_id
            order by t.cluster, copy
        """, {"limit": int(limit)})
    summary = {"clusters": int(clusters), "copies": int(copies), "extra_copies": int(copies) - int(clusters)}
    return summary, rows


def duplicate_clusters(ws: Workspace, scope: Scope = Scope()) -> list[tuple[int, ...]]:
    """The distinct groups (sorted ids) each counted duplicate-notice cluster reached, one tuple
    per cluster: what a plan that merges or dissolves groups would stop repeating."""
    sql = _CLUSTERS + """
        select list(distinct c.group_id order by c.group_id)
        from c join k using (norm_hash, seg)
        group by c.norm_hash, c.seg
        order by min(c.sent_at), c.norm_hash
    """
    with scoped(ws, scope) as cur:
        rows = cur.execute(sql, {"min_len": DUPLICATE_MIN_LEN, "hours": DUPLICATE_HOURS}).fetchall()
    return [tuple(int(g) for g in r[0]) for r in rows]


def pairs_of(clusters: list[tuple[int, ...]]) -> dict[frozenset[int], int]:
    """{frozenset({group a, group b}): clusters both groups received} from :func:`duplicate_clusters`."""
    counts: Counter[frozenset[int]] = Counter()
    for groups in clusters:
        counts.update(frozenset(p) for p in itertools.combinations(groups, 2))
    return dict(counts)


def duplicate_pairs(ws: Workspace, scope: Scope = Scope()) -> dict[frozenset[int], int]:
    """{frozenset({group a, group b}): duplicate-notice clusters both groups received} for every
    pair of groups that shared at least one (what a merge of the two would stop repeating)."""
    return pairs_of(duplicate_clusters(ws, scope))


def summarise_duplicates(copies: pd.DataFrame) -> dict[str, int]:
    """:func:`duplicate_summary` from the rows of :func:`duplicate_notices` the caller has."""
    clusters, n = int(copies["cluster"].nunique()) if len(copies) else 0, len(copies)
    return {"clusters": clusters, "copies": n, "extra_copies": n - clusters}


def duplicate_summary(ws: Workspace, scope: Scope = Scope()) -> dict[str, int]:
    """{clusters, copies, extra_copies}: counted duplicate-notice clusters, their messages, and
    the copies beyond the first of each (copies − clusters)."""
    sql = _CLUSTERS + "select count(*), coalesce(sum(copies), 0) from k"
    with scoped(ws, scope) as cur:
        clusters, copies = cur.execute(sql, {"min_len": DUPLICATE_MIN_LEN, "hours": DUPLICATE_HOURS}).fetchone()
    return {"clusters": int(clusters), "copies": int(copies), "extra_copies": int(copies) - int(clusters)}


def photo_requests(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """Photo check-in requests per group and sender: group_id, group, person_id, sender, unit,
    requests, images (images/videos that followed within 2 hours), first_at, last_at, example
    (the first request's text). Most requests first."""
    sql = """
        with r as (
            select row_number() over (order by group_id, sent_at, import_id, line) as rid,
                   group_id, person_id, sent_at, sent_local, import_id, line, images_2h
            from v_msg
            where category = 'photo_checkin' and kind in ('text', 'quote', 'link') and not photo_reply
        ),
        per_sender as (
            -- msg_facts.images_2h: the images that answered each request (core/facts.py)
            select r.group_id, r.person_id, count(*) as requests, coalesce(sum(r.images_2h), 0)::bigint as images,
                   min(r.sent_local) as first_at, max(r.sent_local) as last_at,
                   arg_min(r.import_id, r.rid) as ex_import, arg_min(r.line, r.rid) as ex_line
            from r
            group by r.group_id, r.person_id
        )
        select s.group_id, g.name as "group", s.person_id, p.display_name as sender, p.unit,
               s.requests, s.images, s.first_at, s.last_at, t.text as example
        from per_sender s
        join messages t on t.import_id = s.ex_import and t.line = s.ex_line
        join groups g on g.id = s.group_id
        left join people p on p.id = s.person_id
        order by s.requests desc, s.images desc, "group", sender
    """
    with scoped(ws, scope) as cur:
        return frame(cur, sql)


def buried_count(ws: Workspace, scope: Scope = Scope(), threshold: int = BURIED_THRESHOLD) -> int:
    """How many assignments in scope are buried (see :func:`buried_assignments`)."""
    with scoped(ws, scope) as cur:
        return int(cur.execute("select count(*) from v_msg where category = 'assignment' and chatter_2h >= ?",
                               [int(threshold)]).fetchone()[0])


def buried_assignments(ws: Workspace, scope: Scope = Scope(), threshold: int = BURIED_THRESHOLD,
                       limit: int = 500) -> pd.DataFrame:
    """The ``limit`` most buried assignments: those followed, in their group within 2 hours
    (inclusive), by ≥ ``threshold`` non-substance messages. Columns group_id, group, person_id,
    sender, sent_local, text, chatter (that count). Largest chatter first."""
    # msg_facts.chatter_2h is counted over all the group's stored messages (core/facts.py)
    sql = """
        with a as materialized (
            select * from v_msg
            where category = 'assignment' and chatter_2h >= $threshold
            order by chatter_2h desc, sent_local, import_id, line
            limit $limit
        )
        select a.group_id, g.name as "group", a.person_id, p.display_name as sender, a.sent_local, t.text,
               a.chatter_2h as chatter
        from a
        join messages t on t.import_id = a.import_id and t.line = a.line
        join groups g on g.id = a.group_id
        left join people p on p.id = a.person_id
        order by a.chatter_2h desc, a.sent_local, a.import_id, a.line
    """
    with scoped(ws, scope) as cur:
        return frame(cur, sql, {"threshold": int(threshold), "limit": int(limit)})


def messages(ws: Workspace, scope: Scope = Scope(), group_id: int | None = None, category: str | None = None,
             limit: int = 500) -> pd.DataFrame:
    """The messages behind a figure (drill-down), oldest first, at most ``limit``: sent_local,
    group_id, group, person_id, sender, unit, kind, category, text. ``None`` means any group or
    category."""
    _check_category(category)
    sql = """
        with m as materialized (
            -- pick the rows on the narrow facts, then fetch the texts of those rows only
            select sent_local, group_id, person_id, kind, category, import_id, line
            from v_msg
            where ($group_id is null or group_id = $group_id)
              and ($category is null or category = $category)
            order by sent_local, import_id, line
            limit $limit
        )
        select m.sent_local, m.group_id, g.name as "group", m.person_id, p.display_name as sender, p.unit,
               m.kind, m.category, t.text
        from m
        join messages t on t.import_id = m.import_id and t.line = m.line
        join groups g on g.id = m.group_id
        left join people p on p.id = m.person_id
        order by m.sent_local, m.import_id, m.line
    """
    params: dict[str, Any] = {"group_id": group_id, "category": category, "limit": int(limit)}
    with scoped(ws, scope) as cur:
        return frame(cur, sql, params)
