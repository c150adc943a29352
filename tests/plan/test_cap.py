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
# Substitutes (分工对接): a colleague of the same unit is added to a group the unit would leave


def _secretary(n: int = 4) -> tuple[dict[str, set[str]], dict[str, str]]:
    """赵书记 (白水村) is the village's only member of g1..gN, each also holding a township cadre."""
    ms = {f"g{i}": {"zs", f"t{i}"} for i in range(1, n + 1)}
    unit = {"zs": "白水村"} | {f"t{i}": "镇政府" for i in range(1, n + 1)}
    return ms, unit


SECRETARY_RELEVANCE = {("zs", "g1"): 5.0, ("zs", "g2"): 4.0, ("zs", "g3"): 1.0, ("zs", "g4"): 3.0}
NAMES = {"zs": "赵书记", "qw": "钱委员", "sw": "孙委员", "lw": "李委员"}
GROUP_NAMES = {"g1": "党建群", "g2": "综治群", "g3": "安全生产工作群", "g4": "环保群"}


def test_a_colleague_takes_over_the_group_the_secretary_drops() -> None:
    # K=3: 赵书记 drops g3, the group that matters least to him; 钱委员 (白水村, one group) is
    # added to it, so 白水村 still reaches all four groups.
    ms, unit = _secretary()
    ms["h"] = {"qw", "t1"}
    p = CapProblem(memberships=ms, relevance=SECRETARY_RELEVANCE, cap=3,
                   person_unit=unit | {"qw": "白水村"}, substitutes={"qw": "白水村"})
    r = solve_cap(p)
    assert r.feasible and r.optimal
    assert r.added == [("qw", "g3")]
    assert r.removed == [("zs", "g3")]
    assert r.kept["zs"] == {"g1", "g2", "g4"}
    assert r.kept["qw"] == {"h", "g3"}
    assert r.kept["t1"] == {"g1", "h"}
    assert r.objective == pytest.approx(5 + 4 + 3)
    # Without the pool the same ask is impossible, exactly as before substitution existed.
    r = solve_cap(replace(p, substitutes={}, person_names=NAMES, group_names=GROUP_NAMES))
    assert not r.feasible and r.added == []
    assert r.conflicts == ["赵书记 是白水村在 党建群、综治群、安全生产工作群、环保群 中的唯一成员（共 4 个群），"
                           "超过每人 3 个群的上限。"]
    assert r.min_feasible_cap == 4


def test_a_substitute_in_no_group_can_take_over() -> None:
    ms, unit = _secretary()
    r = solve_cap(CapProblem(memberships=ms, relevance=SECRETARY_RELEVANCE, cap=3,
                             person_unit=unit, substitutes={"qw": "白水村", "xx": "石桥村"}))
    assert r.added == [("qw", "g3")]
    assert r.kept["qw"] == {"g3"}
    assert "xx" not in r.kept  # a substitute who is not added does not appear


def test_a_colleague_already_at_the_cap_cannot_take_over() -> None:
    ms, unit = _secretary()
    ms |= {"h1": {"qw"}, "h2": {"qw"}, "h3": {"qw"}}
    p = CapProblem(memberships=ms, relevance=SECRETARY_RELEVANCE, cap=3,
                   person_unit=unit | {"qw": "白水村"}, substitutes={"qw": "白水村"},
                   person_names=NAMES, group_names=GROUP_NAMES)
    r = solve_cap(p)
    assert not r.feasible and r.kept == {} and r.removed == [] and r.added == []
    assert r.conflicts == ["赵书记 是白水村在 党建群、综治群、安全生产工作群、环保群 中的唯一成员（共 4 个群），"
                           "超过每人 3 个群的上限。白水村其他干部 钱委员 也已满 3 个群，无法接替。"]
    assert r.min_feasible_cap == 4


