"""Design-based proportional-odds (ordinal logistic) model.

Mirrors: survey::svyolr (survey.design2, method "logistic").  The model is
``P(Y <= k) = expit(zeta_k - x'beta)``; the weighted log-likelihood ``sum w log P(Y = y)`` is
maximised over ``(beta, theta)`` with ``zeta = cumsum(theta_1, exp(theta_2), ...)`` (R's
parametrisation).  Variance as R: the Hessian is ``optim(hessian = TRUE)``'s (central
differences of the analytic gradient, step 1e-3), mapped to ``(beta, zeta)`` with the Jacobian of
``zeta(theta)``; the influence values ``U_i = score_i Vm`` go through ``linearized_vcov``;
``df = degf - length(beta)``.  R stops its BFGS at ``reltol = 1e-8``; here the optimum is reached
(R's reference values are computed with ``control = list(reltol = 1e-14)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .errors import DesignSpecError, ModelFormulaError

__all__ = ["OLRMixin", "SvyOLRResult"]


def _expit(z):
    return 1 / (1 + np.exp(-z))


def _dlogis(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


@dataclass(frozen=True)
class SvyOLRResult:
    """Coefficients ``params`` (slopes then cut-points ``"a|b"``), ``bse``, ``vcov``,
    ``df_resid`` and the t tests (``tvalues``, ``pvalues``)."""

    formula: str
    params: pd.Series
    vcov: pd.DataFrame
    df_resid: float
    levels: tuple

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.params.index)

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.t.sf(np.abs(self.tvalues), self.df_resid), index=self.params.index)


class _Problem:
    def __init__(self, x: np.ndarray, code: np.ndarray, w: np.ndarray, q: int) -> None:
        self.x, self.code, self.w, self.q = x, code, w, q
        self.pc = x.shape[1]

    def _parts(self, par):
        beta, theta = par[: self.pc], par[self.pc:]
        zeta = np.cumsum(np.concatenate([[theta[0]], np.exp(theta[1:])]))
        gamm = np.concatenate([[-100.0], zeta, [100.0]])
        eta = self.x @ beta
        up, lo = gamm[self.code + 1] - eta, gamm[self.code] - eta
        return theta, up, lo, _expit(up) - _expit(lo)

    def fmin(self, par) -> float:
        _, _, _, pr = self._parts(par)
        return float(-np.sum(self.w * np.log(pr))) if np.all(pr > 0) else np.inf

    def jacobian(self, theta) -> np.ndarray:
        k = theta.size
        mat = np.zeros((k, k))
        mat[:, 0] = 1.0
        for i in range(1, k):
            mat[i:, i] = np.exp(theta[i])
        return mat

    def gmini(self, par, logdiff: bool = False) -> np.ndarray:
        theta, up, lo, pr = self._parts(par)
        p1, p2 = _dlogis(up), _dlogis(lo)
        g1 = self.x * (self.w * (p1 - p2) / pr)[:, None]
        cols = np.arange(self.q)
        xx = (cols[None, :] == self.code[:, None]) * p1[:, None] - (
            cols[None, :] == self.code[:, None] - 1) * p2[:, None]
        g2 = -xx * (self.w / pr)[:, None]
        if logdiff:
            g2 = g2 @ self.jacobian(theta)
        return np.hstack([g1, g2])

    def gmin(self, par) -> np.ndarray:
        """Column sums of ``gmini(par, logdiff=True)`` without the (n, q) matrix."""
        theta, up, lo, pr = self._parts(par)
        p1, p2 = _dlogis(up), _dlogis(lo)
        r = self.w / pr
        g1 = self.x.T @ (r * (p1 - p2))
        q = self.q
        a = np.bincount(self.code, weights=r * p1, minlength=q + 1)[:q]
        b = np.bincount(self.code, weights=r * p2, minlength=q + 1)[1: q + 1]
        g2 = -(a - b) @ self.jacobian(theta)
        return np.concatenate([g1, g2])

    def start(self) -> np.ndarray:
        share = np.bincount(self.code, weights=self.w, minlength=self.q + 1)
        cum = np.cumsum(share)[:-1] / share.sum()
        zeta = np.log(cum / (1 - cum))
        return np.concatenate([np.zeros(self.pc), [zeta[0]], np.log(np.maximum(np.diff(zeta), 1e-3))])

    def optimhess(self, par, eps: float = 1e-3) -> np.ndarray:
        """R's optimhess: central differences of the gradient, symmetrised."""
        k = par.size
        h = np.empty((k, k))
        for i in range(k):
            dp = par.copy()
            dp[i] += eps
            gp = self.gmin(dp)
            dp[i] -= 2 * eps
            gm = self.gmin(dp)
            h[i] = (gp - gm) / (2 * eps)
        return (h + h.T) / 2


