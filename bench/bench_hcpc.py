"""Benchmark: weighted MCA + HCPC on 3,000 rows (the housing typology's scale).

Target (issue 6): MCA + HCPC with the automatic cut, consolidation and catdes in well under 2 s.
The first call compiles the weighted Ward kernel (numba, cached on disk); it is timed separately.

Run: PYTHONPATH=src python bench/bench_hcpc.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from arefie_studies.methods import HCPC, MCA

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    tea = pd.read_csv(ROOT / "tests" / "reference" / "data" / "tea.csv")
    rng = np.random.default_rng(5)
    df = tea.iloc[:, :18].sample(3000, replace=True, random_state=5).reset_index(drop=True)
    for c in df.columns:  # perturb so that rows are not all duplicates
        m = rng.random(3000) < 0.3
        df.loc[m, c] = rng.permutation(df[c].to_numpy())[m]
    weights = rng.uniform(0.5, 3, 3000)
    t0 = time.perf_counter()
    mca = MCA(5).fit(df, weights=weights)
    print(f"MCA fit, 3,000 x 18, weighted          {time.perf_counter() - t0:6.2f} s")
    t0 = time.perf_counter()
    HCPC(mca)
    print(f"HCPC first call (incl. kernel load)    {time.perf_counter() - t0:6.2f} s")
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        h = HCPC(mca)
        best = min(best, time.perf_counter() - t0)
    print(f"HCPC auto cut + consolidation + catdes {best:6.2f} s (best of 3; {h.n_clusters_} clusters)"
          if hasattr(h, "n_clusters_") else f"HCPC auto cut + consolidation + catdes {best:6.2f} s")


if __name__ == "__main__":
    main()
