"""The cap: "at most K groups per cadre" as an integer program solved by OR-Tools CP-SAT.

Pure functions, no DuckDB, no Streamlit. The caller hands in the memberships after any merges,
how much each membership matters (relevance), owners, units, the cap K, the user's locks and,
optionally, a pool of substitutes; :func:`solve_cap` returns who keeps which groups and who is
added to which, or, when the ask is impossible, the conflicting people, groups and constraints in
Chinese and the smallest cap that would work.

The model (only people over the cap get ``x`` variables; everyone else keeps every group):

- ``x[p, g]`` (bool) for every membership of a person ``p`` in more than K non-dissolved groups;
- ``y[q, g]`` (bool) "``q`` is added to ``g``" (分工对接: a colleague of the same unit takes over
  that line of work), only for a unit requirement below that binds, and only for people ``q`` of
  the substitute pool with that unit who are not members of ``g`` and have room (anyone over the
  cap, or at most K − 1 groups now; someone at exactly K keeps all K groups and is full);
- ``sum_g x[p, g] + sum_g y[p, g] <= K`` and ``>= 1`` for every person over the cap;
  ``sum_g y[q, g] <= K - (q's groups now)`` for every substitute at or under the cap;
- owner: ``x[owner(g), g] = 1`` when the owner is a member of ``g``;
- unit: for every unit ``u`` that ``g`` reached, ``sum x[p, g] + sum y[q, g] >= 1`` over the
  members ``p`` of ``u`` in ``g`` and the substitutes ``q`` of ``u`` (only needed when every
  member is over the cap: anyone else keeps ``g``);
- lock: ``x[p, g] = 1`` for every locked membership;
- objective, lexicographic, one CP-SAT solve per level: (1) as few added memberships as
  possible; (2) the kept relevance (quantised to integers), with, as a strictly smaller term,
  each person's groups preferred in id order, so ties resolve the same way on every machine;
  (3) the substitutes with the fewest groups after the plan (the k-th group added to ``q`` costs
  q's groups now + k, K + k for someone over the cap: a convex cost, so two additions go to two
  colleagues rather than one); (4) id order: ``y[q, g]`` costs rank(q) × (n + 1 − rank(g)), so
  the colleague first in id order is preferred and, between colleagues, the earlier one takes the
  earlier group. Levels 3 and 4 are only solved when someone is added. Between levels, each
  level's optimum is fixed per connected component of the model (people linked through
  requirements share nothing with the others, so a plan is optimal at a level exactly when it is
  in every component): one global "sum = optimum" constraint makes the next level far harder.
  An added membership carries no relevance (the person has no history there). When nobody needs
  to be added, the model solved is exactly the one without the pool, and so is the answer.
  The model is built in sorted id order and solved by one worker with a fixed seed and a
  deterministic time limit, so the same input always gives the same answer.
- result: ``kept`` (groups after the plan, added ones included), ``removed`` and ``added``.

Infeasibility is explained in three steps: invalid locks (a dissolved group, a group the person is
not in); people whose forced groups (owner, lock, only member of their unit with no substitute who
has room) alone exceed K, naming the substitutes who are full; then any remaining conflict
between several people, found as a CP-SAT core over the owner/lock/unit literals (each unit
literal enforces its whole ``x + y`` sum; ``add_assumptions`` +
``sufficient_assumptions_for_infeasibility``) and shrunk to a minimal one on a small sub-model.
The smallest workable cap is found by binary search without substitutes (feasibility grows with
the cap there) and then, with substitutes, by trying the caps below that one in order: with a
pool, a larger cap can fail where a smaller one works (a colleague with K + 1 groups can give one
up and take over at K, but is full at K + 1).
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

    ``substitutes``: person -> unit, the people who may be *added* to a group so that their unit
    still reaches it when every member of that unit in the group is over the cap (分工对接). They
    may be members of other groups (those count toward K) or of none. A substitute's unit must
    agree with ``person_unit`` when both are given; it stands in for a missing one. Empty (the
    default): nobody is ever added, exactly the model without substitution.
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
    substitutes: Mapping[PersonId, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.cap, bool) or not isinstance(self.cap, int) or self.cap < 1:
            raise ValueError(f"cap must be an integer >= 1, got {self.cap!r}")
        for pair, value in self.relevance.items():
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"relevance of {pair!r} must be finite and >= 0, got {value!r}")
        for person, unit in self.substitutes.items():
            own = self.person_unit.get(person)
            if unit and own and own != unit:
                raise ValueError(f"substitute {person!r} is given unit {unit!r} but person_unit "
                                 f"says {own!r}")


@dataclass(frozen=True)
class CapResult:
    """The answer.

    ``feasible``: every constraint can be met at ``cap``. When feasible, ``kept`` holds every
    person's groups after the plan, the groups they are added to included (every person who
    appears in ``memberships``, and every substitute who is added; someone only in dissolved
    groups keeps an empty set), ``removed`` the (person, group) pairs the plan takes away (sorted;
    dissolved groups are not listed: they go as a whole), ``added`` the (person, group) pairs it
    adds (sorted the same way; empty unless a substitute is needed), ``objective`` the total
    relevance of the kept memberships (an added one counts 0), ``optimal`` whether CP-SAT proved
    optimality (always, short of the deterministic limit). When infeasible, ``kept``,
    ``removed`` and ``added`` are empty (nothing half-applied), ``conflicts`` explains why in
    Chinese, and ``min_feasible_cap`` is the smallest cap that works under the same locks and
    substitutes (None when no cap can: an invalid lock).
    """

    feasible: bool
    cap: int
    kept: dict[PersonId, frozenset[GroupId]]
    removed: list[Membership]
    objective: float
    optimal: bool
    conflicts: list[str]
    min_feasible_cap: int | None
    added: list[Membership] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Preparation


@dataclass(frozen=True)
class _Constraint:
    """One owner / lock / unit requirement on people over the cap (what a core is made of)."""

    kind: str  # "owner" | "lock" | "unit"
    group: GroupId
    people: tuple[PersonId, ...]  # owner / locked person, or the unit's members in the group
    unit: str | None = None
    # Unit only: the pool's people of the unit, not in the group, who could be added to it (room
    # left: over the cap, or fewer than K groups now), and those who are full (exactly K now).
    substitutes: tuple[PersonId, ...] = ()
    full: tuple[PersonId, ...] = ()

    def sort_key(self) -> tuple:
        return (("owner", "lock", "unit").index(self.kind), _key(self.group),
                tuple(_key(p) for p in self.people), tuple(_key(q) for q in self.substitutes))

    def named(self) -> tuple[PersonId, ...]:
        """Everyone whose groups this requirement is about."""
        return self.people + self.substitutes


@dataclass
class _Roster:
    """The problem reduced to non-dissolved groups, sorted, with per-person group lists."""

    groups: list[GroupId]  # non-dissolved groups, sorted
    members: dict[GroupId, list[PersonId]]  # sorted members
    person_groups: dict[PersonId, list[GroupId]]  # sorted non-dissolved groups of every person
    people: list[PersonId]  # every person in any membership (dissolved groups included), sorted
    pool: dict[str, list[PersonId]]  # unit -> its substitutes, sorted

    def count(self, person: PersonId) -> int:
        """Non-dissolved groups of ``person`` now (0 for a substitute in no group)."""
        return len(self.person_groups.get(person, ()))


def _roster(problem: CapProblem) -> _Roster:
    dissolved = set(problem.dissolved)
    groups = sorted((g for g in problem.memberships if g not in dissolved), key=_key)
    members = {g: sorted(problem.memberships[g], key=_key) for g in groups}
    everyone = {p for ms in problem.memberships.values() for p in ms}
    person_groups: dict[PersonId, list[GroupId]] = {p: [] for p in everyone}
    for g in groups:  # groups are sorted, so each list comes out sorted
        for p in members[g]:
            person_groups[p].append(g)
    pool: dict[str, list[PersonId]] = defaultdict(list)
    for q in sorted(problem.substitutes, key=_key):
        unit = _unit(problem, q)
        if problem.substitutes[q] and unit is not None:
            pool[unit].append(q)
    return _Roster(groups, members, person_groups, sorted(everyone, key=_key), dict(pool))


def _unit(problem: CapProblem, person: PersonId) -> str | None:
    unit = problem.person_unit.get(person) or problem.substitutes.get(person)
    return unit if unit else None  # an empty unit string is no unit


def _requirements(problem: CapProblem, roster: _Roster, cap: int,
                  substitutes: bool = True) -> list[_Constraint]:
    """Owner, lock and unit constraints that bind people over ``cap`` (valid locks only), unit
    constraints with their candidate substitutes unless ``substitutes`` is false.

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
        inside = set(roster.members[g])
        for unit in sorted(by_unit):
            people = by_unit[unit]
            if all(p in over for p in people):
                candidates = ([q for q in roster.pool.get(unit, ()) if q not in inside]
                              if substitutes else [])
                out.append(_Constraint(
                    "unit", g, tuple(people), unit,
                    tuple(q for q in candidates if roster.count(q) != cap),
                    tuple(q for q in candidates if roster.count(q) == cap)))
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
    y: dict[Membership, cp_model.IntVar]  # (substitute, group) -> "added to the group"
    literals: list[tuple[cp_model.IntVar, _Constraint]]  # only when built with assumptions