def test_too_little_room_among_colleagues_is_explained_by_the_solver() -> None:
    # K=2: 赵书记 must give up two of four groups but 钱委员 (one group) has room for one more.
    ms, unit = _secretary()
    ms["h"] = {"qw"}
    p = CapProblem(memberships=ms, relevance=SECRETARY_RELEVANCE, cap=2,
                   person_unit=unit | {"qw": "白水村"}, substitutes={"qw": "白水村"},
                   person_names=NAMES, group_names=GROUP_NAMES)
    r = solve_cap(p)
    assert not r.feasible
    assert r.conflicts == [
        "每人最多 2 个群时，以下要求不能同时满足：白水村在 党建群、综治群、安全生产工作群、环保群 中只有 赵书记，"
        "须其本人留下或由 钱委员 接替。涉及：钱委员（现有 1 个群）、赵书记（现有 4 个群）。"]
    assert r.min_feasible_cap == 3
    assert solve_cap(replace(p, cap=3)).added == [("qw", "g3")]


def test_the_colleague_with_fewer_groups_takes_over() -> None:
    # lw (两个群) sorts before sw (一个群), but sw ends with fewer groups.
    ms, unit = _secretary()
    ms |= {"h1": {"lw"}, "h2": {"lw", "sw"}}
    colleagues = {"lw": "白水村", "sw": "白水村"}
    p = CapProblem(memberships=ms, relevance=SECRETARY_RELEVANCE, cap=3,
                   person_unit=unit | colleagues, substitutes=colleagues)
    r = solve_cap(p)
    assert r.added == [("sw", "g3")]
    assert r.kept["lw"] == {"h1", "h2"} and r.kept["sw"] == {"h2", "g3"}
    # With equal loads the id order decides.
    ms["h1"] = {"t1"}
    assert solve_cap(replace(p, memberships=ms)).added == [("lw", "g3")]


def test_two_additions_go_to_two_colleagues() -> None:
    # K=3, five groups: 赵书记 drops g3 and g5 (least relevant). Two colleagues with one group each:
    # one addition each (2 + 2 groups after) beats both to one (3 + 1); the colleague first in id
    # order (lw) takes the group first in id order (g3).
    ms, unit = _secretary(5)
    ms |= {"h1": {"lw"}, "h2": {"sw"}}
    colleagues = {"lw": "白水村", "sw": "白水村"}
    rel = SECRETARY_RELEVANCE | {("zs", "g5"): 0.5}
    r = solve_cap(CapProblem(memberships=ms, relevance=rel, cap=3, person_unit=unit | colleagues,
                             substitutes=colleagues))
    assert r.feasible
    assert r.added == [("lw", "g3"), ("sw", "g5")]
    assert r.removed == [("zs", "g3"), ("zs", "g5")]
    assert r.kept["zs"] == {"g1", "g2", "g4"}


def test_a_colleague_over_the_cap_gives_up_a_group_to_take_over() -> None:
    # K=2. 钱委员 (白水村) is over the cap in h1..h3, where other 白水村 cadres (d1..d3, not in the
    # pool) stay, so he can keep one of his own groups (h1, the most relevant) and take over g3.
    ms = {"g1": {"zs", "t1"}, "g2": {"zs", "t2"}, "g3": {"zs", "t3"},
          "h1": {"qw", "d1"}, "h2": {"qw", "d2"}, "h3": {"qw", "d3"}}
    unit = {"zs": "白水村", "qw": "白水村", "d1": "白水村", "d2": "白水村", "d3": "白水村",
            "t1": "镇政府", "t2": "镇政府", "t3": "镇政府"}
    rel = {("zs", "g1"): 5.0, ("zs", "g2"): 4.0, ("zs", "g3"): 1.0,
           ("qw", "h1"): 3.0, ("qw", "h2"): 2.0, ("qw", "h3"): 1.0}
    p = CapProblem(memberships=ms, relevance=rel, person_unit=unit, cap=2,
                   substitutes={"qw": "白水村"})
    r = solve_cap(p)
    assert r.feasible
    assert r.added == [("qw", "g3")]
    assert r.removed == [("qw", "h2"), ("qw", "h3"), ("zs", "g3")]
    assert r.kept["qw"] == {"h1", "g3"} and r.kept["zs"] == {"g1", "g2"}
    assert r.objective == pytest.approx(5 + 4 + 3)
    # A colleague under the cap (孙委员, one group) takes over instead: nobody loses a group.
    ms["e"] = {"sw"}
    r = solve_cap(replace(p, memberships=ms, person_unit=unit | {"sw": "白水村"},
                          substitutes={"qw": "白水村", "sw": "白水村"}))
    assert r.added == [("sw", "g3")]
    assert r.kept["qw"] == {"h1", "h2"}