class OLRMixin:
    """``olr``: proportional-odds models on a linearised design."""

    def olr(self, formula: str) -> SvyOLRResult:
        """Proportional-odds model ``outcome ~ predictors`` (outcome: a categorical with 3 or
        more levels, in their order; predictors in formulaic syntax, ``C(x)`` for factors).
        Rows missing a model variable leave the fit (R's ``na.omit`` on the design).
        Mirrors: survey::svyolr (method = "logistic").
        """
        from formulaic import model_matrix

        from ._models import _r_name

        if self._is_replicate():
            raise DesignSpecError("olr() on a replicate design is not supported (R's "
                                  "svyolr.svyrep.design); use the linearised design.")
        if not isinstance(formula, str) or "~" not in formula:
            raise ModelFormulaError(f"formula={formula!r} must be 'outcome ~ predictors'.")
        outcome, rhs = (part.strip() for part in formula.split("~", 1))
        ser = self._col(outcome, "formula")
        cat = ser if isinstance(ser.dtype, pd.CategoricalDtype) else ser.astype("category")
        levels = tuple(cat.cat.categories)
        if len(levels) < 3:
            raise ModelFormulaError(
                f"olr(): the outcome {outcome!r} has {len(levels)} levels; a proportional-odds "
                "model needs 3 or more (use glm(family='binomial') for two).")
        code = cat.cat.codes.to_numpy().astype(np.int64)
        try:
            x_df = model_matrix("~ " + rhs, self._df, na_action="ignore")
        except Exception as exc:
            raise ModelFormulaError(f"formula={formula!r} cannot be evaluated: {exc}") from exc
        x_df = x_df.drop(columns=[c for c in x_df.columns if c == "Intercept"])
        x = x_df.to_numpy(dtype=float)
        used = (code >= 0) & np.all(np.isfinite(x), axis=1) & self._domain_mask() & (self._w != 0)
        if not used.any():
            raise ModelFormulaError(f"olr(): no row with complete data for {formula!r}.")
        rows = np.flatnonzero(used)
        prob = _Problem(x[rows], code[rows], np.asarray(self._w, dtype=float)[rows], len(levels) - 1)
        res = optimize.minimize(prob.fmin, prob.start(), jac=prob.gmin, method="BFGS",
                                options={"gtol": 1e-10, "maxiter": 10_000})
        par = res.x
        for _ in range(3):  # Newton polish on the analytic gradient (BFGS stops near 1e-8)
            step = np.linalg.lstsq(prob.optimhess(par, 1e-5), prob.gmin(par), rcond=None)[0]
            par = par - step
            if np.max(np.abs(step)) < 1e-13 * (1 + np.max(np.abs(par))):
                break
        pc = prob.pc
        theta = par[pc:]
        zeta = np.cumsum(np.concatenate([[theta[0]], np.exp(theta[1:])]))
        vc = np.linalg.pinv(prob.optimhess(par))
        a = np.eye(par.size)
        a[pc:, pc:] = prob.jacobian(theta)
        vm = a @ vc @ a.T
        u = np.zeros((len(self._df), par.size))
        u[rows] = prob.gmini(par) @ np.linalg.solve(np.linalg.solve(vm, np.eye(par.size)), np.eye(par.size))
        dom = np.zeros(len(self._df), dtype=bool)
        dom[rows] = True
        v = self._vcov_matrix(u, dom)
        names = [_r_name(c) for c in x_df.columns] + [
            f"{levels[k]}|{levels[k + 1]}" for k in range(len(levels) - 1)]
        df_resid = float(self._degf_by(np.where(dom, 0, -1), 1)[0]) - pc
        params = pd.Series(np.concatenate([par[:pc], zeta]), index=names)
        return SvyOLRResult(formula=formula, params=params,
                            vcov=pd.DataFrame(v, index=names, columns=names),
                            df_resid=df_resid, levels=levels)
