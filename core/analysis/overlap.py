"""Group overlap: which groups share members, which are contained in others, near-duplicates.

Definitions (the same in the UI, the CLI and the proposal), over resolved people (memberships
of the groups in scope, all members whatever their unit):

- shared = |A ∩ B|, union = |A ∪ B| = |A| + |B| − shared;
- Jaccard (重合度) = shared / union;
- containment (包含度) = shared / min(|A|, |B|);
- A is contained in B when every member of the smaller group is in the larger one
  (containment = 1); when both have the same size the two groups are identical;
- near-duplicate clusters: connected components of groups linked by Jaccard ≥ a threshold
  (default 0.6); groups linked to nothing are not a cluster.

Pairs come from one SQL self-join of the memberships on person_id (each person yields the pairs
of their groups), aggregated per pair; groups are never compared in a Python double loop.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from core.analysis.base import Scope, frame, scoped
from core.workspace import Workspace

DEFAULT_THRESHOLD = 0.6
METRICS = ("jaccard", "containment")

PAIR_COLUMNS = ["a_id", "a", "b_id", "b", "size_a", "size_b", "shared", "union_size", "jaccard", "containment"]

# Sizes of the groups in scope, then one row per pair of groups sharing at least ``min_shared``
# people. ``distinct``: memberships hold one row per (group, person) today; counting distinct
# people keeps the figures exact even if that ever changes.
_SIZE_TABLES = """
create or replace temp table _ov_mem as
select distinct group_id, person_id from v_mem;

create or replace temp table _ov_size as
select _g.group_id, g.name, count(m.person_id)::integer as size
from _g
join groups g on g.id = _g.group_id
left join _ov_mem m on m.group_id = _g.group_id
group by all;
"""

_PAIR_TABLE = """
create or replace temp table _ov_pair as
with shared as (
    select x.group_id as a_id, y.group_id as b_id, count(*)::integer as shared
    from _ov_mem x
    join _ov_mem y on y.person_id = x.person_id and y.group_id > x.group_id
    group by all
    having count(*) >= $min_shared
)
select s.a_id, sa.name as a, s.b_id, sb.name as b, sa.size as size_a, sb.size as size_b, s.shared,
       (sa.size + sb.size - s.shared)::integer as union_size,
       s.shared::double / (sa.size + sb.size - s.shared) as jaccard,
       s.shared::double / least(sa.size, sb.size) as containment
