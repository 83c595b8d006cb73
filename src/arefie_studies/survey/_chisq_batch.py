"""Rao–Scott tests of independence for many (row, col) pairs at once (banner tables).

``SurveyDesign.chisq`` builds an (n, k) matrix of influence values per call; for a 40 × 6
banner that is 240 passes with dense matrices. Here:

* one-stage uncalibrated designs: the PSU totals of the influence values of the cell
  proportions are ``T[p, c] = (A[p, c] - p_c · B[p]) / W`` with ``A = Σ_{i∈p, cell c} w_i``,
  ``B[p] = Σ_c A[p, c]``, so one weighted bincount over ``psu * k + cell`` per table gives them;
* calibrated or multistage linearised designs: the influence values
  ``(w [cell c] - p_c w) / W`` are linear in the basis ``w [cell]``, whose residuals through
  the calibrations are summed to PSU totals at every stage (``_basis_stage_totals``, as
  ``banner_cells`` does);
* other designs (replicate weights; ``lonely_psu="average"`` with calibrations or several
  stages) and the Wald statistics: one ``design.chisq(row, col)`` per pair.

The covariance, the design-effect matrix Δ and the statistic then come from the functions
``chisq`` itself uses (``psu_totals_vcov``, ``rao_scott_delta``, ``rao_scott_test``), hence the
numbers of ``design.chisq(row, col, statistic)`` (tested to 1e-10).

Mirrors: survey::svychisq(~row + col, design, statistic = "F") for every pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._banner import _basis_stage_totals
from ._chisq import STATISTICS, pearson_x2, rao_scott_delta, rao_scott_test
from ._variance import _presence, psu_totals_vcov
from .errors import ArgumentError, ModelFormulaError

if TYPE_CHECKING:  # pragma: no cover
    from ._base import _BaseDesign

__all__ = ["BATCH_COLUMNS", "chisq_batch"]

BATCH_COLUMNS = ["row", "col", "test", "statistic", "ndf", "ddf", "p_value", "note"]
_RAO_SCOTT = ("F", "Chisq", "lincom")  # statistics computed from Δ (batched paths)
_FEW_LEVELS = "fewer than 2 levels observed: no test"


def _present_codes(codes: np.ndarray, n_levels: int, rows: np.ndarray) -> tuple[np.ndarray, int]:
    """Recode levels to those observed among ``rows`` (as chisq's factorize does)."""
    seen = np.bincount(codes[rows & (codes >= 0)], minlength=n_levels) > 0
    remap = np.full(n_levels + 1, -1, dtype=np.int64)
    remap[:n_levels][seen] = np.arange(int(seen.sum()))
    return remap[np.where(codes >= 0, codes, n_levels)], int(seen.sum())


def _df_pair(df: Any) -> tuple[float, float]:
    if isinstance(df, tuple):
        return float(df[0]), float(df[1])
    return (np.nan if df is None else float(df)), np.nan


class _Rows:
    """Accumulates the tidy result rows."""

    def __init__(self, statistic: str) -> None:
        self.statistic = statistic
        self.rows: list[dict] = []

    def add(self, q: str, b: str, stat: float, df: Any, p: float, note: str = "") -> None:
        ndf, ddf = _df_pair(df)
        self.rows.append({"row": q, "col": b, "test": self.statistic, "statistic": float(stat),
                          "ndf": ndf, "ddf": ddf, "p_value": float(p), "note": note})

    def none(self, q: str, b: str, note: str) -> None:
        self.add(q, b, np.nan, None, np.nan, note)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=BATCH_COLUMNS)


