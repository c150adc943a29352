"""Merge and dissolution proposals (整合方案: 保留 / 合并 / 解散), pure Python.

Input: one :class:`GroupStats` per group in scope, the duplicate notices shared by pairs of groups
over the analysis window, :class:`MergeSettings` and the user's :class:`MergeLocks`.
Output: a :class:`MergePlan` — exactly one :class:`GroupAction` per input group, the groups that
exist after the plan (:class:`ResultGroup`) and the log of the merges taken (:class:`MergeStep`).

Decisions, in this order (the first that applies wins):
1. keep lock → "keep", untouched: never dissolved, never merged with anything (in either direction).
2. dissolve lock → "dissolve".
3. emergency group (应急群) → "keep", never merged and never dissolved for silence: such a group is
   quiet by design between emergencies, and its alerts must not be buried in another group's traffic.
4. zombie or finished project group → "dissolve" (the reason names the last message and the silence).
5. no chat records at all (``traffic_known`` false, e.g. a roster-only group) → "keep", not merged:
   its traffic is unknown, so what a merge would cost cannot be scored.
6. every other group takes part in the greedy merges below.

Pair score (per day; see :func:`score_pair`). For two sides A and B (input groups or groups
already combined) with messages per day m_A, m_B and d = duplicate notices they share per day:

    s                       = |A ∩ B|                       memberships saved (each shared person leaves one group)
    saved_membership_reads  = s × min(m_A, m_B)             the quieter side's traffic, which a shared member
                                                            no longer reads a second time in the other group
    saved_duplicate_reads   = s × d                         each duplicate notice read once less by every shared member
    added_irrelevant_reads  = |A \\ B| × m_B + |B \\ A| × m_A   the other side's traffic, new to one-side members
    net_seconds             = reading_seconds × (saved_membership_reads + saved_duplicate_reads
                                                 − added_irrelevant_reads)

A pair is considered when Jaccard ≥ ``min_jaccard`` or containment (s / smaller size) ≥
``min_containment``; it is blocked when the union would exceed ``max_members``, when any input
group of one side and any of the other form a ``never_merge`` pair, or when either side is not
mergeable (rules 1–5). A considered, unblocked pair is taken when net_seconds > 0, or when it is
free (added_irrelevant_reads = 0 and s > 0: identical members, or a silent subset) — a merge that
costs nobody a message still saves memberships.

Greedy: the best pair is taken first (net_seconds desc; ties by the two names, then ids, in
(name, id) order), the combined group is re-scored against every other group, and so on until no
pair is taken. A combined group has the union of the members, m = m_A + m_B (the sum of the two
sides: the merged group carries both traffics), and shares with any third group Z
max(dup(A, Z), dup(B, Z)) duplicate notices — so two combined groups share the most that any input
group of one shares with any input group of the other. A county notice forwarded to A, B and Z is
counted in both pairs; the sum would count it twice, the max never overstates the saving.

Naming: a merge never invents a name. The smaller side is merged into the larger existing group
(more members, then more messages per day, then name, then id) — in WeChat "merging" is inviting
the smaller group's members into the larger one and dissolving the smaller one, so the combined
group keeps the larger group's name, id, unit and owner (when that group has no known owner, the
owner of the first group merged into it that has one). The action of the absorbing group is "keep";
the others are "merge" with ``into`` = the final group's name.

Everything is deterministic and independent of the input order.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

Action = Literal["keep", "merge", "dissolve"]


@dataclass(frozen=True)
class GroupStats:
    """What the plan needs to know about one group.

    ``members``: person ids; ``messages_per_day``: non-system messages per day in the window;
    ``zombie`` / ``finished`` as core.analysis.lifecycle defines them; ``traffic_known`` false when
    the group has no chat records at all (its ``messages_per_day`` is then unknown, not zero)."""

    id: int
    name: str
    members: frozenset[int]
    messages_per_day: float
    last_message_at: dt.datetime | dt.date | None = None
    zombie: bool = False
    finished: bool = False
    owner_id: int | None = None
    unit: str | None = None
    emergency: bool = False
    traffic_known: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", frozenset(self.members))
        if not (self.messages_per_day >= 0 and math.isfinite(self.messages_per_day)):
            raise ValueError(f"群“{self.name}”的每天消息数应为非负数，而不是 {self.messages_per_day!r}")


@dataclass(frozen=True)
class MergeSettings:
    """Scoring parameters: seconds to read one message, the platform's member limit, and the
    overlap a pair needs to be considered at all (Jaccard or containment)."""

    reading_seconds: float = 3.0
    max_members: int = 500
    min_jaccard: float = 0.3
    min_containment: float = 0.8

    def __post_init__(self) -> None:
        if not self.reading_seconds > 0:
            raise ValueError("阅读一条消息的秒数应大于 0")
        if self.max_members < 2:
            raise ValueError("群人数上限应至少为 2")
        if not (0 <= self.min_jaccard <= 1 and 0 <= self.min_containment <= 1):
            raise ValueError("重合度、包含度阈值应在 0 到 1 之间")


@dataclass(frozen=True)
class MergeLocks:
    """The user's locks: groups kept exactly as they are, groups dissolved, pairs never merged.
    Ids of groups that are not in the input are ignored."""

    keep: frozenset[int] = frozenset()
    dissolve: frozenset[int] = frozenset()
    never_merge: frozenset[frozenset[int]] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "keep", frozenset(self.keep))
        object.__setattr__(self, "dissolve", frozenset(self.dissolve))
        pairs = frozenset(frozenset(p) for p in self.never_merge)
        if any(len(p) != 2 for p in pairs):
            raise ValueError("“不合并”设定应为两个不同的群")
        object.__setattr__(self, "never_merge", pairs)


@dataclass(frozen=True)
class PairScore:
    """The score of merging two sides (see the module docstring); reads are messages per day."""

    shared: int
    only_a: int
    only_b: int
    union: int
    jaccard: float
    containment: float
    duplicates_per_day: float
    saved_membership_reads: float
    saved_duplicate_reads: float
    added_irrelevant_reads: float
    net_reads: float
    net_seconds: float

    @property
    def saved_memberships(self) -> int:
        return self.shared

    @property
    def free(self) -> bool:
        """Costs nobody a message and saves at least one membership."""
        return self.added_irrelevant_reads == 0 and self.shared > 0

    @property
    def pays(self) -> bool:
        return self.net_seconds > 0 or self.free


@dataclass(frozen=True)
class MergeStep:
    """One merge taken: ``other`` (holding the input groups ``other_ids``) goes into ``target``.
    Sizes and messages per day are those of the two sides just before the merge; ``duplicates``
    the notices they share over the window; ``score`` was computed with the target as side A."""

    order: int
    target_id: int
    target: str
    target_ids: tuple[int, ...]
    target_members: int
    target_messages_per_day: float
    other_id: int
    other: str
    other_ids: tuple[int, ...]
    other_members: int
    other_messages_per_day: float
    duplicates: int
    score: PairScore


@dataclass(frozen=True)
class GroupAction:
    """The proposal for one input group. ``into``: the final group's name for "merge", else None;
    ``result_id``: the id of the :class:`ResultGroup` holding the group, None when dissolved."""

    group_id: int
    group: str
    action: Action
    into: str | None
    result_id: int | None
    reason: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class ResultGroup:
    """A group that exists after the plan: a kept group, possibly with others merged into it.
    ``id`` / ``name`` are those of the existing group it continues; ``merged_ids`` every input
    group it holds (``id`` first, then the others by name and id)."""

    id: int
    name: str
    members: frozenset[int]
    owner_id: int | None
    unit: str | None
    messages_per_day: float
    merged_ids: tuple[int, ...]
    emergency: bool


@dataclass(frozen=True)
class MergePlan:
    """``actions`` one per input group, by name then id; ``groups`` by name then id; ``steps`` in
    the order taken; ``orphaned``: people of the input groups who are in no resulting group (all
    their groups were dissolved)."""

    actions: tuple[GroupAction, ...]
    groups: tuple[ResultGroup, ...]
    steps: tuple[MergeStep, ...]
    orphaned: frozenset[int]

    def action(self, group_id: int) -> GroupAction:
        for a in self.actions:
            if a.group_id == group_id:
                return a
        raise KeyError(group_id)

    def result(self, result_id: int) -> ResultGroup:
        for g in self.groups:
            if g.id == result_id:
                return g
        raise KeyError(result_id)


def score_pair(a_members: frozenset[int] | set[int], a_messages_per_day: float,
               b_members: frozenset[int] | set[int], b_messages_per_day: float,
               duplicates_per_day: float = 0.0, reading_seconds: float = 3.0) -> PairScore:
    """Score merging side A with side B, per day (formula in the module docstring).
    Jaccard and containment are 0 when a side is empty."""
    shared = len(a_members & b_members)
    only_a = len(a_members) - shared
    only_b = len(b_members) - shared
    union = shared + only_a + only_b
    smaller = min(len(a_members), len(b_members))
    saved_m = shared * min(a_messages_per_day, b_messages_per_day)
    saved_d = shared * duplicates_per_day
    added = only_a * b_messages_per_day + only_b * a_messages_per_day
    net = saved_m + saved_d - added
    return PairScore(
        shared=shared, only_a=only_a, only_b=only_b, union=union,
        jaccard=shared / union if union else 0.0,
        containment=shared / smaller if smaller else 0.0,
        duplicates_per_day=duplicates_per_day,
        saved_membership_reads=saved_m, saved_duplicate_reads=saved_d, added_irrelevant_reads=added,
        net_reads=net, net_seconds=net * reading_seconds)


# ---------------------------------------------------------------------------------------------
# Greedy merging
# ---------------------------------------------------------------------------------------------

@dataclass
class _Cluster:
    """A group during the greedy loop: an input group, possibly with others merged into it."""

    base: GroupStats
    ids: list[int]
    members: set[int]
    mpd: float
    version: int = 0
    owner_id: int | None = None

    @property
    def key(self) -> int:
        return self.base.id

    def order(self) -> tuple[str, int]:
        return (self.base.name, self.base.id)

    def target_rank(self) -> tuple[int, float, str, int]:
        # Smaller tuple wins: more members, then more active, then name and id.
        return (-len(self.members), -self.mpd, self.base.name, self.base.id)


def _shared_counts(index: Mapping[int, set[int]], c: _Cluster) -> Counter[int]:
    """Clusters of ``index`` (person → cluster keys) sharing members with ``c``, with the counts."""
    counts: Counter[int] = Counter()
    for p in c.members:
        counts.update(index.get(p, ()))
    counts.pop(c.key, None)
    return counts


@dataclass
class _Engine:
    settings: MergeSettings
    window_days: float | None
    clusters: dict[int, _Cluster]
    forbidden: dict[int, set[int]]
    dup: dict[int, dict[int, int]]
    index: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    heap: list[tuple[Any, ...]] = field(default_factory=list)
    steps: list[MergeStep] = field(default_factory=list)

    def __post_init__(self) -> None:
        for c in self.clusters.values():
            for p in c.members:
                self.index[p].add(c.key)

    def dup_per_day(self, a: int, b: int) -> tuple[int, float]:
        n = self.dup.get(a, {}).get(b, 0)
        return n, (n / self.window_days if n and self.window_days else 0.0)

    def blocked(self, a: _Cluster, b: _Cluster, union: int) -> str | None:
        """Why the pair may not be merged whatever its score, or None."""
        if union > self.settings.max_members:
            return "max_members"
        if any(self.forbidden.get(i, set()) & set(b.ids) for i in a.ids):
            return "never_merge"
        return None

    def considered(self, score: PairScore) -> bool:
        return score.shared > 0 and (score.jaccard >= self.settings.min_jaccard
                                     or score.containment >= self.settings.min_containment)

    def score(self, a: _Cluster, b: _Cluster) -> PairScore:
        _, per_day = self.dup_per_day(a.key, b.key)
        return score_pair(a.members, a.mpd, b.members, b.mpd, per_day,
                          self.settings.reading_seconds)

    def neighbours(self, c: _Cluster) -> Counter[int]:
        """Other live clusters sharing members with ``c``, with the shared counts."""
        return _shared_counts(self.index, c)

    def push(self, a: _Cluster, b: _Cluster) -> None:
        lo, hi = sorted((a, b), key=_Cluster.order)
        score = self.score(lo, hi)
        if not self.considered(score) or not score.pays or self.blocked(lo, hi, score.union):
            return
        heapq.heappush(self.heap, (-score.net_seconds, lo.base.name, hi.base.name, lo.key, hi.key,
                                   lo.version, hi.version))

    def run(self) -> None:
        for key in sorted(self.clusters, key=lambda k: self.clusters[k].order()):
            c = self.clusters[key]
            for other in self.neighbours(c):
                if self.clusters[other].order() > c.order():
                    self.push(c, self.clusters[other])
        while self.heap:
            _, _, _, ka, kb, va, vb = heapq.heappop(self.heap)
            a, b = self.clusters.get(ka), self.clusters.get(kb)
            if a is None or b is None or a.version != va or b.version != vb:
                continue  # stale: one side has changed since this pair was scored
            self.merge(a, b)

    def merge(self, a: _Cluster, b: _Cluster) -> None:
        target, other = sorted((a, b), key=_Cluster.target_rank)
        score = self.score(target, other)
        duplicates, _ = self.dup_per_day(target.key, other.key)
        self.steps.append(MergeStep(
            order=len(self.steps) + 1, target_id=target.key, target=target.base.name,
            target_ids=tuple(target.ids), target_members=len(target.members),
            target_messages_per_day=target.mpd, other_id=other.key, other=other.base.name,
            other_ids=tuple(other.ids), other_members=len(other.members),
            other_messages_per_day=other.mpd, duplicates=duplicates, score=score))
        for p in other.members:
            self.index[p].discard(other.key)
            self.index[p].add(target.key)
        target.members |= other.members
        target.ids.extend(other.ids)
        target.mpd += other.mpd
        if target.owner_id is None:
            target.owner_id = other.owner_id
        target.version += 1
        del self.clusters[other.key]
        # Duplicates of the combined group: the max of the two sides (see the module docstring).
        mine = self.dup.setdefault(target.key, {})
        mine.pop(other.key, None)
        for z, n in self.dup.pop(other.key, {}).items():
            if z == target.key:
                continue
            theirs = self.dup[z]
            theirs.pop(other.key, None)
            best = max(mine.get(z, 0), n)
            mine[z] = theirs[target.key] = best
        for z in self.neighbours(target):
            self.push(target, self.clusters[z])


# ---------------------------------------------------------------------------------------------
# Reasons (plain Chinese for a township clerk) and evidence
# ---------------------------------------------------------------------------------------------

def _num(x: float) -> str:
    """A count for the text: whole numbers without decimals, others with one."""
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _duration(seconds: float) -> str:
    s = abs(seconds)
    return f"约 {_num(s / 60)} 分钟" if s >= 60 else f"约 {_num(s)} 秒"


def _date(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _days_silent(last: dt.datetime | dt.date | None, as_of: dt.datetime | dt.date | None) -> int | None:
    if last is None or as_of is None:
        return None
    if isinstance(last, dt.datetime) and isinstance(as_of, dt.datetime):
        if (last.tzinfo is None) == (as_of.tzinfo is None):
            return int((as_of - last) // dt.timedelta(days=1))
    day = lambda v: v.date() if isinstance(v, dt.datetime) else v  # noqa: E731
    return (day(as_of) - day(last)).days


def _base_evidence(g: GroupStats, as_of: dt.datetime | dt.date | None, locks: MergeLocks) -> dict[str, Any]:
    locked = "keep" if g.id in locks.keep else "dissolve" if g.id in locks.dissolve else None
    return {"locked": locked, "members": len(g.members), "messages_per_day": round(g.messages_per_day, 2),
            "last_message_at": _date(g.last_message_at),
            "days_silent": _days_silent(g.last_message_at, as_of),
            "zombie": g.zombie, "finished": g.finished, "emergency": g.emergency}


def _score_evidence(score: PairScore, duplicates: int) -> dict[str, Any]:
    return {"shared": score.shared, "union": score.union, "jaccard": round(score.jaccard, 3),
            "containment": round(score.containment, 3), "duplicates_shared": duplicates,
            "saved_memberships": score.shared,
            "saved_membership_reads": round(score.saved_membership_reads, 2),
            "saved_duplicate_reads": round(score.saved_duplicate_reads, 2),
            "added_irrelevant_reads": round(score.added_irrelevant_reads, 2),
            "net_seconds_per_day": round(score.net_seconds, 1)}


def _silence_text(g: GroupStats, as_of: dt.datetime | dt.date | None) -> str:
    last = _date(g.last_message_at)
    if last is None:
        return "一直没有人发过工作消息"
    days = _days_silent(g.last_message_at, as_of)
    return f"最后一条消息在 {last}" + (f"，已 {days} 天无人发言" if days is not None else "")


def _score_text(score: PairScore, duplicates: int, smaller_mpd: float) -> str:
    """The saving and the cost of one pair, in words."""
    parts = [f"{score.shared} 人少进一个群，每天少看约 {_num(score.saved_membership_reads)} 条重复消息"
             f"（按较安静一方每天 {_num(smaller_mpd)} 条计）"]
    if duplicates:
        parts.append(f"两群同时转发过 {duplicates} 条相同通知，每天少看约 {_num(score.saved_duplicate_reads)} 条")
    only = score.only_a + score.only_b
    if only:
        parts.append(f"另有 {only} 人原来只在其中一个群，"
                     f"每天要多看约 {_num(score.added_irrelevant_reads)} 条与己无关的消息")
    else:
        parts.append("没有人因此多看无关消息")
    return "；".join(parts)


def _merge_reason(g: GroupStats, step: MergeStep, later: list[MergeStep], final: str,
                  names: Mapping[int, str]) -> str:
    s = step.score
    me = "本群" if step.other_ids == (g.id,) else (
        "本群与" + "、".join(f"“{names[i]}”" for i in step.other_ids if i != g.id) + "合并后")
    head = (f"{me}与“{step.target}”有 {s.shared} 人重合（重合度 {_pct(s.jaccard)}，"
            f"较小一方 {_pct(s.containment)} 的成员也在另一方）。")
    smaller_mpd = min(step.target_messages_per_day, step.other_messages_per_day)
    body = f"合并后：{_score_text(s, step.duplicates, smaller_mpd)}。"
    verdict = (f"合计每天省下{_duration(s.net_seconds)}阅读时间" if s.net_seconds > 0
               else "合并不增加任何人的阅读量")
    text = f"{head}{body}{verdict}，建议并入“{step.target}”（合并后 {s.union} 人）。"
    for st in later:
        text += f"随后“{st.other}”所在的合并群又并入“{st.target}”（第 {st.order} 步）。"
    if final != step.target:
        text += f"最终并入“{final}”。"
    return text


_BLOCK_TEXT = {
    "keep_lock": "“{other}”已被锁定保留",
    "emergency": "“{other}”是应急群，不与其他群合并",
    "no_traffic": "“{other}”没有聊天记录，无法估算合并代价",
    "never_merge": "已设定两群不合并",
}


def _why_kept(c: _Cluster, engine: _Engine, others: Mapping[int, tuple[_Cluster, str | None]],
              index: Mapping[int, set[int]]) -> tuple[str, dict[str, Any]]:
    """Why a mergeable group was not merged: its closest kept neighbour and what stopped the merge.
    ``others``: every group after the plan with why it cannot merge at all (None if it can)."""
    best: tuple[Any, ...] | None = None
    for key in _shared_counts(index, c):
        other, block = others[key]
        score = engine.score(c, other)
        # The closest group the merge loop actually weighed comes first; locked, emergency or
        # unscored neighbours only when there is no such group.
        rank = (not engine.considered(score), block is not None, -score.jaccard, -score.containment,
                other.order())
        if best is None or rank < best[0]:
            best = (rank, other, block, score)
    if best is None:
        return "成员与其他群没有重合，保留。", {}
    _, other, block, score = best
    duplicates, _ = engine.dup_per_day(c.key, other.key)
    ev = {"closest": other.base.name, "closest_id": other.key, **_score_evidence(score, duplicates)}
    overlap = (f"与它重合最多的是“{other.base.name}”：{score.shared} 人重合（重合度 {_pct(score.jaccard)}，"
               f"较小一方 {_pct(score.containment)} 的成员也在另一方）")
    if block is None and not engine.considered(score):
        ev["not_merged_because"] = "low_overlap"
        return (f"与其他群重合不多，保留。{overlap}，未达到考虑合并的程度"
                f"（重合度 {_pct(engine.settings.min_jaccard)} 或包含度 {_pct(engine.settings.min_containment)}）。"), ev
    if block is None:
        block = engine.blocked(c, other, score.union)
    if block == "max_members":
        ev["not_merged_because"] = "max_members"
        return (f"保留。{overlap}，但合并后有 {score.union} 人，"
                f"超过 {engine.settings.max_members} 人的群人数上限。"), ev
    if block is not None:
        ev["not_merged_because"] = block
        return f"保留。{overlap}，但{_BLOCK_TEXT[block].format(other=other.base.name)}。", ev
    ev["not_merged_because"] = "cost"
    smaller_mpd = min(c.mpd, other.mpd)
    return (f"保留，不宜合并。{overlap}。若合并：{_score_text(score, duplicates, smaller_mpd)}，"
            f"合计每天反而多花{_duration(score.net_seconds)}阅读时间，得不偿失。"), ev


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------

def _fixed_decisions(ordered: Sequence[GroupStats], locks: MergeLocks, as_of: dt.datetime | dt.date | None
                     ) -> tuple[dict[int, tuple[Action, str]], dict[int, str]]:
    """Rules 1–5 of the module docstring: {group id: (action, reason)} for every group decided
    before any merge, and {group id: why it may not merge} for those of them that are kept."""
    fixed: dict[int, tuple[Action, str]] = {}
    block_of: dict[int, str] = {}
    for g in ordered:
        quiet = _silence_text(g, as_of)
        if g.id in locks.keep:
            extra = f"（{quiet}，按锁定不解散）" if g.zombie or g.finished else ""
            fixed[g.id] = ("keep", f"已锁定保留，保持原样，不解散也不合并{extra}。")
            block_of[g.id] = "keep_lock"
        elif g.id in locks.dissolve:
            fixed[g.id] = ("dissolve", f"按设定解散。群内 {len(g.members)} 人，"
                                       f"每天约 {_num(g.messages_per_day)} 条消息，{quiet}。")
        elif g.emergency:
            fixed[g.id] = ("keep", "应急群：平时消息少属正常，保留备用；"
                                   "为免应急信息被淹没，不与其他群合并。")
            block_of[g.id] = "emergency"
        elif g.zombie:
            fixed[g.id] = ("dissolve", f"{quiet}，已是僵尸群，建议解散。群内 {len(g.members)} 人。")
        elif g.finished:
            fixed[g.id] = ("dissolve", f"专项工作已结束（{quiet}），建议及时解散。群内 {len(g.members)} 人。")
        elif not g.traffic_known:
            fixed[g.id] = ("keep", "没有导入该群的聊天记录，无法估算合并会给成员增加多少消息，"
                                   "暂予保留，请人工判断。")
            block_of[g.id] = "no_traffic"
    return fixed, block_of


def plan_merges(groups: Sequence[GroupStats], duplicates: Mapping[frozenset[int], int] | None = None, *,
                window_days: float | None = None, settings: MergeSettings = MergeSettings(),
                locks: MergeLocks = MergeLocks(), as_of: dt.datetime | dt.date | None = None) -> MergePlan:
    """Propose keep / merge / dissolve for every group (rules and score in the module docstring).

    ``duplicates``: duplicate notices shared by a pair of groups over the window of ``window_days``
    days (required when any count is non-zero); pairs naming unknown groups are ignored.
    ``as_of``: the analysis date, only used to say how long a group has been silent.
    Raises ValueError for repeated group ids, a group locked both keep and dissolve, or duplicate
    counts without a window."""
    by_id: dict[int, GroupStats] = {}
    for g in groups:
        if g.id in by_id:
            raise ValueError(f"群 id {g.id} 重复出现（“{by_id[g.id].name}”和“{g.name}”）")
        by_id[g.id] = g
    both = sorted(locks.keep & locks.dissolve & by_id.keys())
    if both:
        names = "、".join(f"“{by_id[i].name}”" for i in both)
        raise ValueError(f"{names}同时被锁定为“保留”和“解散”，请只保留其中一项")
    duplicates = dict(duplicates or {})
    if any(n for n in duplicates.values()) and not (window_days and window_days > 0):
        raise ValueError("给出了重复通知数，但没有给出统计的天数（window_days）")
    ordered = sorted(by_id.values(), key=lambda g: (g.name, g.id))

    fixed, block_of = _fixed_decisions(ordered, locks, as_of)

    mergeable = [g for g in ordered if g.id not in fixed]
    forbidden: dict[int, set[int]] = defaultdict(set)
    for pair in locks.never_merge:
        a, b = tuple(pair)
        forbidden[a].add(b)
        forbidden[b].add(a)
    dup: dict[int, dict[int, int]] = defaultdict(dict)
    # Kept-as-is groups too: their duplicates are only used to explain why they were not merged.
    live = {g.id for g in ordered if fixed.get(g.id, ("keep",))[0] == "keep"}
    for pair, n in duplicates.items():
        ids = tuple(pair)
        if len(ids) == 2 and n and ids[0] in live and ids[1] in live:
            dup[ids[0]][ids[1]] = dup[ids[1]][ids[0]] = int(n)

    engine = _Engine(settings=settings, window_days=window_days, forbidden=forbidden, dup=dup,
                     clusters={g.id: _Cluster(base=g, ids=[g.id], members=set(g.members),
                                              mpd=g.messages_per_day, owner_id=g.owner_id)
                               for g in mergeable})
    engine.run()

    return _assemble(ordered, fixed, block_of, engine, locks, as_of)


def _assemble(ordered: Sequence[GroupStats], fixed: Mapping[int, tuple[Action, str]], block_of: Mapping[int, str],
              engine: _Engine, locks: MergeLocks, as_of: dt.datetime | dt.date | None) -> MergePlan:
    """The plan from the fixed decisions and the finished merge loop: result groups, one action
    per group with its reason and evidence, the steps and the people left in no group."""
    # Final clusters: merged ones plus every kept (locked / emergency / unscored) group.
    final: dict[int, tuple[_Cluster, str | None]] = {k: (c, None) for k, c in engine.clusters.items()}
    for g in ordered:
        if g.id in block_of:
            final[g.id] = (_Cluster(base=g, ids=[g.id], members=set(g.members), mpd=g.messages_per_day,
                                    owner_id=g.owner_id), block_of[g.id])
    final_index: dict[int, set[int]] = defaultdict(set)
    for key, (c, _) in final.items():
        for p in c.members:
            final_index[p].add(key)

    result_of: dict[int, int] = {i: key for key, (c, _) in final.items() for i in c.ids}
    names = {g.id: g.name for g in ordered}
    absorbed: dict[int, MergeStep] = {}
    later: dict[int, list[MergeStep]] = defaultdict(list)
    absorbing: dict[int, list[MergeStep]] = defaultdict(list)
    for st in engine.steps:
        for i in st.other_ids:
            if i in absorbed:
                later[i].append(st)
            else:
                absorbed[i] = st
        absorbing[st.target_id].append(st)

    results: list[ResultGroup] = []
    for key, (c, _) in final.items():
        rest = sorted((i for i in c.ids if i != key), key=lambda i: (names[i], i))
        results.append(ResultGroup(id=key, name=c.base.name, members=frozenset(c.members),
                                   owner_id=c.owner_id, unit=c.base.unit, messages_per_day=c.mpd,
                                   merged_ids=(key, *rest), emergency=c.base.emergency))
    results.sort(key=lambda r: (r.name, r.id))

    kept_people = set().union(*(r.members for r in results)) if results else set()
    actions: list[GroupAction] = []
    for g in ordered:
        ev = _base_evidence(g, as_of, locks)
        if g.id in fixed and fixed[g.id][0] == "dissolve":
            reason = fixed[g.id][1]
            alone = len(g.members - kept_people)
            ev["members_left_without_group"] = alone
            if alone:
                reason += f"注意：其中 {alone} 人不在其他任何保留的群里，解散后需另行安排。"
            actions.append(GroupAction(g.id, g.name, "dissolve", None, None, reason, ev))
            continue
        rid = result_of[g.id]
        res_cluster, _ = final[rid]
        if g.id in block_of:
            actions.append(GroupAction(g.id, g.name, "keep", None, rid, fixed[g.id][1], ev))
        elif rid == g.id:
            if absorbing[g.id]:
                merged = [i for i in res_cluster.ids if i != g.id]
                who = "、".join(f"“{names[i]}”" for i in sorted(merged, key=lambda i: (names[i], i)))
                reason = (f"保留，并接收{who}的成员：合并后 {len(res_cluster.members)} 人，"
                          f"每天约 {_num(res_cluster.mpd)} 条消息（各群相加）。")
                ev.update({"merged_in": [names[i] for i in sorted(merged, key=lambda i: (names[i], i))],
                           "members_after": len(res_cluster.members),
                           "messages_per_day_after": round(res_cluster.mpd, 2),
                           "steps": [st.order for st in absorbing[g.id]]})
            else:
                reason, extra = _why_kept(res_cluster, engine, final, final_index)
                ev.update(extra)
            actions.append(GroupAction(g.id, g.name, "keep", None, rid, reason, ev))
        else:
            st = absorbed[g.id]
            into = res_cluster.base.name
            reason = _merge_reason(g, st, later[g.id], into, names)
            # Side A of a step's score is the target (see _Engine.merge).
            ev.update({"target": st.target, "target_members": st.target_members,
                       "target_messages_per_day": round(st.target_messages_per_day, 2),
                       "step": st.order, **_score_evidence(st.score, st.duplicates)})
            actions.append(GroupAction(g.id, g.name, "merge", into, rid, reason, ev))

    orphaned = frozenset(set().union(*(g.members for g in ordered)) - kept_people) if ordered else frozenset()
    return MergePlan(actions=tuple(actions), groups=tuple(results), steps=tuple(engine.steps),
                     orphaned=orphaned)