from shared s
join _ov_size sa on sa.group_id = s.a_id
join _ov_size sb on sb.group_id = s.b_id;
"""


def _build(cur: Any, min_shared: int = 1, with_pairs: bool = True) -> None:
    """Create _ov_mem, _ov_size and (``with_pairs``) _ov_pair on a scoped cursor."""
    cur.execute(_SIZE_TABLES)
    if with_pairs:
        cur.execute(_PAIR_TABLE, {"min_shared": max(int(min_shared), 1)})


def _pairs_frame(cur: Any, limit: int | None) -> pd.DataFrame:
    df = frame(cur, """
        select a_id, a, b_id, b, size_a, size_b, shared, union_size, jaccard, containment
        from _ov_pair
        order by jaccard desc, shared desc, a, b, a_id, b_id
        limit $limit
        """, {"limit": limit})
    return df[PAIR_COLUMNS]


def pairs(ws: Workspace, scope: Scope = Scope(), min_shared: int = 1, limit: int | None = None) -> pd.DataFrame:
    """Every unordered pair of groups in scope sharing ≥ ``min_shared`` people (at least 1).

    Columns a_id, a, b_id, b, size_a, size_b, shared, union_size, jaccard, containment; ``a`` is
    the group with the smaller id. Sorted by jaccard desc, shared desc, a, b; ``limit`` keeps the
    first rows only."""
    with scoped(ws, scope) as cur:
        _build(cur, min_shared)
        return _pairs_frame(cur, limit)


def group_sizes(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """Groups in scope with their member counts: group_id, group, size (by name, then id)."""
    with scoped(ws, scope) as cur:
        _build(cur, with_pairs=False)
        return frame(cur, "select group_id, name as \"group\", size from _ov_size order by name, group_id")


def _contained_frame(cur: Any, limit: int | None = None) -> pd.DataFrame:
    # A group is "contained" in every larger group holding all its members. For identical groups
    # the pair is reported once, with the smaller id as the "small" one.
    return frame(cur, """
        select case when size_a <= size_b then a_id else b_id end as small_id,
               case when size_a <= size_b then a else b end as small,
               case when size_a <= size_b then b_id else a_id end as large_id,
               case when size_a <= size_b then b else a end as large,
               least(size_a, size_b) as size_small,
               greatest(size_a, size_b) as size_large,
               size_a = size_b as identical,
               jaccard
        from _ov_pair
        where shared = least(size_a, size_b)
        order by identical desc, jaccard desc, size_small desc, small, large, small_id, large_id
        limit $limit
        """, {"limit": limit})


def contained(ws: Workspace, scope: Scope = Scope(), limit: int | None = None) -> pd.DataFrame:
    """Groups whose every member is also in another group in scope.

    Columns small_id, small, large_id, large, size_small, size_large, identical (same members),
    jaccard. Identical pairs first, then the closest fits (highest jaccard: a subgroup of a
    similar-sized group says more than one of the all-town group), then by size and name."""
    with scoped(ws, scope) as cur:
        _build(cur)
        return _contained_frame(cur, limit)


def _clusters_frame(cur: Any, threshold: float) -> pd.DataFrame:
    edges = cur.execute("select a_id, b_id from _ov_pair where jaccard >= ?", [float(threshold)]).fetchall()
    sizes = frame(cur, "select group_id, name, size from _ov_size order by group_id")
    empty = pd.DataFrame({"cluster": pd.Series(dtype="int64"), "group_id": pd.Series(dtype="int64"),
                          "group": pd.Series(dtype="object"), "size": pd.Series(dtype="int64")})
    if not edges:
        return empty
    index = {gid: i for i, gid in enumerate(sizes["group_id"])}
    a = np.array([index[e[0]] for e in edges])
    b = np.array([index[e[1]] for e in edges])
    n = len(index)
    _, labels = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    df = sizes.assign(label=labels)
    counts = df["label"].value_counts()
    df = df[df["label"].map(counts) > 1].copy()
    # Stable numbering: more groups first, then more members, then the first name.
    key = df.groupby("label").agg(n=("group_id", "size"), members=("size", "sum"), first=("name", "min"))
    key = key.sort_values(["n", "members", "first"], ascending=[False, False, True])
    df["cluster"] = df["label"].map({label: i + 1 for i, label in enumerate(key.index)})
    df = df.sort_values(["cluster", "size", "name", "group_id"], ascending=[True, False, True, True])
    return df.rename(columns={"name": "group"})[["cluster", "group_id", "group", "size"]].reset_index(drop=True)


def clusters(ws: Workspace, scope: Scope = Scope(), threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Near-duplicate clusters: connected components of groups linked by Jaccard ≥ ``threshold``.

    Columns cluster (1, 2, …: most groups first, then most members, then first name), group_id,
    group, size; within a cluster by size desc, then name. Only clusters of two or more groups."""
    with scoped(ws, scope) as cur:
        _build(cur)
        return _clusters_frame(cur, threshold)