def _build(roster: _Roster, cap: int, constraints: Iterable[_Constraint],
           people: Iterable[PersonId], assumptions: bool) -> _Model:
    """Variables and cap constraints for ``people`` (all over ``cap``) plus ``constraints``,
    each either enforced outright or behind an assumption literal.

    Substitutes the constraints name get ``y`` variables; those over the cap are modelled with
    their ``x`` variables too (their additions count in the same sum), the others may take as
    many groups as they have room for."""
    constraints = list(constraints)
    model = cp_model.CpModel()
    y_pairs = sorted({(q, c.group) for c in constraints for q in c.substitutes}, key=_pair_key)
    modelled = set(people) | {q for q, _ in y_pairs if roster.count(q) > cap}
    x: dict[Membership, cp_model.IntVar] = {}
    rows: dict[PersonId, list[cp_model.IntVar]] = {}
    for p in sorted(modelled, key=_key):
        row = rows[p] = []
        for g in roster.person_groups[p]:
            var = model.new_bool_var(f"x[{p!r},{g!r}]")
            x[(p, g)] = var
            row.append(var)
    y: dict[Membership, cp_model.IntVar] = {}
    added: dict[PersonId, list[cp_model.IntVar]] = defaultdict(list)
    for q, g in y_pairs:
        var = model.new_bool_var(f"y[{q!r},{g!r}]")
        y[(q, g)] = var
        added[q].append(var)
    for p, row in rows.items():
        terms = row + added.get(p, [])
        model.add(sum(terms) <= cap)
        model.add(sum(terms) >= 1)  # nobody who was in a group is left in none
    for q in sorted(added, key=_key):
        if q not in rows:
            model.add(sum(added[q]) <= cap - roster.count(q))
    literals: list[tuple[cp_model.IntVar, _Constraint]] = []
    for i, c in enumerate(constraints):
        terms = [x[(p, c.group)] for p in c.people] + [y[(q, c.group)] for q in c.substitutes]
        ct = model.add(sum(terms) >= 1)
        if assumptions:
            lit = model.new_bool_var(f"a{i}")
            ct.only_enforce_if(lit)
            literals.append((lit, c))
    if literals:
        model.add_assumptions([lit for lit, _ in literals])
    return _Model(model, x, y, literals)


