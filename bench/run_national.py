"""Issue 15 in one run: regional vs national cost of every study, the out-of-core banner at 1M
and 10M rows, the cohort typology (CLARA) at 10k, 100k and the national cohort — side by side,
with how cost grows with size (exponent b of time ~ size^b, least squares on log-log).

Runs the three benches one after the other (never in parallel: 2 shared cores) and prints the
load average.  Needs ``arefie-studies synth --scale national`` first for the national rows.

Usage: python bench/run_national.py [--quick]   (--quick: 1M banner, 10k/100k cohort only)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, args: list[str]) -> dict | None:
    cmd = [sys.executable, str(HERE / script), *args]
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if not line.startswith("RESULT "):
            print("    " + line, flush=True)
    found = [json.loads(ln[7:]) for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not found:
        print(f"    failed (exit {proc.returncode}): {proc.stderr.strip()[-600:]}")
        return None
    return found[-1]


def exponent(sizes: list[float], times: list[float]) -> float | None:
    """Slope of log(time) on log(size) (least squares): time ~ size^b."""
    pts = [(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if s > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=900, help="per study run (s)")
    ap.add_argument("--max-rss-mb", type=float, default=10000, help="per study run: stop it above this")
    args = ap.parse_args(argv)
    rows: list[tuple[str, str, float, float, str]] = []
    growth: list[tuple[str, float | None, str]] = []
    loads = []

    ooc = run("bench_outofcore.py", ["--rows", "1000000"] + ([] if args.quick else ["10000000"]) + ["--check"])
    if ooc:
        loads.append(("out-of-core", ooc["load"]))
        for r in ooc["sizes"]:
            rows.append(("out-of-core banner 40 x 6", f"{r['rows']:,} rows", r["total_s"], r["peak_rss_mb"],
                         f"CPU {r.get('cpu_s', float('nan')):.1f} s (all threads); columns used "
                         f"{r['columns_used_mb']:.0f} MB (RSS/cols {r['peak_rss_mb'] / r['columns_used_mb']:.2f})"))
        growth.append(("out-of-core banner (rows)", exponent([r["rows"] for r in ooc["sizes"]],
                                                             [r["total_s"] for r in ooc["sizes"]]), ""))

    coh = run("bench_cohort.py", ["--sizes", "10000", "100000"] + ([] if args.quick else ["national"]))
    if coh:
        loads.append(("cohort", coh["load"]))
        for r in coh["sizes"]:
            rows.append(("cohort typology CLARA k=6", f"{r['size']:,} ({r['distinct']:,} distinct)",
                         r["seconds"], r["peak_rss_mb"], r["source"]))
        growth.append(("cohort CLARA (trajectories)", exponent([r["size"] for r in coh["sizes"]],
                                                               [r["seconds"] for r in coh["sizes"]]), ""))
        growth.append(("cohort CLARA (distinct sequences)", exponent([r["distinct"] for r in coh["sizes"]],
                                                                     [r["seconds"] for r in coh["sizes"]]), ""))

    studies = run("bench_national.py", ["--timeout", str(args.timeout), "--max-rss-mb", str(args.max_rss_mb)]
                  + ([] if not args.quick else ["--datasets", "regional"]))
    if studies:
        loads.append(("studies", studies["load"]))
        by_study: dict[str, list] = {}
        for r in studies["runs"]:
            if "error" in r:
                rows.append((f"study {r['study']}", r["dataset"], float("nan"), float("nan"), f"not run: {r['error']}"))
                continue
            note = f"compute {r['compute_s']:.1f} s"
            if "method" in r:
                note += (f"; {r['youths']:,} youths, {r['distinct']:,} distinct sequences, {r['method']} "
                         f"k={r['k']} (typology {r['typology_s']:.1f} s)")
            rows.append((f"study {r['study']}", f"{r['dataset']} ({r['rows']:,} rows)", r["total_s"],
                         r["peak_rss_mb"], note))
            by_study.setdefault(r["study"], []).append(r)
        for r in studies["runs"]:
            if "error" in r:
                rows[:] = [row if row[0] != f"study {r['study']}" or row[1] != r["dataset"] else
                           (row[0], row[1], r.get("after_s", float("nan")), float("nan"), row[4]) for row in rows]
        for slug, rs in by_study.items():
            b = exponent([r["rows"] for r in rs], [r["total_s"] for r in rs])
            growth.append((f"study {slug} (input rows)", b, f"{len(rs)} sizes"))

    print()
    head = f"{'workload':<34}{'size':<34}{'time (s)':>10}{'peak RSS (MB)':>15}  note"
    print(head)
    print("-" * len(head))
    for w, s, t, m, note in rows:
        print(f"{w:<34}{s:<34}{t:>10.2f}{m:>15.0f}  {note}")
    print("\ncost growth (time ~ size^b, log-log least squares):")
    for name, b, note in growth:
        print(f"  {name:<40} b = {'—' if b is None else f'{b:.2f}'}  {note}")
    print("\nload average (1 min) after each bench: " + ", ".join(f"{k} {v:.1f}" for k, v in loads)
          + f" on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
