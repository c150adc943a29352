"""Consolidation plan speed (core.plan.build.build, cap 3), against a raw DuckDB read_csv, in one run.

    python benchmarks/bench_plan.py                   # sample township and county
    python benchmarks/bench_plan.py --only county     # one of them
    python benchmarks/bench_plan.py --rebuild         # regenerate the county files, re-import both

Workspaces (kept in benchmarks/out/ and reused; rebuilt when missing or with --rebuild):
  sample  the committed sample township (34 groups, 199 cadres, ~32,000 messages) imported with
          ``core.importer.load_sample`` into ws_sample.duckdb.             Target: plan < 2 s.
  county  an invented county generated here from a fixed seed as our template CSV files
          (benchmarks/out/county/: 干部名册, 工作群清单, 群成员名单, 聊天记录_<month>) and
          imported through the real importer into ws_county.duckdb: 40 units (county leaders,
          offices, townships, villages) of 5–200 people, 4,000 cadres, 700 groups of 5–500 members
          drawn mostly from 1–3 units plus a few leaders (a few county-wide ones), every cadre in
          1–15 groups (heavy tail), near-duplicate groups, zombie and finished project groups,
          emergency and roster-only groups, ~600,000 messages over 90 days with county notices
          forwarded to several groups.                                     Target: plan < 30 s.

Each measurement is repeated (--repeat, default 3; the median is reported) and every repetition is
a first run: ``msg_facts`` is invalidated, rebuilt by ``ws.ensure_facts()`` (timed on its own),
then ``build(ws, Scope(), cap=3)`` is timed. Its stages are split by wrapping, in this process
only (no source is edited), ``core.plan.build._gather`` (the SQL part, with
``lifecycle.group_status`` and the duplicate-notice query inside it), ``plan_merges`` and
``solve_cap`` (with ``_optimise``, and ``_core_conflicts`` / ``_min_feasible_cap``, which only run
when the cap is infeasible, inside it; plus the time spent in CP-SAT's ``CpSolver.solve``);
"rest" is build() minus gather, merges and cap. A function that is missing (core/plan is being
worked on) is reported as a note and its row stays 0.

The reference is DuckDB's own ``read_csv`` of the same message CSV file(s) into an in-memory
table (county: its three monthly files; sample: each of the chat CSVs in
sample_data/township/聊天记录 on its own). The machine is shared and noisy: compare the ratio
build() / raw read_csv.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import itertools
import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

import core.plan.build as plan_build  # noqa: E402
import core.plan.cap as plan_cap  # noqa: E402
from core.analysis.base import Scope  # noqa: E402
from core.workspace import Workspace  # noqa: E402

CAP = 3
SEED = 20260301
START = dt.date(2026, 3, 2)
DAYS = 90


# =============================================================================================
# The county generator
# =============================================================================================

LEADER_UNIT = "县领导班子"
OFFICES = ("县委办公室", "县政府办公室", "县委组织部", "县委宣传部", "县委统战部", "县委政法委", "县纪委监委",
           "县发改局", "县财政局", "县教育局", "县卫健局", "县民政局", "县人社局", "县自然资源局", "县住建局",
           "县交通运输局", "县水利局", "县农业农村局", "县应急管理局")
TOWNSHIPS = ("青石镇", "柳湾镇", "河口镇", "大坪乡", "桃园乡", "石桥镇", "杨家庄乡", "松林镇", "白沙镇",
             "龙潭乡", "红岩镇", "新华街道")
VILLAGES = ("青石村", "柳湾村", "河口社区", "大坪村", "桃园村", "石桥村", "松林村", "白沙社区")
THEMES = ("防汛抗旱", "森林防火", "乡村振兴", "安全生产", "信访维稳", "人居环境整治", "文明城市创建", "招商引资",
          "医保征缴", "低保救助", "河长制", "林长制", "禁毒宣传", "反诈宣传", "征兵", "耕地保护", "秸秆禁烧",
          "食品安全", "消防安全", "疫苗接种", "网格化管理", "综治维稳", "政务服务", "营商环境", "财政报账",
          "项目申报", "教育资助", "养老服务", "退役军人服务", "残疾人帮扶")
PROJECT_THEMES = ("专项整治", "督查检查", "普查", "攻坚行动", "验收", "主题活动")
SUBGROUPS = ("综合股", "业务股", "办公室", "值班", "党支部", "青年理论学习", "后勤", "财务", "信息报送", "宣传",
             "档案", "网格员", "驻村干部", "机关", "协调", "联络")
ACKS = ("收到", "收到！", "好的", "已阅", "1", "收到收到", "好的，收到", "收到，马上办")
CHAT = ("表格在哪里下载？", "已上报", "辛苦了", "请问截止时间是哪天", "已完成", "明天上午报", "好的我去落实",
        "稍后发群里", "材料已交", "请查收", "谢谢领导", "马上到", "已经通知到位", "在路上了", "收到，已转发",
        "这个表需要盖章吗", "下午三点开会", "照片已上传", "[强]", "[玫瑰]")


@dataclass
class Person:
    id: int
    name: str
    unit: str
    position: str
    leader: bool
    target: int
    groups: int = 0


@dataclass
class Group:
    id: int
    name: str
    unit: str
    category: str
    units: tuple[str, ...]
    members: list[int] = field(default_factory=list)
    owner: int | None = None
    admins: list[int] = field(default_factory=list)
    emergency: bool = False
    start_day: int = 0
    stop_day: int = DAYS          # messages on days [start_day, stop_day)
    rate: float = 0.0             # messages per day (before the weekday factor)
    theme: str | None = None
    twin_of: int | None = None


def _unique_names(rng: random.Random, n: int) -> list[str]:
    from core.sample import GIVEN_FIRST, GIVEN_LAST, SURNAMES

    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        sur = rng.choice(SURNAMES)[0]
        given = (rng.choice(GIVEN_LAST)[0] if rng.random() < 0.12
                 else rng.choice(GIVEN_FIRST)[0] + rng.choice(GIVEN_LAST)[0])
        name = sur + given
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _unit_sizes(rng: random.Random, people: int) -> dict[str, int]:
    sizes = {LEADER_UNIT: 12}
    sizes.update({u: rng.randint(40, 150) for u in OFFICES})
    sizes.update({u: rng.randint(110, 200) for u in TOWNSHIPS})
    sizes.update({u: rng.randint(5, 15) for u in VILLAGES})
    adjustable = sorted(OFFICES + TOWNSHIPS)
    while sum(sizes.values()) != people:
        u = rng.choice(adjustable)
        if sum(sizes.values()) < people and sizes[u] < 200:
            sizes[u] += 1
        elif sum(sizes.values()) > people and sizes[u] > 5:
            sizes[u] -= 1
    return sizes


def _lognormal_int(rng: random.Random, median: float, sigma: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(rng.lognormvariate(math.log(median), sigma))))


class County:
    """An invented county, generated from ``seed`` (same seed, byte-identical files)."""

    def __init__(self, seed: int = SEED, people: int = 4000, groups: int = 700, messages: int = 600_000) -> None:
        self.rng = rng = random.Random(seed)
        self.n_groups = groups
        self.target_messages = messages
        sizes = _unit_sizes(rng, people)
        names = _unique_names(rng, people)
        self.units = list(sizes)
        self.people: list[Person] = []
        self.by_unit: dict[str, list[int]] = {}
        for unit in self.units:
            ids = []
            for k in range(sizes[unit]):
                pid = len(self.people)
                if unit == LEADER_UNIT:
                    pos, lead, target = ("县委书记" if k == 0 else "县长" if k == 1 else "副县长"), True, rng.randint(10, 15)
                elif k == 0:
                    pos, lead, target = ("书记" if unit in VILLAGES else "主要负责人"), False, rng.randint(6, 14)
                elif k <= (1 if sizes[unit] < 20 else 3):
                    pos, lead, target = "副职", False, rng.randint(4, 10)
                else:
                    pos, lead, target = "干部", False, _lognormal_int(rng, 2.6, 0.75, 1, 15)
                self.people.append(Person(pid, names[pid], unit, pos, lead, target))
                ids.append(pid)
            self.by_unit[unit] = ids
        self.leaders = self.by_unit[LEADER_UNIT]
        # Each unit has a county leader in charge of it (分管领导).
        self.in_charge = {u: self.leaders[i % len(self.leaders)] for i, u in enumerate(self.units) if u != LEADER_UNIT}
        self.groups: list[Group] = []
        self._build_groups()
        self._traffic()

    # -- groups ---------------------------------------------------------------------------------

    def _pick(self, pool: list[int], k: int, exclude: set[int]) -> list[int]:
        """``k`` people of ``pool`` (not in ``exclude``, under 15 groups), weighted by how many
        more groups they are meant to be in (those already at their target only as a last resort)."""
        rng = self.rng
        cands = [p for p in pool if p not in exclude and self.people[p].groups < 15]
        weights = [max(self.people[p].target - self.people[p].groups, 0) + 0.02 for p in cands]
        k = min(k, len(cands))
        # Efraimidis–Spirakis weighted sampling without replacement.
        keyed = sorted(((rng.random() ** (1.0 / w), p) for p, w in zip(cands, weights)), reverse=True)
        return [p for _, p in keyed[:k]]

    def _add(self, g: Group, people: list[int]) -> None:
        have = set(g.members)
        for p in people:
            if p not in have and self.people[p].groups < 15:
                g.members.append(p)
                have.add(p)
                self.people[p].groups += 1

    def _new(self, name: str, unit: str, category: str, units: tuple[str, ...]) -> Group:
        g = Group(len(self.groups) + 1, name, unit, category, units)
        self.groups.append(g)
        return g

    def _roles(self, g: Group, owner_pool: list[int]) -> None:
        rng = self.rng
        pool = [p for p in owner_pool if p in set(g.members)] or g.members
        g.owner = rng.choice(pool[:4]) if rng.random() < 0.6 else rng.choice(pool)
        others = [p for p in g.members if p != g.owner]
        g.admins = rng.sample(others, min(len(others), rng.randint(0, 2)))

    def _leaders_for(self, units: tuple[str, ...], extra: int) -> list[int]:
        ls = [self.in_charge[u] for u in units if u in self.in_charge]
        ls += self.rng.sample(self.leaders, extra)
        return ls

    def _build_groups(self) -> None:
        rng = self.rng
        units = [u for u in self.units if u != LEADER_UNIT]
        used: set[str] = set()

        def name_of(base: str) -> str:
            name, k = base, 2
            while name in used:
                name, k = f"{base}{k}", k + 1
            used.add(name)
            return name

        # 1. One main group per unit: the whole unit and its leader in charge.
        g = self._new(name_of("县领导班子群"), LEADER_UNIT, "综合", (LEADER_UNIT,))
        self._add(g, self.leaders)
        self._roles(g, self.leaders)
        for u in units:
            g = self._new(name_of(f"{u}工作群"), u, "村级" if u in VILLAGES else "综合", (u,))
            self._add(g, self.by_unit[u] + [self.in_charge[u]])
            self._roles(g, self.by_unit[u])
        # 2. A few county-wide groups: heads / deputies / liaison people of many units.
        for title, per_unit in (("全县办公室主任群", 1), ("全县乡镇党委书记群", 1), ("全县信息员群", 2),
                                ("全县财务人员群", 2), ("全县网格化管理群", 12), ("全县党建联络员群", 2),
                                ("全县安全生产工作群", 3), ("全县防汛抗旱工作群", 4)):
            reach = [u for u in units if u in TOWNSHIPS] if "乡镇" in title else units
            g = self._new(name_of(title), "县委办公室", "综合", tuple(reach))
            picks: list[int] = []
            for u in reach:
                staff = self.by_unit[u]
                picks += staff[:1] if per_unit == 1 else self._pick(staff, per_unit, set())
            self._add(g, picks[:480] + self._leaders_for((), 3))
            self._roles(g, self.by_unit["县委办公室"])
        n_twins = round(self.n_groups * 0.05)
        n_emergency, n_roster_only, n_project = 10, 8, 40
        remaining = self.n_groups - len(self.groups) - n_twins
        n_cross = round(remaining * 0.35)
        # 3. Cross-unit groups (themes, projects, emergencies): 2–3 units plus a few leaders.
        weights = [len(self.by_unit[u]) ** 0.7 for u in units]
        for i in range(n_cross):
            picked = tuple(dict.fromkeys(rng.choices(units, weights=weights, k=rng.choice((1, 2, 2, 3, 3)))))
            lead = picked[0]
            if i < n_project:
                theme = rng.choice(THEMES) + rng.choice(PROJECT_THEMES)
                name, category = name_of(f"{theme}工作群"), "专项"
            elif i < n_project + n_emergency:
                theme = rng.choice(("防汛", "森林防火", "地质灾害", "安全生产"))
                name, category = name_of(f"{lead}{theme}应急群"), "应急"
            else:
                theme = rng.choice(THEMES)
                name, category = name_of(f"{lead}{theme}工作群" if rng.random() < 0.5 else f"{theme}工作群"), "业务"
            g = self._new(name, lead, category, picked)
            g.theme, g.emergency = theme, category == "应急"
            size = _lognormal_int(rng, 22, 0.8, 5, 350)
            pool = [p for u in picked for p in self.by_unit[u]]
            self._add(g, self._pick(pool, size, set()) + self._leaders_for(picked, rng.randint(0, 2)))
            self._roles(g, self.by_unit[lead])
        # 4. Groups inside one unit (offices, grids, duty rosters…), the rest.
        while len(self.groups) < self.n_groups - n_twins:
            u = rng.choices(units, weights=weights)[0]
            g = self._new(name_of(f"{u}{rng.choice(SUBGROUPS)}群"), u, "科室", (u,))
            g.theme = rng.choice(THEMES)
            size = _lognormal_int(rng, 12, 0.7, 5, len(self.by_unit[u]))
            picks = self._pick(self.by_unit[u], size, set())
            self._add(g, picks + self._leaders_for((), 1 if rng.random() < 0.1 else 0))
            self._roles(g, self.by_unit[u])
        # 5. Near-duplicate groups: a copy of an existing group with a few people more or less
        # (a "new" group made when the old one got noisy, or the same team on another occasion).
        originals = [g for g in self.groups[1 + len(units) + 8:] if not g.emergency and len(g.members) >= 6]
        for src in rng.sample(originals, n_twins):
            g = self._new(name_of(src.name.removesuffix("群") + rng.choice(("（新）群", "2群", "交流群", "通知群"))),
                          src.unit, src.category, src.units)
            g.theme, g.twin_of = src.theme, src.id
            keep = [p for p in src.members if rng.random() > 0.08]
            pool = [p for u in src.units for p in self.by_unit[u]]
            self._add(g, keep + self._pick(pool, rng.randint(0, 3), set(keep)))
            self._roles(g, src.members)
        # Small groups whose picks ran out of people get topped up to 5 from their units.
        for g in self.groups:
            if len(g.members) < 5:
                pool = [p for u in g.units for p in self.by_unit[u]] + self.leaders
                self._add(g, [p for p in pool if p not in set(g.members)][:5 - len(g.members)])
        # Lifecycles.
        candidates = [g for g in self.groups[1 + len(units) + 8:] if not g.emergency]
        for g in rng.sample(candidates, round(len(self.groups) * 0.08)):
            g.stop_day = rng.randint(10, DAYS - 32)               # zombie: silent for the last 30+ days
        for g in self.groups:
            if g.category == "专项" and g.stop_day == DAYS and rng.random() < 0.5:
                g.stop_day = rng.randint(30, DAYS - 16)           # finished project
            if g.twin_of is not None and rng.random() < 0.4:
                src = self.groups[g.twin_of - 1]                   # the new copy replaced the old one
                g.start_day = rng.randint(20, 60)
                src.stop_day = min(src.stop_day, g.start_day)
        for g in rng.sample(candidates, n_roster_only):
            g.stop_day = g.start_day                               # a roster, no chat records

    # -- traffic --------------------------------------------------------------------------------

    def _traffic(self) -> None:
        rng = self.rng
        for g in self.groups:
            base = rng.lognormvariate(math.log(4.0), 1.0) * (len(g.members) / 15) ** 0.4
            g.rate = base * (0.05 if g.emergency else 1.0)
        active_days = sum(max(g.stop_day - g.start_day, 0) * g.rate for g in self.groups)
        # A share of the messages are forwarded county notices (added on top).
        scale = self.target_messages * 0.995 / (active_days * (5 / 7 + 2 / 7 * 0.25)) if active_days else 0
        for g in self.groups:
            g.rate *= scale

    def _senders(self, g: Group) -> tuple[list[int], list[float]]:
        lead = set(self.leaders)
        weights = [8.0 if p == g.owner else 4.0 if p in g.admins else 2.0 if p in lead else 1.0 for p in g.members]
        return g.members, list(itertools.accumulate(weights))

    def messages(self) -> list[tuple[int, dt.datetime, str, str, str]]:
        """(group id, local time, sender name, content, 类型) for the whole window."""
        rng = self.rng
        out: list[tuple[int, dt.datetime, str, str, str]] = []
        senders = {g.id: self._senders(g) for g in self.groups}
        seq = 0
        for day in range(DAYS):
            date = START + dt.timedelta(days=day)
            weekend = date.weekday() >= 5
            for g in self.groups:
                if not (g.start_day <= day < g.stop_day) or not g.members:
                    continue
                n = round(g.rate * (0.25 if weekend else 1.0) * rng.lognormvariate(-0.125, 0.5))
                people, cum = senders[g.id]
                for _ in range(n):
                    seq += 1
                    if rng.random() < 0.85 and not weekend:
                        minute = rng.randint(8 * 60, 18 * 60 - 1)
                    else:
                        minute = rng.randint(6 * 60, 23 * 60 + 59)
                    at = dt.datetime.combine(date, dt.time(minute // 60, minute % 60, rng.randint(0, 59)))
                    sender = self.people[rng.choices(people, cum_weights=cum)[0]].name
                    r = rng.random()
                    if r < 0.12:
                        text, kind = (f"【{g.name}】关于{g.theme or '日常'}工作的通知：请于{date.month}月{date.day}日"
                                      f"{rng.randint(9, 17)}时前完成材料报送（第{seq}号）", "文本")
                    elif r < 0.57:
                        text, kind = rng.choice(ACKS), "文本"
                    elif r < 0.85:
                        text, kind = rng.choice(CHAT), "文本"
                    elif r < 0.95:
                        text, kind = "", "图片"
                    else:
                        text, kind = "[强]", "表情"
                    out.append((g.id, at, sender, text, kind))
        out += self._forwards()
        out.sort(key=lambda m: (m[1], m[0], m[2], m[3]))
        return out

    def _forwards(self) -> list[tuple[int, dt.datetime, str, str, str]]:
        """County notices forwarded the same day, verbatim, to the groups of their theme (and the
        copies of those groups): what merging would stop repeating."""
        rng = self.rng
        by_theme: dict[str, list[Group]] = {}
        for g in self.groups:
            if g.theme:
                by_theme.setdefault(g.theme.removesuffix("应急"), []).append(g)
        themes = sorted(by_theme)
        out = []
        for k in range(1, 401):
            day = rng.randrange(DAYS)
            date = START + dt.timedelta(days=day)
            if date.weekday() >= 5:
                continue
            theme = rng.choice(themes)
            targets = [g for g in by_theme[theme] if g.start_day <= day < g.stop_day]
            targets = rng.sample(targets, min(len(targets), rng.randint(3, 10)))
            if len(targets) < 2:
                continue
            text = f"转发：关于做好{theme}工作的通知，请各单位于{date.month}月{date.day + 3 if date.day < 26 else 28}日前落实并报送（县〔2026〕{k}号）"
            at = dt.datetime.combine(date, dt.time(rng.randint(8, 11), rng.randint(0, 59)))
            for g in targets:
                at += dt.timedelta(minutes=rng.randint(3, 60))
                sender = self.people[g.owner if g.owner is not None else g.members[0]].name
                out.append((g.id, at, sender, text, "文本"))
                for p in rng.sample(g.members, min(len(g.members), rng.randint(1, 8))):
                    out.append((g.id, at + dt.timedelta(seconds=rng.randint(20, 900)), self.people[p].name,
                                rng.choice(ACKS), "文本"))
        return out

    # -- files ----------------------------------------------------------------------------------

    def write(self, folder: Path) -> dict[str, Any]:
        folder.mkdir(parents=True, exist_ok=True)

        def writer(name: str, header: list[str], rows: Any) -> Path:
            path = folder / name
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows(rows)
            return path

        files = [writer("干部名册.csv", ["姓名", "单位", "职务", "领导"],
                        ((p.name, p.unit, p.position, "是" if p.leader else "否") for p in self.people))]
        files.append(writer("工作群清单.csv", ["群名称", "平台", "群主", "单位", "类别", "应急群"],
                            ((g.name, "微信", self.people[g.owner].name if g.owner is not None else "", g.unit,
                              g.category, "是" if g.emergency else "否") for g in self.groups)))
        files.append(writer("群成员名单.csv", ["群名称", "成员", "角色", "单位", "平台"],
                            ((g.name, self.people[p].name,
                              "群主" if p == g.owner else "管理员" if p in g.admins else "成员",
                              self.people[p].unit, "微信") for g in self.groups for p in g.members)))
        msgs = self.messages()
        names = {g.id: g.name for g in self.groups}
        message_files = []
        for month in sorted({m[1].month for m in msgs}):
            rows = ((names[gid], sender, at.strftime("%Y-%m-%d %H:%M:%S"), text, kind, "微信")
                    for gid, at, sender, text, kind in msgs if at.month == month)
            message_files.append(writer(f"聊天记录_{month:02d}月.csv", ["群名称", "发送人", "时间", "内容", "类型", "平台"], rows))
        memberships = sum(len(g.members) for g in self.groups)
        per_person = [p.groups for p in self.people]
        manifest = {
            "groups": len(self.groups), "people": len(self.people), "memberships": memberships,
            "messages": len(msgs), "max_groups_per_person": max(per_person),
            "median_groups_per_person": statistics.median(per_person),
            "people_in_more_than_cap": sum(1 for c in per_person if c > CAP),
            "largest_group": max(len(g.members) for g in self.groups),
            "median_group": statistics.median(len(g.members) for g in self.groups),
            "zombie_or_finished": sum(1 for g in self.groups if g.start_day < g.stop_day <= DAYS - 14),
            "near_duplicates": sum(1 for g in self.groups if g.twin_of is not None),
            "emergency": sum(1 for g in self.groups if g.emergency),
            "roster_only": sum(1 for g in self.groups if g.stop_day <= g.start_day),
            "files": [p.name for p in files], "message_files": [p.name for p in message_files],
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return manifest


# =============================================================================================
# Workspaces
# =============================================================================================

def _drop(db: Path) -> None:
    db.unlink(missing_ok=True)
    Path(str(db) + ".wal").unlink(missing_ok=True)


def build_sample(rebuild: bool) -> Path:
    db = OUT / "ws_sample.duckdb"
    if db.exists() and not rebuild:
        return db
    from core.importer import load_sample

    _drop(db)
    t0 = time.perf_counter()
    ws = Workspace(db)
    reports = load_sample(ws)
    ws.close()
    errors = [r.errors for r in reports if r.errors]
    assert not errors, errors
    print(f"imported the sample township into {db.name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return db


def sample_message_csvs() -> list[Path]:
    from core.importer import SAMPLE_DIR

    return sorted(p for p in (SAMPLE_DIR / "聊天记录").glob("*.csv") if p.name != "contacts.csv")


def build_county(rebuild: bool, seed: int, messages: int) -> tuple[Path, dict[str, Any]]:
    folder = OUT / "county"
    db = OUT / "ws_county.duckdb"
    manifest_path = folder / "manifest.json"
    wanted = {"seed": seed, "target_messages": messages}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    if rebuild or {k: manifest.get(k) for k in wanted} != wanted:
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        manifest = County(seed=seed, messages=messages).write(folder) | wanted
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"generated the county in {folder.relative_to(ROOT)} in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        _drop(db)
    if not db.exists():
        from core.importer import import_many

        t0 = time.perf_counter()
        ws = Workspace(db)
        files = [folder / f for f in manifest["files"] + manifest["message_files"]]
        reports = import_many(ws, [(p, p.name) for p in files])
        ws.close()
        errors = [r.errors for r in reports if r.errors]
        rejected = sum(r.rejected for r in reports)
        assert not errors, errors
        assert not rejected, f"{rejected} rows rejected"
        manifest["import_seconds"] = time.perf_counter() - t0
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"imported the county into {db.name} in {manifest['import_seconds']:.1f} s", file=sys.stderr)
    return db, manifest


# =============================================================================================
# Measuring
# =============================================================================================

class Stages:
    """Wall time accumulated per stage while build() runs (wrappers installed in this process)."""

    def __init__(self) -> None:
        self.t: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attr: str, stage: str) -> bool:
        """Time calls of ``owner.attr`` (a module function or a class method) under ``stage``;
        nested calls of the same stage (one wrapped function calling another) count once."""
        original = owner.__dict__.get(attr)
        if original is None:
            print(f"note: {getattr(owner, '__name__', owner)}.{attr} not found, stage '{stage}' not split",
                  file=sys.stderr)
            return False
        depth = Counter()

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            depth[stage] += 1
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                depth[stage] -= 1
                if not depth[stage]:
                    self.t[stage] += time.perf_counter() - t0
                    self.calls[stage] += 1

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))
        return True

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


ROWS = [
    ("facts", "facts rebuild (ensure_facts, before)"),
    ("gather", "build: gather (SQL)"),
    ("status", "  lifecycle.group_status"),
    ("dups", "  quality duplicate notices"),
    ("merges", "build: merges (plan_merges)"),
    ("cap", "build: cap solve (solve_cap)"),
    ("optimise", "  optimise (the cap model)"),
    ("cores", "  conflict cores (if infeasible)"),
    ("mincap", "  min_feasible_cap search (if inf.)"),
    ("cpsat", "  of which CP-SAT solve() ({n} calls)"),
    ("rest", "build: rest (Python assembly)"),
    ("total", "build() total"),
    ("raw", "raw DuckDB read_csv (reference)"),
]
STAGES = ("gather", "status", "dups", "merges", "cap", "optimise", "cores", "mincap", "cpsat")


def measure(db: Path, csvs: list[Path], repeat: int, cap: int
            ) -> tuple[dict[str, list[float]], dict[str, Any], dict[str, int]]:
    """Per-stage times of ``repeat`` first runs of build(), the last plan, and the workspace's shape."""
    from ortools.sat.python import cp_model

    ws = Workspace(db)
    stages = Stages()

    stages.wrap(plan_build, "_gather", "gather")
    stages.wrap(plan_build.lifecycle, "group_status", "status")
    for name in ("duplicate_clusters", "duplicate_pairs"):   # whichever build() uses
        if hasattr(plan_build.quality, name):
            stages.wrap(plan_build.quality, name, "dups")
    stages.wrap(plan_build, "plan_merges", "merges")
    stages.wrap(plan_build, "solve_cap", "cap")
    stages.wrap(plan_cap, "_optimise", "optimise")
    stages.wrap(plan_cap, "_core_conflicts", "cores")
    stages.wrap(plan_cap, "_min_feasible_cap", "mincap")
    stages.wrap(cp_model.CpSolver, "solve", "cpsat")
    runs: dict[str, list[float]] = {k: [] for k, _ in ROWS}
    plan: dict[str, Any] = {}
    calls: list[int] = []
    try:
        for _ in range(repeat):
            # A first run: the analysis facts are stale, as after an import.
            ws.query("delete from meta where key = 'facts_version'")
            t0 = time.perf_counter()
            ws.ensure_facts()
            runs["facts"].append(time.perf_counter() - t0)
            stages.t.clear()
            stages.calls.clear()
            t0 = time.perf_counter()
            plan = plan_build.build(ws, scope=Scope(), cap=cap)
            total = time.perf_counter() - t0
            for key in STAGES:
                runs[key].append(stages.t[key])
            calls.append(stages.calls["cpsat"])
            runs["rest"].append(total - stages.t["gather"] - stages.t["merges"] - stages.t["cap"])
            runs["total"].append(total)
    finally:
        stages.restore()
    shape = dict(zip(("groups", "people", "cadres", "memberships", "messages"), ws.query(
        """select (select count(*) from groups), (select count(*) from people),
                  (select count(*) filter (where in_directory) from people),
                  (select count(*) from memberships), (select count(*) from messages)""")[0]))
    shape["cpsat_calls"] = round(statistics.median(calls)) if calls else 0
    shape["max_groups_per_person"] = ws.query(
        "select coalesce(max(n), 0) from (select count(*) n from memberships group by person_id)")[0][0]
    ws.close()
    for _ in range(repeat):
        con = duckdb.connect()
        t0 = time.perf_counter()
        for path in csvs:
            con.execute("create or replace table t as select * from read_csv(?)", [str(path)])
        runs["raw"].append(time.perf_counter() - t0)
        con.close()
    return runs, plan, shape


