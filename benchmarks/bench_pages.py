"""Page query speed at 1 and 10 million messages, against a raw DuckDB scan, in one run.

    python benchmarks/bench_pages.py                  # 1 million messages
    python benchmarks/bench_pages.py --sizes 1m,10m   # and 10 million

Workspaces (kept in benchmarks/out/ and reused):
  1m   the sample township generated at scale 31 (≈ 964,000 messages, 34 groups, 199 cadres)
       and imported through the real pipeline;
  10m  a copy of 1m whose messages are repeated 10 times, each copy a few seconds later (same
       people, groups and days, ten times the traffic).
After an import the first analysis rebuilds ``msg_facts`` (timed on its own). Then, for each
page, it times every core query that page runs (cold: first call; warm: best of 3, DuckDB's
buffers filled) and the ``core report`` command, next to the
floor — a raw ``group by`` count over the messages table — and prints the ratio. A page's
figure is the sum of its queries (pages cache each result, so this is the cost of its first view).
Last, the burden page's core figure is also computed the plain pandas way from the raw tables. It also times
the overlap pairs for 2,000 groups × 40,000 people (synthetic memberships). The machine is
shared and noisy: compare ratios.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

from core.analysis import after_hours, burden, lifecycle, overlap, overview, quality, report  # noqa: E402
from core.analysis.base import Scope  # noqa: E402
from core.workspace import Workspace  # noqa: E402

S = Scope()


def _first(ws: Workspace, sql: str) -> int:
    return ws.query(sql)[0][0]


def _busiest_person(ws: Workspace) -> int:
    return _first(ws, "select person_id from memberships group by 1 order by count(*) desc, 1 limit 1")


def _top_pair(ws: Workspace) -> tuple[int, int]:
    r = overlap.pairs(ws, S, limit=1).iloc[0]
    return int(r["a_id"]), int(r["b_id"])


# What each page asks of core when it is opened (drill-downs on their default selection).
PAGES: dict[str, list[Callable[[Workspace], Any]]] = {
    "概览 overview": [lambda ws: overview.overview(ws, S), lambda ws: overview.coverage(ws, S)],
    "人员负担 burden": [lambda ws: burden.summary(ws, S), lambda ws: burden.person_load(ws, S),
                        lambda ws: burden.by_unit(ws, S), lambda ws: burden.distribution(ws, S),
                        lambda ws: burden.non_cadres(ws, S),
                        lambda ws: burden.person_groups(ws, _busiest_person(ws), S),
                        lambda ws: burden.received_messages(ws, _busiest_person(ws), S)],
    "群重叠 overlap": [lambda ws: overlap.summary(ws, S), lambda ws: overlap.pairs(ws, S),
                       lambda ws: overlap.contained(ws, S), lambda ws: overlap.group_sizes(ws, S),
                       lambda ws: overlap.matrix_ids(ws, S), lambda ws: overlap.network(ws, S),
                       lambda ws: overlap.shared_members(ws, *_top_pair(ws))],
    "非工作时间 after-hours": [lambda ws: after_hours.summary(ws, S), lambda ws: after_hours.heatmap(ws, S),
                               lambda ws: after_hours.weekly(ws, S), lambda ws: after_hours.by_group(ws, S),
                               lambda ws: after_hours.by_sender(ws, S), lambda ws: after_hours.messages(ws, S)],
    "消息质量 quality": [lambda ws: quality.categories(ws, S), lambda ws: quality.by_group(ws, S),
                         lambda ws: quality.top_senders(ws, S, category="ack", limit=10),
                         lambda ws: quality.top_senders(ws, S, category="flattery", limit=10),
                         lambda ws: quality.red_packets(ws, S), lambda ws: quality.duplicate_report(ws, S),
                         lambda ws: quality.photo_requests(ws, S), lambda ws: quality.buried_count(ws, S),
                         lambda ws: quality.buried_assignments(ws, S), lambda ws: quality.messages(ws, S)],
    "群生命周期 lifecycle": [lambda ws: lifecycle.summary(ws, S), lambda ws: lifecycle.group_status(ws, S),
                             lambda ws: lifecycle.by_owner(ws, S), lambda ws: lifecycle.daily_activity(ws, S),
                             lambda ws: lifecycle.group_detail(ws, _first(ws, "select min(id) from groups"))],
    "core report": [lambda ws: report.build(ws, S)],
}


def build_1m() -> Path:
    db = OUT / "ws_1m.duckdb"
    if db.exists():
        return db
    from core.importer import import_many, sample_files
    from core.sample import generate

    folder = OUT / "township_x31"
    if not folder.exists():
        generate(folder, scale=31.0)
    ws = Workspace(db)
    reports = import_many(ws, [(p, p.name) for p in sample_files(folder)])
    ws.close()
    assert not [r.errors for r in reports if r.errors]
    return db


def build_10m(src: Path) -> Path:
    db = OUT / "ws_10m.duckdb"
    if db.exists():
        return db
    shutil.copy(src, db)
    ws = Workspace(db)
    cur = ws.cursor()
    # Copy from a snapshot of the originals, so copies are never copied again.
    cur.execute("create temp table _orig as select * from messages")
    for k in range(1, 10):
        cur.execute(
            """
            insert into messages
            select import_id, line + ?, group_account_id, sender_account_id,
                   sent_at + to_seconds(?), sent_local + to_seconds(?), kind, raw_type, text, mentions,
                   case when msg_id is not null then msg_id || '#' || ? end, norm_hash, norm_len, category
            from _orig
            """,
            # each copy keeps (import, line) unique, as every real import does
            [k * 1_000_000_000, k * 7, k * 7, k],
        )
    cur.execute("drop table _orig")
    # A new version, as after an import: the analysis facts are rebuilt on first use.
    cur.execute("update meta set value = (value::bigint + 1)::varchar where key = 'version'")
    cur.execute("checkpoint")
    cur.close()
    ws.close()
    return db


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def floor(ws: Workspace) -> float:
    return min(timed(lambda: ws.query("select group_account_id, count(*) from messages group by 1"))
               for _ in range(3))


def pandas_person_load(ws: Workspace) -> Any:
    """The burden page's core figure done the plain pandas way: messages each person receives
    per day across their groups (own and system messages excluded), from the raw tables."""
    cur = ws.cursor()
    msgs = cur.execute("select group_account_id, sender_account_id, sent_local, kind from messages").df()
    gmap = cur.execute("select * from group_map").df()
    pmap = cur.execute("select * from person_map").df()
    mem = cur.execute("select group_id, person_id from memberships").df()
    cur.close()
    msgs = msgs[~msgs["kind"].isin(["system", "recall"])]
    msgs = msgs.merge(gmap, left_on="group_account_id", right_on="account_id")
    msgs = msgs.merge(pmap.rename(columns={"account_id": "sender_account_id", "person_id": "sender"}),
                      on="sender_account_id", how="left")
    days = (msgs["sent_local"].max().normalize() - msgs["sent_local"].min().normalize()).days + 1
    per = msgs.groupby(["group_id", "sender"], dropna=False).size().rename("n").reset_index()
    total = per.groupby("group_id")["n"].sum().rename("total").reset_index()
    got = mem.merge(total, on="group_id").merge(
        per.rename(columns={"sender": "person_id", "n": "own"}), on=["group_id", "person_id"], how="left")
    got["received"] = got["total"] - got["own"].fillna(0)
    return (got.groupby("person_id")["received"].sum() / days).sort_values(ascending=False)


def bench(db: Path) -> list[tuple[str, int, float, float, float]]:
    rows = []
    ws = Workspace(db)
    n = ws.query("select count(*) from messages")[0][0]
    base = floor(ws)
    rows.append(("raw scan (floor)", n, base, base, 1.0))
    # What the first page view after an import pays once: rebuilding msg_facts.
    ws.query("delete from meta where key = 'facts_version'")
    rebuild = timed(ws.ensure_facts)
    rows.append(("facts rebuild (once)", n, rebuild, rebuild, rebuild / base))
    for page, fns in PAGES.items():
        cold = sum(timed(lambda f=f: f(ws)) for f in fns)
        warm = min(sum(timed(lambda f=f: f(ws)) for f in fns) for _ in range(3))
        rows.append((page, n, cold, warm, warm / base))
    ours = min(timed(lambda: burden.person_load(ws, S)) for _ in range(3))
    plain = min(timed(lambda: pandas_person_load(ws)) for _ in range(2))
    rows.append(("burden.person_load (ours)", n, ours, ours, ours / base))
    rows.append(("  same in plain pandas", n, plain, plain, plain / base))
    ws.close()
    return rows


def overlap_scale(groups: int = 2000, people: int = 40000, seed: int = 7) -> tuple[int, float, int]:
    """Pairs for ``groups`` × ``people`` synthetic memberships (each person in 1–6 groups, groups
    drawn from a few hundred clusters so real overlaps exist)."""
    import pyarrow as pa

    db = OUT / "ws_overlap.duckdb"
    db.unlink(missing_ok=True)
    ws = Workspace(db)
    rng = random.Random(seed)
    gid, pid = [], []
    for p in range(1, people + 1):
        home = rng.randrange(groups)
        cluster = home - home % 10
        for g in {home, *(cluster + rng.randrange(10) for _ in range(rng.randrange(0, 3))),
                  *(rng.randrange(groups) for _ in range(rng.randrange(0, 3)))}:
            gid.append(min(g, groups - 1) + 1)
            pid.append(p)
    cur = ws.cursor()
    cur.register("_m", pa.table({"g": pa.array(gid, pa.int32()), "p": pa.array(pid, pa.int32())}))
    cur.execute("insert into groups select i, 'g' || i, '群' || i, 'wechat', null, null, null, null, null, false, "
                "null, null from range(1, ? + 1) t(i)", [groups])
    cur.execute("insert into people select i, 'p' || i, '人' || i, null, null, false, true "
                "from range(1, ? + 1) t(i)", [people])
    cur.execute("insert into memberships select g, p, 'member', null, 'roster' from _m")
    cur.close()
    t = min(timed(lambda: overlap.pairs(ws, Scope())) for _ in range(3))
    npairs = len(overlap.pairs(ws, Scope()))
    ws.close()
    db.unlink(missing_ok=True)
    return len(gid), t, npairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1m", help="comma list of 1m,10m")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = args.sizes.split(",")
    dbs = {"1m": build_1m()}
    if "10m" in sizes:
        dbs["10m"] = build_10m(dbs["1m"])
    print(f"{'page (sum of its queries)':<26} | {'messages':>10} | {'cold s':>7} | {'warm s':>7} | {'× floor':>7}")
    print("-" * 70)
    for size in sizes:
        for page, n, cold, warm, ratio in bench(dbs[size]):
            print(f"{page:<26} | {n:>10,} | {cold:>7.3f} | {warm:>7.3f} | {ratio:>7.1f}")
        print("-" * 70)
    m, t, npairs = overlap_scale()
    print(f"overlap pairs, 2,000 groups × 40,000 people ({m:,} memberships): {t:.3f} s, {npairs:,} pairs")
    print("(warm = best of 3; cold = first call after opening; 2 cores; shared machine)")


if __name__ == "__main__":
    main()
