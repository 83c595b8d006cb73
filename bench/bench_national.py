"""The four studies, unchanged, on the regional and on the national synthetic data.

For each study and dataset a fresh process loads the declared inputs (``load_study_inputs``,
with ``AREFIE_DATASET=national`` for the national files of ``arefie-studies synth --scale
national``), runs ``compute`` and builds the regional ``report``; it prints wall time of each
step and its peak RSS (VmHWM).  The child's address space is capped (``--mem-gb``, default 12)
so that a study that cannot fit fails fast with MemoryError instead of swapping the shared
machine; a time limit (``--timeout``) stops the too slow ones.

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
STUDIES = ["sante_jeunes", "parcours_residentiel", "barometre", "cej"]


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


def child(slug: str, mem_gb: float) -> None:
    lim = int(mem_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    sys.path.insert(0, str(ROOT / "src"))
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", nargs="+", default=STUDIES)
    ap.add_argument("--datasets", nargs="+", default=["regional", "national"])
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--mem-gb", type=float, default=12)
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
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout, check=False)
            except subprocess.TimeoutExpired:
                r = {"study": slug, "dataset": ds, "error": f"over {args.timeout:.0f} s"}
            else:
                lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
                if lines:
                    r = {**json.loads(lines[-1][7:]), "dataset": ds}
                else:
                    last = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][-1:] or ["?"]
                    r = {"study": slug, "dataset": ds, "error": last[0][:160],
                         "after_s": time.perf_counter() - t0}
            results.append(r)
            if "error" in r:
                print(f"{slug:<22} {ds:<9} NOT RUN: {r['error']}")
            else:
                print(f"{slug:<22} {ds:<9} {r['rows']:>11,} rows: load {r['load_s']:7.1f} s, compute "
                      f"{r['compute_s']:7.1f} s, report {r['report_s']:6.1f} s, total {r['total_s']:7.1f} s, "
                      f"peak RSS {r['peak_rss_mb']:7.0f} MB", flush=True)
    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.1f} on {os.cpu_count()} cores")
    print("RESULT " + json.dumps({"runs": results, "load": load}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
