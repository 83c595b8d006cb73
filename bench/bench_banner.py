"""Banner benchmark: 40 questions x 6 breakdowns of weighted proportions with linearised SE.

Runs arefie_studies (the public loop ``d.proportion(q, by=b)`` and the batch
``d.banner_cells``) and, side by side, the peers that are installed: R survey
(``Rscript /work/shared/bench/r_banner.R``) and svy (in its own venv, /work/bench-venv).
Checks our numbers against R on a sample of cells when R is present.

Usage:
    python bench/bench_banner.py [--rows 100000] [--quick] [--data PATH]

``--quick`` does not rerun the peers: it uses their published figures
(/work/shared/bench/README.md: R 133.8 s, svy 34.0 s, numpy yardstick 0.27 s).
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arefie_studies.survey import SurveyDesign  # noqa: E402

SHARED = Path("/work/shared/bench")
PUBLISHED = {"R survey 4.1.1": 133.8, "svy 0.35": 34.0, "numpy yardstick": 0.27}
BREAKDOWNS = ["sex", "age", "qualif", "qpv", "cej", "dept"]
RAKE_SHARES = {"sex": {"F": 0.48, "M": 0.52},
               "age": {"16-17": 0.08, "18-21": 0.48, "22-25": 0.40, "26+": 0.04},
               "dept": {"02": 0.10, "59": 0.42, "60": 0.13, "62": 0.25, "80": 0.10}}
SVY_PYTHON = Path("/work/bench-venv/bin/python")

R_CHECK = r"""
suppressMessages(library(survey))
a <- commandArgs(TRUE)
df <- read.csv(a[1], colClasses = c(dept = "character"))
d <- svydesign(ids = ~ml, strata = ~region, weights = ~w, nest = TRUE, data = df)
out <- list()
for (pair in strsplit(a[3:length(a)], ":")) {
  q <- pair[1]; b <- pair[2]
  df[[q]] <- factor(df[[q]])
  d <- update(d, tmpq = factor(df[[q]]))
  r <- svyby(~tmpq, as.formula(paste0("~", b)), d, svymean, na.rm = TRUE)
  out[[paste(q, b)]] <- list(groups = as.character(r[[b]]), estimate = as.vector(coef(r)), se = as.vector(unlist(SE(r))))
}
writeLines(jsonlite::toJSON(out, digits = NA), a[2])
"""


def numpy_yardstick(df: pd.DataFrame, questions: list[str]) -> float:
    """Single-pass vectorised reference (no API, no output frame): the limit on this machine."""
    t0 = time.perf_counter()
    w = df["w"].to_numpy()
    psu = pd.factorize(df["region"].astype(str) + "_" + df["ml"].astype(str), sort=True)[0]
    strat = df["region"].to_numpy()
    n_psu = psu.max() + 1
    psu_strat = np.zeros(n_psu, dtype=np.int64)
    psu_strat[psu] = strat
    nh = np.bincount(psu_strat)
    for b in BREAKDOWNS:
        g = pd.factorize(df[b], sort=True)[0]
        ng = g.max() + 1
        for q in questions:
            y = df[q].to_numpy()
            ok = ~np.isnan(y)
            lv = np.where(ok, y, 1).astype(np.int64) - 1
            nl = 4
            idx = (psu * ng + g) * (nl + 1) + np.where(ok, lv, nl)
            a = np.bincount(idx, weights=w, minlength=n_psu * ng * (nl + 1)).reshape(n_psu, ng, nl + 1)[:, :, :nl]
            tb = a.sum(2)
            p = a.sum(0) / tb.sum(0)[:, None]
            t = (a - p * tb[:, :, None]) / tb.sum(0)[None, :, None]
            t = t.reshape(n_psu, -1)
            sums = np.zeros((nh.size, t.shape[1]))
            np.add.at(sums, psu_strat, t)
            z = t - (sums / nh[:, None])[psu_strat]
            _ = np.sqrt((z**2 * (nh / (nh - 1))[psu_strat][:, None]).sum(0))
    return time.perf_counter() - t0


def run_ours(df: pd.DataFrame, questions: list[str]) -> dict:
    t0 = time.perf_counter()
    d = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)
    t1 = time.perf_counter()
    results = {}
    cells = 0
    for q in questions:
        for b in BREAKDOWNS:
            r = d.proportion(q, by=b)
            results[(q, b)] = r
            cells += len(r)
    t2 = time.perf_counter()
    d2 = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)
    t3 = time.perf_counter()
    batch = d2.banner_cells(questions, BREAKDOWNS)
    t4 = time.perf_counter()
    # general path: a raked design (the santé study's case) through the residualised influence
    raked = d2.rake(RAKE_SHARES)
    t5 = time.perf_counter()
    cal = raked.banner_cells(questions, BREAKDOWNS)
    t6 = time.perf_counter()
    return {"design": t1 - t0, "loop": t2 - t1, "batch": t4 - t3, "cells": cells,
            "batch_rows": len(batch), "results": results, "calibrated_batch": t6 - t5,
            "calibrated_rows": len(cal)}


def run_r(data: Path, k: int) -> float | None:
    try:
        out = subprocess.run(["Rscript", str(SHARED / "r_banner.R"), str(data), str(k)],
                             capture_output=True, text=True, timeout=3600, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  R: not run ({exc.__class__.__name__})")
        return None
    print("  " + out.strip())
    m = re.search(r"in ([0-9.]+)s", out)
    return float(m.group(1)) if m else None


def run_svy(data: Path, k: int) -> float | None:
    if not SVY_PYTHON.exists():
        print("  svy: /work/bench-venv not found")
        return None
    try:
        out = subprocess.run([str(SVY_PYTHON), str(SHARED / "svy_banner.py"), str(data), str(k)],
                             capture_output=True, text=True, timeout=3600, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  svy: not run ({exc.__class__.__name__})")
        return None
    print("  " + out.strip())
    m = re.search(r"in ([0-9.]+)s", out)
    return float(m.group(1)) if m else None


def check_against_r(data: Path, results: dict, pairs: list[tuple[str, str]]) -> int:
    """Recompute a sample of tables with R survey and compare (rtol 1e-6)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "check.R"
        script.write_text(R_CHECK)
        out = Path(tmp) / "out.json"
        subprocess.run(["Rscript", str(script), str(data), str(out)] + [f"{q}:{b}" for q, b in pairs],
                       check=True, capture_output=True, timeout=1800)
        ref = json.loads(out.read_text())
    checked = 0
    for q, b in pairs:
        r = results[(q, b)]
        # R's svyby(~q, ~b) orders cells group-major by level: (g1,l1), (g2,l1), ...
        order = [str(g) for g in ref[f"{q} {b}"]["groups"]]  # R's (locale) group order
        r = r.assign(**{b: r[b].astype(str)})
        wide_est = r.pivot(index=b, columns="level", values="estimate").loc[order].to_numpy().T.ravel()
        wide_se = r.pivot(index=b, columns="level", values="se").loc[order].to_numpy().T.ravel()
        np.testing.assert_allclose(wide_est, ref[f"{q} {b}"]["estimate"], rtol=1e-6)
        np.testing.assert_allclose(wide_se, ref[f"{q} {b}"]["se"], rtol=1e-6)
        checked += wide_est.size
    return checked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--quick", action="store_true", help="use the peers' published figures")
    ap.add_argument("--no-check", action="store_true", help="skip the comparison with R")
    args = ap.parse_args(argv)
    data = args.data or Path(tempfile.gettempdir()) / f"bench{args.rows}.csv"
    if not data.exists():
        subprocess.run([sys.executable, str(SHARED / "make_bench_data.py"), str(args.rows), str(data)], check=True)
    df = pd.read_csv(data, dtype={"dept": str})
    questions = [f"q{j:02d}" for j in range(1, args.questions + 1)]
    print(f"banner: {len(df)} rows, {len(questions)} questions x {len(BREAKDOWNS)} breakdowns "
          f"(load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    ours = run_ours(df, questions)
    yard = numpy_yardstick(df, questions)
    print(f"  arefie_studies: design {ours['design']:.3f}s, loop d.proportion(q, by=b) "
          f"{ours['loop']:.3f}s ({ours['cells']} cells), batch banner_cells {ours['batch']:.3f}s "
          f"({ours['batch_rows']} cells with group-vs-rest tests)")
    print(f"  arefie_studies, raked design (general path): banner_cells "
          f"{ours['calibrated_batch']:.3f}s ({ours['calibrated_rows']} cells)")
    print(f"  numpy yardstick (this run): {yard:.3f}s")
    if args.quick:
        peers = {k: v for k, v in PUBLISHED.items() if k != "numpy yardstick"}
        print("  peers: published figures (--quick)")
    else:
        peers = {"R survey": run_r(data, len(questions)), "svy": run_svy(data, len(questions))}
    for name, secs in peers.items():
        if secs:
            print(f"  ratio {name} / ours: loop x{secs / ours['loop']:.0f}, batch x{secs / ours['batch']:.0f}")
    print(f"  ours / numpy yardstick: loop {ours['loop'] / yard:.2f}, batch {ours['batch'] / yard:.2f}")
    print("RESULT " + json.dumps({
        "bench": "banner", "rows": len(df), "tables": len(questions) * len(BREAKDOWNS),
        "load": os.getloadavg()[0], "design": ours["design"], "loop": ours["loop"],
        "batch": ours["batch"], "calibrated_batch": ours["calibrated_batch"], "yardstick": yard,
        "peers": peers, "peers_published": bool(args.quick)}))
    if not args.no_check and subprocess.run(["which", "Rscript"], capture_output=True).returncode == 0:
        pairs = [("q01", "sex"), ("q07", "age"), ("q13", "qualif"), ("q22", "dept"), ("q40", "cej")]
        pairs = [(q, b) for q, b in pairs if q in questions]
        n = check_against_r(data, ours["results"], pairs)
        print(f"  equal to R survey (rtol 1e-6): {n} cells of {len(pairs)} tables checked")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
