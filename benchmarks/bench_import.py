"""Import speed and memory, against DuckDB's own read_csv of the same file, in one run.

    python benchmarks/bench_import.py                 # 1 million messages
    python benchmarks/bench_import.py --rows 1000000,10000000

For each size it writes a WeChatMsg v2 CSV (UTF-8 BOM, CRLF, multi-line quoted fields) with the
sample generator, then times, each in a fresh process so peak memory is the process's own:
  raw     DuckDB `create table … as select * from read_csv(file)` (the floor)
  import  `Workspace.import_file` (detect, stage, identities, classify, dedup, commit)
and prints a table with the ratio import / raw. The machine is shared and noisy: compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))


def _child(mode: str, csv_path: str, db_path: str) -> None:
    import duckdb

    if mode == "raw":
        con = duckdb.connect(db_path)
        t0 = time.perf_counter()
        con.execute("create table t as select * from read_csv(?)", [csv_path])
        n = con.execute("select count(*) from t").fetchall()[0][0]
        seconds = time.perf_counter() - t0
        con.close()
    else:
        from core.workspace import Workspace

        ws = Workspace(db_path)
        t0 = time.perf_counter()
        report = ws.import_file(Path(csv_path), name="benchmark-group.csv")
        seconds = time.perf_counter() - t0
        assert not report.errors, report.errors
        n = report.loaded
        ws.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": n, "peak_mb": peak_mb}))


def _run(mode: str, csv_path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(csv_path), str(Path(tmp) / "b.duckdb")],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1000000", help="comma-separated message counts")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement (best is reported)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    from core.sample import generate_messages_csv

    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in [int(x) for x in args.rows.split(",")]:
        path = OUT / f"messages_{n}.csv"
        if not path.exists():
            t0 = time.perf_counter()
            generate_messages_csv(path, n)
            print(f"wrote {path.name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        raw = min((_run("raw", path) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        imp = min((_run("import", path) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        rows.append((n, path.stat().st_size / 1e6, raw, imp))

    print(f"{'messages':>10} | {'file MB':>7} | {'raw read_csv s':>14} | {'import s':>8} | {'ratio':>5} | "
          f"{'raw peak MB':>11} | {'import peak MB':>14}")
    print("-" * 90)
    for n, mb, raw, imp in rows:
        print(f"{n:>10,} | {mb:>7.0f} | {raw['seconds']:>14.2f} | {imp['seconds']:>8.2f} | "
              f"{imp['seconds'] / raw['seconds']:>5.1f} | {raw['peak_mb']:>11.0f} | {imp['peak_mb']:>14.0f}")
    print(f"\n(best of {args.repeat}; {os.cpu_count()} cores; import rows loaded = {rows[-1][3]['rows']:,})")


if __name__ == "__main__":
    main()