def test_nobody_is_added_when_nobody_needs_to_be() -> None:
    # zs is over K=3 but 白水村 has qw (under the cap) in g3: zs drops g3, nobody is added, and the
    # plan is the one without substitutes.
    ms, unit = _secretary()
    ms["g3"].add("qw")
    ms["h"] = {"sw"}
    colleagues = {"qw": "白水村", "sw": "白水村", "lw": "白水村"}
    p = CapProblem(memberships=ms, relevance=SECRETARY_RELEVANCE, cap=3,
                   person_unit=unit | colleagues, substitutes=colleagues)
    r = solve_cap(p)
    assert r.feasible and r.added == []
    assert r.removed == [("zs", "g3")]
    assert "lw" not in r.kept and r.kept["sw"] == {"h"}
    assert solve_cap(replace(p, substitutes={})) == r


def test_the_smallest_cap_with_substitutes_is_searched_in_order() -> None:
    # zs is 白水村's only member of g1..g4; qw (白水村) is in h1..h3, each also holding another
    # 白水村 cadre. K=2: zs keeps 2, qw gives up his groups and takes the other 2: feasible.
    # K=3: zs keeps 3, but qw, at exactly 3, keeps all of his and is full: infeasible.
    # K=4: everything is kept.
    ms = {f"g{i}": {"zs", f"t{i}"} for i in range(1, 5)} | {f"h{i}": {"qw", f"d{i}"}
                                                              for i in range(1, 4)}
    unit = ({"zs": "白水村", "qw": "白水村"} | {f"t{i}": "镇政府" for i in range(1, 5)}
            | {f"d{i}": "白水村" for i in range(1, 4)})
    p = CapProblem(memberships=ms, person_unit=unit, cap=1, substitutes={"qw": "白水村"},
                   person_names=NAMES)
    r = solve_cap(p)
    assert not r.feasible and r.min_feasible_cap == 2
    assert all("赵书记" in text and "钱委员" in text for text in r.conflicts)
    two = solve_cap(replace(p, cap=2))
    assert two.feasible and two.added == [("qw", "g3"), ("qw", "g4")]
    assert two.kept["qw"] == {"g3", "g4"} and two.kept["zs"] == {"g1", "g2"}
    three = solve_cap(replace(p, cap=3))
    assert not three.feasible and three.min_feasible_cap == 4
    assert three.conflicts == ["赵书记 是白水村在 g1、g2、g3、g4 中的唯一成员（共 4 个群），超过每人 3 个群的上限。"
                               "白水村其他干部 钱委员 也已满 3 个群，无法接替。"]


def test_a_township_of_village_secretaries() -> None:
    # Three villages; each secretary is the village's only member of six township line groups
    # (each with its own township cadre) and sits in the village group with two colleagues.
    # Without substitutes K=3 is impossible and the smallest cap is 6 (the secretary keeps the six
    # lines and leaves the village group to the colleagues).
    villages = ("白水村", "石桥村", "河口村")
    lines = [f"line{i}" for i in range(6)]
    ms: dict[str, set[str]] = {g: {f"镇干部{g}"} for g in lines}
    unit = {f"镇干部{g}": "镇政府" for g in lines}
    rel = {}
    for v in villages:
        for i, g in enumerate(lines):
            ms[g].add(f"{v}书记")
            rel[(f"{v}书记", g)] = float(i)  # line5 matters most to the secretary
        ms[f"{v}村务群"] = {f"{v}书记", f"{v}委员1", f"{v}委员2"}
        unit |= {f"{v}书记": v, f"{v}委员1": v, f"{v}委员2": v}
    p = CapProblem(memberships=ms, relevance=rel, person_unit=unit, cap=3)
    r = solve_cap(p)
    assert not r.feasible and r.min_feasible_cap == 6
    # With the colleagues as substitutes: each secretary keeps line3-5 (three additions, the
    # fewest: keeping the village group would need four), the three others are shared out, two
    # and one (a colleague's k-th addition costs 1 + k: 2 + 3 + 2 either way); the colleague first
    # in id order takes two and the earlier lines.
    pool = {q: u for q, u in unit.items() if "委员" in q}
    r = solve_cap(replace(p, substitutes=pool))
    assert r.feasible and r.optimal
    for v in villages:
        assert r.kept[f"{v}书记"] == {"line3", "line4", "line5"}
        assert r.kept[f"{v}委员1"] == {f"{v}村务群", "line0", "line1"}
        assert r.kept[f"{v}委员2"] == {f"{v}村务群", "line2"}
    assert len(r.added) == 9 and r.objective == pytest.approx(3 * (3 + 4 + 5))


