"""Group overlap: exact figures on tiny hand-built workspaces, an oracle check on the sample
township, and the 群重叠 page on the sample."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.analysis import overlap
from core.analysis.base import Scope
from core.workspace import Workspace
from tests.analysis import fixtures as fx

ROOT = Path(__file__).resolve().parents[2]

# people: name → unit
PEOPLE = {"赵一": "党建办", "钱二": "党建办", "孙三": "社事办", "李四": "党建办", "周五": "财政所", "吴九": "财政所"}
ONE, TWO, THREE, FOUR, FIVE, NINE = PEOPLE


def _build(tmp_path: Path, members: dict[str, list[str]], units: dict[str, str] | None = None) -> Workspace:
    """A workspace with the directory PEOPLE, the groups of ``members`` (group → member names;
    the first member is the owner) and their rosters."""
    ws = fx.new_ws(tmp_path)
    fx.directory(ws, tmp_path, [(n, u, "科员", False) for n, u in PEOPLE.items()])
    units = units or {}
    fx.groups(ws, tmp_path, [(g, ms[0], units.get(g, "党建办"), "科室", False) for g, ms in members.items()])
    fx.roster(ws, tmp_path, [(g, m, "群主" if i == 0 else "成员") for g, ms in members.items()
                             for i, m in enumerate(ms)])
    return ws


@pytest.fixture
def abcd(tmp_path: Path) -> tuple[Workspace, dict[str, int]]:
    """A={1,2,3,4}, B={2,3,4,5}, C={2,3}, D={9}; D's unit is 财政所, the others 党建办."""
    ws = _build(tmp_path, {"A群": [ONE, TWO, THREE, FOUR], "B群": [TWO, THREE, FOUR, FIVE],
                           "C群": [TWO, THREE], "D群": [NINE]}, units={"D群": "财政所"})
    ids = {name: gid for gid, name in ws.query("select id, name from groups")}
    yield ws, ids
    ws.close()


@pytest.fixture
def pqrst(tmp_path: Path) -> tuple[Workspace, dict[str, int]]:
    """P={1,2,3,4}, R={1,2,3,4,5} (P inside R); Q={2',3',4'}, T = Q (identical), S = Q + one.

    Names sort P, Q, R, S, T, so near-duplicates are NOT neighbours before clustering."""
    ws = fx.new_ws(tmp_path)
    extra = {"郑十": "党建办", "王十一": "党建办", "冯十二": "党建办", "陈十三": "党建办"}
    fx.directory(ws, tmp_path, [(n, u, "科员", False) for n, u in {**PEOPLE, **extra}.items()])
    q = list(extra)[:3]
    members = {"P群": [ONE, TWO, THREE, FOUR], "Q群": q, "R群": [ONE, TWO, THREE, FOUR, FIVE],
               "S群": q + [list(extra)[3]], "T群": list(reversed(q))}
    fx.groups(ws, tmp_path, [(g, ms[0], "党建办", "科室", False) for g, ms in members.items()])
    fx.roster(ws, tmp_path, [(g, m, "成员") for g, ms in members.items() for m in ms])
    ids = {name: gid for gid, name in ws.query("select id, name from groups")}
    yield ws, ids
    ws.close()


def _pair_rows(df) -> list[tuple]:
    return [(r.a, r.b, r.size_a, r.size_b, r.shared, r.union_size) for r in df.itertuples()]


# -- pairs ------------------------------------------------------------------------------------

def test_pairs_exact_figures_and_order(abcd):
    ws, ids = abcd
    df = overlap.pairs(ws)
    assert list(df.columns) == overlap.PAIR_COLUMNS
    assert _pair_rows(df) == [("A群", "B群", 4, 4, 3, 5), ("A群", "C群", 4, 2, 2, 4), ("B群", "C群", 4, 2, 2, 4)]
    assert df["jaccard"].tolist() == pytest.approx([3 / 5, 2 / 4, 2 / 4])
    assert df["containment"].tolist() == pytest.approx([3 / 4, 1.0, 1.0])
    assert (df["a_id"] < df["b_id"]).all()
    assert [ids[n] for n in df["a"]] == df["a_id"].tolist()
    assert "D群" not in set(df["a"]) | set(df["b"])


