"""Out-of-core banner: 40 questions x 6 breakdowns of weighted proportions with linearised SE,
read from Parquet by :class:`OutOfCoreDesign` (DuckDB stream, chunks of 250,000 rows).

Each size runs in a fresh process so that the peak resident memory (VmHWM) is its own.  The
data (``bench/make_parquet_bench.py``) are written outside the repository
(``--dir``, default /tmp/arefie_bench) and reused when present.  "columns used" is the
in-memory size of the 49 columns the banner reads as numpy would hold them (8 bytes a value:
float64 / int64 / a pointer per string), i.e. what an in-memory design would load at least.

Usage: python bench/bench_outofcore.py [--rows 1000000 10000000] [--dir DIR] [--check]
Prints one line per size and a ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUESTIONS = [f"q{j:02d}" for j in range(1, 41)]
BREAKDOWNS = ["sex", "age", "qualif", "qpv", "cej", "dept"]


def vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(path: str, check: bool) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import pyarrow.parquet as pq

    from arefie_studies.survey.outofcore import OutOfCoreDesign

    meta = pq.ParquetFile(path).metadata
    used = set(QUESTIONS + BREAKDOWNS + ["region", "ml", "w"])
    col_bytes = sum(meta.row_group(i).column(j).total_uncompressed_size
                    for i in range(meta.num_row_groups) for j in range(meta.num_columns)
                    if meta.row_group(i).column(j).path_in_schema in used)
    import resource

    base = vmhwm_mb()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    d = OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True)
    t1 = time.perf_counter()
    ban = d.banner(QUESTIONS, BREAKDOWNS)
    t2 = time.perf_counter()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    col_bytes = meta.num_rows * len(used) * 8
    out = {"rows": meta.num_rows, "design_s": t1 - t0, "banner_s": t2 - t1, "total_s": t2 - t0, "cpu_s": cpu,
           "cells": len(ban), "tables": ban.groupby(["question", "breakdown"]).ngroups,
           "peak_rss_mb": vmhwm_mb(), "rss_before_mb": base, "columns_used_mb": col_bytes / 2**20}
    if check:
        import numpy as np
        import pandas as pd

        from arefie_studies.survey import SurveyDesign

        df = pd.read_parquet(path, columns=["region", "ml", "w", "q07", "age"])
        ref = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True).proportion("q07", by="age")
        part = ban[(ban.question == "q07") & (ban.breakdown == "age")]
        out["max_rel_diff_vs_memory"] = float(np.max(np.abs(part["se"].to_numpy() / ref["se"].to_numpy() - 1)))
    print("RESULT " + json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/arefie_bench"))
    ap.add_argument("--check", action="store_true", help="compare one table with SurveyDesign")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.check)
        return 0
    results = []
    for n in args.rows:
        path = args.dir / f"bench_{n}.parquet"
        if not path.exists():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(HERE / "make_parquet_bench.py"), str(n), str(path)],
                           check=True, capture_output=True)
            print(f"wrote {path} in {time.perf_counter() - t0:.1f} s")
        cmd = [sys.executable, __file__, "--child", str(path)] + (["--check"] if args.check and n <= 2_000_000 else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{n} rows: failed: {proc.stderr[-800:]}")
            continue
        r = json.loads(lines[-1][7:])
        results.append(r)
        print(f"out-of-core banner {r['tables']} tables, {n:>11,} rows: {r['total_s']:7.2f} s "
              f"(design {r['design_s']:.2f} s, CPU {r.get('cpu_s', float('nan')):.1f} s on all threads), peak RSS {r['peak_rss_mb']:7.0f} MB, columns used "
              f"{r['columns_used_mb']:7.0f} MB (ratio {r['peak_rss_mb'] / r['columns_used_mb']:.2f})"
              + (f", max rel. SE diff vs SurveyDesign {r['max_rel_diff_vs_memory']:.1e}"
                 if "max_rel_diff_vs_memory" in r else ""))
    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.1f} on {os.cpu_count()} cores")
    print("RESULT " + json.dumps({"sizes": results, "load": load}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
