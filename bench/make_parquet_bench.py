"""Barometer-shaped bench data as Parquet, written in chunks (bounded memory).

Same columns and distributions as /work/shared/bench/make_bench_data.py (region stratum, ml PSU
nested in region, weight w, six breakdowns, q01..q40 Likert 1-4 with ~5% missing, x01..x10),
generated 1,000,000 rows at a time with a seed per chunk and appended with pyarrow's
ParquetWriter: the whole table is never in memory.

Usage: python bench/make_parquet_bench.py N OUT.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 1_000_000


def chunk(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    regions = rng.integers(0, 13, n)
    cols: dict[str, object] = {
        "region": regions, "ml": regions * 40 + rng.integers(0, 33, n),
        "w": rng.lognormal(0, 0.5, n) * 20,
        "sex": rng.choice(["F", "M"], n),
        "age": rng.choice(["16-17", "18-21", "22-25", "26+"], n, p=[.1, .45, .4, .05]),
        "qualif": rng.choice(["V bis/VI", "V", "IV", "III+"], n, p=[.49, .13, .28, .10]),
        "qpv": rng.choice(["QPV", "hors QPV"], n, p=[.2, .8]),
        "cej": rng.choice(["CEJ", "PACEA", "autre"], n, p=[.35, .25, .4]),
        "dept": rng.choice(["02", "59", "60", "62", "80"], n, p=[.09, .44, .14, .24, .09]),
    }
    base = rng.normal(0, 1, n)
    for j in range(1, 41):
        q = (np.digitize(base * 0.6 + rng.normal(0, 1, n), [-1.2, -0.3, 0.6]) + 1).astype(float)
        q[rng.random(n) < 0.05] = np.nan
        cols[f"q{j:02d}"] = q
    for j in range(1, 11):
        cols[f"x{j:02d}"] = np.round(rng.gamma(2.0, 10.0, n) + base * 3, 3)
    return pa.table({k: pa.array(v, from_pandas=True) for k, v in cols.items()})


def write(n: int, out: Path, seed: int = 20261128) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    done, i = 0, 0
    try:
        while done < n:
            t = chunk(min(CHUNK, n - done), seed + i)
            if writer is None:
                writer = pq.ParquetWriter(out, t.schema, compression="zstd")
            writer.write_table(t, row_group_size=256_000)
            done += t.num_rows
            i += 1
    finally:
        if writer is not None:
            writer.close()
    return out


if __name__ == "__main__":
    p = write(int(sys.argv[1]), Path(sys.argv[2]))
    print(p, pq.ParquetFile(p).metadata.num_rows)