def test_pairs_min_shared_and_limit(abcd):
    ws, _ = abcd
    assert _pair_rows(overlap.pairs(ws, min_shared=3)) == [("A群", "B群", 4, 4, 3, 5)]
    assert overlap.pairs(ws, min_shared=4).empty
    assert len(overlap.pairs(ws, min_shared=0)) == 3          # a pair shares at least one person
    assert _pair_rows(overlap.pairs(ws, limit=1)) == [("A群", "B群", 4, 4, 3, 5)]


def test_group_filter_keeps_only_chosen_groups(abcd):
    ws, ids = abcd
    df = overlap.pairs(ws, Scope(groups=(ids["A群"], ids["C群"])))
    assert _pair_rows(df) == [("A群", "C群", 4, 2, 2, 4)]
    assert overlap.group_sizes(ws, Scope(groups=(ids["B群"],)))[["group", "size"]].values.tolist() == [["B群", 4]]


def test_unit_filter_picks_groups_but_counts_every_member(abcd):
    ws, _ = abcd
    # 孙三 (社事办) is in A, B and C: those groups are in scope, with ALL their members.
    df = overlap.pairs(ws, Scope(units=("社事办",)))
    assert _pair_rows(df) == [("A群", "B群", 4, 4, 3, 5), ("A群", "C群", 4, 2, 2, 4), ("B群", "C群", 4, 2, 2, 4)]
    # 财政所: B (周五) and D (unit, 吴九) — they share nobody.
    assert sorted(overlap.group_sizes(ws, Scope(units=("财政所",)))["group"]) == ["B群", "D群"]
    assert overlap.pairs(ws, Scope(units=("财政所",))).empty


# -- containment and clusters -----------------------------------------------------------------

def test_contained_c_in_a_and_b(abcd):
    ws, ids = abcd
    df = overlap.contained(ws)
    assert df[["small", "large", "size_small", "size_large", "identical"]].values.tolist() == [
        ["C群", "A群", 2, 4, False], ["C群", "B群", 2, 4, False]]
    assert df["small_id"].tolist() == [ids["C群"]] * 2


def test_contained_identical_first_then_closest_fit(pqrst):
    ws, ids = pqrst
    df = overlap.contained(ws)
    assert df[["small", "large", "identical"]].values.tolist() == [
        ["Q群", "T群", True],       # same members: reported once, smaller id as "small"
        ["P群", "R群", False],      # 4 of 5
        ["Q群", "S群", False],      # 3 of 4
        ["T群", "S群", False]]
    assert df["jaccard"].tolist() == pytest.approx([1.0, 0.8, 0.75, 0.75])


def test_clusters_by_threshold(abcd):
    ws, ids = abcd
    df = overlap.clusters(ws, threshold=0.6)
    assert df[["cluster", "group", "size"]].values.tolist() == [[1, "A群", 4], [1, "B群", 4]]
    assert df["group_id"].tolist() == [ids["A群"], ids["B群"]]
    df = overlap.clusters(ws, threshold=0.5)
    assert df[["cluster", "group"]].values.tolist() == [[1, "A群"], [1, "B群"], [1, "C群"]]
    assert overlap.clusters(ws, threshold=0.61).empty


def test_clusters_numbered_biggest_first(pqrst):
    ws, _ = pqrst
    df = overlap.clusters(ws, threshold=0.7)
    assert df[["cluster", "group"]].values.tolist() == [
        [1, "S群"], [1, "Q群"], [1, "T群"],      # three groups; within: size desc, then name
        [2, "R群"], [2, "P群"]]
    # Q–T are identical (1.0), Q–S and S–T 0.75 < 0.9: only Q and T remain linked.
    assert overlap.clusters(ws, threshold=0.9)["group"].tolist() == ["Q群", "T群"]


