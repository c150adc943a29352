"""概览: the key figures, the most serious findings, and what data the figures stand on.

Every figure here comes from the page module that owns its definition (burden, after_hours,
quality, lifecycle, overlap), so the overview, the pages, the CLI and the proposal agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.analysis import after_hours, burden, lifecycle, overlap, quality
from core.analysis.base import Scope, frame, scoped
from core.lexicon import SUBSTANCE
from core.workspace import Workspace


@dataclass(frozen=True)
class Finding:
    """One finding in plain Chinese and how serious it is (0–1, for ordering); ``key`` names the
    subject (over_cap, after_hours, noise, duplicates, red_packets, zombie, overlap)."""

    key: str
    text: str
    severity: float


def _inputs(ws: Workspace, scope: Scope) -> dict[str, Any]:
    """The page summaries the overview is made of, each computed once."""
    with scoped(ws, scope) as cur:
        groups, memberships, messages, days = cur.execute(
            """
            select (select count(*) from _g), (select count(*) from v_mem),
                   (select count(*) from v_msg), (select days from _cfg)
            """
        ).fetchall()[0]
    return {"burden": burden.summary(ws, scope), "after_hours": after_hours.summary(ws, scope),
            "categories": quality.categories(ws, scope), "duplicates": quality.duplicate_summary(ws, scope),
            "lifecycle": lifecycle.summary(ws, scope), "top_pair": overlap.pairs(ws, scope, limit=1),
            "groups": groups, "memberships": memberships, "messages": messages, "days": days,
            "zombie_days": ws.settings().zombie_days}


def overview(ws: Workspace, scope: Scope = Scope(), limit: int = 5) -> tuple[dict[str, Any], list[Finding]]:
    """The key figures and the ``limit`` most serious findings for ``scope``, in one pass."""
    inputs = _inputs(ws, scope)
    return _key_figures(inputs), _findings(inputs, limit)


def key_figures(ws: Workspace, scope: Scope = Scope()) -> dict[str, Any]:
    """The overview's headline numbers for ``scope``."""
    return _key_figures(_inputs(ws, scope))


def findings(ws: Workspace, scope: Scope = Scope(), limit: int = 5) -> list[Finding]:
    """The most serious findings, most serious first (at most ``limit``)."""
    return _findings(_inputs(ws, scope), limit)


def _key_figures(i: dict[str, Any]) -> dict[str, Any]:
    b, ah, cats = i["burden"], i["after_hours"], i["categories"]
    messages, days = i["messages"], i["days"]
    substance = sum(cats[c] for c in SUBSTANCE)
    return {
        "groups": i["groups"],
        "cadres": b["cadres"],
        "memberships": i["memberships"],
        "mean_groups": b["mean"],
        "max_groups": b["max"],
        "over_cap": b["over_cap"],
        "cap": b["cap"],
        "messages": messages,
        "days": days,
        "messages_per_day": messages / days if days else 0.0,
        "after_hours_share": ah["share"],
        "after_hours": ah["after_hours"],
        "substance_share": substance / messages if messages else 0.0,
        "zombie_groups": i["lifecycle"]["zombie"],
        "red_packets": cats["red_packet"],
    }


def _findings(i: dict[str, Any], limit: int) -> list[Finding]:
    b, ah, cats, dup, life = i["burden"], i["after_hours"], i["categories"], i["duplicates"], i["lifecycle"]
    out: list[Finding] = []
    if b["cadres"] and b["over_cap"]:
        share = b["over_cap"] / b["cadres"]
        out.append(Finding(
            "over_cap",
            f"{b['over_cap']} 名干部超过 {b['cap']} 个群（占 {share:.0%}）；最多的一人（{b['max_person']}）在 {b['max']} 个群。",
            # the commission's first question: ranked high even when a minority is over the cap
            min(1.0, share + 0.3)))
    if ah["messages"] and ah["non_exempt"]:
        out.append(Finding(
            "after_hours",
            f"{ah['share']:.1%} 的消息发在非工作时间（{ah['after_hours']:,} 条，其中应急豁免 {ah['exempt']:,} 条）；"
            f"深夜 22:00–07:00 有 {ah['late_night']:,} 条。",
            min(1.0, ah["non_exempt_share"] * 3)))
    messages = sum(cats.values())
    if messages:
        noise = (cats["ack"] + cats["flattery"]) / messages
        substance = sum(cats[c] for c in SUBSTANCE) / messages
        out.append(Finding(
            "noise",
            f"只有 {substance:.0%} 的消息是干货；“收到”类回复和鲜花点赞占 {noise:.0%}"
            f"（{cats['ack'] + cats['flattery']:,} 条）。",
            min(1.0, noise * 1.5)))
    if dup["clusters"]:
        out.append(Finding(
            "duplicates",
            f"{dup['clusters']} 条通知被原样转发到多个群，多出 {dup['extra_copies']} 次重复阅读。",
            min(0.85, 0.3 + dup["clusters"] / 100)))
    if cats["red_packet"]:
        out.append(Finding(
            "red_packets",
            f"工作群里有 {cats['red_packet']} 个红包或转账，属于需要核实的线索。",
            0.7))
    if life["zombie"] or life["finished"]:
        out.append(Finding(
            "zombie",
            f"{life['zombie']} 个群已超过 {i['zombie_days']} 天没有消息（僵尸群），"
            f"{life['finished']} 个专项/项目群工作已结束，可以解散。",
            min(1.0, 0.3 + (life["zombie"] + life["finished"]) / max(life["groups"], 1))))
    top = i["top_pair"]
    if not top.empty and top.iloc[0]["jaccard"] >= 0.6:
        r = top.iloc[0]
        out.append(Finding(
            "overlap",
            f"「{r['a']}」和「{r['b']}」的成员重合 {r['jaccard']:.0%}（共同成员 {int(r['shared'])} 人），可考虑合并。",
            float(r["jaccard"]) * 0.8))
    out.sort(key=lambda f: -f.severity)
    return out[:limit]


def coverage(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """Per group in scope: where its members come from, how many messages, and their date range.

    Columns: group_id, group, roster ("名单" | "仅发言人" | "无"), members, messages (all stored
    non-system messages, whatever the window), first_message_at, last_message_at."""
    with scoped(ws, scope) as cur:
        return frame(cur, """
            with mem as (
                select group_id, count(*) as members, bool_or(source = 'roster') as has_roster
                from v_mem group by group_id
            ),
            msg as (
                select gm.group_id, count(*) as messages,
                       min(m.sent_local) as first_message_at, max(m.sent_local) as last_message_at
                from messages m join group_map gm on gm.account_id = m.group_account_id
                where m.kind not in ('system', 'recall')
                group by gm.group_id
            )
            select g.id as group_id, g.name as "group",
                   case when mem.has_roster then '名单' when mem.members > 0 then '仅发言人' else '无' end as roster,
                   coalesce(mem.members, 0) as members, coalesce(msg.messages, 0) as messages,
                   msg.first_message_at, msg.last_message_at
            from _g join groups g on g.id = _g.group_id
            left join mem on mem.group_id = g.id
            left join msg on msg.group_id = g.id
            order by g.name
        """)