def _over(roster: _Roster, cap: int) -> list[PersonId]:
    return [p for p in roster.people if len(roster.person_groups[p]) > cap]


def _solvable(built: _Model) -> bool:
    return _solver().solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _feasible(roster: _Roster, cap: int, constraints: Sequence[_Constraint]) -> bool:
    """Whether ``constraints`` can all hold at ``cap`` (people over the cap only)."""
    people = _over(roster, cap)
    if not people:
        return True
    return _solvable(_build(roster, cap, constraints, people, assumptions=False))


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


def _substitute_terms(built: _Model, roster: _Roster, cap: int
                      ) -> tuple[list[tuple[int, cp_model.IntVar, PersonId]],
                                 list[tuple[int, cp_model.IntVar, PersonId]]]:
    """Levels 3 and 4 of the objective (to minimise), as (coefficient, variable, person) terms.

    Load: each addition costs the number of groups its person has after it (their k-th addition:
    groups now + k; anyone over the cap ends at K, so theirs cost K + k, more than anyone
    else's), a convex cost that spreads additions over the colleagues with fewest groups; step
    variables ``k[q, i]`` ("q is added to at least i groups") carry it.
    Order: ``y[q, g]`` costs rank(q) × (n + 1 − rank(g)) over the n groups with candidates, so
    the colleague first in id order is preferred and, between colleagues, the earlier one takes
    the earlier group."""
    by_person: dict[PersonId, list[cp_model.IntVar]] = defaultdict(list)
    for (q, _), var in built.y.items():  # built in sorted pair order
        by_person[q].append(var)
    ranked = sorted(by_person, key=_key)
    person_rank = {q: i + 1 for i, q in enumerate(ranked)}
    groups = sorted({g for _, g in built.y}, key=_key)
    group_weight = {g: len(groups) - i for i, g in enumerate(groups)}
    order = [(person_rank[q] * group_weight[g], var, q) for (q, g), var in built.y.items()]
    load = []
    for q in ranked:
        now = roster.count(q)
        base, room = (cap, cap) if now > cap else (now, cap - now)
        steps = [built.model.new_bool_var(f"k[{q!r},{i}]")
                 for i in range(1, min(room, len(by_person[q])) + 1)]
        built.model.add(sum(steps) == sum(by_person[q]))
        for earlier, later in zip(steps, steps[1:]):
            built.model.add(earlier >= later)
        load += [(base + i + 1, step, q) for i, step in enumerate(steps)]
    return load, order