# -- matrix -----------------------------------------------------------------------------------

def test_matrix_values_and_diagonal(abcd):
    ws, _ = abcd
    names, m = overlap.matrix(ws)
    assert sorted(names) == ["A群", "B群", "C群"]              # D shares nobody: left out
    at = {n: i for i, n in enumerate(names)}
    assert m.shape == (3, 3)
    assert np.allclose(np.diag(m), 1.0)
    assert np.allclose(m, m.T)
    assert m[at["A群"], at["B群"]] == pytest.approx(0.6)
    assert m[at["A群"], at["C群"]] == pytest.approx(0.5)
    names_c, mc = overlap.matrix(ws, metric="containment")
    at_c = {n: i for i, n in enumerate(names_c)}
    assert mc[at_c["B群"], at_c["C群"]] == pytest.approx(1.0)
    assert mc[at_c["A群"], at_c["B群"]] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        overlap.matrix(ws, metric="cosine")


def test_matrix_order_puts_near_duplicates_side_by_side(pqrst):
    ws, ids = pqrst
    names, m = overlap.matrix(ws)
    assert sorted(names) == ["P群", "Q群", "R群", "S群", "T群"]
    pos = {n: i for i, n in enumerate(names)}
    assert abs(pos["P群"] - pos["R群"]) == 1
    assert abs(pos["Q群"] - pos["T群"]) == 1
    assert sorted(pos[n] for n in ("Q群", "S群", "T群")) in ([0, 1, 2], [2, 3, 4])
    assert m[pos["P群"], pos["R群"]] == pytest.approx(0.8)
    assert m[pos["P群"], pos["Q群"]] == 0.0
    ids_out, names_again, _ = overlap.matrix_ids(ws)
    assert names_again == names
    assert ids_out == [ids[n] for n in names]


def test_matrix_top_keeps_the_most_overlapping(pqrst):
    ws, _ = pqrst
    names, m = overlap.matrix(ws, top=2)
    assert sorted(names) == ["Q群", "T群"]                   # identical: similarity 1
    assert m.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    names, _ = overlap.matrix(ws, top=4)
    assert sorted(names) == ["P群", "Q群", "R群", "T群"]      # then P, R (0.8) before S (0.75)


# -- drill-down and summary -------------------------------------------------------------------

def test_shared_members_sides(abcd):
    ws, ids = abcd
    df = overlap.shared_members(ws, ids["A群"], ids["B群"])
    assert df[["person", "unit", "position", "side"]].values.tolist() == [
        [FOUR, "党建办", "科员", "both"], [TWO, "党建办", "科员", "both"], [THREE, "社事办", "科员", "both"],
        [ONE, "党建办", "科员", "a_only"], [FIVE, "财政所", "科员", "b_only"]]
    swapped = overlap.shared_members(ws, ids["B群"], ids["A群"])
    assert swapped.set_index("person")["side"].to_dict() == {
        FOUR: "both", TWO: "both", THREE: "both", FIVE: "a_only", ONE: "b_only"}


def test_compare_matches_pairs(abcd, pqrst):
    ws, ids = abcd
    c = overlap.compare(ws, ids["A群"], ids["B群"])
    assert c == {"size_a": 4, "size_b": 4, "shared": 3, "union_size": 5, "jaccard": pytest.approx(0.6),
                 "containment": pytest.approx(0.75), "relation": None}
    assert overlap.compare(ws, ids["A群"], ids["C群"])["relation"] == "b_in_a"
    assert overlap.compare(ws, ids["C群"], ids["B群"])["relation"] == "a_in_b"
    assert overlap.compare(ws, ids["A群"], ids["D群"])["shared"] == 0
    ws2, ids2 = pqrst
    assert overlap.compare(ws2, ids2["Q群"], ids2["T群"])["relation"] == "identical"


