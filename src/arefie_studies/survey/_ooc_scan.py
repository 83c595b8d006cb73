"""Streaming scans for the out-of-core design: DuckDB reads only the needed columns of a
Parquet file (or a DuckDB table) in record batches; each batch is coded to small integers and
folded into per-(PSU, group, level) sums by a numba kernel.  Nothing but the accumulators
(PSUs x groups x levels) outlives a batch, so memory is bounded by ``chunk_rows``.

Mirrors: the database-backed designs of R survey (``svydesign(dbtype=, dbname=)``), which
also materialise only the variables of each call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numba
import numpy as np
import pyarrow as pa

__all__ = ["code_column", "fold_moments", "fold_tables", "quote"]


def quote(name: str) -> str:
    """A DuckDB identifier, double-quoted."""
    return '"' + str(name).replace('"', '""') + '"'


def code_column(arr: pa.Array | pa.ChunkedArray, levels: Sequence, lut: tuple | None) -> np.ndarray:
    """Level codes (int32, -1 = missing or unknown) of one batch column against the sorted
    ``levels``.  ``lut`` = (lo, table) for integer-valued numeric levels with a small range (a
    lookup table, no hashing); else a sorted search (numeric) or arrow's hash ``index_in``."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        v = arr.to_numpy(zero_copy_only=False).astype(float, copy=False)
        if arr.null_count and not pa.types.is_floating(t):
            v = np.where(arr.is_null().to_numpy(zero_copy_only=False), np.nan, v)
        elif arr.null_count:
            v = np.where(arr.is_valid().to_numpy(zero_copy_only=False), v, np.nan)
        ok = ~np.isnan(v)
        if lut is not None:
            lo, table = lut
            off = np.where(ok, v - lo, -1.0)
            inside = ok & (off >= 0) & (off < table.size) & (off == np.floor(off))
            out = np.full(v.size, -1, dtype=np.int32)
            out[inside] = table[off[inside].astype(np.int64)]
            return out
        lev = np.asarray(levels, dtype=float)
        pos = np.searchsorted(lev, np.where(ok, v, lev[0] if lev.size else 0.0))
        pos = np.minimum(pos, max(lev.size - 1, 0))
        hit = ok & (lev.size > 0) & (lev[pos] == v)
        return np.where(hit, pos, -1).astype(np.int32)
    import pyarrow.compute as pc

    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
    idx = pc.index_in(arr, value_set=pa.array(list(levels), type=arr.type))
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)


def make_lut(levels: Sequence) -> tuple | None:
    """(lo, table) mapping ``value - lo`` to its level code, for integer-valued numeric levels
    spanning at most 10,000 (Likert codes, years); None otherwise."""
    try:
        vals = np.asarray(levels, dtype=float)
    except (TypeError, ValueError):
        return None
    if vals.size == 0 or not np.all(vals == np.round(vals)) or vals[-1] - vals[0] > 10_000:
        return None
    lo = vals[0]
    table = np.full(int(vals[-1] - lo) + 1, -1, dtype=np.int32)
    table[(vals - lo).astype(np.int64)] = np.arange(vals.size, dtype=np.int32)
    return lo, table


@numba.njit(cache=True, nogil=True)
def _fold(pcode, w, gcodes, gsize, goff, qvals, qlo, qlut, l1, acc_w, acc_n):  # pragma: no cover - jit
    """For every row, breakdown b (group g >= 0) and question q: level ``lv`` =
    ``qlut[q, qvals[q, i] - qlo[q]]`` (the last slot ``l1 - 1`` when missing or unknown), then
    ``acc_w[((goff[b] + p * gsize[b] + g) * Q + q) * l1 + lv] += w`` and, when the answer is
    valid, ``acc_n[(goff[b] + p * gsize[b] + g) * Q + q] += (w != 0)``."""
    n = pcode.shape[0]
    nb = gcodes.shape[1]
    nq = qvals.shape[0]
    width = qlut.shape[1]
    lvs = np.empty(nq, dtype=np.int64)
    for i in range(n):
        for q in range(nq):
            v = qvals[q, i]
            lv = l1 - 1
            if not np.isnan(v):
                off = v - qlo[q]
                k = int(off)
                if k >= 0 and k < width and k == off:
                    c = qlut[q, k]
                    if c >= 0:
                        lv = c
            lvs[q] = lv
        p = pcode[i]
        wi = w[i]
        nz = 1.0 if wi != 0.0 else 0.0
        for b in range(nb):
            g = gcodes[i, b]
            if g < 0:
                continue
            row = (goff[b] + p * gsize[b] + g) * nq
            for q in range(nq):
                lv = lvs[q]
                acc_w[(row + q) * l1 + lv] += wi
                if lv < l1 - 1:
                    acc_n[row + q] += nz


def question_lut(levels: Sequence, lut: tuple | None) -> tuple[float, np.ndarray, bool]:
    """(lo, table, raw): ``raw`` questions go to the kernel as their values (integer-valued
    numeric levels, looked up in ``table``); the others are coded first (``code_column``) and
    passed as float codes with the identity table."""
    if lut is not None:
        return float(lut[0]), lut[1], True
    return 0.0, np.arange(len(levels), dtype=np.int32), False


def fold_tables(batches: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
                n_psu: int, gsize: np.ndarray, n_levels: np.ndarray, qlo: np.ndarray,
                qlut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fold batches ``(pcode, w, gcodes (n, B), qvals (Q, n))`` into weighted sums shaped
    (sum_b P * G_b, Q, L + 1) — the last level slot collects missing answers — and the
    nonzero-weight counts of valid answers shaped (sum_b P * G_b, Q)."""
    gsize = np.asarray(gsize, dtype=np.int64)
    goff = np.concatenate([[0], np.cumsum(n_psu * gsize)[:-1]]).astype(np.int64)
    nq = len(n_levels)
    l1 = int(max(n_levels)) + 1
    rows = int(n_psu * gsize.sum())
    acc_w = np.zeros(rows * nq * l1)
    acc_n = np.zeros(rows * nq)
    for pcode, w, gcodes, qvals in batches:
        _fold(pcode.astype(np.int64, copy=False), w, np.ascontiguousarray(gcodes),
              gsize, goff, qvals, qlo, qlut, l1, acc_w, acc_n)
    return acc_w.reshape(rows, nq, l1), acc_n.reshape(rows, nq)


def fold_moments(batches: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
                 n_cells: int) -> np.ndarray:
    """Fold batches ``(cell (n,), w, y, ok)`` into (4, n_cells): sums of w, w*y, w*y^2 and the
    nonzero-weight counts over the rows with ``ok`` (cell = PSU * G + group)."""
    acc = np.zeros((4, n_cells))
    for cell, w, y, ok in batches:
        c = cell[ok]
        wy = w[ok] * y[ok]
        acc[0] += np.bincount(c, weights=w[ok], minlength=n_cells)
        acc[1] += np.bincount(c, weights=wy, minlength=n_cells)
        acc[2] += np.bincount(c, weights=wy * y[ok], minlength=n_cells)
        acc[3] += np.bincount(c, weights=(w[ok] != 0).astype(float), minlength=n_cells)
    return acc
