"""The cap solver (core/plan/cap.py): hand-built cases with exact answers, then properties over
random rosters checked against a brute-force oracle."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.plan.cap import CapProblem, CapResult, solve_cap

# ---------------------------------------------------------------------------------------------
# Hand-built cases


def _groups(*names: str, members: set[str]) -> dict[str, set[str]]:
    return {g: set(members) for g in names}


def test_keeps_the_three_most_relevant_of_five() -> None:
    ms = _groups("g1", "g2", "g3", "g4", "g5", members={"zs"})
    rel = {("zs", "g1"): 5.0, ("zs", "g2"): 1.0, ("zs", "g3"): 4.0, ("zs", "g4"): 0.5,
           ("zs", "g5"): 3.0}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, cap=3))
    assert r.feasible and r.optimal
    assert r.kept == {"zs": {"g1", "g3", "g5"}}
    assert r.removed == [("zs", "g2"), ("zs", "g4")]
    assert r.objective == pytest.approx(12.0)
    assert r.conflicts == [] and r.min_feasible_cap is None


def test_people_at_or_under_the_cap_keep_everything() -> None:
    ms = {"g1": {"a", "b"}, "g2": {"a", "b"}, "g3": {"a", "b"}, "g4": {"a"}}
    rel = {("a", "g1"): 1.0, ("a", "g2"): 2.0, ("a", "g3"): 3.0, ("a", "g4"): 4.0}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, cap=3))
    assert r.kept == {"a": {"g2", "g3", "g4"}, "b": {"g1", "g2", "g3"}}
    assert r.removed == [("a", "g1")]


def test_the_owner_is_never_removed_from_their_group() -> None:
    ms = _groups("g1", "g2", "g3", members={"zs"})
    rel = {("zs", "g1"): 0.0, ("zs", "g2"): 9.0, ("zs", "g3"): 8.0}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, owners={"g1": "zs"}, cap=2))
    assert r.feasible
    assert r.kept == {"zs": {"g1", "g2"}}
    assert r.removed == [("zs", "g3")]


def test_an_owner_who_is_not_a_member_binds_nobody() -> None:
    ms = _groups("g1", "g2", "g3", members={"zs"})
    rel = {("zs", "g1"): 0.0, ("zs", "g2"): 9.0, ("zs", "g3"): 8.0}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, owners={"g1": "ls"}, cap=2))
    assert r.kept == {"zs": {"g2", "g3"}}


def test_a_units_only_member_in_a_group_stays() -> None:
    # zs is the only 石桥村 member of g4; g1-g3 also have ls (石桥村, under the cap).
    ms = {"g1": {"zs", "ls"}, "g2": {"zs", "ls"}, "g3": {"zs", "ls"}, "g4": {"zs", "ww"}}
    rel = {("zs", "g1"): 5.0, ("zs", "g2"): 4.0, ("zs", "g3"): 3.0, ("zs", "g4"): 0.1}
    unit = {"zs": "石桥村", "ls": "石桥村", "ww": "镇政府"}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, person_unit=unit, cap=3))
    assert r.feasible
    assert r.kept["zs"] == {"g1", "g2", "g4"}
    assert r.removed == [("zs", "g3")]


def test_a_unit_shared_by_two_people_over_the_cap_keeps_exactly_one() -> None:
    # zs and ls (both 石桥村, both over K=2) are the unit's only members of g3; g3 matters little
    # to both, so exactly one stays: ls, for whom keeping g3 costs less.
    ms = {"g1": {"zs", "ls"}, "g2": {"zs", "ls"}, "g3": {"zs", "ls"}}
    rel = {("zs", "g1"): 9.0, ("zs", "g2"): 8.0, ("zs", "g3"): 1.0,
           ("ls", "g1"): 9.0, ("ls", "g2"): 3.0, ("ls", "g3"): 2.0}
    unit = {"zs": "石桥村", "ls": "石桥村"}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, person_unit=unit, cap=2))
    assert r.feasible
    assert r.kept == {"zs": {"g1", "g2"}, "ls": {"g1", "g3"}}
    assert r.objective == pytest.approx(9 + 8 + 9 + 2)


def test_a_locked_membership_stays_even_when_less_relevant() -> None:
    ms = _groups("g1", "g2", "g3", "g4", members={"ww"})
    rel = {("ww", "g1"): 4.0, ("ww", "g2"): 3.0, ("ww", "g3"): 2.0, ("ww", "g4"): 0.0}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, keep_memberships={("ww", "g4")},
                             cap=2))
    assert r.kept == {"ww": {"g1", "g4"}}
    assert r.removed == [("ww", "g2"), ("ww", "g3")]


def test_dissolved_groups_do_not_count() -> None:
    ms = _groups("g1", "g2", "g3", "g4", "g5", members={"zs"})
    ms["g6"] = {"ls"}
    r = solve_cap(CapProblem(memberships=ms, cap=3, dissolved={"g4", "g5", "g6"},
                             owners={"g5": "zs"}))
    assert r.feasible
    assert r.kept == {"zs": {"g1", "g2", "g3"}, "ls": set()}
    assert r.removed == []  # a dissolved group goes as a whole; its memberships are not listed


def test_equal_relevance_keeps_the_groups_that_sort_first() -> None:
    ms = _groups("g5", "g2", "g4", "g1", "g3", members={"zs"})
    r = solve_cap(CapProblem(memberships=ms, cap=3))
    assert r.kept == {"zs": {"g1", "g2", "g3"}}
    assert r.removed == [("zs", "g4"), ("zs", "g5")]


def test_owner_of_four_groups_with_cap_three_is_infeasible() -> None:
    names = {"g1": "甲群", "g2": "乙群", "g3": "丙群", "g4": "丁群", "g5": "戊群"}
    ms = _groups(*names, members={"zs", "ls"})
    p = CapProblem(memberships=ms, owners={g: "zs" for g in ("g1", "g2", "g3", "g4")}, cap=3,
                   group_names=names, person_names={"zs": "张三", "ls": "李四"})
    r = solve_cap(p)
    assert not r.feasible
    assert r.kept == {} and r.removed == []
    assert len(r.conflicts) == 1
    text = r.conflicts[0]
    assert "张三" in text and "群主" in text and "3 个群的上限" in text
    assert all(names[g] in text for g in ("g1", "g2", "g3", "g4")) and "戊群" not in text
    assert r.min_feasible_cap == 4
    assert solve_cap(replace(p, cap=4)).feasible


def test_only_member_of_a_unit_in_four_groups_is_infeasible() -> None:
    names = {"a": "A群", "b": "B群", "c": "C群", "d": "D群"}
    ms = {g: {"ls", f"x{g}"} for g in names}
    unit = {"ls": "石桥村"} | {f"x{g}": "镇政府" for g in names}
    r = solve_cap(CapProblem(memberships=ms, person_unit=unit, cap=3, group_names=names,
                             person_names={"ls": "李四"}))
    assert not r.feasible
    assert r.conflicts == ["李四 是石桥村在 A群、B群、C群、D群 中的唯一成员（共 4 个群），"
                           "超过每人 3 个群的上限。"]
    assert r.min_feasible_cap == 4


def test_locks_over_the_cap_are_reported() -> None:
    names = {"a": "A群", "b": "B群", "c": "C群", "d": "D群", "e": "E群"}
    ms = _groups(*names, members={"ww"})
    locks = {("ww", g) for g in ("a", "b", "c", "d")}
    r = solve_cap(CapProblem(memberships=ms, keep_memberships=locks, cap=3, group_names=names,
                             person_names={"ww": "王五"}))
    assert not r.feasible
    assert r.conflicts == ["锁定：王五 必须留在 A群、B群、C群、D群（共 4 个群），超过每人 3 个群的上限。"]
    assert r.min_feasible_cap == 4


def test_mixed_reasons_are_counted_once_per_group() -> None:
    ms = _groups("a", "b", "c", "d", members={"ww"})
    r = solve_cap(CapProblem(memberships=ms, owners={"a": "ww", "b": "ww"}, cap=2,
                             keep_memberships={("ww", "a"), ("ww", "c")},
                             person_names={"ww": "王五"}))
    assert r.conflicts == ["王五 必须留在 3 个群，超过每人 2 个群的上限：是 a、b 的群主；被锁定在 c。"]
    assert r.min_feasible_cap == 3


def test_a_lock_on_a_dissolved_group_makes_every_cap_impossible() -> None:
    ms = {"g1": {"zs"}, "g2": {"zs"}}
    r = solve_cap(CapProblem(memberships=ms, keep_memberships={("zs", "g2")}, dissolved={"g2"},
                             cap=3, group_names={"g2": "乙群"}, person_names={"zs": "张三"}))
    assert not r.feasible and r.kept == {}
    assert r.conflicts == ["锁定：张三 必须留在 乙群，但 乙群 已标记为解散，任何上限都无法满足。"]
    assert r.min_feasible_cap is None


def test_a_lock_on_a_group_the_person_is_not_in_is_reported() -> None:
    r = solve_cap(CapProblem(memberships={"g1": {"zs"}}, keep_memberships={("zs", "g9")}, cap=3))
    assert r.conflicts == ["锁定：zs 必须留在 g9，但没有 g9 这个群，任何上限都无法满足。"]
    r = solve_cap(CapProblem(memberships={"g1": {"zs"}, "g2": {"ls"}},
                             keep_memberships={("zs", "g2")}, cap=3))
    assert r.conflicts == ["锁定：zs 必须留在 g2，但 zs 不在 g2 中，任何上限都无法满足。"]


def test_a_conflict_between_two_people_is_found_by_the_solver() -> None:
    # Nobody alone is forced over K=3: zs owns A B C, ls owns E F G, and D's only 石桥村 members
    # are zs and ls, so one of them needs a fourth group.
    ms = {"A": {"zs"}, "B": {"zs"}, "C": {"zs"}, "D": {"zs", "ls", "ww"},
          "E": {"ls"}, "F": {"ls"}, "G": {"ls"}}
    owners = {"A": "zs", "B": "zs", "C": "zs", "E": "ls", "F": "ls", "G": "ls", "D": "ww"}
    unit = {"zs": "石桥村", "ls": "石桥村", "ww": "镇政府"}
    p = CapProblem(memberships=ms, owners=owners, person_unit=unit, cap=3,
                   person_names={"zs": "张三", "ls": "李四", "ww": "王五"},
                   group_names={g: f"{g}群" for g in ms})
    r = solve_cap(p)
    assert not r.feasible
    assert r.conflicts == [
        "每人最多 3 个群时，以下要求不能同时满足：张三 是 A群、B群、C群 的群主；"
        "李四 是 E群、F群、G群 的群主；石桥村在 D群 中只有 李四、张三，须至少留下一人。"
        "涉及：李四（现有 4 个群）、张三（现有 4 个群）。"]
    assert r.min_feasible_cap == 4


def test_independent_conflicts_are_all_reported() -> None:
    ms = {f"g{i}": {"zs"} for i in range(4)} | {f"h{i}": {"ls"} for i in range(4)}
    owners = {f"g{i}": "zs" for i in range(4)} | {f"h{i}": "ls" for i in range(4)}
    r = solve_cap(CapProblem(memberships=ms, owners=owners, cap=2,
                             person_names={"zs": "张三", "ls": "李四"}))
    assert len(r.conflicts) == 2
    assert "李四" in r.conflicts[0] and "张三" in r.conflicts[1]
    assert r.min_feasible_cap == 4


def test_the_same_input_gives_the_same_result() -> None:
    ms = {f"g{i}": {f"p{j}" for j in range(8) if (i * j) % 3 != 1} for i in range(7)}
    rel = {(p, g): float((len(p) * 7 + int(g[1:]) * 3 + int(p[1:])) % 4)
           for g, ps in ms.items() for p in ps}
    unit = {f"p{j}": ("甲村", "乙村", None)[j % 3] for j in range(8)}
    problem = CapProblem(memberships=ms, relevance=rel, person_unit=unit, cap=3)
    first = solve_cap(problem)
    assert first.feasible and first.removed
    assert solve_cap(problem) == first
    shuffled = CapProblem(memberships={g: set(sorted(ms[g], reverse=True))
                                       for g in reversed(list(ms))},
                          relevance=dict(reversed(list(rel.items()))),
                          person_unit=dict(reversed(list(unit.items()))), cap=3)
    assert solve_cap(shuffled) == first


def test_integer_ids_and_names() -> None:
    # Group and person ids are both integers in the workspace and may coincide.
    ms = {1: {1, 2}, 2: {1}, 3: {1}}
    r = solve_cap(CapProblem(memberships=ms, owners={1: 1, 2: 1, 3: 1}, cap=2,
                             group_names={1: "甲群", 2: "乙群", 3: "丙群"},
                             person_names={1: "张三", 2: "李四"}))
    assert r.conflicts == ["张三 是 3 个群的群主（甲群、乙群、丙群），超过每人 2 个群的上限。"]


@pytest.mark.parametrize("bad", [0, -1, True])
def test_the_cap_must_be_a_positive_integer(bad: int) -> None:
    with pytest.raises(ValueError):
        CapProblem(memberships={}, cap=bad)


@pytest.mark.parametrize("bad", [-0.5, math.nan, math.inf])
def test_relevance_must_be_finite_and_not_negative(bad: float) -> None:
    with pytest.raises(ValueError):
        CapProblem(memberships={"g": {"p"}}, relevance={("p", "g"): bad})


# ---------------------------------------------------------------------------------------------
# Properties over random rosters

PEOPLE = ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈明",
          "褚亮")
GROUPS = ("群A", "群B", "群C", "群D", "群E", "群F", "群G", "群H")
UNITS = (None, "石桥村", "镇政府", "河口村")
RELEVANCE = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0)


@st.composite
def problems(draw: st.DrawFn, max_groups: int = 8, max_people: int = 12) -> CapProblem:
    groups = list(GROUPS[:draw(st.integers(1, max_groups))])
    people = list(PEOPLE[:draw(st.integers(1, max_people))])
    # Dense rosters, so that many people are over the cap and the solver has choices to make.
    ms = {g: set(draw(st.lists(st.sampled_from(people), min_size=len(people) // 2,
                               max_size=len(people), unique=True)))
          for g in groups}
    members = [(p, g) for g in groups for p in sorted(ms[g])]
    rel = {m: draw(st.sampled_from(RELEVANCE)) for m in members}
    # Owners: mostly a member, sometimes nobody or an outsider.
    owners = {g: draw(st.one_of(st.none(), st.sampled_from(people),
                                st.sampled_from(sorted(ms[g])) if ms[g] else st.none()))
              for g in groups}
    units = UNITS[:draw(st.integers(1, len(UNITS)))]  # few units: most rosters can be covered
    unit = {p: draw(st.sampled_from(units)) for p in people}
    dissolved = set(draw(st.lists(st.sampled_from(groups), max_size=2, unique=True)))
    alive = [m for m in members if m[1] not in dissolved]
    locks = set(draw(st.lists(st.sampled_from(alive), max_size=3, unique=True))) if alive else set()
    if draw(st.integers(0, 9)) == 0:  # now and then a lock that no cap can honour
        locks.add((draw(st.sampled_from(people)), draw(st.sampled_from(groups))))
    return CapProblem(memberships=ms, relevance=rel, owners=owners, person_unit=unit,
                      cap=draw(st.integers(1, 4)), keep_memberships=locks, dissolved=dissolved,
                      person_names={p: p for p in people})


def _active(p: CapProblem) -> dict[str, set[str]]:
    return {g: set(ms) for g, ms in p.memberships.items() if g not in p.dissolved}


def _before(p: CapProblem) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {q: set() for ms in p.memberships.values() for q in ms}
    for g, ms in _active(p).items():
        for q in ms:
            out[q].add(g)
    return out


def _invalid_lock(p: CapProblem) -> bool:
    return any(g in p.dissolved or g not in p.memberships or q not in p.memberships[g]
               for q, g in p.keep_memberships)


def _violations(p: CapProblem, cap: int, kept: dict[str, set[str]]) -> list[str]:
    """Every constraint of DESIGN.md a plan breaks (empty = the plan is valid), independently of
    the solver's own bookkeeping."""
    bad: list[str] = []
    before = _before(p)
    active = _active(p)
    for q, gs in before.items():
        k = kept.get(q, set())
        if not k <= gs:
            bad.append(f"{q} gains groups")
        if len(gs) <= cap and k != gs:
            bad.append(f"{q} is under the cap but loses groups")
        if len(k) > cap:
            bad.append(f"{q} over the cap")
        if gs and not k:
            bad.append(f"{q} left in no group")
    for g, ms in active.items():
        after = {q for q in ms if g in kept.get(q, set())}
        o = p.owners.get(g)
        if o is not None and o in ms and o not in after:
            bad.append(f"owner {o} removed from {g}")
        reached = {p.person_unit.get(q) for q in ms} - {None}
        if not reached <= {p.person_unit.get(q) for q in after}:
            bad.append(f"a unit lost from {g}")
    for q, g in p.keep_memberships:
        if g not in kept.get(q, set()):
            bad.append(f"lock {q}/{g} broken")
    return bad


