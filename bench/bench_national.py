"""The four studies, unchanged, on the regional and on the national synthetic data.

For each study and dataset a fresh process loads the declared inputs (``load_study_inputs``,
with ``AREFIE_DATASET=national`` for the national files of ``arefie-studies synth --scale
national``), runs ``compute`` and builds the regional ``report``; it prints wall time of each
step and its peak RSS (VmHWM).  The child's address space is capped (``--mem-gb``, default 16)
so that a study that cannot fit fails fast with MemoryError instead of swapping the shared
machine; a time limit (``--timeout``) stops the too slow ones.

``cej_trajectoires`` is the CEJ study's trajectory part alone (its own functions: monthly
sequences from the episodes of ``cej_situations``, read with only the 5 columns used, then
``compute_typology`` — full OM + Ward regionally, CLARA medoids above 10,000 distinct
sequences): what the whole CEJ study needs beyond the tables when the full study does not fit
the memory budget.  Besides the address-space cap, the parent polls the child's resident
memory and stops it above ``--max-rss-mb`` (default 10,000 MB of the 24 GB machine).

Usage: python bench/bench_national.py [--studies ...] [--datasets regional national]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STUDIES = ["sante_jeunes", "parcours_residentiel", "barometre", "cej", "cej_trajectoires"]


def vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


#: Parquet inputs above this many rows are read with their identifier columns as pandas
#: categoricals (pyarrow ``read_dictionary``): 34M weekly CEJ rows hold 1.1M distinct ids, and
#: one Python string per row would not fit the memory cap.
LEAN_ROWS = 5_000_000


def load_inputs_lean(slug, config, load_study_inputs):
    """The study's inputs as ``load_study_inputs`` gives them, except that the big Parquet
    extracts (> LEAN_ROWS rows) keep their identifier columns dictionary-encoded (same values,
    categorical dtype); the study code is unchanged."""
    import dataclasses

    import pyarrow.parquet as pq

    big = {}
    for name, spec in config.inputs.items():
        path = ROOT / spec.path  # already in the AREFIE_DATASET directory
        if path.suffix == ".parquet" and path.is_file() and pq.ParquetFile(path).metadata.num_rows > LEAN_ROWS:
            big[name] = path
    if not big:
        return load_study_inputs(config, ROOT)
    inputs = load_study_inputs(slug, ROOT, inputs=[n for n in config.inputs if n not in big])
    frames = dict(inputs.frames)
    for name, path in big.items():
        ids = [c for c in (config.inputs[name].identifiers or []) if c in pq.read_schema(path).names]
        frames[name] = pq.read_table(path, read_dictionary=ids).to_pandas()
        print(f"    {name}: {len(frames[name]):,} rows read with {ids} as categoricals", flush=True)
    return dataclasses.replace(inputs, frames=frames)


def trajectories_child() -> dict:
    """The CEJ typology on the (regional or national) situations: rows = episodes."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from arefie_studies.methods import StateSequences
    from arefie_studies.project import study_config
    from arefie_studies.studies import _cej_sequences as Q

    config = study_config("cej", ROOT)
    prm = config.parameters
    t0 = time.perf_counter()
    cols = ["id_jeune", "date_debut", "date_fin", "situation", "type_contrat"]
    sit = pq.read_table(ROOT / config.inputs["situations"].path, columns=cols,
                        read_dictionary=["id_jeune", "situation", "type_contrat"]).to_pandas()
    t1 = time.perf_counter()
    seqs = Q.build_sequences(sit, int(prm["horizon_long"]), pd.Timestamp(prm["extraction_date"]))
    rows = len(sit)
    del sit
    s = StateSequences.from_codes(seqs.codes[:, :int(prm["horizon"])].astype(np.int64), Q.ALPHABET)
    t2 = time.perf_counter()
    typ = Q.compute_typology(s, int(prm["n_types"]))
    t3 = time.perf_counter()
    return {"study": "cej_trajectoires", "rows": rows, "youths": s.n_sequences,
            "distinct": int(typ.patterns.shape[0]), "k": typ.k,
            "method": "CLARA" if "AMS" in typ.quality.columns else "Ward",
            "load_s": t1 - t0, "compute_s": t3 - t1, "sequences_s": t2 - t1, "typology_s": t3 - t2,
            "report_s": 0.0, "total_s": t3 - t0, "peak_rss_mb": vmhwm_mb()}


