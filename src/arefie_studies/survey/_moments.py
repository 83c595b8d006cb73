"""Design-based t tests, variances and weighted tables (``ttest``, ``var``, ``table``).

Each is a mean (or a difference of domain means) of derived values, so it goes through the
same cells, influence values and variance path as :meth:`mean`.

Mirrors: survey::svyttest, survey::svyvar, survey::svytable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._cells import Cells
from ._ci import t_crit
from .errors import ArgumentError, EmptyDomainError, ModelFormulaError

__all__ = ["MomentsMixin"]


def _listify(x) -> list:
    return [x] if isinstance(x, str) else list(x)


class MomentsMixin:
    """ttest / var / table on top of the estimator hooks of ``_BaseDesign``."""

    def ttest(self, var: str, group: str | None = None, *, conf_level: float = 0.95) -> pd.DataFrame:
        """Design-based t test of a mean (``group=None``: H0 mean = 0) or of the difference of
        the means of the two levels of ``group`` (second level minus first, sorted).

        One sample: ``t = mean / SE``, df ``degf(design) - 1`` with the design as given (rows
        missing ``var`` included).  Two samples: the slope of ``svyglm(var ~ group)``, i.e. the
        difference of the two domain means with the covariance of their influence values; df
        ``degf - 1`` of the rows where ``var`` and ``group`` are both present (svyglm drops the
        others first).  Interval: ``estimate -/+ qt(1 - alpha/2, df) SE``.
        Returns one row: variable, group, estimate, se, t, df, p_value, ci_low, ci_high.
        Mirrors: survey::svyttest (formula ``var ~ 1`` / ``var ~ group``).
        """
        y, valid = self._numeric(var)
        dom = self._active()
        if group is None:
            res = self.mean(var, conf_level=conf_level)
            est, se = float(res["estimate"].iloc[0]), float(res["se"].iloc[0])
            df = float(self._degf_by(np.where(dom, 0, -1), 1)[0]) - 1
        else:
            codes, levels = self._categorical(group, "group")
            if len(levels) != 2:
                raise ModelFormulaError(
                    f"ttest(): group {group!r} must have exactly 2 levels (R: 'group must be "
                    f"binary'); it has {len(levels)}: {levels[:10]}."
                )
            ok = dom & valid & (codes >= 0)
            if not ok.any():
                raise EmptyDomainError(f"ttest(): no row has both {var!r} and {group!r}.")
            g = np.where(ok, codes, -1)
            cells = Cells(a=y, cn=g, n_cells=2, b=None, cd=g, n_domains=2, dmap=np.arange(2))
            res = self._finish(cells, "mean", conf_level, None)
            v = self._joint_vcov([(cells, res)])
            est = float(res["estimate"][1] - res["estimate"][0])
            se = float(np.sqrt(max(v[0, 0] + v[1, 1] - 2 * v[0, 1], 0.0)))
            df = float(self._degf_by(np.where(ok, 0, -1), 1)[0]) - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            t = est / se
        p = 2 * stats.t.sf(abs(t), df) if df > 0 else np.nan
        q = float(t_crit(conf_level, np.array([df]))[0])
        return pd.DataFrame({
            "variable": [var], "group": [group], "estimate": [est], "se": [se], "t": [t],
            "df": [df], "p_value": [p], "ci_low": [est - q * se], "ci_high": [est + q * se],
        })

    def var(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
            conf_level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Weighted population variance (covariances for several variables) with its SE.

        ``v_jk = sum w (x_j - xbar_j)(x_k - xbar_k) / sum w * n / (n - 1)``, the mean of the
        derived products, so its SE is that of a mean (the uncertainty of ``xbar`` does not
        enter, as in R).  ``n``: rows of the domain with nonzero weight, rows missing a
        variable included (R counts them before ``na.rm``); rows missing any variable leave
        the estimate.  One row per pair ``(variable, with)``, pairs in R's matrix order.
        Mirrors: survey::svyvar(na.rm=TRUE).
        """
        names = _listify(var)
        cols = [self._numeric(v) for v in names]
        valid = np.logical_and.reduce([c[1] for c in cols])
        g, groups = self._groups(by, valid, ", ".join(map(repr, names)))
        ng = len(next(iter(groups.values()))) if groups else 1
        w = self._w
        gd = self._design_codes(by, valid)
        n = np.bincount(gd[(gd >= 0) & (w != 0)], minlength=ng).astype(float)
        ok = g >= 0
        sw = np.bincount(g[ok], weights=w[ok], minlength=ng)
        xbar = [np.bincount(g[ok], weights=(w * x)[ok], minlength=ng) / sw for x, _ in cols]
        ddf = None if df is not None else self._design_df(by, valid, ng)
        frames = []
        for k, (xk, _) in enumerate(cols):
            for j, (xj, _) in enumerate(cols):
                gi = np.maximum(g, 0)
                z = np.where(ok, (xj - xbar[j][gi]) * (xk - xbar[k][gi]) * (n / (n - 1))[gi], 0.0)
                cells = Cells(a=z, cn=g, n_cells=ng, b=None, cd=g, n_domains=ng, dmap=np.arange(ng))
                res = self._finish(cells, "ratio", conf_level, df, design_df=ddf)
                frame = self._frame(names[j], groups, res)
                frame.insert(1, "with", names[k])
                frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def table(self, var: str | Sequence[str], *, Ntotal: float | None = None,
              round: bool = False) -> pd.DataFrame:
        """Weighted counts of every combination of the levels of ``var`` (rows missing one of
        them left out, as ``xtabs``), zero cells included; ``Ntotal`` rescales the table to sum
        to ``Ntotal``; ``round`` rounds the counts.  Columns: the variables, then ``count``.
        Mirrors: survey::svytable.
        """
        names = _listify(var)
        if not names:
            raise ArgumentError("table(): give at least one variable.")
        dom = self._active()
        code = np.zeros(len(dom), dtype=np.int64)
        ok = dom.copy()
        all_levels = []
        for v in names:
            c, levels = self._categorical(v, "var")
            ok &= c >= 0
            code = code * len(levels) + np.maximum(c, 0)
            all_levels.append(levels)
        size = int(np.prod([len(lv) for lv in all_levels]))
        counts = np.bincount(code[ok], weights=self._w[ok], minlength=size)
        if Ntotal is not None:
            counts = counts / counts.sum() * float(Ntotal)
        if round:
            counts = np.round(counts)
        grid = pd.MultiIndex.from_product(all_levels, names=names).to_frame(index=False)
        grid["count"] = counts
        return grid