def _leaf_order(sim: np.ndarray) -> list[int]:
    """Positions of ``sim``'s rows in dendrogram order (average linkage on 1 − similarity)."""
    n = len(sim)
    if n <= 2:
        return list(range(n))
    dist = np.clip(1.0 - sim, 0.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    # Optimal leaf ordering also puts similar neighbours side by side inside each branch; it is
    # cubic, so it is only used at sizes a heatmap can show anyway.
    z = hierarchy.linkage(squareform(dist, checks=False), method="average", optimal_ordering=n <= 300)
    return [int(i) for i in hierarchy.leaves_list(z)]


def _labels(names: list[str]) -> list[str]:
    """Make names unique for chart axes (two platforms may hold groups of the same name)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}（{seen[name]}）")
    return out


def matrix_ids(ws: Workspace, scope: Scope = Scope(), metric: str = "jaccard",
               top: int = 40) -> tuple[list[int], list[str], np.ndarray]:
    """Like :func:`matrix`, also returning the group ids in the same order."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    with scoped(ws, scope) as cur:
        _build(cur)
        # The ``top`` groups with the most overlap: highest similarity to any other group, then
        # the sum over all their pairs, then size. Groups that share nobody are left out.
        chosen = frame(cur, """
            with s as (
                select a_id, b_id, case when $metric = 'jaccard' then jaccard else containment end as v
                from _ov_pair
            ),
            per as (
                select group_id, max(v) as best, sum(v) as total
                from (select a_id as group_id, v from s union all select b_id, v from s)
                group by group_id
            )
            select z.group_id, z.name, z.size
            from per join _ov_size z using (group_id)
            order by best desc, total desc, z.size desc, z.name, z.group_id
            limit $top
            """, {"metric": metric, "top": max(int(top), 0)})
        ids = [int(x) for x in chosen["group_id"]]
        if not ids:
            return [], [], np.zeros((0, 0))
        # Clustering sees the groups in id order, so the result depends on the data only.
        chosen = chosen.sort_values("group_id").reset_index(drop=True)
        ids = [int(x) for x in chosen["group_id"]]
        links = frame(cur, """
            select a_id, b_id, jaccard, containment from _ov_pair
            where a_id = any($ids) and b_id = any($ids)
            """, {"ids": ids})
    pos = {gid: i for i, gid in enumerate(ids)}
    sim = np.eye(len(ids))
    i = links["a_id"].map(pos).to_numpy(dtype=int)
    j = links["b_id"].map(pos).to_numpy(dtype=int)
    v = links[metric].to_numpy(dtype=float)
    sim[i, j] = v
    sim[j, i] = v
    order = _leaf_order(sim)
    names = _labels([chosen["name"][k] for k in order])
    return [ids[k] for k in order], names, sim[np.ix_(order, order)]


def matrix(ws: Workspace, scope: Scope = Scope(), metric: str = "jaccard",
           top: int = 40) -> tuple[list[str], np.ndarray]:
    """Group × group similarity (``metric`` "jaccard" or "containment"; 1 on the diagonal).

    Restricted to the ``top`` groups with the most overlap (highest similarity to any other
    group); groups sharing nobody are left out. Rows and columns are in the leaf order of an
    average-linkage clustering on 1 − similarity, so near-duplicates sit side by side. Names are
    made unique with a （2） suffix if two groups share one."""
    _, names, sim = matrix_ids(ws, scope, metric, top)
    return names, sim


def shared_members(ws: Workspace, a_id: int, b_id: int) -> pd.DataFrame:
    """Everyone in group ``a_id`` or ``b_id``: person_id, person, unit, position, leader, side.

    side is "both", "a_only" or "b_only"; rows by side (both, A only, B only), unit, name. The
    whole membership counts (no scope): the figures match :func:`pairs`."""
    cur = ws.cursor()
    try:
        return frame(cur, """
            with m as (
                select person_id,
                       bool_or(group_id = $a) as in_a,
                       bool_or(group_id = $b) as in_b
                from memberships
                where group_id in ($a, $b)
                group by person_id
            )
            select p.id as person_id, p.display_name as person, p.unit, p.position, p.is_leader as leader,
                   case when in_a and in_b then 'both' when in_a then 'a_only' else 'b_only' end as side
            from m join people p on p.id = m.person_id
            order by case when in_a and in_b then 0 when in_a then 1 else 2 end,
                     p.unit nulls last, p.display_name, p.id
            """, {"a": int(a_id), "b": int(b_id)})
    finally:
        cur.close()


def compare(ws: Workspace, a_id: int, b_id: int) -> dict[str, Any]:
    """The figures of one pair, by the definitions of :func:`pairs`: size_a, size_b, shared,
    union_size, jaccard, containment (0 when a group is empty) and relation: "identical",
    "a_in_b", "b_in_a" or None."""
    m = shared_members(ws, a_id, b_id)
    shared = int((m["side"] == "both").sum())
    size_a = shared + int((m["side"] == "a_only").sum())
    size_b = shared + int((m["side"] == "b_only").sum())
    union = len(m)
    small = min(size_a, size_b)
    relation = None
    if shared and shared == small:
        relation = "identical" if size_a == size_b else ("a_in_b" if size_a < size_b else "b_in_a")
    return {"size_a": size_a, "size_b": size_b, "shared": shared, "union_size": union,
            "jaccard": shared / union if union else 0.0, "containment": shared / small if small else 0.0,
            "relation": relation}


def summary(ws: Workspace, scope: Scope = Scope(), threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """The headline numbers: groups (in scope), groups_with_members, overlapping_groups (sharing
    someone with another group in scope), pairs (sharing ≥ 1 person),
    high (pairs with Jaccard ≥ threshold), contained (pairs where the smaller group is inside
    the larger and sizes differ), identical (pairs with the same members), contained_groups
    (distinct groups inside another), clusters, clustered_groups, top_pair (first row of
    :func:`pairs` as a dict, or None), top_contained (first non-identical row of
    :func:`contained` as a dict, or None)."""
    with scoped(ws, scope) as cur:
        _build(cur)
        groups, with_members = cur.execute(
            "select count(*), count(*) filter (where size > 0) from _ov_size").fetchone()
        overlapping = cur.execute(
            "select count(*) from (select a_id from _ov_pair union select b_id from _ov_pair)").fetchone()[0]
        n_pairs, high, n_contained, identical, contained_groups = cur.execute("""
            select count(*),
                   count(*) filter (where jaccard >= $t),
                   count(*) filter (where shared = least(size_a, size_b) and size_a <> size_b),
                   count(*) filter (where shared = size_a and size_a = size_b),
                   count(distinct case when shared = least(size_a, size_b)
                                       then (case when size_a <= size_b then a_id else b_id end) end)
            from _ov_pair
            """, {"t": float(threshold)}).fetchone()
        top = _pairs_frame(cur, 1)
        inside = _contained_frame(cur)
        inside = inside[~inside["identical"]].head(1)
        cl = _clusters_frame(cur, threshold)
    return {
        "groups": int(groups), "groups_with_members": int(with_members),
        "overlapping_groups": int(overlapping), "pairs": int(n_pairs),
        "high": int(high), "contained": int(n_contained), "identical": int(identical),
        "contained_groups": int(contained_groups),
        "clusters": int(cl["cluster"].nunique()), "clustered_groups": int(len(cl)),
        "top_pair": top.iloc[0].to_dict() if len(top) else None,
        "top_contained": inside.iloc[0].to_dict() if len(inside) else None,
        "threshold": float(threshold),
    }


def network(ws: Workspace, scope: Scope = Scope(),
            threshold: float = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of the near-duplicate network, with a deterministic layout.

    nodes: group_id, group, size, cluster, x, y — the groups of :func:`clusters`; each cluster
    sits in its own cell of a grid (cluster 1 top left, row by row) with its groups on a circle
    (largest group at the top, clockwise), so clusters never overlap and the picture is the same
    on every run.
    edges: a_id, a, b_id, b, shared, union_size, jaccard, containment, x0, y0, x1, y1 — the
    pairs with Jaccard ≥ threshold."""
    with scoped(ws, scope) as cur:
        _build(cur)
        nodes = _clusters_frame(cur, threshold)
        edges = frame(cur, """
            select a_id, a, b_id, b, shared, union_size, jaccard, containment
            from _ov_pair where jaccard >= ?
            order by jaccard desc, shared desc, a, b, a_id, b_id
            """, [float(threshold)])
    nodes = nodes.assign(x=0.0, y=0.0)
    k = int(nodes["cluster"].max()) if len(nodes) else 0
    counts = nodes["cluster"].value_counts()
    # Radius grows with the cluster so neighbours on its circle stay apart; a column is wide
    # enough for the biggest circle plus the names written beside its nodes; a row is as tall
    # as its biggest circle.
    radius = {int(c): (0.5 if n == 2 else max(1.0, n / 4)) for c, n in counts.items()}
    cols = max(1, math.ceil(math.sqrt(k)))
    width = 2 * max(radius.values(), default=0.5) + 3.0
    top = 0.0
    for first in range(1, k + 1, cols):
        row = range(first, min(first + cols, k + 1))
        r_max = max(radius[c] for c in row)
        cy = top - r_max
        for c in row:
            idx = nodes.index[nodes["cluster"] == c]
            cx = (c - first) * width
            n = len(idx)
            angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
            nodes.loc[idx, "x"] = np.round(cx + radius[c] * np.cos(angles), 6)
            nodes.loc[idx, "y"] = np.round(cy + radius[c] * np.sin(angles), 6)
        top = cy - r_max - 1.2
    xy = nodes.set_index("group_id")[["x", "y"]]
    edges = edges.assign(x0=edges["a_id"].map(xy["x"]), y0=edges["a_id"].map(xy["y"]),
                         x1=edges["b_id"].map(xy["x"]), y1=edges["b_id"].map(xy["y"]))
    return nodes, edges