def test_a_substitutes_unit_must_agree_with_person_unit() -> None:
    with pytest.raises(ValueError):
        CapProblem(memberships={"g": {"p"}}, person_unit={"p": "白水村"},
                   substitutes={"p": "石桥村"})


# ---------------------------------------------------------------------------------------------
# Properties over random rosters

PEOPLE = ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈明",
          "褚亮")
OUTSIDERS = ("外援甲", "外援乙")  # substitutes who are in no group
GROUPS = ("群A", "群B", "群C", "群D", "群E", "群F", "群G", "群H")
UNITS = (None, "石桥村", "镇政府", "河口村")
RELEVANCE = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0)


@st.composite
def problems(draw: st.DrawFn, max_groups: int = 8, max_people: int = 12,
             pool: bool = False) -> CapProblem:
    """A random roster; with ``pool``, a roster shaped like a township's and substitutes (some of
    its people with a unit, and up to two outsiders in no group)."""
    groups = list(GROUPS[:draw(st.integers(3 if pool else 1, max_groups))])
    people = list(PEOPLE[:draw(st.integers(1, max_people))])
    # Few units: most rosters can be covered. With substitutes at least one named unit.
    units = UNITS[:draw(st.integers(2 if pool else 1, len(UNITS)))]
    unit = {p: draw(st.sampled_from(units)) for p in people}
    if pool:
        # The first person of each unit is its hub, like a village secretary, in most groups;
        # the others, like the secretary's colleagues, in a few (so they often have room to take
        # over) or in some (so some are over the cap themselves). Few owners.
        hubs = {next(q for q in people if unit[q] == u) for u in set(unit.values())}
        share = {q: 5 if q in hubs else draw(st.sampled_from((1, 3))) for q in people}
        ms = {g: {q for q in people if draw(st.integers(0, 7)) < share[q]} or {people[0]}
              for g in groups}
        owners = {g: draw(st.sampled_from(sorted(ms[g]))) if draw(st.integers(0, 7)) == 0 else None
                  for g in groups}
    else:
        # Dense rosters, so that many people are over the cap and the solver has choices to make.
        ms = {g: set(draw(st.lists(st.sampled_from(people), min_size=len(people) // 2,
                                   max_size=len(people), unique=True)))
              for g in groups}
        # Owners: mostly a member, sometimes nobody or an outsider.
        owners = {g: draw(st.one_of(st.none(), st.sampled_from(people),
                                    st.sampled_from(sorted(ms[g])) if ms[g] else st.none()))
                  for g in groups}
    members = [(p, g) for g in groups for p in sorted(ms[g])]
    rel = {m: draw(st.sampled_from(RELEVANCE)) for m in members}
    dissolved = set(draw(st.lists(st.sampled_from(groups), max_size=2, unique=True)))
    alive = [m for m in members if m[1] not in dissolved]
    locks = set(draw(st.lists(st.sampled_from(alive), max_size=1 if pool else 3, unique=True))
                ) if alive else set()
    if draw(st.integers(0, 9)) == 0:  # now and then a lock that no cap can honour
        locks.add((draw(st.sampled_from(people)), draw(st.sampled_from(groups))))
    substitutes: dict[str, str] = {}
    outsiders: list[str] = []
    if pool:
        named = [q for q in people if unit[q]]
        left_out = set(draw(st.lists(st.sampled_from(named), max_size=2, unique=True))
                       ) if named else set()
        chosen = [q for q in named if q not in left_out]
        outsiders = list(OUTSIDERS[:draw(st.integers(0, len(OUTSIDERS)))])
        for q in outsiders:
            unit[q] = draw(st.sampled_from([u for u in units if u]))
        substitutes = {q: unit[q] for q in chosen + outsiders}
    return CapProblem(memberships=ms, relevance=rel, owners=owners, person_unit=unit,
                      cap=draw(st.integers(2 if pool else 1, 4)), keep_memberships=locks,
                      dissolved=dissolved,
                      person_names={p: p for p in people + outsiders}, substitutes=substitutes)


