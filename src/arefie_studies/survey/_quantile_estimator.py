"""Quantile estimation of the designs (``quantile``): R's rules and interval types.

Mirrors: survey::svyquantile (survey.design2 and svyrep designs), survey:::woodruffCI,
survey:::ffullerCI, survey:::repCI.  The rules themselves are in ``_quantile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ._cells import Cells
from ._ci import proportion_ci, t_crit, t_interval
from ._quantile import QRULES, qs_factors, qs_rows, quantile_function, r_zeroin, sorted_quantile
from .errors import ArgumentError

__all__ = ["QUANTILE_INTERVALS", "QuantileMixin"]

QUANTILE_INTERVALS = ("mean", "beta", "xlogit", "asin", "score", "quantile")


def _woodruff_p(method, p, se, df, n_rows, conf_level):
    """Interval of the proportion below the quantile (R's woodruffCI): as svyciprop's methods,
    but without the degenerate [p, p] shortcut (the ends are checked against [0, 1])."""
    if method == "mean":
        return t_interval(p, se, df, conf_level)
    return proportion_ci(method, p, se, df, n_rows, conf_level)




class QuantileMixin:
    """``quantile`` on top of the estimator hooks of ``_BaseDesign``."""

    def quantile(self, var: str, probs: float | Sequence[float] = (0.25, 0.5, 0.75),
                 by: str | Sequence[str] | None = None, *, conf_level: float = 0.95,
                 df: float | None = None, qrule: str = "math",
                 interval_type: str = "mean") -> pd.DataFrame:
        """Weighted quantiles by R's rule ``qrule`` with Woodruff (or score) intervals.

        ``qrule``: math (default), school, shahvaish, hf1 ... hf9 (see ``_quantile``).
        ``interval_type``: the interval of the proportion ``p = mean(x <= q)`` that is inverted
        through the same rule: mean (default, Wald), beta (Korn-Graubard with ``nrow``), xlogit,
        asin; or score (Francisco & Fuller: the roots of ``mean(U)/SE(U) = -/+ qt`` with
        ``U = (x > theta) - (1 - p)``, found by R's ``uniroot``); or, on replicate designs,
        quantile (the quantile recomputed with every replicate weight, its replicate variance
        ``v`` and ``q -/+ qt sqrt(v)``, R's ``repCI``).  An interval end outside [0, 1] gives NaN.  ``se = (ci_high - ci_low) / (2 qt(1 - alpha/2, df))``.
        df: design df of the domain after rows missing ``var`` are dropped (as R).
        Mirrors: survey::svyquantile(qrule=, interval.type=, na.rm=TRUE) (survey.design2 and
        svyrep designs use the same Woodruff construction here).
        """
        from ._base import _as_list, _n_groups  # the base module imports this mixin

        if qrule not in QRULES:
            raise ArgumentError(f"qrule={qrule!r} is not available. Possible values are: {', '.join(QRULES)}.")
        if interval_type not in QUANTILE_INTERVALS:
            raise ArgumentError(
                f"interval_type={interval_type!r} is not available. Possible values are: "
                f"{', '.join(QUANTILE_INTERVALS)}."
            )
        probs_list = [float(p) for p in _as_list(probs)]
        for p in probs_list:
            if not 0 <= p <= 1:
                raise ArgumentError(f"probs must lie in [0, 1]; got {p}.")
        if interval_type == "quantile" and not self._is_replicate():
            raise ArgumentError(
                "interval_type='quantile' needs replicate weights (R: svrep designs only); "
                "use design.replicate(...) or another interval_type.")
        x, valid = self._numeric(var)
        g, groups = self._groups(by, valid, repr(var))
        ng = _n_groups(groups)
        w = self._w
        rows_by_group = [np.flatnonzero(g == j) for j in range(ng)]
        dfs = self._degf_by(g, ng) if df is None else np.full(ng, float(df))
        n = np.bincount(g[(g >= 0) & (w != 0)], minlength=ng)
        n_rows = np.array([float(r.size) for r in rows_by_group])
        key = ("sorted", var)
        order = self._cache.get(key)
        if order is None:  # one stable sort of the column, reused by every group and call
            order = self._cache[key] = np.argsort(x, kind="stable")
        go = g[order]
        sorted_groups = []
        for j in range(ng):
            o = order[(go == j) & (w[order] != 0)]
            sorted_groups.append((x[o], w[o]))
        qfuns = [quantile_function(xs, ws, qrule) for xs, ws in sorted_groups]
        q = t_crit(conf_level, dfs)
        est = np.empty((ng, len(probs_list)))
        lo = np.empty_like(est)
        hi = np.empty_like(est)
        for k, p in enumerate(probs_list):
            qhat = np.array([qf(p) for qf in qfuns])
            est[:, k] = qhat
            if interval_type == "score":
                for j in range(ng):
                    lo[j, k], hi[j, k] = self._score_interval(
                        x, g, j, x[order[go == j]], sorted_groups[j], p, qrule, q[j])
                continue
            if interval_type == "quantile":
                for j in range(ng):
                    se_q = np.sqrt(self._replicate_quantile_var(x, g, order, j, p, qrule, qhat[j]))
                    lo[j, k], hi[j, k] = qhat[j] - q[j] * se_q, qhat[j] + q[j] * se_q
                continue
            ind = (x <= qhat[np.maximum(g, 0)]).astype(float)
            cells = Cells(a=ind, cn=g, n_cells=ng, b=None, cd=g, n_domains=ng,
                          dmap=np.arange(ng), binary=True)
            stq = self._cell_stats(cells)
            pm, se_p = stq["theta"], np.sqrt(np.maximum(stq["var"], 0))
            method = {"mean": "mean", "xlogit": "logit", "asin": "asin", "beta": "beta"}[interval_type]
            with np.errstate(invalid="ignore", divide="ignore"):
                plo, phi = _woodruff_p(method, pm, se_p, dfs, n_rows, conf_level)
            for j, qf in enumerate(qfuns):
                lo[j, k] = np.nan if (np.isnan(plo[j]) or plo[j] < 0) else qf(plo[j])
                hi[j, k] = np.nan if (np.isnan(phi[j]) or phi[j] > 1) else qf(phi[j])
        se = (hi - lo) / (2 * q[:, None])
        res = {
            "estimate": est.ravel(), "se": se.ravel(), "ci_low": lo.ravel(), "ci_high": hi.ravel(),
            "df": np.repeat(dfs, len(probs_list)), "deff": np.full(est.size, np.nan),
            "n": np.repeat(n, len(probs_list)),
        }
        frame = self._frame(var, groups, res, levels=probs_list)
        return frame.rename(columns={"level": "quantile"})

    def _replicate_quantile_var(self, x, g, order, j, p, qrule, qhat) -> float:
        """svrVar of the quantile recomputed with each replicate weight (R's repCI)."""
        o = order[g[order] == j]
        xs = x[o]
        if qrule in ("math", "hf1", "school", "hf2") and self._rep_factors is not None:
            reps = qs_factors(xs, self._w[o], self._rep_index[o], self._rep_factors, p, qrule)
        elif qrule in ("math", "hf1", "school", "hf2"):
            reps = qs_rows(xs, self.repweights_rows(o), p, qrule)
        else:
            wr = self.repweights[o]
            reps = np.empty(wr.shape[1])
            for r in range(wr.shape[1]):
                keep = wr[:, r] != 0
                reps[r] = sorted_quantile(xs[keep], wr[keep, r], p, qrule)
        from ._replicate import replicate_vcov

        return float(replicate_vcov(np.array([qhat]), reps[:, None], self.scale, self.rscales,
                                    self.mse)[0, 0])

    def _score_interval(self, x, g, j, xs, sorted_nonzero, p, qrule, qcrit) -> tuple[float, float]:
        """R's ffullerCI for group ``j``: roots of the score statistic, then the quantiles at
        the unweighted shares of values below the roots.  ``xs``: the group's values sorted
        (rows of weight 0 included, as R), ``sorted_nonzero``: its sorted ``(x, w)`` without
        them (``weighted_quantile`` on presorted rows); one cell structure reused by every
        evaluation of the statistic."""
        cd = np.where(g == j, 0, -1)
        inside = cd >= 0
        base = Cells(a=None, cn=cd, n_cells=1, b=None, cd=cd, n_domains=1, dmap=np.arange(1))
        memo: dict[int, float] = {}

        def statistic(theta: float) -> float:
            k = int(np.searchsorted(xs, theta, side="right"))  # U only depends on #{x <= theta}
            if k not in memo:
                u = (x > theta) - (1 - p)
                u[~inside] = 0.0
                st = self._cell_stats(replace(base, a=u))  # shares base's code memo
                memo[k] = float(st["theta"][0] / np.sqrt(st["var"][0]))
            return memo[k]

        def score(theta: float, qlimit: float) -> float:
            return statistic(theta) - qlimit

        q25, q75 = np.percentile(xs, [25, 75])
        iqr = q75 - q25
        lower, upper = xs[0] + iqr / 100, xs[-1] - iqr / 100
        tol = 1 / (100 * np.sqrt(xs.size))
        qlow = r_zeroin(lambda t: score(t, qcrit), lower, upper, tol)
        qup = r_zeroin(lambda t: score(t, -qcrit), lower, upper, tol)
        xw, ww = sorted_nonzero

        def share(t: float) -> float:  # mean(x <= t) over the group's rows
            return float(np.searchsorted(xs, t, side="right") / xs.size)

        return (sorted_quantile(xw, ww, share(qlow), qrule),
                sorted_quantile(xw, ww, share(qup), qrule))