def _oracle(p: CapProblem, cap: int, limit: int = 4000) -> tuple[bool, float] | None:
    """Brute force: (feasible, best total relevance), or None when too many plans to try.

    Only plans that keep exactly ``cap`` groups of each person over the cap are tried: every other
    constraint only asks to keep more, so if any plan works, one of these does and is at least
    as relevant (relevance is never negative)."""
    before = _before(p)
    over = sorted(q for q, gs in before.items() if len(gs) > cap)
    choices = [[set(c) for c in itertools.combinations(sorted(before[q]), cap)] for q in over]
    if math.prod(len(c) for c in choices) > limit:
        return None
    best: float | None = None
    for pick in itertools.product(*choices):
        kept = {q: set(gs) for q, gs in before.items()} | dict(zip(over, pick))
        if not _violations(p, cap, kept):
            total = sum(p.relevance.get((q, g), 0.0) for q, gs in kept.items() for g in gs)
            best = total if best is None else max(best, total)
    return (best is not None, best or 0.0)


def _check(p: CapProblem, r: CapResult) -> None:
    if r.feasible:
        assert _violations(p, p.cap, {q: set(gs) for q, gs in r.kept.items()}) == []
        assert set(r.kept) == set(_before(p))
        before = _before(p)
        assert r.removed == sorted((q, g) for q in before for g in before[q] - r.kept[q])
        # Nothing is removed without need: everyone over the cap keeps exactly the cap.
        assert all(len(r.kept[q]) == min(len(gs), p.cap) for q, gs in before.items())
        assert r.conflicts == [] and r.min_feasible_cap is None
        assert r.objective == pytest.approx(
            sum(p.relevance.get((q, g), 0.0) for q, gs in r.kept.items() for g in gs))
    else:
        assert r.kept == {} and r.removed == []  # nothing half-applied
        assert r.conflicts and all(any(q in text for q in PEOPLE) for text in r.conflicts)
        assert (r.min_feasible_cap is None) == _invalid_lock(p)
        if r.min_feasible_cap is not None:
            assert r.min_feasible_cap > p.cap
            assert r.min_feasible_cap <= max(len(gs) for gs in _before(p).values())
            assert solve_cap(replace(p, cap=r.min_feasible_cap)).feasible
            below = r.min_feasible_cap - 1
            if below > p.cap:
                assert not solve_cap(replace(p, cap=below)).feasible


