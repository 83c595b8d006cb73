"""Weighted quantile rules of R survey (``svyquantile(qrule=)``).

Mirrors: survey:::qs and survey:::qrule_math, qrule_school, qrule_shahvaish, qrule_hf1 ...
qrule_hf9 (R survey 4.1).  Zero weights are dropped first; values are sorted (stable).

* ``qs``: the last position whose cumulative weight is ``<= p * sum(w)`` (``qlow``, 1 if none),
  the next one (``qup``), and the shares ``wlow = p - cumw[low]/W``, ``wup = cumw[up]/W - p``.
* math / hf1: ``qlow`` if ``wlow == 0`` else ``qup``; school / hf2: the average of the two when
  ``wlow == 0``; hf3: as math on the distinct values (weights summed) but ``qlow`` only at an
  even position; hf4: ``qlow (1 - g) + qup g`` with ``g = wlow / (wlow + wup)``.
* hf5 ... hf9, shahvaish: interpolation of the sorted values at plotting positions ``pk``
  (R's ``approx(pk, x, p, rule = 2)``, linear; shahvaish: constant, left-continuous):
  hf5 ``(C - w/2)/W``; hf6 ``C/(W + w_n)``; hf7 ``C_{k-1}/C_{n-1}``; hf8
  ``(C_{k-1}/3 + 2 C/3)/(W + w_n/3)``; hf9 ``(3 C_{k-1}/8 + 5 C/8)/(W + w_n/4)``; shahvaish
  ``(S + 0.5 - w/2)/(n + 1)`` with ``S`` the cumulative sum of ``w / mean(w)`` (and the raw
  ``w``, as R; ``approx`` then sorts the positions).

Sums use extended precision as R's ``cumsum``/``sum`` (long double accumulation), so ties on
exact shares resolve as in R.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["QRULES", "qrule_math", "qs_columns", "qs_rows", "quantile_function", "r_zeroin", "sorted_quantile", "weighted_quantile"]


def _prep(x, w) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    return x[order], w[order]


def _cumsum(w: np.ndarray) -> np.ndarray:
    return np.cumsum(w.astype(np.longdouble)).astype(float)


def _qs(xs: np.ndarray, ws: np.ndarray, p: float) -> tuple[float, float, int, float, float]:
    """R's ``qs`` on sorted values: qlow, qup, ilow (1-based), wlow, wup."""
    cumw = _cumsum(ws)
    total = float(np.sum(ws.astype(np.longdouble)))
    hits = np.flatnonzero(cumw <= p * total)
    pos = int(hits[-1]) if hits.size else 0
    nxt = pos if pos == len(xs) - 1 else pos + 1
    return xs[pos], xs[nxt], pos + 1, p - cumw[pos] / total, cumw[nxt] / total - p


def _math(xs, ws, p):
    qlow, qup, _, wlow, _ = _qs(xs, ws, p)
    return qlow if wlow == 0 else qup


def _school(xs, ws, p):
    qlow, qup, _, wlow, _ = _qs(xs, ws, p)
    return (qlow + qup) / 2 if wlow == 0 else qup


def _hf3(xs, ws, p):
    ux, inv = np.unique(xs, return_inverse=True)
    uw = np.bincount(inv, weights=ws, minlength=ux.size)
    qlow, qup, ilow, wlow, _ = _qs(ux, uw, p)
    return qlow if (wlow == 0 and ilow % 2 == 0) else qup


def _hf4(xs, ws, p):
    qlow, qup, _, wlow, wup = _qs(xs, ws, p)
    g = wlow / (wup + wlow)
    return qlow * (1 - g) + qup * g


def _interp(pk: np.ndarray, xs: np.ndarray, p: float) -> float:
    """R's ``approx(pk, xs, p, method = "linear", rule = 2)``."""
    return float(np.interp(p, pk, xs))


def _hf5(xs, ws, p):
    cumw = _cumsum(ws)
    return _interp((cumw - ws / 2) / cumw[-1], xs, p)


def _hf6(xs, ws, p):
    cumw = _cumsum(ws)
    return _interp(cumw / (cumw[-1] + ws[-1]), xs, p)


def _hf7(xs, ws, p):
    cumw = _cumsum(ws)
    if xs.size < 2:
        return float(xs[0])
    pk = np.concatenate([[0.0], cumw[:-1]]) / cumw[-2]
    return _interp(pk, xs, p)


