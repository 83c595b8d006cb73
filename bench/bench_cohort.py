"""Cohort typology: CLARA (``methods.clara.seq_clara``, OM with TRATE costs, k=6) on 10k, 100k
and the national cohort of monthly CEJ-like trajectories over 24 months, plus its agreement
with the full Ward / PAM on a sample small enough for both (adjusted Rand index).

Each size runs in a fresh process (peak RSS = VmHWM of that run).  The national cohort is the
``cej_situations`` file of ``data/synthetic/national/`` when it exists (``arefie-studies synth
--scale national``), else a 1.1M Markov cohort.

Usage: python bench/bench_cohort.py [--sizes 10000 100000 national] [--samples 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ALPHA = ["Emploi", "Formation", "Demandeur d'emploi", "Inactif", "Etudes", "Autre"]


def vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def markov(n: int, months: int = 24, seed: int = 1, persistence: float = 0.9):
    import numpy as np

    rng = np.random.default_rng(seed)
    codes = np.empty((n, months), dtype=np.int16)
    codes[:, 0] = rng.choice(6, size=n, p=[0.15, 0.25, 0.35, 0.1, 0.1, 0.05])
    trans = np.array([[.93, .01, .03, .01, .01, .01], [.12, .80, .05, .01, .01, .01],
                      [.08, .05, .82, .03, .01, .01], [.03, .02, .05, .88, .01, .01],
                      [.04, .02, .02, .01, .90, .01], [.05, .02, .05, .02, .01, .85]])
    cum = trans.cumsum(1)
    for t in range(1, months):
        u = rng.random(n)
        codes[:, t] = (u[:, None] > cum[codes[:, t - 1]]).sum(1)
    return codes


def national_codes():
    """Month x state matrix of the national synthetic situations when present: only the
    columns id_jeune, mois, situation are read (``read_monthly_sequences``)."""
    from arefie_studies.methods.clara import read_monthly_sequences

    path = ROOT / "data" / "synthetic" / "national" / "cej_situations_mensuelles.parquet"
    if not path.exists():
        return None, "Markov 1.1M (no national synthetic data)"
    seqs = read_monthly_sequences(path)
    return seqs.codes.astype(np.int16), f"{path.name} ({len(seqs.alphabet)} states, 3 columns read)"


def child(size: str, samples: int, check: bool) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import numba

    from arefie_studies.methods import StateSequences, pam, sequence_distances, ward_tree
    from arefie_studies.methods.clara import seq_clara
    from arefie_studies.methods.sequences import adjusted_rand_index, substitution_costs

    numba.set_num_threads(2)
    source = "Markov"
    if size == "national":
        codes, source = national_codes()
        if codes is None:
            codes = markov(1_100_000, seed=7)
    else:
        codes = markov(int(size), seed=7)
    n_states = int(codes.max()) + 1
    alphabet = ALPHA[:n_states] if n_states <= len(ALPHA) else [f"s{i}" for i in range(n_states)]
    # void months (-1) at the end only: StateSequences.from_codes requires it
    seqs = StateSequences.from_codes(codes, alphabet)
    warm = StateSequences.from_codes(codes[:200], alphabet)
    seq_clara(warm, 3, n_samples=1)  # compile / load kernels
    t0 = time.perf_counter()
    res = seq_clara(seqs, 6, n_samples=samples, seed=1)
    dt = time.perf_counter() - t0
    out = {"size": len(codes), "source": source, "distinct": res.n_distinct, "seconds": dt,
           "peak_rss_mb": vmhwm_mb(), "cost": res.cost, "samples": samples}
    if check:
        sub = StateSequences.from_codes(codes[:3000], alphabet)
        sm = substitution_costs(sub, "TRATE")
        d = sequence_distances(sub, "OM", sm=sm, indel=float(sm.max()) / 2)
        cl = seq_clara(sub, 6, n_samples=samples, seed=1)
        out["ari_vs_full_pam_3000"] = adjusted_rand_index(cl.labels, pam(d, 6).labels)
        out["ari_vs_ward_3000"] = adjusted_rand_index(cl.labels, ward_tree(d).cut(6))
        out["cost_vs_full_pam_3000"] = cl.cost / pam(d, 6).cost
        out["ari_full_pam_vs_ward_3000"] = adjusted_rand_index(pam(d, 6).labels, ward_tree(d).cut(6))
    print("RESULT " + json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["10000", "100000", "national"])
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.samples, args.check)
        return 0
    results = []
    for i, s in enumerate(args.sizes):
        cmd = [sys.executable, __file__, "--child", s, "--samples", str(args.samples)] + (["--check"] if i == 0 else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{s}: failed: {proc.stderr[-800:]}")
            continue
        r = json.loads(lines[-1][7:])
        results.append(r)
        extra = ""
        if "ari_vs_full_pam_3000" in r:
            extra = (f"; on 3,000: ARI vs full PAM {r['ari_vs_full_pam_3000']:.3f}, vs Ward "
                     f"{r['ari_vs_ward_3000']:.3f} (full PAM vs Ward {r['ari_full_pam_vs_ward_3000']:.3f}), "
                     f"cost / full PAM cost {r['cost_vs_full_pam_3000']:.3f}")
        print(f"CLARA k=6, {r['samples']} samples, {r['size']:>9,} trajectories ({r['distinct']:,} distinct, "
              f"{r['source']}): {r['seconds']:7.2f} s, peak RSS {r['peak_rss_mb']:6.0f} MB{extra}")
    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.1f} on {os.cpu_count()} cores")
    print("RESULT " + json.dumps({"sizes": results, "load": load}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