def _reordered(p: CapProblem) -> CapProblem:
    return CapProblem(**{**p.__dict__,
                         "memberships": {g: set(sorted(ms, reverse=True))
                                         for g, ms in reversed(list(p.memberships.items()))},
                         "relevance": dict(reversed(list(p.relevance.items()))),
                         "owners": dict(reversed(list(p.owners.items()))),
                         "person_unit": dict(reversed(list(p.person_unit.items())))})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plans_respect_every_constraint_or_explain_why_not(p: CapProblem) -> None:
    r = solve_cap(p)
    _check(p, r)
    assert solve_cap(p) == r
    assert solve_cap(_reordered(p)) == r


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_groups=5, max_people=6))
def test_small_rosters_match_brute_force(p: CapProblem) -> None:
    r = solve_cap(p)
    _check(p, r)
    if _invalid_lock(p):
        assert not r.feasible
        return
    truth = _oracle(p, p.cap)
    if truth is not None:
        feasible, best = truth
        assert r.feasible == feasible
        if feasible:
            assert r.objective == pytest.approx(best)
    if not r.feasible:
        # The smallest feasible cap, checked by brute force where that is small enough.
        for k in range(p.cap + 1, r.min_feasible_cap or 0):
            answer = _oracle(p, k)
            assert answer is None or not answer[0]
        answer = _oracle(p, r.min_feasible_cap)
        assert answer is None or answer[0]


