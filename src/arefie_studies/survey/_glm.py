"""Design-based generalised linear models: weighted IRLS fit and sandwich influence values.

Mirrors: survey::svyglm (glm with the sampling weights as prior weights, then
``svy.varcoef``: ``svyrecvar(estfun %*% Ainv, ...)`` with ``estfun = X * working residual *
working weight`` and ``Ainv = (X' W X)^-1``), residual df = design df + 1 - p.

Reference: Binder (1983), Int. Stat. Rev. 51, 279-292.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ArgumentError, GLMConvergenceWarning

__all__ = ["FAMILIES", "GLMConvergenceWarning", "SvyGLMResult", "fit_irls", "influence"]

FAMILIES = ("gaussian", "binomial", "poisson")


# family: (linkinv, mu_eta, variance, linkfun, mustart)
def _family(name: str):
    if name == "gaussian":
        return (
            lambda eta: eta,
            lambda eta: np.ones_like(eta),
            lambda mu: np.ones_like(mu),
            lambda mu: mu,
            lambda y, w: y.astype(float),
        )
    if name == "binomial":

        def linkinv(eta):
            return 1.0 / (1.0 + np.exp(-eta))

        def mu_eta(eta):
            e = np.exp(-np.abs(eta))
            return np.maximum(e / (1.0 + e) ** 2, np.finfo(float).eps)

        return (
            linkinv,
            mu_eta,
            lambda mu: mu * (1.0 - mu),
            lambda mu: np.log(mu / (1.0 - mu)),
            lambda y, w: (w * y + 0.5) / (w + 1.0),
        )
    if name == "poisson":
        return (
            lambda eta: np.maximum(np.exp(eta), np.finfo(float).eps),
            lambda eta: np.maximum(np.exp(eta), np.finfo(float).eps),
            lambda mu: mu,
            np.log,
            lambda y, w: y + 0.1,
        )
    raise ValueError(name)


def _deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray, family: str) -> float:
    if family == "gaussian":
        return float(np.sum(w * (y - mu) ** 2))
    if family == "binomial":
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
        return float(2 * np.sum(w * (a + b)))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return float(2 * np.sum(w * r))


@dataclass(frozen=True)
class IRLSFit:
    beta: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    work_w: np.ndarray  # working weights of the last weighted least-squares step
    iterations: int
    converged: bool
    deviance: float


def fit_irls(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, family: str, *, epsilon: float = 1e-8,
    maxit: int = 25, start: np.ndarray | None = None,
) -> IRLSFit:
    """Weighted IRLS step for step as R's ``glm.fit`` (starting values, stopping rule).

    Stops when ``|dev - dev_old| / (|dev| + 0.1) < epsilon`` (R's ``glm.control``). The
    working weights kept are those of the last least-squares step, as R's ``fit$weights``, so
    the sandwich matches ``svyglm`` to rounding. Rows with zero weight do not contribute.
    ``start`` gives starting coefficients (R's ``glm.fit(start=)``).
    """
    linkinv, mu_eta, variance, linkfun, mustart = _family(family)
    w = w / np.mean(w)  # svyglm: .survey.prob.weights = w / mean(w)
    good = w > 0
    if start is None:
        mu = mustart(y, w)
        eta = linkfun(mu)
    else:  # glm.fit(start=): replicate refits start from the full-sample coefficients
        eta = x @ start
    mu = linkinv(eta)
    dev_old = _deviance(y, mu, w, family)
    beta = np.zeros(x.shape[1])
    converged = False
    work_w = np.zeros_like(w)
    dev = dev_old
    n_iter = 0
    for it in range(1, maxit + 1):
        n_iter = it
        me = mu_eta(eta)
        z = eta + (y - mu) / me
        ww = np.where(good, w * me**2 / variance(mu), 0.0)
        sw = np.sqrt(ww)
        beta_new, *_ = np.linalg.lstsq(x * sw[:, None], z * sw, rcond=None)
        eta_new = x @ beta_new
        mu_new = linkinv(eta_new)
        dev = _deviance(y, mu_new, w, family)
        halvings = 0
        while not np.isfinite(dev) and halvings < 50:  # glm.fit step halving
            beta_new = (beta_new + beta) / 2
            eta_new = x @ beta_new
            mu_new = linkinv(eta_new)
            dev = _deviance(y, mu_new, w, family)
            halvings += 1
        beta, eta, mu, work_w = beta_new, eta_new, mu_new, ww
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        dev_old = dev
    return IRLSFit(beta=beta, mu=mu, eta=eta, work_w=work_w, iterations=n_iter,
                   converged=converged, deviance=dev)


def influence(
    x: np.ndarray, y: np.ndarray, fit: IRLSFit, family: str
) -> tuple[np.ndarray, np.ndarray]:
    """Influence values ``estfun @ Ainv`` (n, p) and the naive ``Ainv`` (p, p).

    ``estfun = X * working residual * working weight``, ``Ainv = (X' W X)^-1`` with the
    working weights W of the last IRLS step (R's ``svy.varcoef``); their design covariance
    (PSU totals, strata, fpc, calibration residuals) is the sandwich variance.
    """
    _, mu_eta, _, _, _ = _family(family)
    a = (x * fit.work_w[:, None]).T @ x
    ainv = np.linalg.inv(a)
    resid = (y - fit.mu) / mu_eta(fit.eta)
    estfun = x * (resid * fit.work_w)[:, None]
    return estfun @ ainv, ainv


@dataclass(frozen=True)
class SvyGLMResult:
    """Design-based GLM fit (:meth:`SurveyDesign.glm`).

    Attributes are pandas objects indexed by the model-matrix column names (R's names:
    ``(Intercept)`` for the intercept). Inference uses Student's t with ``df_resid`` =
    design df + 1 - number of coefficients, as ``summary.svyglm``.
    """

    formula: str
    family: str
    params: pd.Series
    vcov: pd.DataFrame
    df_resid: float
    nobs: int
    dispersion: float
    deviance: float
    iterations: int
    naive_vcov: pd.DataFrame = field(repr=False)

    @property
    def bse(self) -> pd.Series:
        """Design-based standard errors."""
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.params.index,
                         name="se")

    @property
    def tvalues(self) -> pd.Series:
        return (self.params / self.bse).rename("t")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from Student's t with ``df_resid`` degrees of freedom."""
        t = self.tvalues.to_numpy()
        if self.df_resid > 0:
            p = 2 * stats.t.sf(np.abs(t), self.df_resid)
        else:
            p = np.full_like(t, np.nan)
        return pd.Series(p, index=self.params.index, name="p_value")

    def conf_int(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Wald intervals ``estimate ± t_{df} se``; ``df=None`` uses ``df_resid``.

        ``df=np.inf`` gives normal intervals (R's ``confint.svyglm(ddf=Inf)``).
        """
        if not 0 < level < 1:
            raise ArgumentError(f"level={level!r} must be between 0 and 1, e.g. 0.95.")
        d = self.df_resid if df is None else df
        q = stats.norm.ppf(0.5 + level / 2) if not np.isfinite(d) else stats.t.ppf(
            0.5 + level / 2, d
        )
        se = self.bse
        return pd.DataFrame({"ci_low": self.params - q * se, "ci_high": self.params + q * se})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy coefficient table: term, estimate, se, t, p_value, ci_low, ci_high, df
        (intervals: t quantile on the residual design df, as R's ``confint(svyglm)`` with
        ``ddf``). Printed, it shows every column and the model's header, as R's ``summary``."""
        ci = self.conf_int(level)
        out = CoefficientTable(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "t": self.tvalues.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(),
                "df": self.df_resid,
            }
        )
        out.attrs["header"] = (f"Survey GLM ({self.family}): {self.formula}\n"
                               f"n = {self.nobs}, residual df = {self.df_resid:g}, "
                               f"dispersion = {self.dispersion:.6g}")
        return out

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(coefficient) with exp(CI) for logistic models: term, odds_ratio, ci_low, ci_high."""
        if self.family != "binomial":
            raise ArgumentError(
                f"odds_ratios() needs a binomial (logistic) model; this model has "
                f"family={self.family!r}. Exponentiate params yourself for rate ratios."
            )
        ci = self.conf_int(level)
        return pd.DataFrame(
            {
                "term": self.params.index,
                "odds_ratio": np.exp(self.params.to_numpy()),
                "ci_low": np.exp(ci["ci_low"].to_numpy()),
                "ci_high": np.exp(ci["ci_high"].to_numpy()),
                "p_value": self.pvalues.to_numpy(),
            }
        )

    def __repr__(self) -> str:
        tab = self.summary().set_index("term")[["estimate", "se", "t", "p_value"]]
        return (
            f"Survey GLM ({self.family}): {self.formula}\n"
            f"n = {self.nobs}, residual df = {self.df_resid:g}, dispersion = "
            f"{self.dispersion:.6g}\n{tab.to_string(float_format=lambda v: f'{v:.6g}')}"
        )


class CoefficientTable(pd.DataFrame):
    """A coefficient table that prints whole (every column, no "..."), under the model's
    header; any operation on it gives a plain DataFrame."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self) -> str:
        body = pd.DataFrame(self).to_string(index=False, float_format=lambda v: f"{v:.6g}")
        header = self.attrs.get("header", "")
        return f"{header}\n{body}" if header else body


def warn_not_converged(fit: IRLSFit, formula: str) -> None:
    if not fit.converged:
        warnings.warn(
            f"svyglm {formula!r}: IRLS did not converge in {fit.iterations} iterations; "
            "the outcome may be perfectly separated by a predictor.",
            GLMConvergenceWarning,
            stacklevel=3,
        )
