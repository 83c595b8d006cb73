"""Benchmark: sequence distances and clustering (issue 6 targets).

Targets: OM with TRATE on mvad (712 x 70) < 3 s; 5,000 sequences x 24 months < 60 s on 2 cores.
Numba compilation (first call; cached on disk by cache=True) is timed separately.

Run: PYTHONPATH=src python bench/bench_sequences.py [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numba
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _timed(label: str, fn, *args, **kw):
    """Wall time and process CPU time (all threads); CPU/2 is the wall time on 2 idle cores."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"{label:<58s} wall {dt:7.2f} s   cpu {dc:7.2f} s")
    return out, dt


def cej_like(n: int, months: int, seed: int, persistence: float) -> np.ndarray:
    """Markov-chain monthly states (6 states), entry state drawn, staying probability ``persistence``."""
    rng = np.random.default_rng(seed)
    k = 6
    codes = np.empty((n, months), dtype=np.int64)
    codes[:, 0] = rng.choice(k, size=n, p=[0.35, 0.25, 0.15, 0.1, 0.1, 0.05])
    for t in range(1, months):
        move = rng.random(n) > persistence
        codes[:, t] = np.where(move, rng.integers(0, k, size=n), codes[:, t - 1])
    return codes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    print(f"numba threads: {numba.get_num_threads()}; load average {os.getloadavg()}")

    from arefie_studies.methods.sequences import (
        StateSequences,
        cluster_quality,
        pam,
        sequence_distances,
        ward_tree,
    )

    tiny = StateSequences.from_codes(np.array([[0, 1, 1], [1, 1, 0], [0, 0, 1]]), ["a", "b"])
    _timed("compile/load kernels (OM, HAM, DHD, Ward, PAM)", lambda: (
        sequence_distances(tiny, "OM", sm="TRATE"), sequence_distances(tiny, "HAM"),
        sequence_distances(tiny, "DHD"), ward_tree(np.array([[0, 1.0], [1.0, 0]])),
        pam(np.array([[0, 1.0, 2], [1.0, 0, 1], [2, 1, 0]]), 2)))  # fmt: skip

    df = pd.read_csv(ROOT / "tests" / "reference" / "data" / "mvad.csv")
    alphabet = ["employment", "FE", "HE", "joblessness", "school", "training"]
    mvad = StateSequences(df, list(df.columns[16:86]), alphabet=alphabet)
    om, t_mvad = _timed(
        "mvad OM TRATE indel 1 (712 x 70, 490 distinct)", sequence_distances, mvad, "OM", sm="TRATE"
    )
    _timed("mvad LCS", sequence_distances, mvad, "LCS")
    _timed("mvad DHD", sequence_distances, mvad, "DHD")
    tree, _ = _timed("mvad Ward (agnes-exact)", ward_tree, om)
    print("   sizes at k=4:", np.bincount(tree.cut(4))[1:].tolist())

    for persistence, label in [
        (0.9, "CEJ-like persistence 0.9"),
        (0.5, "worst case persistence 0.5"),
    ]:
        codes = cej_like(5000, 24, 1, persistence)
        seqs = StateSequences.from_codes(codes, [f"s{i}" for i in range(6)])
        n_u = len(np.unique(codes, axis=0))
        d, t_om = _timed(
            f"5000 x 24 OM TRATE ({label}, {n_u} distinct)",
            sequence_distances,
            seqs,
            "OM",
            sm="TRATE",
        )
        tr, t_w = _timed("   Ward (agnes-exact) on 5000", ward_tree, d)
        lab = tr.cut(6)
        _, t_p = _timed("   PAM k=6 on 5000", pam, d, 6)
        _, t_q = _timed("   cluster quality (ASW, R2)", cluster_quality, d, lab)
        print(f"   total distances + Ward + PAM + ASW: {t_om + t_w + t_p + t_q:.2f} s")
    print(f"target mvad < 3 s: {'OK' if t_mvad < 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