def _hint(built: _Model, solver: cp_model.CpSolver) -> None:
    built.model.clear_hints()
    for var in [*built.x.values(), *built.y.values()]:
        built.model.add_hint(var, solver.boolean_value(var))


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
                 owned: list[GroupId], locked: list[GroupId], sole: list[GroupId],
                 full: Sequence[PersonId] = ()) -> str:
    """``full``: substitutes of ``p``'s unit who could have taken over a ``sole`` group but are
    already at the cap (named, so the user sees why nobody takes over)."""
    total = len(owned) + len(locked) + len(sole)
    limit = f"超过每人 {cap} 个群的上限"
    tail = f"{unit}其他干部 {n.people(full)} 也已满 {cap} 个群，无法接替。" if full else ""
    if owned and not locked and not sole:
        return f"{n.person(p)} 是 {total} 个群的群主（{n.groups(owned)}），{limit}。"
    if locked and not owned and not sole:
        return f"锁定：{n.person(p)} 必须留在 {n.groups(locked)}（共 {total} 个群），{limit}。"
    if sole and not owned and not locked:
        return (f"{n.person(p)} 是{unit}在 {n.groups(sole)} 中的唯一成员（共 {total} 个群），"
                f"{limit}。{tail}")
    parts = []
    if owned:
        parts.append(f"是 {n.groups(owned)} 的群主")
    if locked:
        parts.append(f"被锁定在 {n.groups(locked)}")
    if sole:
        parts.append(f"是{unit}在 {n.groups(sole)} 中的唯一成员")
    return f"{n.person(p)} 必须留在 {total} 个群，{limit}：{'；'.join(parts)}。{tail}"