def test_summary(abcd):
    ws, _ = abcd
    s = overlap.summary(ws, threshold=0.6)
    assert {k: s[k] for k in ("groups", "groups_with_members", "overlapping_groups", "pairs", "high", "contained",
                              "identical", "contained_groups", "clusters", "clustered_groups")} == {
        "groups": 4, "groups_with_members": 4, "overlapping_groups": 3, "pairs": 3, "high": 1, "contained": 2,
        "identical": 0, "contained_groups": 1, "clusters": 1, "clustered_groups": 2}
    assert (s["top_pair"]["a"], s["top_pair"]["b"], s["top_pair"]["shared"]) == ("A群", "B群", 3)
    assert (s["top_contained"]["small"], s["top_contained"]["large"]) == ("C群", "A群")
    assert overlap.summary(ws, threshold=0.5)["high"] == 3


def test_network_layout_is_deterministic(abcd):
    ws, ids = abcd
    nodes, edges = overlap.network(ws, threshold=0.5)
    assert nodes["group"].tolist() == ["A群", "B群", "C群"]
    assert len({(round(x, 6), round(y, 6)) for x, y in zip(nodes["x"], nodes["y"])}) == 3
    assert edges[["a", "b"]].values.tolist() == [["A群", "B群"], ["A群", "C群"], ["B群", "C群"]]
    xy = nodes.set_index("group_id")
    for e in edges.itertuples():
        assert (e.x0, e.y0, e.x1, e.y1) == (xy.x[e.a_id], xy.y[e.a_id], xy.x[e.b_id], xy.y[e.b_id])
    again_nodes, again_edges = overlap.network(ws, threshold=0.5)
    assert again_nodes.equals(nodes) and again_edges.equals(edges)
    nodes, edges = overlap.network(ws, threshold=0.9)
    assert nodes.empty and edges.empty


# -- against a brute-force oracle ---------------------------------------------------------------

