"""Timing of a 40 × 6 banner on the shared bench data (not collected by pytest).

    python /work/shared/bench/make_bench_data.py 100000 /tmp/b.csv
    PYTHONPATH=src python bench/bench_banner_tables.py /tmp/b.csv

Prints the wall and CPU time of ``SurveyDesign.banner_cells`` alone and of the whole
``tables.banner`` (engine + per-cell counts + whole-population column + suppression + marks),
best of 5 after one warm-up run (the engine caches the variable codes on the design).
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import banner

QUESTIONS = [f"q{i:02d}" for i in range(1, 41)]
BREAKDOWNS = ["sex", "age", "qualif", "qpv", "cej", "dept"]


def best(fn, repeat: int = 5) -> tuple[float, float]:
    walls, cpus = [], []
    fn()
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def main(path: str) -> None:
    df = pd.read_csv(path)
    d = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)
    w, c = best(lambda: d.banner_cells(QUESTIONS, BREAKDOWNS))
    print(f"engine banner_cells        wall {w:.3f} s   cpu {c:.3f} s")
    w, c = best(lambda: banner(d, QUESTIONS, BREAKDOWNS, as_categorical=QUESTIONS))
    print(f"tables.banner (40 x 6)     wall {w:.3f} s   cpu {c:.3f} s")
    t = banner(d, QUESTIONS, BREAKDOWNS, as_categorical=QUESTIONS)
    print(f"cells {len(t.cells)}, hidden {int(t.cells.suppressed.sum())}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/b.csv")