def _core_text(n: _Namer, roster: _Roster, cap: int, core: Sequence[_Constraint]) -> str:
    """One sentence for a minimal core, requirements of the same kind and people put together."""
    owned: dict[PersonId, list[GroupId]] = defaultdict(list)
    locked: dict[PersonId, list[GroupId]] = defaultdict(list)
    units: dict[tuple[str | None, tuple[PersonId, ...], tuple[PersonId, ...]], list[GroupId]] = (
        defaultdict(list))
    for c in sorted(core, key=_Constraint.sort_key):
        if c.kind == "owner":
            owned[c.people[0]].append(c.group)
        elif c.kind == "lock":
            locked[c.people[0]].append(c.group)
        else:
            units[(c.unit, c.people, c.substitutes)].append(c.group)
    reasons = [f"{n.person(p)} 是 {n.groups(gs)} 的群主" for p, gs in owned.items()]
    reasons += [f"锁定：{n.person(p)} 必须留在 {n.groups(gs)}" for p, gs in locked.items()]
    for (unit, people, subs), gs in units.items():
        if subs and len(people) == 1:
            reasons.append(f"{unit}在 {n.groups(gs)} 中只有 {n.person(people[0])}，"
                           f"须其本人留下或由 {n.people(subs)} 接替")
        elif subs:
            reasons.append(f"{unit}在 {n.groups(gs)} 中只有 {n.people(people)}，"
                           f"须至少留下一人或由 {n.people(subs)} 接替")
        elif len(people) == 1:
            reasons.append(f"{n.person(people[0])} 是{unit}在 {n.groups(gs)} 中的唯一成员")
        else:
            reasons.append(f"{unit}在 {n.groups(gs)} 中只有 {n.people(people)}，须至少留下一人")
    people = sorted({p for c in core for p in c.named()}, key=_key)
    load = "、".join(f"{n.person(p)}（现有 {roster.count(p)} 个群）" for p in people)
    return f"每人最多 {cap} 个群时，以下要求不能同时满足：{'；'.join(reasons)}。涉及：{load}。"


# ---------------------------------------------------------------------------------------------
# Diagnosis


