"""From the workspace to a consolidation plan: merges and dissolutions, then the cap.

``build(ws, scope, cap, keep, dissolve)`` gathers what core/plan/merge.py and core/plan/cap.py
need from the analysis scope (group activity and lifecycle, memberships, messages sent, duplicate
notices shared), runs them in that order, and returns the plan as the JSON object of
``python -m core plan`` (issue 4):

- groups after the plan are the kept groups and the combined groups;
- cadres are the directory's people when a directory was imported, else everyone (as on the
  burden page); the figures and the people list are about them;
- a cadre whose only groups are dissolved joins the kept group with most people of their unit
  (the largest group when their unit is unknown), so no cadre who was in a group is left in none;
- relevance of a membership, for choosing which groups a cadre over the cap keeps:
  messages they sent there + 20 if they own or administer it + 10 if the group is their unit's + 1.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any, Iterable

import pandas as pd

from core.analysis import lifecycle, quality
from core.analysis.base import Scope, scoped
from core.plan.cap import CapProblem, solve_cap
from core.plan.merge import GroupStats, MergeLocks, MergeSettings, plan_merges
from core.workspace import Workspace

ROLE_BONUS = 20.0
UNIT_BONUS = 10.0
BASE = 1.0


class PlanError(ValueError):
    """A request the plan cannot take (e.g. a group name that does not exist); Chinese message."""


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
        people = {pid: (name, unit, directory) for pid, name, unit, directory in
                  cur.execute("select id, display_name, unit, in_directory from people").fetchall()}
    return {"status": status, "days": days, "emergency": emergency, "members": members, "sent": sent,
            "people": people, "duplicates": quality.duplicate_pairs(ws, scope)}


def _figures(groups: dict[int, set[int]], traffic: dict[int, float], own: dict[tuple[int, int], float],
             cap: int) -> dict[str, Any]:
    """Before/after figures over everyone in at least one group (``groups``: person → group ids;
    ``traffic``: group → messages per day; ``own``: (person, group) → own messages per day)."""
    counts = [len(g) for g in groups.values()]
    load = sorted(sum(traffic.get(g, 0.0) - own.get((p, g), 0.0) for g in gs) for p, gs in groups.items())

    def pct(q: float) -> float:
        if not load:
            return 0.0
        return round(statistics.quantiles(load, n=100, method="inclusive")[int(q) - 1], 2) if len(load) > 1 \
            else round(load[0], 2)

    return {
        "groups": len({g for gs in groups.values() for g in gs}),
        "memberships": sum(counts),
        "mean_groups_per_person": round(sum(counts) / len(counts), 4) if counts else 0.0,
        "max_groups_per_person": max(counts, default=0),
        "over_cap": sum(1 for c in counts if c > cap),
        "messages_per_person_day_p50": pct(50),
        "messages_per_person_day_p90": pct(90),
    }


def build(ws: Workspace, scope: Scope = Scope(), cap: int | None = None, keep: Iterable[str] = (),
          dissolve: Iterable[str] = ()) -> dict[str, Any]:
    """The consolidation plan for ``scope`` as issue 4's JSON object (see the module docstring).
    Raises :class:`PlanError` for unknown group names."""
    settings = ws.settings()
    cap = cap if cap is not None else settings.cap
    d = _gather(ws, scope)
    status = d["status"]
    names = dict(zip(status["group_id"], status["group"]))
    keep_ids = _ids_by_name(names, list(keep), "--keep")
    dissolve_ids = _ids_by_name(names, list(dissolve), "--dissolve")
    if keep_ids & dissolve_ids:
        raise PlanError("同一个群不能既保留又解散：" + "、".join(names[i] for i in sorted(keep_ids & dissolve_ids)))

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
    merged = plan_merges(stats, d["duplicates"], window_days=days,
                         settings=MergeSettings(reading_seconds=settings.reading_seconds,
                                                max_members=settings.max_group_members),
                         locks=MergeLocks(keep=keep_ids, dissolve=dissolve_ids))

    person_name = {p: v[0] for p, v in d["people"].items()}
    person_unit = {p: v[1] for p, v in d["people"].items()}
    # Cadres, as on the burden page: the directory's people when there is a directory, else everyone.
    # Contractors and bank staff stay in the groups but are not planned for.
    in_directory = {p for p, v in d["people"].items() if v[2]}
    everyone = {p for ms in members.values() for p in ms}
    cadres = everyone & in_directory if in_directory else everyone
    before = {p: {g for g in names if p in members[g]} for p in cadres}
    results = {r.id: r for r in merged.groups}
    result_of = {a.group_id: a.result_id for a in merged.actions}
    after_members: dict[int, set[int]] = {r.id: set(r.members) for r in merged.groups}

    # Nobody who was in a group is left in none: the orphans of dissolved groups join the kept
    # group with most people of their unit.
    placed: dict[int, int] = {}
    for p in sorted(before):
        if any(p in ms for ms in after_members.values()) or not after_members:
            continue
        unit = person_unit.get(p)
        best = max(after_members, key=lambda r: (sum(1 for q in after_members[r] if unit and person_unit.get(q) == unit),
                                                 len(after_members[r]), -r))
        after_members[best].add(p)
        placed[p] = best

    relevance: dict[tuple[int, int], float] = {}
    for r in results.values():
        inputs = [g for g, rid in result_of.items() if rid == r.id]
        for p in after_members[r.id]:
            relevance[(p, r.id)] = (sum(sent.get((p, g), 0.0) * days for g in inputs)
                                    + (ROLE_BONUS if any(role.get((p, g)) in ("owner", "admin") for g in inputs) else 0.0)
                                    + (UNIT_BONUS if r.unit and person_unit.get(p) == r.unit else 0.0) + BASE)
    solved = solve_cap(CapProblem(
        memberships={r: frozenset(ms) for r, ms in after_members.items()}, relevance=relevance,
        owners={r.id: r.owner_id for r in results.values()}, person_unit=person_unit, cap=cap,
        group_names={r.id: r.name for r in results.values()}, person_names=person_name))

    if solved.feasible:
        after = {p: set(gs) for p, gs in solved.kept.items() if p in before}
    else:
        after = {p: {r for r, ms in after_members.items() if p in ms} for p in before}
    traffic_before = {s.id: s.messages_per_day for s in stats}
    traffic_after = {r.id: r.messages_per_day for r in results.values()}
    own_after = {(p, rid): sum(sent.get((p, g), 0.0) for g, x in result_of.items() if x == rid)
                 for p in before for rid in after.get(p, ())}
    result_name = {r.id: r.name for r in results.values()}
    return {
        "cap": cap,
        "feasible": solved.feasible,
        "before": _figures(before, traffic_before, sent, cap),
        "after": _figures(after, traffic_after, own_after, cap),
        "actions": [{"group": a.group, "action": a.action, "into": a.into, "reason": a.reason}
                    for a in merged.actions],
        "people": [{"person": person_name.get(p, str(p)),
                    "before": sorted(names[g] for g in before[p]),
                    "after": sorted(result_name[r] for r in after.get(p, ()))}
                   for p in sorted(before, key=lambda p: (person_name.get(p, ""), p))],
        "placed": [{"person": person_name.get(p, str(p)), "into": result_name[r]} for p, r in sorted(placed.items())],
        "conflicts": list(solved.conflicts),
        "min_feasible_cap": solved.min_feasible_cap,
    }
