"""Rao–Scott tests of independence for every question × breakdown of a banner, batched.

``SurveyDesign.chisq`` builds an (n, k) matrix of influence values per call; for a 40 × 6
banner that is 240 passes with dense matrices. For one-stage uncalibrated designs (the case of
``banner_cells``) the PSU totals of the influence values of the cell proportions are

    T[p, c] = (A[p, c] - p_c · B[p]) / W,   A = Σ_{i∈p, cell c} w_i,  B[p] = Σ_c A[p, c],

so one weighted bincount over ``psu * k + cell`` per table gives them; the covariance, the
design-effect matrix Δ and the F statistic then come from the engine's own functions
(``psu_totals_vcov``, ``rao_scott_delta``, ``rao_scott_test``), hence the same numbers as
``design.chisq(q, b)`` (tested to 1e-10). Other designs fall back to ``design.chisq``.

Mirrors: survey::svychisq(~q + b, design, statistic = "F").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["rao_scott_tests"]


def _fast_ok(design: Any) -> bool:
    ok = getattr(design, "_fast_totals_ok", None)
    return bool(ok and ok() and hasattr(design, "_stages") and hasattr(design, "_categorical"))


def _present_codes(codes: np.ndarray, n_levels: int, rows: np.ndarray) -> tuple[np.ndarray, int]:
    """Recode levels to those observed among ``rows`` (as chisq's factorize does)."""
    seen = np.bincount(codes[rows & (codes >= 0)], minlength=n_levels) > 0
    remap = np.full(n_levels + 1, -1, dtype=np.int64)
    remap[:n_levels][seen] = np.arange(int(seen.sum()))
    return remap[np.where(codes >= 0, codes, n_levels)], int(seen.sum())


def rao_scott_tests(
    design: Any, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[float, Any, float]]:
    """``{(question, breakdown): (statistic, df, p_value)}`` of the Rao–Scott F test."""
    if not _fast_ok(design):
        out = {}
        for q, b in pairs:
            res = design.chisq(q, b)
            out[(q, b)] = (float(res.statistic), res.df, float(res.p_value))
        return out
    from ..survey._chisq import pearson_x2, rao_scott_delta, rao_scott_test
    from ..survey._variance import _presence, psu_totals_vcov

    st = design._stages[0]
    w_all = np.asarray(design._w, dtype=float)
    dom = getattr(design, "_domain", None)
    in_design = np.ones(len(w_all), dtype=bool) if dom is None else np.asarray(dom, dtype=bool)
    nu = float(len(np.unique(design._psu1[in_design])) - len(np.unique(design._strata1[in_design])))
    n_rows = int(in_design.sum())
    recoded: dict[str, tuple[np.ndarray, int]] = {}

    def codes(var: str) -> tuple[np.ndarray, int]:
        if var not in recoded:
            c, levels = design._categorical(var)
            recoded[var] = _present_codes(np.asarray(c, dtype=np.int64), len(levels), in_design)
        return recoded[var]

    # Missing answers / breakdowns go to an extra last level, sliced off after the count:
    # the bincount code of a row is (psu * (nc + 1) + col) * (nr + 1) + row, weights w.
    w_in = np.where(in_design, w_all, 0.0)
    psu_col: dict[str, np.ndarray] = {}
    row_t: dict[str, np.ndarray] = {}
    out: dict[tuple[str, str], tuple[float, Any, float]] = {}
    for q, b in pairs:
        rc, nr = codes(q)
        cc, nc = codes(b)
        if nr < 2 or nc < 2:
            out[(q, b)] = (np.nan, None, np.nan)
            continue
        if b not in psu_col:
            psu_col[b] = st.psu * (nc + 1) + np.where(cc >= 0, cc, nc)
        if q not in row_t:
            row_t[q] = np.where(rc >= 0, rc, nr)
        k = nr * nc
        full = np.bincount(
            psu_col[b] * (nr + 1) + row_t[q],
            weights=w_in,
            minlength=st.n_units * (nc + 1) * (nr + 1),
        ).reshape(st.n_units, nc + 1, nr + 1)
        a = full[:, :nc, :nr].reshape(st.n_units, k)  # cell = row + nr * col, rows fastest
        tab = a.sum(axis=0)
        wsum = float(tab.sum())
        if wsum <= 0:
            out[(q, b)] = (np.nan, None, np.nan)
            continue
        p = tab / wsum
        totals = (a - a.sum(axis=1, keepdims=True) * p[None, :]) / wsum
        pres = None
        if design.lonely_psu == "average":
            w = np.where((rc >= 0) & (cc >= 0), w_in, 0.0)
            pres = _presence(st, w > 0, k)
        v = psu_totals_vcov(totals, st, design.lonely_psu, pres, diag_only=False)
        x2 = pearson_x2(tab.reshape(nc, nr).T * n_rows / wsum)
        delta = rao_scott_delta(p, v, nr, nc, n_rows)
        stat, dfs, pval = rao_scott_test(x2, delta, nu, "F")
        out[(q, b)] = (float(stat), dfs, float(pval))
    return out