def _direct_conflicts(problem: CapProblem, roster: _Roster, cap: int,
                      constraints: Sequence[_Constraint], n: _Namer
                      ) -> tuple[list[str], set[PersonId]]:
    """Invalid locks and people whose forced groups alone exceed ``cap``.

    A unit requirement forces its only member only when no substitute has room to take over.
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
        # owner, lock, or a unit with a single member in the group and nobody to take over
        if len(c.people) == 1 and not c.substitutes:
            by_person[c.people[0]].append(c)
    for p in roster.people:
        forced = by_person.get(p, [])
        seen: set[GroupId] = set()
        owned, locked, sole = [], [], []
        full: set[PersonId] = set()
        for kind, bucket in (("owner", owned), ("lock", locked), ("unit", sole)):
            for c in forced:
                if c.kind == kind and c.group not in seen:
                    seen.add(c.group)
                    bucket.append(c.group)
                    full.update(c.full)
        if len(seen) > cap:
            owned, locked, sole = (sorted(gs, key=_key) for gs in (owned, locked, sole))
            texts.append(_forced_text(n, p, _unit(problem, p), cap, owned, locked, sole,
                                      sorted(full, key=_key) if sole else ()))
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
    return _solvable(_build(roster, cap, constraints, people, assumptions=False))


def _core_conflicts(roster: _Roster, cap: int, constraints: list[_Constraint],
                    explained: set[PersonId], n: _Namer) -> list[str]:
    """Conflicts between several people's requirements, one minimal core at a time.

    The people of ``explained`` and of every core found are set aside (their cap relaxed: they
    and every requirement naming them, as a member or as a substitute, leave the model), so each
    further core is about others."""
    texts: list[str] = []
    explained = set(explained)
    while len(texts) < MAX_CORE_CONFLICTS:
        active = [c for c in constraints if not explained.intersection(c.named())]
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
        explained.update(p for c in core for p in c.named())
    return texts


def _min_feasible_cap(problem: CapProblem, roster: _Roster, cap: int) -> int | None:
    """Smallest cap above ``cap`` and at most anyone's group count that is feasible under the
    same locks and substitutes.

    Without substitutes feasibility only grows with the cap, so a binary search finds the
    smallest cap that works with nobody added; with substitutes, each smaller cap is then tried in
    order (a substitute with K + 1 groups has room at K, none at K + 1, so a larger cap can fail
    where a smaller one works)."""
    if any(_lock_problem(problem, p, g) for p, g in problem.keep_memberships):
        return None
    top = max((len(gs) for gs in roster.person_groups.values()), default=0)
    lo, hi = cap + 1, top  # at ``top`` nobody is over the cap: everything is kept, all holds
    if lo > hi:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if _feasible(roster, mid, _requirements(problem, roster, mid, substitutes=False)):
            hi = mid
        else:
            lo = mid + 1
    if roster.pool:
        for k in range(cap + 1, lo):
            if _feasible(roster, k, _requirements(problem, roster, k)):
                return k
    return lo


# ---------------------------------------------------------------------------------------------
# Entry point


def solve_cap(problem: CapProblem) -> CapResult:
    """Choose, for every person over ``problem.cap``, the groups to keep, and who of the
    substitutes joins which group (see the module doc for the model). Deterministic: the same
    problem, whatever its dict order, gives the same result."""
    roster = _roster(problem)
    cap = problem.cap
    namer = _Namer(problem)
    constraints = _requirements(problem, roster, cap)
    texts, explained = _direct_conflicts(problem, roster, cap, constraints, namer)
    if not texts:
        solved = _optimise(problem, roster, cap, constraints)
        if solved is not None:
            return solved
    texts += _core_conflicts(roster, cap, constraints, explained, namer)
    return CapResult(feasible=False, cap=cap, kept={}, removed=[], objective=0.0, optimal=False,
                     conflicts=texts, min_feasible_cap=_min_feasible_cap(problem, roster, cap),
                     added=[])


def _components(constraints: Sequence[_Constraint]) -> dict[PersonId, PersonId]:
    """Person -> a representative of the people linked to them through requirements (as a
    member or a substitute). Different components share no variable and no constraint."""
    parent: dict[PersonId, PersonId] = {}

    def find(p: PersonId) -> PersonId:
        parent.setdefault(p, p)
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for c in constraints:
        named = c.named()
        for q in named:
            find(q)
        for q in named[1:]:
            a, b = find(named[0]), find(q)
            if a != b:
                parent[max(a, b, key=_key)] = min(a, b, key=_key)
    return {p: find(p) for p in parent}


def _optimise(problem: CapProblem, roster: _Roster, cap: int,
              constraints: list[_Constraint]) -> CapResult | None:
    """The plan, level by level (see the module doc), or None when infeasible.

    The model falls apart into components that share nothing, and a plan is optimal at a level
    only if it is in every component; so each level's optimum is fixed per component before the
    next, which keeps the next model as easy as the first (one global sum is much harder)."""
    over = _over(roster, cap)
    built = _build(roster, cap, constraints, over, assumptions=False)
    optimal = True
    component = _components(constraints)
    y_parts: dict[PersonId, list[cp_model.IntVar]] = defaultdict(list)
    for (q, _), var in built.y.items():
        y_parts[component[q]].append(var)
    if built.y:
        # Level 1: as few added memberships as possible.
        built.model.minimize(sum(built.y.values()))
        solver = _solver()
        status = _checked(solver.solve(built.model))
        if status is None:
            return None
        optimal = status == cp_model.OPTIMAL
        if not any(solver.boolean_value(v) for v in built.y.values()):
            # Nobody is added: solve exactly the model without substitutes.
            constraints = [_Constraint(c.kind, c.group, c.people, c.unit) for c in constraints]
            built = _build(roster, cap, constraints, over, assumptions=False)
            y_parts.clear()
        else:
            for part in y_parts.values():
                needed = sum(solver.value(v) for v in part)
                built.model.add(sum(part) <= needed)
            _hint(built, solver)
    # Level 2: the kept relevance, then the tie-break.
    weights = _objective_terms(problem, roster, over)
    built.model.maximize(sum(w * built.x[m] for m, w in weights.items()))
    solver = _solver()
    status = _checked(solver.solve(built.model))
    if status is None:
        return None
    optimal = optimal and status == cp_model.OPTIMAL
    if built.y:
        # Levels 3 and 4: which colleague is added. Only components where someone is added stay
        # open; in them each level's optimum is fixed before the next.
        open_parts = {r for r, part in y_parts.items()
                      if any(solver.boolean_value(v) for v in part)}
        x_parts: dict[PersonId, list[Membership]] = defaultdict(list)
        for m in weights:
            x_parts[component.get(m[0], m[0])].append(m)
        for r, ms in x_parts.items():
            if r in open_parts:
                _fix(built, solver, [(weights[m], built.x[m]) for m in ms], at_least=True)
            else:
                for m in ms:
                    built.model.add(built.x[m] == solver.value(built.x[m]))
        for r, part in y_parts.items():
            if r not in open_parts:
                for v in part:
                    built.model.add(v == 0)
        load, order = _substitute_terms(built, roster, cap)
        for level, terms in enumerate((load, order)):
            if level:
                for part in _by_component(load, component).values():
                    _fix(built, solver, part, at_least=False)
            _hint(built, solver)
            built.model.minimize(sum(c * v for c, v, _ in terms))
            solver = _solver()
            status = _checked(solver.solve(built.model))
            if status is None:  # cannot happen: the hint is a solution
                return None
            optimal = optimal and status == cp_model.OPTIMAL
    return _plan(problem, roster, cap,
                 {m for m, var in built.x.items() if not solver.boolean_value(var)},
                 {m for m, var in built.y.items() if solver.boolean_value(var)},
                 optimal=optimal)


def _by_component(terms: Iterable[tuple[int, cp_model.IntVar, PersonId]],
                  component: Mapping[PersonId, PersonId]
                  ) -> dict[PersonId, list[tuple[int, cp_model.IntVar]]]:
    out: dict[PersonId, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for c, v, q in terms:
        out[component[q]].append((c, v))
    return out


def _fix(built: _Model, solver: cp_model.CpSolver, terms: Sequence[tuple[int, cp_model.IntVar]],
         at_least: bool) -> None:
    """Keep ``sum(c * v)`` at least (or at most) its value in ``solver``'s solution."""
    expr = sum(c * v for c, v in terms)
    value = sum(c * solver.value(v) for c, v in terms)
    built.model.add(expr >= value if at_least else expr <= value)


def _checked(status: int) -> int | None:
    """The status of a solve that found a plan, None when infeasible."""
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status
    if status == cp_model.UNKNOWN:  # not seen at county size; not a conflict either
        raise RuntimeError("CP-SAT found no plan within its deterministic time limit")
    return None


def _plan(problem: CapProblem, roster: _Roster, cap: int, removed: set[Membership],
          added: set[Membership], optimal: bool) -> CapResult:
    gained: dict[PersonId, set[GroupId]] = defaultdict(set)
    for q, g in added:
        gained[q].add(g)
    people = sorted(set(roster.people) | set(gained), key=_key)
    kept = {p: frozenset([*(g for g in roster.person_groups.get(p, ()) if (p, g) not in removed),
                          *gained.get(p, ())])
            for p in people}
    # A fixed summation order, so the float is bit-identical whatever the sets' hash order.
    objective = math.fsum(problem.relevance.get((p, g), 0.0)
                          for p in roster.people for g in roster.person_groups[p]
                          if (p, g) not in removed)
    return CapResult(
        feasible=True, cap=cap, kept=kept,
        removed=sorted(removed, key=_pair_key),
        objective=objective, optimal=optimal, conflicts=[], min_feasible_cap=None,
        added=sorted(added, key=_pair_key))
