"""Replicate-variance benchmark: 500 bootstrap replicates on 100,000 rows, one mean by a
5-level domain (``dept``); target < 1 s.

Runs arefie_studies (``SurveyDesign(...).replicate("bootstrap", replicates=500, seed=1)`` then
``.mean("x01", by="dept")``) and, unless ``--quick``, R survey side by side
(``as.svrepdesign(type="bootstrap", replicates=500)`` + ``svyby(~x01, ~dept, svymean)``).
R's bootstrap draws differ from ours (different RNG), so SEs agree only statistically; the point
estimates are equal.

Usage: python bench/bench_replicate.py [--rows 100000] [--replicates 500] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arefie_studies.survey import SurveyDesign  # noqa: E402

SHARED = Path("/work/shared/bench")

R_SCRIPT = r"""
suppressMessages(library(survey))
a <- commandArgs(TRUE)
df <- read.csv(a[1], colClasses = c(dept = "character"))
d <- svydesign(ids = ~ml, strata = ~region, weights = ~w, nest = TRUE, data = df)
t0 <- Sys.time()
rd <- as.svrepdesign(d, type = "bootstrap", replicates = as.integer(a[2]))
t1 <- Sys.time()
r <- svyby(~x01, ~dept, rd, svymean)
t2 <- Sys.time()
print(r)
cat(sprintf("R survey: replicates %.2fs, mean by dept in %.2fs\n",
            as.numeric(t1 - t0, units = "secs"), as.numeric(t2 - t1, units = "secs")))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--replicates", type=int, default=500)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--quick", action="store_true", help="do not run R")
    args = ap.parse_args(argv)
    data = args.data or Path(tempfile.gettempdir()) / f"bench{args.rows}.csv"
    if not data.exists():
        subprocess.run([sys.executable, str(SHARED / "make_bench_data.py"), str(args.rows), str(data)], check=True)
    df = pd.read_csv(data, dtype={"dept": str})
    d = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)
    t0 = time.perf_counter()
    rd = d.replicate("bootstrap", replicates=args.replicates, seed=1)
    t1 = time.perf_counter()
    res = rd.mean("x01", by="dept")
    t2 = time.perf_counter()
    lin = d.mean("x01", by="dept")
    print(res[["dept", "estimate", "se", "df", "n"]].assign(se_linearised=lin["se"]).to_string(index=False))
    ours = t2 - t0
    print(f"arefie_studies: {args.replicates} bootstrap replicates built in {t1 - t0:.3f}s, "
          f"mean by dept in {t2 - t1:.3f}s (total {ours:.3f}s; target < 1 s)")
    result = {"bench": "replicate", "rows": len(df), "replicates": args.replicates,
              "load": os.getloadavg()[0], "build": t1 - t0, "mean_by": t2 - t1, "total": ours,
              "peers": {}}
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "rep.R"
            script.write_text(R_SCRIPT)
            try:
                out = subprocess.run(["Rscript", str(script), str(data), str(args.replicates)],
                                     capture_output=True, text=True, check=True, timeout=3600).stdout
            except (OSError, subprocess.SubprocessError) as exc:
                print(f"R: not run ({exc.__class__.__name__})")
                print("RESULT " + json.dumps(result))
                return 0
        print(out.strip())
        m = re.search(r"replicates ([0-9.]+)s, mean by dept in ([0-9.]+)s", out)
        if m:
            r_total = float(m.group(1)) + float(m.group(2))
            print(f"ratio R / ours: x{r_total / ours:.0f}")
            result["peers"]["R survey"] = r_total
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
