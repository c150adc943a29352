"""From the workspace to a consolidation plan: merges and dissolutions, the user's edits, then the cap.

``build(ws, scope, cap, keep, dissolve, never_merge, stay, edits, substitutes)`` gathers what
core/plan/merge.py and core/plan/cap.py need from the analysis scope (group activity and
lifecycle, memberships, messages sent, duplicate notices), runs them in this order and returns the
plan as the JSON object of ``python -m core plan`` (issue 4):

1. merges (core/plan/merge.py) with the locks ``keep``, ``dissolve`` and ``never_merge``;
2. the user's ``edits`` of the plan table (group → keep / merge into X / dissolve) replace the
   proposed action of those groups; the groups that exist afterwards are the kept ones, each with
   the members and traffic of every group merged into it (directly or through a chain);
3. a cadre whose only groups are dissolved joins the kept group with most people of their unit
   (the largest group when their unit is unknown), so no cadre who was in a group is left in none;
4. the cap (core/plan/cap.py), with ``stay`` (person, group) memberships locked and, when
   ``substitutes``, colleagues of the same unit allowed to take over a group their unit would
   otherwise leave.

Cadres are the directory's people when a directory was imported, else everyone (as on the burden
page); the figures and the people list are about them. Relevance of a membership, for choosing
which groups a cadre over the cap keeps: messages they sent there + messages that @mention them
there + 20 if they own or administer it + 10 if the group is their unit's + 1.

Figures (``before`` / ``after``): groups, memberships, mean / p90 / max groups per cadre, cadres
over the cap, messages each cadre must read per day (others' messages in their groups: p50 / p90 /
max) and the township's reading minutes per week (those messages × reading seconds × 7 days). A
group's traffic after the plan is the sum of the groups merged into it, less the extra copies of
notices that reached several of them (posted once in the combined group).
``saved``: reading minutes per week, and duplicate notices avoided per week — for each notice
that reached n groups, the n − 1 extra copies before against the extra copies among the groups
left after the plan.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from core.analysis import lifecycle, quality
from core.analysis.base import Scope, scoped
from core.plan.cap import CapProblem, solve_cap
from core.plan.merge import GroupStats, MergeLocks, MergeSettings, plan_merges
from core.settings import Settings
from core.workspace import Workspace

ROLE_BONUS = 20.0
UNIT_BONUS = 10.0
BASE = 1.0
# Per-day figures are shown per week as × WEEK_DAYS (reading minutes, duplicate notices).
WEEK_DAYS = 7
ACTIONS = ("keep", "merge", "dissolve")
ACTION_NAMES = {"keep": "保留", "merge": "合并", "dissolve": "解散"}


class PlanError(ValueError):
    """A request the plan cannot take (e.g. a group name that does not exist); Chinese message."""


def merge_settings(settings: Settings) -> MergeSettings:
    """The merge scoring parameters the plan uses under the workspace ``settings`` (the overlap a
    pair needs to be considered stays at MergeSettings' defaults)."""
    return MergeSettings(reading_seconds=settings.reading_seconds, max_members=settings.max_group_members)


def _ids_by_name(names: dict[int, str], wanted: Iterable[str], flag: str) -> frozenset[int]:
    by_name = {n: i for i, n in names.items()}
    missing = [w for w in wanted if w not in by_name]
    if missing:
        raise PlanError(f"{flag} 指定的群「{'」「'.join(missing)}」不在工作区中。请检查群名称（可用 report 命令查看全部群名）。")
    return frozenset(by_name[w] for w in wanted)


def _gather(ws: Workspace, scope: Scope) -> dict[str, Any]:
    status = lifecycle.group_status(ws, scope)
    with scoped(ws, scope) as cur:
        days = cur.execute("select days from _cfg").fetchone()[0] or 1
        emergency = dict(cur.execute("select id, emergency from groups").fetchall())
        members = cur.execute("select group_id, person_id, role from v_mem").fetchall()
        sent = cur.execute("select person_id, group_id, count(*) from v_msg where person_id is not null "
                           "group by person_id, group_id").fetchall()
        # Mentions are stored as the text after "@" up to a space (WeChat puts U+2005 there), so
        # "@王小明，请…" is matched by its start.
        mentioned = cur.execute(
            """
            select mb.person_id, x.group_id, count(*)
            from (select group_id, unnest(mentions) as name from v_msg_text where mentions is not null) x
            join v_mem mb on mb.group_id = x.group_id
            join people p on p.id = mb.person_id
            where p.display_name is not null and starts_with(x.name, p.display_name)
            group by mb.person_id, x.group_id
            """
        ).fetchall()
        people = {pid: (name, unit, directory) for pid, name, unit, directory in
                  cur.execute("select id, display_name, unit, in_directory from people").fetchall()}
    clusters = quality.duplicate_clusters(ws, scope)
    return {"status": status, "days": days, "emergency": emergency, "members": members, "sent": sent,
            "mentioned": {(p, g): int(n) for p, g, n in mentioned},
            "people": people, "clusters": clusters, "duplicates": quality.pairs_of(clusters)}


def _pct(values: list[float], q: int) -> float:
    """Inclusive q-th percentile (q in 1…99) of ``values``; 0 without values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(sorted(values), n=100, method="inclusive")[q - 1])


def _figures(groups: dict[int, set[int]], traffic: dict[int, float], own: dict[tuple[int, int], float],
             cap: int, reading_seconds: float) -> dict[str, Any]:
    """Before/after figures over every cadre (``groups``: person → group ids; ``traffic``:
    group → messages per day; ``own``: (person, group) → own messages per day)."""
    counts = [len(g) for g in groups.values()]
    load = [sum(traffic.get(g, 0.0) - own.get((p, g), 0.0) for g in gs) for p, gs in groups.items()]
    return {
        "groups": len({g for gs in groups.values() for g in gs}),
        "memberships": sum(counts),
        "mean_groups_per_person": round(sum(counts) / len(counts), 4) if counts else 0.0,
        "p90_groups_per_person": round(_pct([float(c) for c in counts], 90), 2),
        "max_groups_per_person": max(counts, default=0),
        "over_cap": sum(1 for c in counts if c > cap),
        "messages_per_person_day_p50": round(_pct(load, 50), 2),
        "messages_per_person_day_p90": round(_pct(load, 90), 2),
        "messages_per_person_day_max": round(max(load, default=0.0), 2),
        "reading_minutes_per_week": round(sum(load) * reading_seconds / 60 * WEEK_DAYS, 2),
    }


@dataclass
class _Decision:
    """The action of one input group after the user's edits."""

    action: str
    into: int | None  # the group it is merged into (directly), for "merge"
    reason: str
    evidence: dict[str, Any]
    edited: bool


def _apply_edits(names: dict[int, str], auto: dict[int, _Decision], edits: Mapping[str, tuple[str, str | None]],
                 by_name: dict[str, int]) -> dict[int, _Decision]:
    decisions = dict(auto)
    for group, (action, into) in sorted(edits.items()):
        if group not in by_name:
            raise PlanError(f"方案表里的群「{group}」不在工作区中。")
        if action not in ACTIONS:
            raise PlanError(f"群「{group}」的建议「{action}」无法识别：请选 保留、合并 或 解散。")
        gid = by_name[group]
        target = None
        if action == "merge":
            if not into:
                raise PlanError(f"群「{group}」设为合并，但没有选择并入哪个群：请在“并入”一栏选一个群。")
            if into not in by_name:
                raise PlanError(f"群「{group}」要并入的群「{into}」不在工作区中。")
            target = by_name[into]
            if target == gid:
                raise PlanError(f"群「{group}」不能并入它自己：请选择另一个群，或改为保留。")
        before = auto[gid]
        if before.action == action and before.into == target:
            continue
        text = {"keep": "按人工调整保留。", "dissolve": "按人工调整解散。",
                "merge": f"按人工调整并入“{into}”。"}[action]
        decisions[gid] = _Decision(action, target, text, dict(before.evidence), True)
    return decisions


def _destinations(names: dict[int, str], decisions: dict[int, _Decision]) -> dict[int, int | None]:
    """Input group → the kept group it ends in (None when dissolved), following merge chains."""
    dest: dict[int, int | None] = {}
    for gid in sorted(decisions):
        path = [gid]
        cur = gid
        while decisions[cur].action == "merge":
            nxt = decisions[cur].into
            if nxt in path:
                chain = " → ".join(names[i] for i in path + [nxt])
                raise PlanError(f"合并安排形成了循环（{chain}）：请把其中一个群改为保留。")
            path.append(nxt)
            cur = nxt
        if decisions[cur].action == "dissolve" and cur != gid:
            raise PlanError(f"群「{names[gid]}」并入的群「{names[cur]}」设为解散：请改为并入其他群，或把「{names[cur]}」改为保留。")
        for g in path:
            dest[g] = None if decisions[cur].action == "dissolve" else cur
    return dest


def build(ws: Workspace, scope: Scope = Scope(), cap: int | None = None, keep: Iterable[str] = (),
          dissolve: Iterable[str] = (), never_merge: Iterable[tuple[str, str]] = (),
          stay: Iterable[tuple[str, str]] = (), edits: Iterable[tuple[str, str, str | None]] = (),
          substitutes: bool = True, on_step: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The consolidation plan for ``scope`` as issue 4's JSON object (see the module docstring).
    ``on_step`` hears the name of each stage as it starts (for a progress bar).

    ``never_merge``: pairs of group names; ``stay``: (person name, group name) memberships the cap
    must keep; ``edits``: (group, "keep" | "merge" | "dissolve", into or None) rows of the edited
    plan table. Raises :class:`PlanError` (Chinese) for unknown names or contradictory edits."""
    settings = ws.settings()
    cap = cap if cap is not None else settings.cap
    step = on_step or (lambda _s: None)
    step("统计各群的成员和消息")
    d = _gather(ws, scope)
    status = d["status"]
    names: dict[int, str] = dict(zip((int(i) for i in status["group_id"]), status["group"]))
    by_name = {n: i for i, n in names.items()}
    keep_ids = _ids_by_name(names, list(keep), "--keep")
    dissolve_ids = _ids_by_name(names, list(dissolve), "--dissolve")
    if keep_ids & dissolve_ids:
        raise PlanError("同一个群不能既保留又解散：" + "、".join(names[i] for i in sorted(keep_ids & dissolve_ids)))
    never = frozenset(_ids_by_name(names, list(pair), "不合并") for pair in never_merge)
    if any(len(pair) != 2 for pair in never):
        raise PlanError("“不要合并”需要两个不同的群。")

    members: dict[int, set[int]] = defaultdict(set)
    role: dict[tuple[int, int], str] = {}
    for g, p, r in d["members"]:
        if g in names:
            members[g].add(p)
            role[(p, g)] = r
    days = float(d["days"])
    sent = {(p, g): n / days for p, g, n in d["sent"]}
    stats = [GroupStats(id=int(r.group_id), name=r.group, members=frozenset(members[r.group_id]),
                        messages_per_day=float(r.messages) / days,
                        last_message_at=None if pd.isna(r.last_message_at) else r.last_message_at.to_pydatetime(),
                        zombie=bool(r.zombie), finished=bool(r.finished),
                        owner_id=None if pd.isna(r.owner_id) else int(r.owner_id),
                        unit=r.unit if isinstance(r.unit, str) else None,
                        emergency=bool(d["emergency"].get(r.group_id, False)), traffic_known=not bool(r.no_messages))
             for r in status.itertuples(index=False)]
    by_id = {s.id: s for s in stats}
    step("找出值得合并的群")
    merged = plan_merges(stats, d["duplicates"], window_days=days,
                         settings=merge_settings(settings),
                         locks=MergeLocks(keep=keep_ids, dissolve=dissolve_ids, never_merge=never))
    # A merge's "into" is its final group: the chain collapses to one step.
    auto = {a.group_id: _Decision(a.action, a.result_id if a.action == "merge" else None, a.reason, a.evidence, False)
            for a in merged.actions}
    decisions = _apply_edits(names, auto, {g: (a, i) for g, a, i in edits}, by_name)
    dest = _destinations(names, decisions)

    # The groups after the plan: each kept group with everything merged into it.
    inputs: dict[int, list[int]] = defaultdict(list)
    for g in sorted(dest):
        if dest[g] is not None:
            inputs[dest[g]].append(g)
    result_members = {r: set().union(*(members[g] for g in gs)) for r, gs in inputs.items()}
    traffic_after = {r: sum(by_id[g].messages_per_day for g in gs) for r, gs in inputs.items()}
    # A notice that reached several groups now merged into one is posted there once.
    for groups in d["clusters"]:
        landed: dict[int, int] = defaultdict(int)
        for g in groups:
            if dest.get(g) is not None:
                landed[dest[g]] += 1
        for r, n in landed.items():
            traffic_after[r] -= (n - 1) / days
    owner_of = {}
    for r, gs in inputs.items():
        owners = [by_id[g].owner_id for g in [r, *gs] if by_id[g].owner_id is not None]
        owner_of[r] = owners[0] if owners else None
    for r, ms in result_members.items():
        if len(ms) > settings.max_group_members and any(decisions[g].edited for g in inputs[r]):
            raise PlanError(f"按调整后的安排，「{names[r]}」将有 {len(ms)} 人，超过每群 {settings.max_group_members} 人的上限：请少并入一些群。")

    person_name = {p: v[0] for p, v in d["people"].items()}
    person_unit = {p: v[1] for p, v in d["people"].items()}
    in_directory = {p for p, v in d["people"].items() if v[2]}
    everyone = {p for ms in members.values() for p in ms}
    # Contractors and bank staff stay in the groups but are not planned for.
    cadres = everyone & in_directory if in_directory else everyone
    groups_of: dict[int, set[int]] = defaultdict(set)
    for g, ms in members.items():
        for p in ms:
            groups_of[p].add(g)
    before = {p: set(groups_of[p]) for p in cadres}

    results_of: dict[int, set[int]] = defaultdict(set)
    for r, ms in result_members.items():
        for p in ms:
            results_of[p].add(r)
    placed: dict[int, int] = {}
    for p in sorted(before):
        if results_of[p] or not result_members:
            continue
        unit = person_unit.get(p)
        best = max(result_members, key=lambda r: (sum(1 for q in result_members[r] if unit and person_unit.get(q) == unit),
                                                  len(result_members[r]), -r))
        result_members[best].add(p)
        results_of[p].add(best)
        placed[p] = best

    relevance: dict[tuple[int, int], float] = {}
    for r, gs in inputs.items():
        for p in result_members[r]:
            relevance[(p, r)] = (sum(sent.get((p, g), 0.0) * days + d["mentioned"].get((p, g), 0) for g in gs)
                                 + (ROLE_BONUS if any(role.get((p, g)) in ("owner", "admin") for g in gs) else 0.0)
                                 + (UNIT_BONUS if by_id[r].unit and person_unit.get(p) == by_id[r].unit else 0.0) + BASE)
    stay_pairs = _stay_pairs(stay, person_name, by_name, dest)
    pool = {p: person_unit[p] for p in cadres if person_unit.get(p)} if substitutes else {}
    step(f"求解每人最多 {cap} 个群（人多时要几秒）")
    solved = solve_cap(CapProblem(
        memberships={r: frozenset(ms) for r, ms in result_members.items()}, relevance=relevance,
        owners=owner_of, person_unit=person_unit, cap=cap, keep_memberships=frozenset(stay_pairs),
        dissolved=frozenset(g for g, r in dest.items() if r is None),
        group_names=names, person_names=person_name, substitutes=pool))

    if solved.feasible:
        after = {p: set(gs) for p, gs in solved.kept.items() if p in before}
        for p in before:
            after.setdefault(p, set(results_of[p]))
    else:
        after = {p: set(results_of[p]) for p in before}
    added = [(p, r) for p, r in solved.added if p in before]
    traffic_before = {s.id: s.messages_per_day for s in stats}
    own_after = {(p, r): sum(sent.get((p, g), 0.0) for g in inputs[r]) for p in before for r in after[p]}
    step("汇总调整前后的对比")
    fig_before = _figures(before, traffic_before, sent, cap, settings.reading_seconds)
    fig_after = _figures(after, traffic_after, own_after, cap, settings.reading_seconds)
    dup_before, dup_after = _duplicate_copies(d["clusters"], dest)

    def load(p: int, gs: Iterable[int], traffic: Mapping[int, float], own: Mapping[tuple[int, int], float]) -> float:
        return round(sum(traffic.get(g, 0.0) - own.get((p, g), 0.0) for g in gs), 2)

    sent_by: dict[int, dict[int, float]] = defaultdict(dict)
    for (p, g), v in sent.items():
        sent_by[p][g] = v
    people = []
    for p in sorted(before, key=lambda p: (person_name.get(p, ""), p)):
        why = _person_reasons(p, before[p], after[p], dest, names, placed, added, sent_by[p], days,
                              person_name, person_unit)
        people.append({
            "person": person_name.get(p, str(p)), "unit": person_unit.get(p) or "",
            "before": sorted(names[g] for g in before[p]), "after": sorted(names[r] for r in after[p]),
            "load_before": load(p, before[p], traffic_before, sent),
            "load_after": load(p, after[p], traffic_after, own_after),
            "why": why,
        })
    actions = []
    for s in sorted(stats, key=lambda s: (s.name, s.id)):
        dec = decisions[s.id]
        r = dest[s.id]
        ev = dec.evidence
        shared = len(members[s.id] & members[r]) if dec.action == "merge" and r is not None else None
        dups = d["duplicates"].get(frozenset((s.id, r)), 0) if dec.action == "merge" and r is not None else None
        actions.append({
            "group": s.name, "action": dec.action, "into": names[r] if dec.action == "merge" else None,
            "reason": dec.reason, "edited": dec.edited,
            "members": len(members[s.id]), "messages_per_day": round(s.messages_per_day, 2),
            "last_message": ev.get("last_message_at"), "owner": person_name.get(s.owner_id, "") if s.owner_id else "",
            "unit": s.unit or "", "shared_with_target": shared, "duplicates_with_target": dups,
            "members_after": len(result_members[s.id]) if dec.action == "keep" else None,
        })
    return {
        "cap": cap,
        "feasible": solved.feasible,
        "before": fig_before,
        "after": fig_after,
        "saved": {
            "reading_minutes_per_week": round(fig_before["reading_minutes_per_week"] - fig_after["reading_minutes_per_week"], 2),
            "duplicate_notices_per_week": round((dup_before - dup_after) * WEEK_DAYS / days, 1),
            "duplicate_notices": dup_before - dup_after,
        },
        "window_days": int(days),
        "actions": actions,
        "people": people,
        "placed": [{"person": person_name.get(p, str(p)), "into": names[r]} for p, r in sorted(placed.items())],
        "added": [{"person": person_name.get(p, str(p)), "group": names[r]} for p, r in added],
        "conflicts": list(solved.conflicts),
        "min_feasible_cap": solved.min_feasible_cap,
    }


def _stay_pairs(stay: Iterable[tuple[str, str]], person_name: dict[int, str], by_name: dict[str, int],
                dest: dict[int, int | None]) -> set[tuple[int, int]]:
    """(person, group after the plan) for each (person name, group name) the user locked."""
    ids_of: dict[str, list[int]] = defaultdict(list)
    for p, n in person_name.items():
        ids_of[n].append(p)
    out = set()
    for person, group in stay:
        if group not in by_name:
            raise PlanError(f"“留在群里”指定的群「{group}」不在工作区中。")
        found = ids_of.get(person, [])
        if not found:
            raise PlanError(f"“留在群里”指定的人「{person}」不在工作区中。")
        if len(found) > 1:
            raise PlanError(f"工作区里有 {len(found)} 个人叫「{person}」：请先在“核对人员”页区分他们。")
        gid = by_name[group]
        # A lock on a dissolved group stays on that group: the cap reports it as a conflict.
        out.add((found[0], dest[gid] if dest[gid] is not None else gid))
    return out


def _duplicate_copies(clusters: list[tuple[int, ...]], dest: Mapping[int, int | None]) -> tuple[int, int]:
    """Extra copies of duplicate notices (copies beyond the first) before and after the plan."""
    before = after = 0
    for groups in clusters:
        before += len(groups) - 1
        left = {dest.get(g) for g in groups} - {None}
        after += max(len(left) - 1, 0)
    return before, after


def _person_reasons(p: int, before: set[int], after: set[int], dest: Mapping[int, int | None], names: Mapping[int, str],
                    placed: Mapping[int, int], added: list[tuple[int, int]], sent: Mapping[int, float],
                    days: float, person_name: Mapping[int, str], person_unit: Mapping[int, str | None]) -> list[str]:
    """Why one cadre's groups change, one short Chinese sentence per change (``sent``: group →
    the cadre's own messages per day)."""
    out = []
    for g in sorted(before, key=lambda g: names[g]):
        r = dest.get(g)
        if r is None:
            out.append(f"「{names[g]}」解散")
        elif r != g:
            out.append(f"「{names[g]}」并入「{names[r]}」")
    mapped = {dest[g] for g in before if dest.get(g) is not None}
    for r in sorted(mapped - after, key=lambda r: names[r]):
        n = round(sum(v for g, v in sent.items() if dest.get(g) == r) * days)
        unit = person_unit.get(p)
        takers = [person_name.get(q, str(q)) for q, g in added if g == r and unit and person_unit.get(q) == unit]
        by = f"，由本单位 {'、'.join(takers)} 接替" if takers else ""
        out.append(f"超过上限，退出「{names[r]}」（期间在该群发言 {n} 条）{by}")
    if p in placed:
        out.append(f"原来的群都解散了，转入「{names[placed[p]]}」")
    for q, r in added:
        if q == p:
            out.append(f"接替本单位同事进入「{names[r]}」，保持本单位在该群有人对接")
    return out


def table_edits(proposed: Iterable[Mapping[str, Any]],
                table: Iterable[tuple[str, str, str | None]]) -> tuple[tuple[str, str, str | None], ...]:
    """The ``edits`` of :func:`build` from the rows of the edited plan table.

    ``proposed``: the plan's ``actions`` (group, action, into); ``table``: (group, action, into)
    as the user left them, in the same order, with ``into`` None when empty. A target chosen on a
    row left at "keep" or "dissolve" means "merge into it"; rows equal to the proposal are not edits."""
    edits = []
    for a, (group, action, into) in zip(proposed, table):
        if action != "merge" and action == a["action"] and into and into != a["into"]:
            action = "merge"
        target = into if action == "merge" else None
        if (action, target) != (a["action"], a["into"] if a["action"] == "merge" else None):
            edits.append((group, action, target))
    return tuple(edits)


def cadre_names(ws: Workspace) -> list[str]:
    """The names the plan is about (the directory's people, else everyone in a group), sorted:
    the choices of the page's "stays in this group" lock."""
    with scoped(ws) as cur:
        rows = cur.execute(
            """
            select distinct p.display_name
            from people p join v_mem m on m.person_id = p.id
            where p.in_directory or not exists (select 1 from people where in_directory)
            order by 1
            """
        ).fetchall()
    return [r[0] for r in rows if r[0]]