def _hf8(xs, ws, p):
    cumw = _cumsum(ws)
    prev = np.concatenate([[0.0], cumw[:-1]])
    return _interp((prev * 1 / 3 + cumw * 2 / 3) / (cumw[-1] + ws[-1] / 3), xs, p)


def _hf9(xs, ws, p):
    cumw = _cumsum(ws)
    prev = np.concatenate([[0.0], cumw[:-1]])
    return _interp((prev * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + ws[-1] / 4), xs, p)


def shahvaish_table(xs, ws) -> tuple[np.ndarray, np.ndarray]:
    """The step function of R's shahvaish rule: sorted distinct positions ``upk`` and values
    ``ys`` (``approx(pk, xs, method = "constant", f = 0, rule = 2)``: sorted by ``pk``, ties ->
    mean of ``y``).  Independent of ``p``: built once, then one searchsorted per quantile."""
    n = xs.size
    s = _cumsum(ws / ws.mean())
    pk = (s + 0.5 - ws / 2) / (n + 1)  # R subtracts the raw weight: pk need not be sorted
    if np.all(np.diff(pk) > 0):  # already sorted, no ties: approx uses them as they are
        return pk, xs
    order = np.argsort(pk, kind="stable")
    upk, inv = np.unique(pk[order], return_inverse=True)
    return upk, np.bincount(inv, weights=xs[order]) / np.bincount(inv)


def _shahvaish_from(table, p) -> float:
    upk, ys = table
    i = int(np.searchsorted(upk, p, side="right")) - 1
    return float(ys[min(max(i, 0), upk.size - 1)])


def _shahvaish(xs, ws, p):
    return _shahvaish_from(shahvaish_table(xs, ws), p)


def quantile_function(xs: np.ndarray, ws: np.ndarray, qrule: str) -> Callable[[float], float]:
    """``p -> sorted_quantile(xs, ws, p, qrule)``, with what does not depend on ``p`` (the
    shahvaish step function) computed once."""
    if qrule == "shahvaish" and xs.size:
        table = shahvaish_table(np.asarray(xs, dtype=float), np.asarray(ws, dtype=float))
        return lambda p: _shahvaish_from(table, p)
    return lambda p: sorted_quantile(xs, ws, p, qrule)


QRULES: dict[str, Callable[[np.ndarray, np.ndarray, float], float]] = {
    "math": _math, "school": _school, "shahvaish": _shahvaish,
    "hf1": _math, "hf2": _school, "hf3": _hf3, "hf4": _hf4, "hf5": _hf5, "hf6": _hf6,
    "hf7": _hf7, "hf8": _hf8, "hf9": _hf9,
}


def qs_columns(xs: np.ndarray, wm: np.ndarray, p: float, qrule: str) -> np.ndarray:
    """The ``p`` quantile for every weight column of ``wm`` (n, R) (values ``xs`` sorted),
    for the rules built on ``qs`` alone (math, hf1, school, hf2): R drops the zero weights of
    each column; here the cumulative weights stay flat over them and the positions jump to the
    previous / next row with a positive weight, which is the same.

    One cumulative sum of all columns (extended precision, as ``_cumsum``), then per column:
    ``last`` = the last row with ``cumw <= p total`` (searchsorted), ``low`` = the row with a
    positive weight that reached ``cumw[last]`` (first row with that cumulative weight), ``up``
    = the next row with a positive weight (first row with a larger cumulative weight)."""
    return qs_rows(xs, np.ascontiguousarray(np.asarray(wm, dtype=float).T), p, qrule)


def qs_rows(xs: np.ndarray, wt: np.ndarray, p: float, qrule: str) -> np.ndarray:
    """``qs_columns`` with the weights given as rows ``wt`` (R, n) (the fast layout)."""
    r, n = wt.shape
    out = np.full(r, np.nan)
    if n == 0:
        return out
    acc, cw = np.empty(n, dtype=np.longdouble), np.empty(n)  # reused: one row at a time
    for c in range(r):
        np.cumsum(wt[c], dtype=np.longdouble, out=acc)
        cw[:] = acc
        total = cw[-1]
        first_pos = int(np.searchsorted(cw, 0.0, side="right"))  # first positive weight
        if first_pos >= n:  # a column without positive weight: NaN, as weighted_quantile
            continue
        last = int(np.searchsorted(cw, p * total, side="right")) - 1
        if last < 0 or cw[last] <= 0:
            low = first_pos
        else:
            low = int(np.searchsorted(cw, cw[last], side="left"))
        low = min(low, n - 1)
        up = int(np.searchsorted(cw, cw[low], side="right"))
        up = low if up >= n else up
        with np.errstate(invalid="ignore", divide="ignore"):
            wlow = p - cw[low] / total
        qlow, qup = xs[low], xs[up]
        if qrule in ("math", "hf1"):
            out[c] = qlow if wlow == 0 else qup
        else:
            out[c] = (qlow + qup) / 2 if wlow == 0 else qup
    return out