def report(title: str, target: float, runs: dict[str, list[float]], plan: dict[str, Any],
           shape: dict[str, int], raw_label: str) -> None:
    repeat = len(runs["total"])
    med = {k: statistics.median(v) for k, v in runs.items() if v}
    print(f"\n== {title}: {shape['groups']:,} groups, {shape['people']:,} people ({shape['cadres']:,} in the "
          f"directory), {shape['memberships']:,} memberships, {shape['messages']:,} messages, "
          f"max {shape['max_groups_per_person']} groups per person ==")
    head = f"{'stage':<38} | " + " | ".join(f"{'run ' + str(i + 1):>7}" for i in range(repeat)) + f" | {'median s':>8}"
    print(head)
    print("-" * len(head))
    for key, label in ROWS:
        if key == "raw":
            label = f"{label[:-12]} {raw_label}"[:38]
        label = label.format(n=shape["cpsat_calls"])
        vals = runs[key]
        print(f"{label:<38} | " + " | ".join(f"{v:>7.3f}" for v in vals) + f" | {med[key]:>8.3f}")
    ratio = med["total"] / med["raw"] if med["raw"] else float("nan")
    print(f"{'ratio build() / raw read_csv':<38} | " + " | ".join(
        f"{t / r:>7.1f}" for t, r in zip(runs["total"], runs["raw"])) + f" | {ratio:>8.1f}")
    actions = Counter(a.get("action") for a in plan.get("actions", ()))
    b, a = plan["before"], plan["after"]
    print(f"plan: groups {b['groups']} → {a['groups']} (keep {actions['keep']}, merge {actions['merge']}, "
          f"dissolve {actions['dissolve']}); memberships {b['memberships']:,} → {a['memberships']:,}; "
          f"max groups per cadre {b['max_groups_per_person']} → {a['max_groups_per_person']}; "
          f"over cap {b['over_cap']} → {a['over_cap']}")
    print(f"      cap {plan['cap']}: feasible={plan['feasible']}, min_feasible_cap={plan['min_feasible_cap']}, "
          f"{len(plan.get('conflicts', ()))} conflicts, {len(plan.get('placed', ()))} placed")
    verdict = "OK" if med["total"] < target else "OVER TARGET"
    print(f"target build() < {target:g} s: {verdict} (median {med['total']:.2f} s; facts rebuild "
          f"{med['facts']:.2f} s on top)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=("sample", "county"), help="run one workload only")
    ap.add_argument("--rebuild", action="store_true", help="regenerate the county files and re-import the workspaces")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is reported)")
    ap.add_argument("--cap", type=int, default=CAP, help="the cap asked of build() (targets are for 3)")
    ap.add_argument("--seed", type=int, default=SEED, help="county generator seed")
    ap.add_argument("--messages", type=int, default=600_000, help="county messages (approximate)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    if args.only in (None, "sample"):
        db = build_sample(args.rebuild)
        csvs = sample_message_csvs()
        runs, plan, shape = measure(db, csvs, args.repeat, args.cap)
        report("sample township (ws_sample.duckdb)", 2.0, runs, plan, shape, f"{len(csvs)} chat CSVs")
    if args.only in (None, "county"):
        db, manifest = build_county(args.rebuild, args.seed, args.messages)
        csvs = [OUT / "county" / f for f in manifest["message_files"]]
        runs, plan, shape = measure(db, csvs, args.repeat, args.cap)
        report("county (ws_county.duckdb)", 30.0, runs, plan, shape, f"{len(csvs)} message CSVs")
        gen = {k: manifest[k] for k in ("groups", "people", "memberships", "messages", "max_groups_per_person",
                                        "median_groups_per_person", "people_in_more_than_cap", "largest_group",
                                        "median_group", "zombie_or_finished", "near_duplicates", "emergency",
                                        "roster_only")}
        print("generator: " + ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in gen.items()))
        if "import_seconds" in manifest:
            print(f"(county import through core.importer, when the workspace was built: "
                  f"{manifest['import_seconds']:.1f} s)")
    print(f"\n(median of {args.repeat}; each run rebuilds msg_facts first; {os.cpu_count()} cores; "
          "shared machine: compare ratios)")


if __name__ == "__main__":
    main()