def _frame_setup(design: Any, calibrated: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Weights, domain, rows of the design (R: a calibrated design keeps out-of-domain rows)
    and ν = PSUs - strata among those rows (as ``chisq``)."""
    w_all = np.asarray(design._w, dtype=float)
    domain = design._active()
    in_design = np.ones(len(w_all), dtype=bool) if calibrated else domain
    nu = float(len(np.unique(design._psu1[in_design])) - len(np.unique(design._strata1[in_design])))
    return w_all, domain, in_design, nu


def _finish(out: _Rows, q: str, b: str, tab: np.ndarray, v: np.ndarray, nr: int, nc: int,
            n_rows: int, nu: float) -> None:
    wsum = float(tab.sum())
    p = tab / wsum
    x2 = pearson_x2(tab.reshape(nc, nr).T * n_rows / wsum)
    delta = rao_scott_delta(p, v, nr, nc, n_rows)
    stat, dfs, pval = rao_scott_test(x2, delta, nu, out.statistic)
    out.add(q, b, stat, dfs, pval)


def _one_stage(design: Any, pairs: list[tuple[str, str]], out: _Rows) -> None:
    """One-stage uncalibrated design: one bincount per table gives the PSU totals."""
    st = design._stages[0]
    w_all, _domain, in_design, nu = _frame_setup(design, calibrated=False)
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
    for q, b in pairs:
        rc, nr = codes(q)
        cc, nc = codes(b)
        if nr < 2 or nc < 2:
            out.none(q, b, _FEW_LEVELS)
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
            out.none(q, b, "no observation with positive weight has both answers")
            continue
        totals = (a - a.sum(axis=1, keepdims=True) * (tab / wsum)[None, :]) / wsum
        pres = None
        if design.lonely_psu == "average":
            w = np.where((rc >= 0) & (cc >= 0), w_in, 0.0)
            pres = _presence(st, w > 0, k)
        v = psu_totals_vcov(totals, st, design.lonely_psu, pres, diag_only=False)
        _finish(out, q, b, tab, v, nr, nc, n_rows, nu)


def _general(design: Any, pairs: list[tuple[str, str]], out: _Rows) -> None:
    """Calibrated or multistage linearised design: residualised influence basis, batched;
    rows, levels and df as in ``design.chisq``."""
    w_all, domain, in_design, nu = _frame_setup(design, calibrated=bool(design._calibrations))
    n_rows = int(in_design.sum())
    recoded: dict[str, tuple[np.ndarray, int]] = {}
    for q, b in pairs:
        for var in (q, b):
            if var not in recoded:
                c, levels = design._categorical(var)
                recoded[var] = _present_codes(np.asarray(c, dtype=np.int64), len(levels), in_design)
        (rc, nr), (cc, nc) = recoded[q], recoded[b]
        if nr < 2 or nc < 2:
            out.none(q, b, _FEW_LEVELS)
            continue
        ok = in_design & domain & (rc >= 0) & (cc >= 0) & (w_all > 0)
        rows = np.flatnonzero(ok)
        k = nr * nc
        cell = rc[rows] + nr * cc[rows]
        w = w_all[rows]
        tab = np.bincount(cell, weights=w, minlength=k)
        wsum = float(tab.sum())
        if wsum <= 0:
            out.none(q, b, "no observation with positive weight has both answers")
            continue
        p = tab / wsum
        v = np.zeros((k, k))
        for t, st in zip(_basis_stage_totals(design, rows, cell, w, k), design._stages,
                         strict=True):
            totals = (t - t.sum(axis=1, keepdims=True) * p[None, :]) / wsum
            v += psu_totals_vcov(totals, st, design.lonely_psu, None, diag_only=False)
        _finish(out, q, b, tab, v, nr, nc, n_rows, nu)


def _one_by_one(design: Any, pairs: list[tuple[str, str]], out: _Rows) -> None:
    """Any other design or statistic: ``design.chisq`` per pair."""
    calibrated = bool(getattr(design, "_calibrations", ()))
    in_design = np.ones(len(design._df), dtype=bool) if calibrated else design._domain_mask()
    for q, b in pairs:
        few = False
        for var in (q, b):
            c, levels = design._categorical(var)
            few |= _present_codes(np.asarray(c, dtype=np.int64), len(levels), in_design)[1] < 2
        if few:
            out.none(q, b, _FEW_LEVELS)
            continue
        res = design.chisq(q, b, statistic=out.statistic)
        out.add(q, b, res.statistic, res.df, res.p_value)


def batch_path(design: Any, statistic: str = "F") -> str:
    """Which path :func:`chisq_batch` takes: "one-stage", "general" or "one-by-one"."""
    if statistic not in _RAO_SCOTT or design._is_replicate():
        return "one-by-one"
    if design._fast_totals_ok():
        return "one-stage"
    if design.lonely_psu != "average":
        return "general"
    return "one-by-one"


def chisq_batch(design: _BaseDesign, pairs: Iterable[tuple[str, str]],
                statistic: str = "F") -> pd.DataFrame:
    """Tidy frame of the tests of association of every ``(row, col)`` pair (see the module
    docstring; columns :data:`BATCH_COLUMNS`)."""
    if statistic not in STATISTICS:
        raise ModelFormulaError(
            f"statistic={statistic!r} is not available. Possible values are: "
            f"{', '.join(STATISTICS)}."
        )
    pair_list = []
    for item in pairs:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise ArgumentError(
                f"chisq_batch(): pairs must be (row, col) tuples of variable names; got {item!r}."
            )
        pair_list.append((str(item[0]), str(item[1])))
    design._check_columns("chisq_batch()", sorted({v for p in pair_list for v in p}))
    out = _Rows(statistic)
    path = batch_path(design, statistic)
    {"one-stage": _one_stage, "general": _general, "one-by-one": _one_by_one}[path](
        design, pair_list, out)
    return out.frame()
