"""Run every survey benchmark one after the other and print the figures side by side.

Usage (from the repository root, project environment)::

    python bench/run_all.py              # ours + peers that are cheap to rerun (R/svy/weightipy rake)
    python bench/run_all.py --peers      # also rerun R on the banner (minutes) and the replicates
    python bench/run_all.py --quick      # ours only; peers' published figures where they exist

Each bench script prints a ``RESULT {json}`` line; this script collects them, and prints one
table: our time, each peer's time (``published`` = /work/shared/bench/README.md figures, taken on
an idle machine; ``this run`` = remeasured now, under the same load as ours), and the ratio
peer / ours.  The load average is printed with every bench: on the shared 2-core machine the
ratios measured in the same run are the fair reading.  The benches run sequentially, never in
parallel (2 cores).  The replicate bench runs before the 1M-row rake: right after R's and
svy's multi-GB rake runs, its first LAPACK call was seen to take 3-4 s instead of 0.4 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# /work/shared/bench/README.md (idle machine, one run each)
PUBLISHED = {
    "banner": {"R survey 4.1.1": 133.8, "svy 0.35": 34.0, "numpy yardstick": 0.27},
    "rake": {"R survey": 8.57, "svy": 2.56, "weightipy": 0.92},
}


def run(script: str, args: list[str]) -> dict | None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, str(HERE / script), *args]
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if not line.startswith("RESULT "):
            print("    " + line)
    if proc.returncode != 0:
        print(f"    failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
        return None
    found = [json.loads(line[7:]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    return found[-1] if found else None


def table(rows: list[tuple[str, str, float, str, float | None, str]]) -> str:
    head = f"{'workload':<52}{'ours (s)':>10}  {'peer':<30}{'peer (s)':>10}{'x ours':>9}  source"
    out = [head, "-" * len(head)]
    for workload, _key, ours, peer, secs, source in rows:
        ratio = f"{secs / ours:>9.1f}" if secs and ours else f"{'':>9}"
        sec_txt = f"{secs:>10.2f}" if secs else f"{'—':>10}"
        out.append(f"{workload:<52}{ours:>10.3f}  {peer:<30}{sec_txt}{ratio}  {source}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="ours only (published peer figures)")
    ap.add_argument("--peers", action="store_true", help="also rerun the slow peers (R banner, R replicates)")
    ap.add_argument("--data-1m", type=Path, default=None, help="1,000,000-row CSV (else generated)")
    ap.add_argument("--data-100k", type=Path, default=None, help="100,000-row CSV (else generated)")
    args = ap.parse_args(argv)
    d1m = ["--data", str(args.data_1m)] if args.data_1m else []
    d100k = ["--data", str(args.data_100k)] if args.data_100k else []

    rows: list[tuple[str, str, float, str, float | None, str]] = []
    loads = []
    res = run("bench_design.py", d1m)
    if res:
        loads.append(("design", res["load"]))
        for name, t in res["times"].items():
            rows.append((f"SurveyDesign 1M rows, {name}", "", t, "", None, ""))

    res = run("bench_banner.py", d100k + ([] if args.peers else ["--quick"]) + ["--no-check"])
    if res:
        loads.append(("banner", res["load"]))
        label = "banner 100k, 240 tables: loop d.proportion(q, by=b)"
        pub = PUBLISHED["banner"]
        src = "published (idle)" if res["peers_published"] else "this run"
        for peer, secs in res["peers"].items():
            rows.append((label, "loop", res["loop"], peer, secs, src))
        rows.append((label, "loop", res["loop"], "numpy yardstick", res["yardstick"], "this run"))
        rows.append((label, "loop", res["loop"], "numpy yardstick", pub["numpy yardstick"], "published (idle)"))
        rows.append(("banner 100k, batch banner_cells (+ diff tests)", "batch", res["batch"],
                     "R survey 4.1.1", pub["R survey 4.1.1"], "published (idle)"))
        rows.append(("banner 100k, raked design, banner_cells (general)", "cal",
                     res["calibrated_batch"], "R survey 4.1.1", pub["R survey 4.1.1"],
                     "published (idle, uncalibrated)"))

    res = run("bench_replicate.py", d100k + ([] if args.peers else ["--quick"]))
    if res:
        loads.append(("replicate", res["load"]))
        label = "500 bootstrap replicates + mean by dept (100k)"
        r = res["peers"].get("R survey")
        rows.append((label, "rep", res["total"], "R survey 4.1.1", r,
                     "this run" if r else "not rerun (--peers)"))

    res = run("bench_rake.py", d1m + (["--no-peers"] if args.quick else []))
    if res:
        loads.append(("rake", res["load"]))
        label = "rake 1M rows, 4 margins (text cols, first call)"
        for peer, secs in PUBLISHED["rake"].items():
            rows.append((label, "rake", res["cold_text"], peer, secs, "published (idle)"))
        for peer in ("R survey", "svy", "weightipy"):
            if peer in res["peers"]:
                rows.append((label, "rake", res["cold_text"], peer, res["peers"][peer], "this run"))

    print()
    print(table(rows))
    print("\nload average (1 min) at the end of each bench: "
          + ", ".join(f"{k} {v:.1f}" for k, v in loads) + f" on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