def _active(p: CapProblem) -> dict[str, set[str]]:
    return {g: set(ms) for g, ms in p.memberships.items() if g not in p.dissolved}


def _before(p: CapProblem) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {q: set() for ms in p.memberships.values() for q in ms}
    for g, ms in _active(p).items():
        for q in ms:
            out[q].add(g)
    return out


def _unit_of(p: CapProblem, q: str) -> str | None:
    return p.person_unit.get(q) or p.substitutes.get(q) or None


def _invalid_lock(p: CapProblem) -> bool:
    return any(g in p.dissolved or g not in p.memberships or q not in p.memberships[g]
               for q, g in p.keep_memberships)


def _violations(p: CapProblem, cap: int, kept: dict[str, set[str]]) -> list[str]:
    """Every constraint of DESIGN.md a plan breaks (empty = the plan is valid), independently of
    the solver's own bookkeeping. A plan may add a substitute to a live group their unit reached."""
    bad: list[str] = []
    before = _before(p)
    active = _active(p)
    for q in set(before) | set(kept):
        gs, k = before.get(q, set()), kept.get(q, set())
        for g in k - gs:
            if (q not in p.substitutes or g not in active
                    or _unit_of(p, q) not in {_unit_of(p, m) for m in active[g]}):
                bad.append(f"{q} added to {g}, not standing in for their unit")
        if len(gs) <= cap and not gs <= k:
            bad.append(f"{q} is under the cap but loses groups")
        if len(k) > cap:
            bad.append(f"{q} over the cap")
        if gs and not k:
            bad.append(f"{q} left in no group")
    for g, ms in active.items():
        after = {q for q, k in kept.items() if g in k}
        o = p.owners.get(g)
        if o is not None and o in ms and o not in after:
            bad.append(f"owner {o} removed from {g}")
        reached = {_unit_of(p, q) for q in ms} - {None}
        if not reached <= {_unit_of(p, q) for q in after}:
            bad.append(f"a unit lost from {g}")
    for q, g in p.keep_memberships:
        if g not in kept.get(q, set()):
            bad.append(f"lock {q}/{g} broken")
    return bad


def _oracle(p: CapProblem, cap: int, limit: int = 4000) -> tuple[bool, int, float] | None:
    """Brute force: (feasible, fewest added memberships, best total relevance with that few), or
    None when too many plans to try.

    Additions: only to a (group, unit) whose every member is over the cap (otherwise someone keeps
    the group anyway), and at most one person per such pair (a second addition there could be
    dropped), so a plan with fewest additions picks one or no candidate per pair. Kept groups:
    only plans in which everyone over the cap keeps exactly ``cap`` minus their additions of their
    own groups are tried: every other constraint only asks to keep more, so if any plan works, one
    of these does and is at least as relevant (relevance is never negative)."""
    before = _before(p) | {q: set() for q in p.substitutes if q not in _before(p)}
    over = sorted(q for q, gs in before.items() if len(gs) > cap)
    slots = []
    for g, ms in sorted(_active(p).items()):
        for u in sorted({_unit_of(p, q) for q in ms} - {None}):
            if all(q in over for q in ms if _unit_of(p, q) == u):
                candidates = [(q, g) for q in sorted(p.substitutes)
                              if _unit_of(p, q) == u and q not in ms]
                if candidates:
                    slots.append([None, *candidates])
    tried = 0
    best: tuple[int, float] | None = None  # (added, -relevance), smallest wins
    for choice in itertools.product(*slots):
        added = [c for c in choice if c is not None]
        if best is not None and len(added) > best[0]:
            continue
        extra: dict[str, set[str]] = {q: set() for q in before}
        for q, g in added:
            extra[q].add(g)
        if any(len(before[q]) + len(extra[q]) > cap for q in before if q not in over):
            continue
        if any(len(extra[q]) > cap for q in over):
            continue
        choices = [[set(c) for c in itertools.combinations(sorted(before[q]), cap - len(extra[q]))]
                   for q in over]
        tried += math.prod(len(c) for c in choices)
        if tried > limit:
            return None
        for pick in itertools.product(*choices):
            kept = {q: before[q] | extra[q] for q in before}
            kept |= {q: own | extra[q] for q, own in zip(over, pick)}
            if not _violations(p, cap, kept):
                total = sum(p.relevance.get((q, g), 0.0) for q, gs in kept.items() for g in gs)
                best = min(best or (len(added), -total), (len(added), -total))
    return (False, 0, 0.0) if best is None else (True, best[0], -best[1])