def child(slug: str, mem_gb: float) -> None:
    lim = int(mem_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    sys.path.insert(0, str(ROOT / "src"))
    if slug == "cej_trajectoires":
        print("RESULT " + json.dumps(trajectories_child()))
        return
    from arefie_studies.project import (
        DEFAULT_THRESHOLD,
        compute_parameters,
        load_study_inputs,
        study_config,
    )
    from arefie_studies.studies.contract import study_module

    config = study_config(slug, ROOT)
    params = dict(config.parameters)
    params.setdefault("disclosure_threshold", config.disclosure_threshold or DEFAULT_THRESHOLD)
    module = study_module(slug, config)
    out = {"study": slug}
    t0 = time.perf_counter()
    inputs = load_inputs_lean(slug, config, load_study_inputs)
    out["rows"] = int(sum(len(f) for f in inputs.frames.values()))
    t1 = time.perf_counter()
    results = module.compute(inputs, compute_parameters(config, params))
    t2 = time.perf_counter()
    module.report(results, params)
    t3 = time.perf_counter()
    out.update(load_s=t1 - t0, compute_s=t2 - t1, report_s=t3 - t2, total_s=t3 - t0, peak_rss_mb=vmhwm_mb())
    print("RESULT " + json.dumps(out))


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(cmd: list[str], env: dict, timeout: float, max_rss_mb: float) -> dict:
    """Run one child, polling its resident memory; stop it over ``max_rss_mb`` or ``timeout``."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True)
        t0, peak, why = time.perf_counter(), 0.0, None
        while proc.poll() is None:
            peak = max(peak, _rss_mb(proc.pid))
            if peak > max_rss_mb:
                why = f"stopped: resident memory over {max_rss_mb:.0f} MB"
            elif time.perf_counter() - t0 > timeout:
                why = f"stopped: over {timeout:.0f} s"
            if why:
                proc.kill()
                proc.wait()
                break
            time.sleep(0.5)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if why:
        return {"error": f"{why} after {time.perf_counter() - t0:.0f} s"}
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    if lines:
        return json.loads(lines[-1][7:])
    last = [ln for ln in stderr.strip().splitlines() if ln.strip()][-1:] or ["?"]
    return {"error": last[0][:160]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", nargs="+", default=STUDIES)
    ap.add_argument("--datasets", nargs="+", default=["regional", "national"])
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--mem-gb", type=float, default=16)
    ap.add_argument("--max-rss-mb", type=float, default=10000)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.mem_gb)
        return 0
    results = []
    for slug in args.studies:
        for ds in args.datasets:
            env = dict(os.environ)
            env.pop("AREFIE_DATASET", None)
            if ds != "regional":
                env["AREFIE_DATASET"] = ds
            cmd = [sys.executable, __file__, "--child", slug, "--mem-gb", str(args.mem_gb)]
            t0 = time.perf_counter()
            r = run_child(cmd, env, args.timeout, args.max_rss_mb)
            if "error" in r:
                r = {"study": slug, "dataset": ds, **r, "after_s": time.perf_counter() - t0}
            else:
                r = {**r, "dataset": ds}
            results.append(r)
            if "error" in r:
                print(f"{slug:<22} {ds:<9} NOT RUN: {r['error']}")
            else:
                extra = (f", {r['youths']:,} youths, {r['distinct']:,} distinct, {r['method']} k={r['k']}"
                         if "method" in r else "")
                print(f"{slug:<22} {ds:<9} {r['rows']:>11,} rows{extra}: load {r['load_s']:7.1f} s, compute "
                      f"{r['compute_s']:7.1f} s, report {r['report_s']:6.1f} s, total {r['total_s']:7.1f} s, "
                      f"peak RSS {r['peak_rss_mb']:7.0f} MB", flush=True)
    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.1f} on {os.cpu_count()} cores")
    print("RESULT " + json.dumps({"runs": results, "load": load}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
