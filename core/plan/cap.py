"""The cap: "at most K groups per cadre" as an integer program solved by OR-Tools CP-SAT.

Pure functions, no DuckDB, no Streamlit. The caller hands in the memberships after any merges,
how much each membership matters (relevance), owners, units, the cap K and the user's locks;
:func:`solve_cap` returns who keeps which groups, or, when the ask is impossible, the conflicting
people, groups and constraints in Chinese and the smallest cap that would work.

The model (only people over the cap get variables; everyone else keeps every group):

- ``x[p, g]`` (bool) for every membership of a person ``p`` in more than K non-dissolved groups;
- ``sum_g x[p, g] <= K`` and ``sum_g x[p, g] >= 1`` for every such person;
- owner: ``x[owner(g), g] = 1`` when the owner is a member of ``g``;
- unit: for every unit ``u`` that ``g`` reached, ``sum x[p, g] >= 1`` over the members of ``u``
  in ``g`` (only needed when every one of them is over the cap: anyone else keeps ``g``);
- lock: ``x[p, g] = 1`` for every locked membership;
- objective: maximise the kept relevance (quantised to integers), then, as a strictly smaller
  term, prefer each person's groups in id order, so ties resolve the same way on every machine.
  The model is built in sorted id order and solved by one worker with a fixed seed and a
  deterministic time limit, so the same input always gives the same answer.

Infeasibility is explained in three steps: invalid locks (a dissolved group, a group the person is
not in); people whose forced groups (owner, lock, only member of their unit) alone exceed K; then
any remaining conflict between several people, found as a CP-SAT core over the owner/lock/unit
literals (``add_assumptions`` + ``sufficient_assumptions_for_infeasibility``) and shrunk to a
minimal one on a small sub-model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

GroupId = Hashable
PersonId = Hashable
Membership = tuple[PersonId, GroupId]

# CP-SAT budget per solve in deterministic seconds (a machine-independent work measure, unlike wall
# time, so a run that hits it still returns the same answer everywhere). A county-size model needs
# about 0.05; 5 is roughly 25 s of wall time on a slow core.
DETERMINISTIC_LIMIT = 5.0
# Relevance is quantised to at most this many integer levels (relative to the largest relevance
# that is up for decision); differences finer than 1e-6 of the largest are treated as ties.
RELEVANCE_LEVELS = 1_000_000
# Keep every objective coefficient sum far below 2**63 (CP-SAT rejects overflowing objectives).
_OBJECTIVE_BUDGET = 2**60
# More conflicts than this would not be read; the user fixes these and runs again.
MAX_CORE_CONFLICTS = 10


def _key(value: Hashable) -> tuple[str, object]:
    """Sort key that orders ints and strings (or any mix) the same way every time."""
    return (type(value).__name__, value)


def _pair_key(m: Membership) -> tuple[tuple[str, object], tuple[str, object]]:
    return (_key(m[0]), _key(m[1]))


@dataclass(frozen=True)
class CapProblem:
    """One cap question.

    ``memberships``: group -> its members now (after merges). ``relevance``: (person, group) ->
    how much that membership matters, >= 0, missing = 0. ``owners``: group -> owner (or None).
    ``person_unit``: person -> unit (or None; missing = None). ``cap``: K >= 1.
    ``keep_memberships``: locked (person, group) pairs that must stay. ``dissolved``: groups that
    will not exist; their memberships are dropped and do not count. ``group_names`` /
    ``person_names`` only make the conflict texts readable (ids are shown when a name is missing);
    they are separate because group ids and person ids may collide (both are integers in the
    workspace).
    """

    memberships: Mapping[GroupId, Set[PersonId]]
    relevance: Mapping[Membership, float] = field(default_factory=dict)
    owners: Mapping[GroupId, PersonId | None] = field(default_factory=dict)
    person_unit: Mapping[PersonId, str | None] = field(default_factory=dict)
    cap: int = 3
    keep_memberships: Set[Membership] = frozenset()
    dissolved: Set[GroupId] = frozenset()
    group_names: Mapping[GroupId, str] = field(default_factory=dict)
    person_names: Mapping[PersonId, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.cap, bool) or not isinstance(self.cap, int) or self.cap < 1:
            raise ValueError(f"cap must be an integer >= 1, got {self.cap!r}")
        for pair, value in self.relevance.items():
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"relevance of {pair!r} must be finite and >= 0, got {value!r}")


@dataclass(frozen=True)
class CapResult:
    """The answer.

    ``feasible``: every constraint can be met at ``cap``. When feasible, ``kept`` holds every
    person's groups after the plan (every person who appears in ``memberships``; someone only in
    dissolved groups keeps an empty set), ``removed`` the (person, group) pairs the plan takes
    away (sorted; dissolved groups are not listed: they go as a whole), ``objective`` the total
    relevance of the kept memberships, ``optimal`` whether CP-SAT proved optimality (always, short
    of the deterministic limit). When infeasible, ``kept`` and ``removed`` are empty (nothing
    half-applied), ``conflicts`` explains why in Chinese, and ``min_feasible_cap`` is the smallest
    cap that works under the same locks (None when no cap can: an invalid lock).
    """

    feasible: bool
    cap: int
    kept: dict[PersonId, frozenset[GroupId]]
    removed: list[Membership]
    objective: float
    optimal: bool
    conflicts: list[str]
    min_feasible_cap: int | None


# ---------------------------------------------------------------------------------------------
# Preparation


@dataclass(frozen=True)
class _Constraint:
    """One owner / lock / unit requirement on people over the cap (what a core is made of)."""

    kind: str  # "owner" | "lock" | "unit"
    group: GroupId
    people: tuple[PersonId, ...]  # owner / locked person, or the unit's members in the group
    unit: str | None = None

    def sort_key(self) -> tuple:
        return (("owner", "lock", "unit").index(self.kind), _key(self.group),
                tuple(_key(p) for p in self.people))


@dataclass
class _Roster:
    """The problem reduced to non-dissolved groups, sorted, with per-person group lists."""

    groups: list[GroupId]  # non-dissolved groups, sorted
    members: dict[GroupId, list[PersonId]]  # sorted members
    person_groups: dict[PersonId, list[GroupId]]  # sorted non-dissolved groups of every person
    people: list[PersonId]  # every person in any membership (dissolved groups included), sorted


def _roster(problem: CapProblem) -> _Roster:
    dissolved = set(problem.dissolved)
    groups = sorted((g for g in problem.memberships if g not in dissolved), key=_key)
    members = {g: sorted(problem.memberships[g], key=_key) for g in groups}
    everyone = {p for ms in problem.memberships.values() for p in ms}
    person_groups: dict[PersonId, list[GroupId]] = {p: [] for p in everyone}
    for g in groups:  # groups are sorted, so each list comes out sorted
        for p in members[g]:
            person_groups[p].append(g)
    return _Roster(groups, members, person_groups, sorted(everyone, key=_key))


def _unit(problem: CapProblem, person: PersonId) -> str | None:
    unit = problem.person_unit.get(person)
    return unit if unit else None  # an empty unit string is no unit


def _requirements(problem: CapProblem, roster: _Roster, cap: int) -> list[_Constraint]:
    """Owner, lock and unit constraints that bind people over ``cap`` (valid locks only).

    Constraints that people at or under the cap satisfy by keeping everything are left out."""
    over = {p for p, gs in roster.person_groups.items() if len(gs) > cap}
    out: list[_Constraint] = []
    for g in roster.groups:
        owner = problem.owners.get(g)
        if owner is not None and owner in over and owner in problem.memberships[g]:
            out.append(_Constraint("owner", g, (owner,)))
    for p, g in sorted(problem.keep_memberships, key=_pair_key):
        if p in over and _lock_problem(problem, p, g) is None:
            out.append(_Constraint("lock", g, (p,)))
    for g in roster.groups:
        by_unit: dict[str, list[PersonId]] = defaultdict(list)
        for p in roster.members[g]:
            unit = _unit(problem, p)
            if unit is not None:
                by_unit[unit].append(p)
        for unit in sorted(by_unit):
            people = by_unit[unit]
            if all(p in over for p in people):
                out.append(_Constraint("unit", g, tuple(people), unit))
    return out


def _lock_problem(problem: CapProblem, person: PersonId, group: GroupId) -> str | None:
    """Why a lock cannot be honoured at any cap ("dissolved", "unknown", "absent"), or None."""
    if group in problem.dissolved:
        return "dissolved"
    if group not in problem.memberships:
        return "unknown"
    if person not in problem.memberships[group]:
        return "absent"
    return None


# ---------------------------------------------------------------------------------------------
# The CP-SAT model


def _solver() -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # a single worker is deterministic
    solver.parameters.random_seed = 0
    # The full LP relaxation: per-person cardinality plus unit cover is nearly integral, so the LP
    # bound closes the gap at once (at level 1 a county-size model stalls at a 4 % gap for minutes).
    solver.parameters.linearization_level = 2
    solver.parameters.max_deterministic_time = DETERMINISTIC_LIMIT
    return solver


@dataclass
class _Model:
    model: cp_model.CpModel
    x: dict[Membership, cp_model.IntVar]
    literals: list[tuple[cp_model.IntVar, _Constraint]]  # only when built with assumptions


def _build(roster: _Roster, cap: int, constraints: Iterable[_Constraint],
           people: Iterable[PersonId], assumptions: bool) -> _Model:
    """Variables and cap constraints for ``people`` (all over ``cap``) plus ``constraints``,
    each either enforced outright or behind an assumption literal."""
    model = cp_model.CpModel()
    x: dict[Membership, cp_model.IntVar] = {}
    for p in sorted(people, key=_key):
        row = []
        for g in roster.person_groups[p]:
            var = model.new_bool_var(f"x[{p!r},{g!r}]")
            x[(p, g)] = var
            row.append(var)
        model.add(sum(row) <= cap)
        model.add(sum(row) >= 1)  # nobody who was in a group is left in none
    literals: list[tuple[cp_model.IntVar, _Constraint]] = []
    for i, c in enumerate(constraints):
        terms = [x[(p, c.group)] for p in c.people]
        ct = model.add(sum(terms) >= 1)
        if assumptions:
            lit = model.new_bool_var(f"a{i}")
            ct.only_enforce_if(lit)
            literals.append((lit, c))
    if literals:
        model.add_assumptions([lit for lit, _ in literals])
    return _Model(model, x, literals)


def _over(roster: _Roster, cap: int) -> list[PersonId]:
    return [p for p in roster.people if len(roster.person_groups[p]) > cap]


def _feasible(roster: _Roster, cap: int, constraints: Sequence[_Constraint]) -> bool:
    """Whether ``constraints`` can all hold at ``cap`` (people over the cap only)."""
    people = _over(roster, cap)
    if not people:
        return True
    built = _build(roster, cap, constraints, people, assumptions=False)
    status = _solver().solve(built.model)
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _objective_terms(problem: CapProblem, roster: _Roster, over: Sequence[PersonId]
                     ) -> dict[Membership, int]:
    """Integer objective coefficient per decision membership: quantised relevance times a
    multiplier larger than the whole tie-break, plus the tie-break (earlier group id, larger)."""
    pairs = [(p, g) for p in over for g in roster.person_groups[p]]
    top = max((problem.relevance.get(m, 0.0) for m in pairs), default=0.0)
    tie = {}
    for p in over:
        gs = roster.person_groups[p]
        for i, g in enumerate(gs):
            tie[(p, g)] = len(gs) - i  # >= 1: keeping a group is never worth less than dropping it
    multiplier = sum(tie.values()) + 1
    levels = RELEVANCE_LEVELS
    # Shrink the resolution only for absurd sizes, so the objective always fits in int64.
    while levels > 1 and (levels + 1) * multiplier * max(len(pairs), 1) > _OBJECTIVE_BUDGET:
        levels //= 10
    scale = levels / top if top > 0 else 0.0
    return {m: round(problem.relevance.get(m, 0.0) * scale) * multiplier + tie[m] for m in pairs}


# ---------------------------------------------------------------------------------------------
# Chinese texts


class _Namer:
    def __init__(self, problem: CapProblem) -> None:
        self.problem = problem

    def group(self, g: GroupId) -> str:
        return str(self.problem.group_names.get(g) or g)

    def person(self, p: PersonId) -> str:
        return str(self.problem.person_names.get(p) or p)

    def groups(self, gs: Iterable[GroupId]) -> str:
        return "、".join(self.group(g) for g in gs)

    def people(self, ps: Iterable[PersonId]) -> str:
        return "、".join(self.person(p) for p in ps)


def _lock_text(n: _Namer, p: PersonId, g: GroupId, why: str) -> str:
    if why == "dissolved":
        tail = f"但 {n.group(g)} 已标记为解散"
    elif why == "unknown":
        tail = f"但没有 {n.group(g)} 这个群"
    else:
        tail = f"但 {n.person(p)} 不在 {n.group(g)} 中"
    return f"锁定：{n.person(p)} 必须留在 {n.group(g)}，{tail}，任何上限都无法满足。"


def _forced_text(n: _Namer, p: PersonId, unit: str | None, cap: int,
                 owned: list[GroupId], locked: list[GroupId], sole: list[GroupId]) -> str:
    total = len(owned) + len(locked) + len(sole)
    limit = f"超过每人 {cap} 个群的上限"
    if owned and not locked and not sole:
        return f"{n.person(p)} 是 {total} 个群的群主（{n.groups(owned)}），{limit}。"
    if locked and not owned and not sole:
        return f"锁定：{n.person(p)} 必须留在 {n.groups(locked)}（共 {total} 个群），{limit}。"
    if sole and not owned and not locked:
        return (f"{n.person(p)} 是{unit}在 {n.groups(sole)} 中的唯一成员（共 {total} 个群），"
                f"{limit}。")
    parts = []
    if owned:
        parts.append(f"是 {n.groups(owned)} 的群主")
    if locked:
        parts.append(f"被锁定在 {n.groups(locked)}")
    if sole:
        parts.append(f"是{unit}在 {n.groups(sole)} 中的唯一成员")
    return f"{n.person(p)} 必须留在 {total} 个群，{limit}：{'；'.join(parts)}。"


def _core_text(n: _Namer, roster: _Roster, cap: int, core: Sequence[_Constraint]) -> str:
    """One sentence for a minimal core, requirements of the same kind and people put together."""
    owned: dict[PersonId, list[GroupId]] = defaultdict(list)
    locked: dict[PersonId, list[GroupId]] = defaultdict(list)
    units: dict[tuple[str | None, tuple[PersonId, ...]], list[GroupId]] = defaultdict(list)
    for c in sorted(core, key=_Constraint.sort_key):
        if c.kind == "owner":
            owned[c.people[0]].append(c.group)
        elif c.kind == "lock":
            locked[c.people[0]].append(c.group)
        else:
            units[(c.unit, c.people)].append(c.group)
    reasons = [f"{n.person(p)} 是 {n.groups(gs)} 的群主" for p, gs in owned.items()]
    reasons += [f"锁定：{n.person(p)} 必须留在 {n.groups(gs)}" for p, gs in locked.items()]
    for (unit, people), gs in units.items():
        if len(people) == 1:
            reasons.append(f"{n.person(people[0])} 是{unit}在 {n.groups(gs)} 中的唯一成员")
        else:
            reasons.append(f"{unit}在 {n.groups(gs)} 中只有 {n.people(people)}，须至少留下一人")
    people = sorted({p for c in core for p in c.people}, key=_key)
    load = "、".join(f"{n.person(p)}（现有 {len(roster.person_groups[p])} 个群）" for p in people)
    return f"每人最多 {cap} 个群时，以下要求不能同时满足：{'；'.join(reasons)}。涉及：{load}。"


# ---------------------------------------------------------------------------------------------
# Diagnosis


def _direct_conflicts(problem: CapProblem, roster: _Roster, cap: int,
                      constraints: Sequence[_Constraint], n: _Namer
                      ) -> tuple[list[str], set[PersonId]]:
    """Invalid locks and people whose forced groups alone exceed ``cap``.

    Returns the texts and the people they name as over the cap (left out when looking for
    further conflicts, so each conflict reported is about other people)."""
    texts: list[str] = []
    explained: set[PersonId] = set()
    for p, g in sorted(problem.keep_memberships, key=_pair_key):
        why = _lock_problem(problem, p, g)
        if why is not None:
            texts.append(_lock_text(n, p, g, why))
    by_person: dict[PersonId, list[_Constraint]] = defaultdict(list)
    for c in constraints:
        if len(c.people) == 1:  # owner, lock, or a unit with a single member in the group
            by_person[c.people[0]].append(c)
    for p in roster.people:
        forced = by_person.get(p, [])
        seen: set[GroupId] = set()
        owned, locked, sole = [], [], []
        for kind, bucket in (("owner", owned), ("lock", locked), ("unit", sole)):
            for c in forced:
                if c.kind == kind and c.group not in seen:
                    seen.add(c.group)
                    bucket.append(c.group)
        if len(seen) > cap:
            owned, locked, sole = (sorted(gs, key=_key) for gs in (owned, locked, sole))
            texts.append(_forced_text(n, p, _unit(problem, p), cap, owned, locked, sole))
            explained.add(p)
    return texts, explained


def _minimise(roster: _Roster, cap: int, core: list[_Constraint]) -> list[_Constraint]:
    """Drop members of an infeasible ``core`` while it stays infeasible (a minimal core).

    Each check is a small model over just the people the remaining constraints touch: the cap
    is per person, so nobody else can matter."""
    core = sorted(core, key=_Constraint.sort_key)
    i = 0
    while i < len(core):
        trial = core[:i] + core[i + 1:]
        if not _feasible_subset(roster, cap, trial):
            core = trial
        else:
            i += 1
    return core


def _feasible_subset(roster: _Roster, cap: int, constraints: Sequence[_Constraint]) -> bool:
    people = {p for c in constraints for p in c.people}
    if not people:
        return True
    built = _build(roster, cap, constraints, people, assumptions=False)
    return _solver().solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _core_conflicts(roster: _Roster, cap: int, constraints: list[_Constraint],
                    explained: set[PersonId], n: _Namer) -> list[str]:
    """Conflicts between several people's requirements, one minimal core at a time.

    The people of ``explained`` and of every core found are set aside (their cap relaxed: they
    and every requirement naming them leave the model), so each further core is about others."""
    texts: list[str] = []
    explained = set(explained)
    while len(texts) < MAX_CORE_CONFLICTS:
        active = [c for c in constraints if not explained.intersection(c.people)]
        people = [p for p in _over(roster, cap) if p not in explained]
        built = _build(roster, cap, active, people, assumptions=True)
        solver = _solver()
        status = solver.solve(built.model)
        if status != cp_model.INFEASIBLE:
            if status == cp_model.UNKNOWN:
                texts.append("求解超时，未能确定其余要求能否同时满足。")
            break
        by_index = {lit.index: c for lit, c in built.literals}
        core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()
                if i in by_index]
        if not core:  # cannot happen (the cap alone is always satisfiable); never loop forever
            texts.append(f"每人最多 {cap} 个群时，群主、锁定与单位覆盖的要求不能同时满足。")
            break
        core = _minimise(roster, cap, core)
        texts.append(_core_text(n, roster, cap, core))
        explained.update(p for c in core for p in c.people)
    return texts


def _min_feasible_cap(problem: CapProblem, roster: _Roster, cap: int) -> int | None:
    """Smallest cap above ``cap`` and at most anyone's group count that is feasible under the
    same locks, by binary search (feasibility only grows with the cap)."""
    if any(_lock_problem(problem, p, g) for p, g in problem.keep_memberships):
        return None
    top = max((len(gs) for gs in roster.person_groups.values()), default=0)
    lo, hi = cap + 1, top  # at ``top`` nobody is over the cap: everything is kept, all holds
    if lo > hi:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if _feasible(roster, mid, _requirements(problem, roster, mid)):
            hi = mid
        else:
            lo = mid + 1
    return lo


# ---------------------------------------------------------------------------------------------
# Entry point


def solve_cap(problem: CapProblem) -> CapResult:
    """Choose, for every person over ``problem.cap``, the groups to keep (see the module doc for
    the model). Deterministic: the same problem, whatever its dict order, gives the same result."""
    roster = _roster(problem)
    cap = problem.cap
    namer = _Namer(problem)
    constraints = _requirements(problem, roster, cap)
    texts, explained = _direct_conflicts(problem, roster, cap, constraints, namer)
    if not texts:
        over = _over(roster, cap)
        built = _build(roster, cap, constraints, over, assumptions=False)
        weights = _objective_terms(problem, roster, over)
        built.model.maximize(sum(w * built.x[m] for m, w in weights.items()))
        solver = _solver()
        status = solver.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _plan(problem, roster, cap,
                         {m for m, var in built.x.items() if not solver.boolean_value(var)},
                         optimal=status == cp_model.OPTIMAL)
        if status == cp_model.UNKNOWN:  # not seen at county size; not a conflict either
            raise RuntimeError("CP-SAT found no plan within its deterministic time limit")
    texts += _core_conflicts(roster, cap, constraints, explained, namer)
    return CapResult(feasible=False, cap=cap, kept={}, removed=[], objective=0.0, optimal=False,
                     conflicts=texts, min_feasible_cap=_min_feasible_cap(problem, roster, cap))


def _plan(problem: CapProblem, roster: _Roster, cap: int, removed: set[Membership],
          optimal: bool) -> CapResult:
    kept = {p: frozenset(g for g in roster.person_groups[p] if (p, g) not in removed)
            for p in roster.people}
    # A fixed summation order, so the float is bit-identical whatever the sets' hash order.
    objective = math.fsum(problem.relevance.get((p, g), 0.0)
                          for p in roster.people for g in roster.person_groups[p]
                          if (p, g) not in removed)
    return CapResult(
        feasible=True, cap=cap, kept=kept,
        removed=sorted(removed, key=_pair_key),
        objective=objective, optimal=optimal, conflicts=[], min_feasible_cap=None)