def qs_factors(xs: np.ndarray, ws: np.ndarray, idx: np.ndarray, factors: np.ndarray, p: float,
               qrule: str, block: int | None = None) -> np.ndarray:
    """:func:`qs_rows` for replicate weights ``ws[i] * factors[idx[i], r]`` (a replicate design
    stored as one factor per PSU), without building the (R, n) weights.

    One pass for all replicates: the rows (sorted by value) are cut into blocks, the weights
    summed by (block, PSU) and multiplied by ``factors`` give each replicate's cumulative weight
    at every block end; only the block where a replicate's cumulative weight crosses
    ``p * total`` is then expanded.  Where the crossing is clear (the cumulative weights on each
    side differ from ``p * total`` by more than 1e-9 of the total), the quantile is the first
    value whose cumulative weight exceeds ``p * total`` under every rule of :func:`qs_rows`
    (math/hf1/school/hf2); any other replicate (ties, zero-weight runs, extreme ``p``) goes
    through :func:`qs_rows` itself, so the result is :func:`qs_rows`'s.
    """
    n = xs.size
    n_rep = factors.shape[1]
    if n == 0:
        return np.full(n_rep, np.nan)
    n_psu = factors.shape[0]
    m = block or max(64, int(np.sqrt(n) * 6))
    nb = -(-n // m)
    if nb * n_psu > 4_000_000:  # element-level factors: the (block, PSU) table is too big
        return qs_rows(xs, ws[None, :] * factors[idx].T, p, qrule)
    bw = np.bincount((np.arange(n) // m) * n_psu + idx, weights=ws,
                     minlength=nb * n_psu).reshape(nb, n_psu)
    ends = np.cumsum(np.einsum("bp,pr->br", bw, factors), axis=0)  # (nb, R)
    totals = ends[-1]
    out = np.full(n_rep, np.nan)
    for r in range(n_rep):
        total = totals[r]
        target = p * total
        tol = 1e-9 * abs(total)
        b = int(np.searchsorted(ends[:, r], target, side="right"))
        if total > 0 and b < nb:
            start = b * m
            prefix = ends[b - 1, r] if b else 0.0
            cwl = prefix + np.cumsum(ws[start:start + m] * factors[idx[start:start + m], r])
            k = int(np.searchsorted(cwl, target, side="right"))
            if k < cwl.size:
                cw_last = cwl[k - 1] if k else prefix
                if cw_last > tol and target - cw_last > tol and cwl[k] - target > tol:
                    out[r] = xs[start + k]
                    continue
        out[r] = qs_rows(xs, (ws * factors[idx, r])[None, :], p, qrule)[0]
    return out


def weighted_quantile(x: np.ndarray, w: np.ndarray, p: float, qrule: str = "math") -> float:
    """The ``p`` quantile of ``x`` with weights ``w`` by R's rule ``qrule`` (zero weights
    ignored); NaN without any positive weight."""
    xs, ws = _prep(x, w)
    return sorted_quantile(xs, ws, p, qrule)


def sorted_quantile(xs: np.ndarray, ws: np.ndarray, p: float, qrule: str = "math") -> float:
    """:func:`weighted_quantile` on values already sorted (stable) with positive weights."""
    if xs.size == 0:
        return float("nan")
    return float(QRULES[qrule](xs, ws, p))


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """The ``p`` quantile by R's default rule ``qrule="math"``."""
    return weighted_quantile(x, w, p, "math")


def r_zeroin(f: Callable[[float], float], lower: float, upper: float, tol: float,
             maxiter: int = 1000) -> float:
    """R's ``uniroot(f, c(lower, upper), tol = tol)$root``: Brent's method exactly as R's
    ``R_zeroin2`` (same steps, so the same root to the last bit)."""
    eps = np.finfo(float).eps
    a, b = float(lower), float(upper)
    fa, fb = float(f(a)), float(f(b))
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if fa * fb > 0:
        raise ValueError("f() values at end points not of opposite sign")
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = float(f(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b