def _oracle(ws: Workspace) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(a_id, b_id) → (size_a, size_b, shared), by Python sets over every pair of groups."""
    members: dict[int, set[int]] = {gid: set() for (gid,) in ws.query("select id from groups")}
    for gid, pid in ws.query("select group_id, person_id from memberships"):
        members[gid].add(pid)
    out = {}
    for a, b in itertools.combinations(sorted(members), 2):
        shared = len(members[a] & members[b])
        if shared:
            out[(a, b)] = (len(members[a]), len(members[b]), shared)
    return out


def _check_against_oracle(ws: Workspace) -> None:
    expected = _oracle(ws)
    df = overlap.pairs(ws)
    got = {(r.a_id, r.b_id): (r.size_a, r.size_b, r.shared) for r in df.itertuples()}
    assert got == expected
    for r in df.itertuples():
        assert r.union_size == r.size_a + r.size_b - r.shared
        assert r.jaccard == pytest.approx(r.shared / r.union_size)
        assert r.containment == pytest.approx(r.shared / min(r.size_a, r.size_b))
    keys = list(zip(-df["jaccard"], -df["shared"], df["a"], df["b"]))
    assert keys == sorted(keys)


def test_random_workspace_matches_oracle(tmp_path: Path):
    rng = random.Random(11)
    names = [f"干部{i:02d}" for i in range(40)]
    ws = fx.new_ws(tmp_path)
    members = {f"群{g:02d}": rng.sample(names, rng.randint(1, 12)) for g in range(25)}
    fx.roster(ws, tmp_path, [(g, m, "成员") for g, ms in members.items() for m in ms])
    try:
        _check_against_oracle(ws)
    finally:
        ws.close()


def test_sample_township_matches_oracle_and_planted_facts(sample_ws: Workspace):
    _check_against_oracle(sample_ws)
    df = overlap.pairs(sample_ws)
    top = df.iloc[0]
    assert (top.a, top.b, top.size_a, top.size_b, top.shared, top.union_size) == (
        "人居环境整治工作群", "人居环境整治推进群", 45, 44, 42, 47)
    assert round(top.jaccard, 3) == 0.894
    inside = overlap.contained(sample_ws)
    assert ((inside["small"] == "人居环境督查小组") & (inside["large"] == "人居环境整治工作群")
            & (inside["size_small"] == 8)).any()


# -- the page ---------------------------------------------------------------------------------

def _info_text(at: AppTest) -> str:
    return "\n".join(str(i.value) for i in at.info)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_on_sample_shows_planted_pair(sample_app, sample_ws):
    at = sample_app("pages/overlap.py")
    assert not at.exception
    assert at.title[0].value == "群重叠"
    finding = _info_text(at)
    assert "人居环境整治工作群" in finding and "人居环境整治推进群" in finding
    assert "42 人" in finding and "47 人" in finding and "0.894" in finding
    s = overlap.summary(sample_ws, threshold=0.6)
    assert f"{s['high']} 对群成员高度重合" in finding
    assert _metric(at, "高度重合的群对") == str(s["high"])
    assert _metric(at, "有共同成员的群对") == f"{s['pairs']:,}"
    # Drill-down starts on the most overlapping pair.
    assert _metric(at, "共同成员") == "42 人"
    assert _metric(at, "两群合计（去重）") == "47 人"
    assert _metric(at, "重合度") == "0.894"
    assert [t.label for t in at.tabs] == ["两个群都在（42 人）", "只在“人居环境整治工作群”（3 人）",
                                          "只在“人居环境整治推进群”（2 人）"]
    tables = [d.value for d in at.dataframe]
    assert any(("小群" in t.columns) and ((t["小群"] == "人居环境督查小组") & (t["大群"] == "人居环境整治工作群")).any()
               for t in tables)


def test_page_drill_down_and_threshold(sample_app, sample_ws):
    at = sample_app("pages/overlap.py")
    ids = {name: gid for gid, name in sample_ws.query("select id, name from groups")}
    at.selectbox(key="ov_a").set_value(ids["人居环境督查小组"])
    at.selectbox(key="ov_b").set_value(ids["人居环境整治工作群"]).run()
    assert not at.exception
    assert _metric(at, "共同成员") == "8 人"
    assert _metric(at, "包含度") == "1.000"
    assert any("“人居环境督查小组（8 人）”的成员全部在“人居环境整治工作群（45 人）”里" in s.value for s in at.success)
    at.slider(key="ov_threshold").set_value(0.5).run()
    assert not at.exception
    assert _metric(at, "高度重合的群对") == str(overlap.summary(sample_ws, threshold=0.5)["high"])
    # The chosen pair survives the change of threshold.
    assert _metric(at, "共同成员") == "8 人"
    at.radio(key="ov_metric").set_value("包含度").run()
    assert not at.exception


def test_page_with_unit_filter(sample_app, sample_ws):
    at = sample_app("pages/overlap.py")
    at.multiselect(key="f_units").set_value(["财政所"]).run()
    assert not at.exception
    s = overlap.summary(sample_ws, Scope(units=("财政所",)), threshold=0.6)
    assert _metric(at, "有共同成员的群对") == f"{s['pairs']:,}"
    assert s["pairs"] < overlap.summary(sample_ws)["pairs"]


def _page_on(ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(ws_path))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/overlap.py").run()
    return at


def test_page_empty_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fx.new_ws(tmp_path, "empty.duckdb").close()
    at = _page_on(tmp_path / "empty.duckdb", monkeypatch)
    assert not at.exception
    assert "还没有数据" in _info_text(at)


def test_page_groups_without_shared_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ws = _build(tmp_path, {"A群": [ONE, TWO], "D群": [NINE]})
    ws.close()
    at = _page_on(tmp_path / "ws.duckdb", monkeypatch)
    assert not at.exception
    assert "2 个群之间没有共同成员" in _info_text(at)