def _check(p: CapProblem, r: CapResult) -> None:
    if r.feasible:
        kept = {q: set(gs) for q, gs in r.kept.items()}
        assert _violations(p, p.cap, kept) == []
        before = _before(p)
        added = sorted((q, g) for q, gs in kept.items() for g in gs - before.get(q, set()))
        assert r.added == added
        assert all(q in p.substitutes for q, _ in r.added)
        assert set(r.kept) == set(before) | {q for q, _ in r.added}
        assert r.removed == sorted((q, g) for q in before for g in before[q] - r.kept[q])
        # Nothing is removed without need: everyone over the cap ends with exactly the cap.
        assert all(len(r.kept[q]) == p.cap for q, gs in before.items() if len(gs) > p.cap)
        assert r.conflicts == [] and r.min_feasible_cap is None
        assert r.objective == pytest.approx(
            sum(p.relevance.get((q, g), 0.0) for q, gs in r.kept.items() for g in gs))
        # Substitutes only where needed: with nobody added the plan is the one without the pool;
        # with someone added, no plan without additions exists.
        plain = solve_cap(replace(p, substitutes={}))
        if r.added:
            assert not plain.feasible
        else:
            assert plain == r
    else:
        assert r.kept == {} and r.removed == [] and r.added == []  # nothing half-applied
        assert r.conflicts and all(any(q in text for q in PEOPLE + OUTSIDERS)
                                   for text in r.conflicts)
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
                         "person_unit": dict(reversed(list(p.person_unit.items()))),
                         "substitutes": dict(reversed(list(p.substitutes.items())))})


def _respects(p: CapProblem) -> None:
    r = solve_cap(p)
    _check(p, r)
    assert solve_cap(p) == r
    assert solve_cap(_reordered(p)) == r


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plans_respect_every_constraint_or_explain_why_not(p: CapProblem) -> None:
    _respects(p)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(pool=True))
def test_plans_with_substitutes_respect_every_constraint_or_explain_why_not(p: CapProblem
                                                                            ) -> None:
    _respects(p)


def _matches_brute_force(p: CapProblem) -> None:
    r = solve_cap(p)
    _check(p, r)
    if _invalid_lock(p):
        assert not r.feasible
        return
    truth = _oracle(p, p.cap)
    if truth is not None:
        feasible, added, best = truth
        assert r.feasible == feasible
        if feasible:
            assert len(r.added) == added
            assert r.objective == pytest.approx(best)
    if not r.feasible:
        # The smallest feasible cap, checked by brute force where that is small enough (with
        # substitutes, every cap in between, since feasibility need not grow with the cap).
        for k in range(p.cap + 1, r.min_feasible_cap or 0):
            answer = _oracle(p, k)
            assert answer is None or not answer[0]
        answer = _oracle(p, r.min_feasible_cap)
        assert answer is None or answer[0]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_groups=5, max_people=6))
def test_small_rosters_match_brute_force(p: CapProblem) -> None:
    _matches_brute_force(p)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_groups=5, max_people=6, pool=True))
def test_small_rosters_with_substitutes_match_brute_force(p: CapProblem) -> None:
    _matches_brute_force(p)


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
