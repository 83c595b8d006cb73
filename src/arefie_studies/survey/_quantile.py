"""Weighted quantile rule of R survey (``qrule="math"``).

Mirrors: survey:::qrule_math and survey:::qs: sort the values, take the last position whose
cumulative weight is ``<= p * sum(w)``; if that cumulative share equals ``p`` exactly the value
there is the quantile, else the next one.  Sums use extended precision as R's ``cumsum``/``sum``
(long double accumulation), so ties on exact shares resolve as in R.
"""

from __future__ import annotations

import numpy as np

__all__ = ["qrule_math"]


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """The ``p`` quantile of ``x`` with weights ``w`` (zero weights ignored)."""
    keep = w != 0
    x = np.asarray(x, dtype=float)[keep]
    w = np.asarray(w, dtype=float)[keep]
    if x.size == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cumw = np.cumsum(w[order].astype(np.longdouble)).astype(float)
    total = float(np.sum(w.astype(np.longdouble)))
    hits = np.flatnonzero(cumw <= p * total)
    pos = int(hits[-1]) if hits.size else 0
    posnext = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[posnext])