def test_a_core_is_shrunk_to_the_requirements_that_conflict() -> None:
    # CP-SAT's cores are "sufficient", not necessarily minimal: hand _minimise every requirement
    # of the two-person conflict (owners and units both explain it) plus an unrelated one.
    from core.plan.cap import _feasible_subset, _minimise, _requirements, _roster

    ms = {"A": {"zs"}, "B": {"zs"}, "C": {"zs"}, "D": {"zs", "ls", "ww"},
          "E": {"ls"}, "F": {"ls"}, "G": {"ls"}, "K": {"zl"}, "L": {"zl"}, "M": {"zl"},
          "N": {"zl"}}
    owners = {"A": "zs", "B": "zs", "C": "zs", "E": "ls", "F": "ls", "G": "ls", "K": "zl"}
    unit = {"zs": "石桥村", "ls": "石桥村", "ww": "镇政府"}
    p = CapProblem(memberships=ms, owners=owners, person_unit=unit, cap=3)
    roster = _roster(p)
    everything = _requirements(p, roster, 3)
    assert {c.kind for c in everything} == {"owner", "unit"} and len(everything) > 7
    core = _minimise(roster, 3, everything)
    assert set(core) < set(everything) and len(core) == 7
    assert not _feasible_subset(roster, 3, core)
    assert all(_feasible_subset(roster, 3, core[:i] + core[i + 1:]) for i in range(len(core)))
    assert {q for c in core for q in c.people} == {"zs", "ls"}
