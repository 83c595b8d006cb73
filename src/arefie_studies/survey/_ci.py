"""Confidence intervals: symmetric t intervals and the proportion intervals of ``svyciprop``.

Mirrors: survey::svyciprop (methods logit, likelihood, asin, beta, mean, xlogit) and
survey:::confint.svyglm / MASSprofile_glm / confint_profile for the likelihood method.
``wilson`` has no counterpart in R survey 4.1.1: it is the Wilson score interval with Kish's
effective sample size ``n_eff = p(1-p)/var(p)`` and the design t quantile (Dean & Pagano 2015,
doi:10.1093/jssam/smu031).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats

__all__ = [
    "CI_METHODS",
    "fmm_spline",
    "likelihood_ci",
    "proportion_ci",
    "t_crit",
    "t_interval",
]

CI_METHODS = ("logit", "likelihood", "beta", "asin", "mean", "xlogit", "wilson")


@lru_cache(maxsize=4096)
def _t_isf(a: float, df: float) -> float:
    if np.isinf(df):
        return float(stats.norm.isf(a))
    if not df > 0:
        return float("nan")
    return float(stats.t.isf(a, df))


def t_crit(conf_level: float, df: np.ndarray | float) -> np.ndarray:
    """Two-sided critical value: qt(1 - alpha/2, df); normal when df is infinite.

    R's ``qt`` with df <= 0 gives NaN; so does this.  (Cached per distinct df.)
    """
    arr = np.asarray(df, dtype=float)
    a = (1 - conf_level) / 2
    uniq, inv = np.unique(arr.ravel(), return_inverse=True)
    vals = np.array([_t_isf(a, float(d)) for d in uniq])
    return vals[inv].reshape(arr.shape)


def t_interval(est, se, df, conf_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """``est -/+ qt(1 - alpha/2, df) * se`` (R's ``confint(..., df=)``)."""
    q = t_crit(conf_level, df)
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    return est - q * se, est + q * se


def _expit(x):
    return np.exp(x) / (1 + np.exp(x))


def proportion_ci(
    method: str,
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    conf_level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised proportion intervals for every method but ``likelihood``.

    ``n`` is the number of rows of the (domain) design (R's ``nrow(design)``, used by beta).
    Cells with ``p`` equal to 0 or 1 (or a zero SE) get the degenerate interval ``[p, p]``.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    q = t_crit(conf_level, df)
    alpha = 1 - conf_level
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if method == "mean":
            lo, hi = p - q * se, p + q * se
        elif method in ("logit", "xlogit"):
            eta = np.log(p / (1 - p))
            s = se / (p * (1 - p))
            lo, hi = _expit(eta - q * s), _expit(eta + q * s)
        elif method == "asin":
            eta = np.arcsin(np.sqrt(p))
            s = se / (2 * np.sqrt(p) * np.sqrt(1 - p))
            lo, hi = np.sin(eta - q * s) ** 2, np.sin(eta + q * s) ** 2
        elif method == "beta":
            var = se**2
            n_eff = p * (1 - p) / var
            ratio = stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, np.where(df > 0, df, np.nan))
            n_eff = n_eff * ratio**2
            lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        elif method == "wilson":
            n_eff = p * (1 - p) / se**2
            z2 = q**2
            centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
            half = q * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / (1 + z2 / n_eff)
            lo, hi = centre - half, centre + half
        else:
            raise ValueError(f"unknown proportion CI method {method!r}")
    degenerate = (p <= 0) | (p >= 1) | (se == 0)
    lo = np.where(degenerate, p, lo)
    hi = np.where(degenerate, p, hi)
    return lo, hi


# ---------------------------------------------------------------------------------------------
# R's spline(method = "fmm") and approx(), needed to reproduce confint_profile exactly.


def fmm_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients (b, c, d) of the Forsythe-Malcolm-Moler cubic spline (R's ``spline_coef``)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 2:
        return b, c, d
    if n < 3:
        t = (y[1] - y[0]) / (x[1] - x[0])
        b[:] = t
        return b, c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _spline_eval(u, x, y, b, c, d):
    idx = np.clip(np.searchsorted(x, u, side="right") - 1, 0, len(x) - 1)
    dx = u - x[idx]
    return y[idx] + dx * (b[idx] + dx * (c[idx] + dx * d[idx]))


def _r_spline(x, y, n_out):
    """R's ``spline(x, y, n = n_out, method = "fmm")``."""
    order = np.argsort(x, kind="stable")
    x, y = np.asarray(x)[order], np.asarray(y)[order]
    b, c, d = fmm_spline(x, y)
    xout = np.linspace(x[0], x[-1], n_out)
    return xout, _spline_eval(xout, x, y, b, c, d)


def _r_approx(x, y, xout):
    """R's ``approx(x, y, xout)`` (linear, rule = 1: NA outside the range)."""
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x)[order], np.asarray(y)[order]
    out = np.interp(xout, xs, ys)
    return np.where((xout < xs[0]) | (xout > xs[-1]), np.nan, out)


def likelihood_ci(
    y: np.ndarray,
    w: np.ndarray,
    var_p: float,
    df: float,
    conf_level: float = 0.95,
    w_mean: float | None = None,
) -> tuple[float, float]:
    """Profile-likelihood interval of an intercept-only quasibinomial svyglm.

    ``y`` 0/1 outcome and ``w`` design weights of the domain rows (non-missing), ``var_p`` the
    design variance of the proportion, ``df`` the design degrees of freedom, ``w_mean`` the mean
    weight of the design the model is fitted on (svyglm rescales the weights by the mean over
    the design's rows, rows missing the outcome included; default: the mean of ``w``).

    Mirrors: survey::svyciprop(method = "likelihood") -> confint.svyglm(method = "likelihood"):
    MASS-style profiling of the deviance scaled by the design-based dispersion, at the level
    ``2 * pnorm(qt(alpha/2, df) * sqrt(lambda)) / 2`` with ``lambda`` the design effect of the
    coefficient, interpolated with R's fmm spline and ``approx``.
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    wt = w / (w.mean() if w_mean is None else w_mean)
    p = float(np.sum(wt * y) / np.sum(wt))
    if p <= 0 or p >= 1 or var_p <= 0:
        return p, p

    s1 = float(np.sum(wt * y))
    s0 = float(np.sum(wt * (1 - y)))

    def deviance(beta):  # intercept only: the deviance depends on the weighted counts alone
        mu = 1 / (1 + np.exp(-beta))
        return -2 * (s1 * np.log(mu) + s0 * np.log(1 - mu))

    # glm.fit's IRLS, to reproduce its final coefficient and the working weights of its last
    # QR (computed at the previous iterate), which give R's "naive" covariance.
    # After the first step the fitted mean is one number m, so each further step is scalar:
    # sum(work z) / sum(work) = beta + (s1 - m W) / (m (1 - m) W), sum(work) = m (1 - m) W.
    mu = (wt * y + 0.5) / (wt + 1)
    eta = np.log(mu / (1 - mu))
    devold = -2 * np.sum(wt * (y * np.log(mu) + (1 - y) * np.log(1 - mu)))
    work = wt * mu * (1 - mu)
    z = eta + (y - mu) / (mu * (1 - mu))
    sum_work = float(np.sum(work))
    beta0 = float(np.sum(work * z) / sum_work)
    wsum = float(np.sum(wt))
    for _ in range(25):
        m = 1 / (1 + np.exp(-beta0))
        dev = deviance(beta0)
        if abs(dev - devold) / (abs(dev) + 0.1) < 1e-8:
            break
        devold = dev
        sum_work = wsum * m * (1 - m)
        beta0 = beta0 + (s1 - m * wsum) / sum_work
    naive = 1.0 / sum_work
    se_beta = np.sqrt(var_p) / (p * (1 - p))
    lam = se_beta**2 / naive
    level_a = (1 - conf_level) / 2
    if np.isinf(df):
        alpha = stats.norm.cdf(stats.norm.ppf(level_a) * np.sqrt(lam)) / 2
    else:
        alpha = stats.norm.cdf(stats.t.ppf(level_a, df) * np.sqrt(lam)) / 2
    n = len(y)
    # qf(1 - alpha, 1, n - 1) = qt(1 - alpha / 2, n - 1)^2: the t quantile stays finite for the
    # tiny alpha of a large design effect, where scipy's F quantile overflows to inf.
    zmax = float(stats.t.isf(alpha / 2, n - 1))
    delta = zmax / 5
    mu_hat = 1 / (1 + np.exp(-beta0))
    # svyglm's Pearson residuals are unweighted: (y - mu) / sqrt(mu (1 - mu))
    resid = (y - mu_hat) / np.sqrt(mu_hat * (1 - mu_hat))
    rbar = np.sum(w * resid) / np.sum(w)
    nn = np.count_nonzero(w)
    dispersion = np.sum(w * (resid - rbar) ** 2) / np.sum(w) * nn / (nn - 1)
    # residuals.svyglm scales them by sqrt(prior weight / design weight): the ratio of the mean
    # weight of the fitted rows to that of the design (1 unless rows miss the outcome)
    if w_mean is not None:
        dispersion *= w.mean() / w_mean
    dev0 = deviance(beta0)
    zs = [0.0]
    bs = [beta0]
    for sgn in (-1, 1):
        step, z = 0, 0.0
        while (step := step + 1) < 10 and abs(z) < zmax:
            bi = beta0 + sgn * step * delta * se_beta
            zz = max((deviance(bi) - dev0) / dispersion, 0.0)
            z = sgn * np.sqrt(zz)
            zs.append(z)
            bs.append(bi)
    order = np.argsort(zs, kind="stable")
    zs_arr, bs_arr = np.asarray(zs)[order], np.asarray(bs)[order]
    sx, sy = _r_spline(bs_arr, zs_arr, 3 * len(bs_arr))
    cutoff = np.array([stats.norm.ppf(2 * alpha), stats.norm.isf(2 * alpha)])
    lim = _r_approx(sy, sx, cutoff)
    return float(_expit(lim[0])), float(_expit(lim[1]))
