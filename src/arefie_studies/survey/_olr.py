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

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from ._olr_kernels import olr_gradient, olr_influence, olr_nll_grad_hess
from .errors import ModelFormulaError

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
    """The weighted cumulative-logit likelihood on the used rows.

    Rows are sorted by category once, so every per-category sum is a contiguous segment, and the
    per-row work goes through buffers allocated once (fresh 100k-row temporaries are costly here).
    Products over rows use ``np.einsum`` (no threaded BLAS call: on a loaded machine its threads
    stall 1-d and thin products by tens of ms).
    """

    _BUFS = ("eta", "fu", "fl", "pr", "a", "b", "ip", "gu", "gl", "t1", "t2", "t3")

    def __init__(self, x: np.ndarray, code: np.ndarray, w: np.ndarray, q: int) -> None:
        # stable order by category: one flatnonzero per category (a counting sort, cheaper
        # than argsort on 100k rows)
        self.order = np.concatenate([np.flatnonzero(code == k) for k in range(q + 1)])
        self.x = np.asfortranarray(x[self.order])  # columns contiguous (see _cdf_parts)
        self.code, self.w, self.q = code[self.order], w[self.order], q
        self.pc = x.shape[1]
        self.bounds = np.searchsorted(self.code, np.arange(q + 2))
        n = self.code.size
        self._buf = {name: np.empty(n) for name in self._BUFS}

    def _segsum(self, v: np.ndarray) -> np.ndarray:
        """Sums of ``v`` over each category ``0..q`` (length ``q + 1``)."""
        bd = self.bounds
        return np.array([v[bd[k]: bd[k + 1]].sum() for k in range(self.q + 1)])

    @staticmethod
    def _zeta(theta) -> np.ndarray:
        return np.cumsum(np.concatenate([[theta[0]], np.exp(theta[1:])]))

    def _cdf_parts(self, beta, zeta):
        """``F(u), F(l), P = F(u) - F(l)`` with ``u = zeta_k - eta``, ``l = zeta_{k-1} - eta``
        (R's bounds -100 / 100 for the outer categories); views on the buffers."""
        bf, bd = self._buf, self.bounds
        gamm = np.concatenate([[-100.0], zeta, [100.0]])
        eta, fu, fl, pr = bf["eta"], bf["fu"], bf["fl"], bf["pr"]
        # eta = x beta column by column: no BLAS call (threaded BLAS on 1-d products stalls
        # on a loaded machine)
        np.multiply(self.x[:, 0], beta[0], out=eta) if self.pc else eta.fill(0.0)
        for j in range(1, self.pc):
            eta += self.x[:, j] * beta[j]
        for k in range(self.q + 1):
            sl = slice(bd[k], bd[k + 1])
            np.subtract(gamm[k + 1], eta[sl], out=fu[sl])  # u
            np.subtract(gamm[k], eta[sl], out=fl[sl])  # l
        expit(fu, out=fu)  # F(u) = 1 / (1 + exp(-u)), one pass
        expit(fl, out=fl)
        np.subtract(fu, fl, out=pr)
        return fu, fl, pr

    def _row_grad(self, beta, zeta, parts=None):
        """``gu = w f(u) / P`` and ``gl = -w f(l) / P`` (d log-lik / d u and d l, weighted);
        ``parts``: ``_cdf_parts(beta, zeta)`` when already computed."""
        bf = self._buf
        fu, fl, pr = self._cdf_parts(beta, zeta) if parts is None else parts
        a, b, ip, gu, gl = bf["a"], bf["b"], bf["ip"], bf["gu"], bf["gl"]
        np.subtract(1, fu, out=a)
        a *= fu  # f(u) = F(u) (1 - F(u))
        np.subtract(1, fl, out=b)
        b *= fl
        np.reciprocal(pr, out=ip)
        np.multiply(a, ip, out=gu)
        gu *= self.w
        np.multiply(b, ip, out=gl)
        gl *= self.w
        np.negative(gl, out=gl)
        return gu, gl

    def fmin(self, par) -> float:
        pr = self._cdf_parts(par[: self.pc], self._zeta(par[self.pc:]))[2]
        return float(-np.sum(self.w * np.log(pr))) if np.all(pr > 0) else np.inf

    def jacobian(self, theta) -> np.ndarray:
        """``d zeta / d theta``: column 0 is 1, column ``i >= 1`` is ``exp(theta_i)`` from row i."""
        k = theta.size
        return np.tril(np.ones((k, k))) * np.concatenate([[1.0], np.exp(theta[1:])])[None, :]

    def gmini(self, par, logdiff: bool = False) -> np.ndarray:
        """Per-row gradient of ``-w log P`` (R's ``gmini``), rows in ``self.order``."""
        theta = par[self.pc:]
        gu, gl = self._row_grad(par[: self.pc], self._zeta(theta))
        n, q, bd = self.code.size, self.q, self.bounds
        g = np.zeros((n, self.pc + q))
        g[:, : self.pc] = self.x * (gu + gl)[:, None]
        for k in range(q):
            g[bd[k]: bd[k + 1], self.pc + k] = -gu[bd[k]: bd[k + 1]]
            g[bd[k + 1]: bd[k + 2], self.pc + k] = -gl[bd[k + 1]: bd[k + 2]]
        if logdiff:
            g[:, self.pc:] = np.einsum("ij,jk->ik", g[:, self.pc:], self.jacobian(theta))
        return g

    def _grad_zeta(self, gu, gl):
        """Gradient of ``-log-lik`` in ``(beta, zeta)`` from the row terms."""
        t = self._buf["t1"]
        np.add(gu, gl, out=t)
        q = self.q
        return np.concatenate([np.einsum("ij,i->j", self.x, t), -(self._segsum(gu)[:q] + self._segsum(gl)[1:])])

    def _exp_eta(self, beta) -> np.ndarray:
        """``exp(x beta)`` (a new array; columns added one by one, no BLAS call)."""
        eta = np.zeros(self.code.size) if not self.pc else self.x[:, 0] * beta[0]
        for j in range(1, self.pc):
            eta += self.x[:, j] * beta[j]
        return np.exp(eta, out=eta)

    @staticmethod
    def _exp_cuts(zeta) -> np.ndarray:
        """``exp(-z)`` for the cut points ``z = (-100, zeta, 100)``."""
        return np.exp(-np.concatenate([[-100.0], zeta, [100.0]]))

    def gmin(self, par, e: np.ndarray | None = None) -> np.ndarray:
        """R's ``gmin``: gradient of ``-log-lik`` in ``(beta, theta)`` (one compiled pass,
        :func:`olr_gradient`); ``e``: ``exp(x beta)`` when already known."""
        theta = par[self.pc:]
        e = self._exp_eta(par[: self.pc]) if e is None else e
        gb, gzeta = olr_gradient(e, self.x, self.code, self.w, self._exp_cuts(self._zeta(theta)))
        return np.concatenate([gb, gzeta @ self.jacobian(theta)])

    def start_zeta(self) -> np.ndarray:
        """Weighted marginal cut points ``logit(P(Y <= k))`` (the fit with ``beta = 0``)."""
        share = self._segsum(self.w)
        cum = np.cumsum(share)[:-1] / share.sum()
        return np.log(cum / (1 - cum))

    def _nll_grad_hess(self, beta, zeta):
        """Negative log-likelihood, its gradient and analytic Hessian in ``(beta, zeta)``.

        With ``a = f(u)``, ``b = f(l)``, ``f' = f (1 - 2F)``: the per-row Hessian of ``log P``
        in ``(u, l)`` is ``[[a'/P - a^2/P^2, ab/P^2], [ab/P^2, -b'/P - b^2/P^2]]`` and
        ``du = dzeta_k - x'dbeta``, ``dl = dzeta_{k-1} - x'dbeta``.
        """
        nll, grad, h = olr_nll_grad_hess(self._exp_eta(beta), self.x, self.code, self.w,
                                         self._exp_cuts(zeta))
        if not np.isfinite(nll):
            return np.inf, None, None
        return nll, grad, h

    def _nll_grad_hess_numpy(self, beta, zeta):
        """:meth:`_nll_grad_hess` in numpy (the compiled kernel's check)."""
        bf = self._buf
        fu, fl, pr = self._cdf_parts(beta, zeta)
        if not np.all(pr > 0):
            return np.inf, None, None
        t1 = bf["t1"]
        np.log(pr, out=t1)
        t1 *= self.w
        nll = float(-t1.sum())
        gu, gl = self._row_grad(beta, zeta, (fu, fl, pr))
        grad = self._grad_zeta(gu, gl)
        a, b, ip, t2, t3 = bf["a"], bf["b"], bf["ip"], bf["t2"], bf["t3"]
        # huu = w (a (1 - 2 fu) / P - (a / P)^2) = gu (1 - 2 fu) - gu^2 / w
        huu = t1
        np.multiply(fu, -2, out=huu)
        huu += 1
        huu *= gu
        np.multiply(gu, a, out=t2)
        t2 *= ip
        huu -= t2
        # hll = -w (b (1 - 2 fl) / P + (b / P)^2) = gl (1 - 2 fl) - gl^2 / w
        hll = fu  # fu is no longer needed
        np.multiply(fl, -2, out=hll)
        hll += 1
        hll *= gl
        np.multiply(gl, b, out=t2)
        t2 *= ip
        hll += t2  # gl = -w b / P, so gl * b / P = -w (b / P)^2
        # hul = w a b / P^2 = gu * b / P
        hul = t3
        np.multiply(gu, b, out=hul)
        hul *= ip
        x, q, pc, bd = self.x, self.q, self.pc, self.bounds
        h = np.empty((pc + q, pc + q))
        np.add(huu, hll, out=t2)
        t2 += hul
        t2 += hul
        h[:pc, :pc] = np.einsum("ij,i,ik->jk", x, t2, x)
        su, sl = huu + hul, hul + hll
        for k in range(q):
            h[:pc, pc + k] = -(np.einsum("ij,i->j", x[bd[k]: bd[k + 1]], su[bd[k]: bd[k + 1]])
                               + np.einsum("ij,i->j", x[bd[k + 1]: bd[k + 2]],
                                           sl[bd[k + 1]: bd[k + 2]]))
        h[pc:, :pc] = h[:pc, pc:].T
        hzz = np.diag(self._segsum(huu)[:q] + self._segsum(hll)[1:])
        off = self._segsum(hul)[1:q]
        hzz[np.arange(1, q), np.arange(q - 1)] = off
        hzz[np.arange(q - 1), np.arange(1, q)] = off
        h[pc:, pc:] = hzz
        return nll, grad, -h

    def newton(self, max_iter: int = 100, start: np.ndarray | None = None) -> np.ndarray:
        """Maximum likelihood by Newton's method with the analytic Hessian in ``(beta, zeta)``
        (the cumulative-logit log-likelihood is concave there), started from ``start`` (R's
        ``(beta, theta)``) or else from ``beta = 0`` and the marginal cut points, with step
        halving; returns R's ``(beta, theta)``.  On more than 20 000 rows the start is the fit
        on a systematic subsample of about 5 000 rows (then two or three full steps)."""
        pc = self.pc
        self.iterations = 0
        n = self.code.size
        if start is None and n > 20_000:
            rows = np.arange(0, n, n // 5_000)  # systematic, so stratified by category
            if np.unique(self.code[rows]).size == self.q + 1:  # every category is present
                start = _Problem(self.x[rows], self.code[rows], self.w[rows], self.q).newton()
                start = start if np.all(np.isfinite(start)) else None
        if start is None:
            par = np.concatenate([np.zeros(pc), self.start_zeta()])
        else:
            par = np.concatenate([start[:pc], self._zeta(start[pc:])])
        nll, g, h = self._nll_grad_hess(par[:pc], par[pc:])
        for _ in range(max_iter):
            step = np.linalg.lstsq(h, g, rcond=None)[0]
            if np.max(np.abs(step)) < 1e-7 * (1 + np.max(np.abs(par))):
                # converged: Newton's error after this step is of the order of its square
                # (1e-14), so the last step is taken without another evaluation
                par = par - step
                break
            t = 1.0
            while True:
                cand = par - t * step
                ok = np.all(np.diff(cand[pc:]) > 0)
                new = self._nll_grad_hess(cand[:pc], cand[pc:]) if ok else (np.inf, None, None)
                if new[0] <= nll + 1e-12 * abs(nll) or t < 1e-10:
                    break
                t /= 2
            if new[1] is None:
                break
            par, (nll, g, h) = cand, new
            self.iterations += 1
            if np.max(np.abs(t * step)) < 1e-12 * (1 + np.max(np.abs(par))):
                break
        zeta = par[pc:]
        return np.concatenate([par[:pc], [zeta[0]], np.log(np.diff(zeta))])

    def optimhess(self, par, eps: float = 1e-3) -> np.ndarray:
        """R's optimhess: central differences of the gradient, symmetrised."""
        k = par.size
        h = np.empty((k, k))
        e = self._exp_eta(par[: self.pc])  # a cut point's perturbation leaves eta unchanged
        for i in range(k):
            dp = par.copy()
            dp[i] += eps
            gp = self.gmin(dp, None if i < self.pc else e)
            dp[i] -= 2 * eps
            gm = self.gmin(dp, None if i < self.pc else e)
            h[i] = (gp - gm) / (2 * eps)
        return (h + h.T) / 2


def vmmin(fn, gr, b0: np.ndarray, maxit: int = 100, reltol: float = 1.4901161193847656e-08,
          abstol: float = -np.inf) -> np.ndarray:
    """R's ``optim(method = "BFGS")`` (the C routine ``vmmin`` of R's optim.c, step for step):
    variable-metric updates of an inverse-Hessian approximation, backtracking by 0.2 until
    ``f <= fmin + 1e-4 * step * gradproj``, stop when an accepted step changes ``f`` by at most
    ``reltol * (|fmin| + reltol)``; defaults are R's (``reltol = sqrt(.Machine$double.eps)``,
    ``maxit = 100``).  Returns the parameters where R stops."""
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    b = np.array(b0, dtype=float)
    n = b.size
    f = fn(b)
    if not np.isfinite(f):
        raise ModelFormulaError("olr(): the replicate fit starts at a point of zero likelihood.")
    fmin = f
    g = gr(b)
    it = 1
    gradcount = 1
    ilast = gradcount
    bmat = np.eye(n)
    while True:
        if ilast == gradcount:
            bmat = np.eye(n)
        x = b.copy()
        c = g.copy()
        t = -(bmat @ g)
        gradproj = float(t @ g)
        if gradproj < 0:
            steplength = 1.0
            accpoint = False
            while True:
                b = x + steplength * t
                count = int(np.sum(reltest + x == reltest + b))
                if count < n:
                    # a trial point far out (exp overflow) has zero likelihood: f = inf, the
                    # step is shortened (R's optim does the same with its Inf)
                    with np.errstate(over="ignore", invalid="ignore"):
                        f = fn(b)
                    accpoint = np.isfinite(f) and f <= fmin + gradproj * steplength * acctol
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = (f > abstol) and abs(f - fmin) > reltol * (abs(fmin) + reltol)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = gr(b)
                gradcount += 1
                it += 1
                t = steplength * t
                c = g - c
                d1 = float(t @ c)
                if d1 > 0:
                    xv = bmat @ c
                    d2 = 1.0 + float(xv @ c) / d1
                    bmat = bmat + (d2 * np.outer(t, t) - np.outer(xv, t) - np.outer(t, xv)) / d1
                else:
                    ilast = gradcount
            elif ilast < gradcount:
                count = 0
                ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    return b


_TERM = re.compile(r"^(?:C\((\w+)\)|(\w+))$")


def simple_model_matrix(rhs: str, df: pd.DataFrame,
                        cache: dict | None = None) -> pd.DataFrame | None:
    """The no-intercept model matrix of ``a + C(b) + c`` (main effects of column names only)
    built directly, with formulaic's column names and treatment coding (first level dropped;
    levels in category order, else sorted); ``None`` for anything else (interactions,
    transforms, missing factor levels, numeric ``C()``), which then goes through formulaic.
    Building it directly avoids formulaic's fixed cost (tens of ms on 100k rows).  ``cache``
    (the design's cache: its frame does not change) keeps each factor's dummy columns."""
    cols: dict[str, np.ndarray] = {}
    for term in (t.strip() for t in rhs.split("+")):
        m = _TERM.match(term)
        if not m:
            return None
        name = m.group(1) or m.group(2)
        if name not in df.columns or name == "Intercept":
            return None
        ser = df[name]
        if m.group(2) and pd.api.types.is_numeric_dtype(ser) and not pd.api.types.is_bool_dtype(ser):
            cols[name] = ser.to_numpy(dtype=float)
            continue
        label = f"C({name})" if m.group(1) else name
        key = ("olr_dummies", name, label)
        if cache is not None and key in cache:
            if cache[key] is None:
                return None
            cols.update(cache[key])
            continue
        dummies = _dummies(ser, label)
        if cache is not None:
            cache[key] = dummies
        if dummies is None:
            return None
        cols.update(dummies)
    if len(cols) == 0:
        return None
    return pd.DataFrame(cols, index=df.index)


def _dummies(ser: pd.Series, label: str) -> dict[str, np.ndarray] | None:
    """Treatment-coded columns of a factor (first level dropped), formulaic's names; None
    when the column is not a plain factor (left to formulaic)."""
    if isinstance(ser.dtype, pd.CategoricalDtype):
        levels, codes = list(ser.cat.categories), ser.cat.codes.to_numpy()
    elif pd.api.types.is_object_dtype(ser) or pd.api.types.is_string_dtype(ser):
        if ser.isna().any() or not all(isinstance(v, str) for v in ser.unique()):
            return None
        levels, codes = _sorted_codes(ser)
    else:
        return None
    if (codes < 0).any() or len(levels) < 2:
        return None
    return {f"{label}[T.{lvl}]": (codes == k).astype(float)
            for k, lvl in enumerate(levels[1:], start=1)}


def _sorted_codes(ser: pd.Series) -> tuple[list, np.ndarray]:
    codes, uniq = pd.factorize(ser, sort=True)
    return list(uniq), codes


class OLRMixin:
    """``olr``: proportional-odds models on a linearised design."""

    def olr(self, formula: str) -> SvyOLRResult:
        """Proportional-odds model ``outcome ~ predictors`` (outcome: a categorical with 3 or
        more levels, in their order; predictors in formulaic syntax, ``C(x)`` for factors).
        Rows missing a model variable leave the fit (R's ``na.omit`` on the design).
        On a replicate design the variance is svrVar of the replicate refits (R's
        ``svyolr.svyrep.design``, see :meth:`_olr_replicate_vcov`), ``df = degf - slopes``.
        Mirrors: survey::svyolr (method = "logistic"), survey:::svyolr.svyrep.design.
        """
        from ._models import _r_name

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
        x_df = simple_model_matrix(rhs, self._df, self._cache)
        if x_df is None:
            from formulaic import model_matrix

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
        par = prob.newton()
        pc = prob.pc
        theta = par[pc:]
        zeta = prob._zeta(theta)
        names = [_r_name(c) for c in x_df.columns] + [
            f"{levels[k]}|{levels[k + 1]}" for k in range(len(levels) - 1)]
        params = pd.Series(np.concatenate([par[:pc], zeta]), index=names)
        if self._is_replicate():
            v = self._olr_replicate_vcov(prob, rows, par)
            return SvyOLRResult(formula=formula, params=params,
                                vcov=pd.DataFrame(v, index=names, columns=names),
                                df_resid=float(self.degf()) - pc, levels=levels)
        vc = np.linalg.pinv(prob.optimhess(par))
        a = np.eye(par.size)
        a[pc:, pc:] = prob.jacobian(theta)
        vm = a @ vc @ a.T
        u = np.zeros((len(self._df), par.size))  # influence values: scores x vm, one pass
        olr_influence(prob._exp_eta(par[:pc]), prob.x, prob.code, prob.w,
                      prob._exp_cuts(zeta), vm, rows[prob.order], u)
        dom = np.zeros(len(self._df), dtype=bool)
        dom[rows] = True
        v = self._vcov_matrix(u, dom)
        df_resid = float(self._degf_by(np.where(dom, 0, -1), 1)[0]) - pc
        return SvyOLRResult(formula=formula, params=params,
                            vcov=pd.DataFrame(v, index=names, columns=names),
                            df_resid=df_resid, levels=levels)

    def _olr_replicate_vcov(self, prob: _Problem, rows: np.ndarray, par: np.ndarray) -> np.ndarray:
        """svyolr.svyrep.design: the model refitted with each replicate's weights (started at
        the full-sample fit), ``svrVar`` of the replicates' ``(beta, zeta)`` around the full
        fit.  As R, each replicate fit is ``MASS::polr``'s: ``optim(method = "BFGS")`` with its
        default stopping rule (R passes no ``control`` to the replicate fits), reproduced by
        :func:`vmmin`, so the replicates stop where R's stop (about 1e-5 from the optimum).
        A replicate that leaves out a category cannot be fitted: an error naming it."""
        pc = prob.pc
        full = np.concatenate([par[:pc], prob._zeta(par[pc:])])
        rw = self.repweights_rows(rows)[:, prob.order]  # (R, used rows) in the problem's order
        reps = np.empty((rw.shape[0], full.size))
        for r in range(rw.shape[0]):
            sub = _Problem.__new__(_Problem)
            sub.__dict__.update(prob.__dict__)
            sub.order = np.arange(prob.code.size)
            sub.w = rw[r]
            if (prob._segsum(sub.w) <= 0).any():
                raise ModelFormulaError(
                    f"olr(): replicate {r + 1} has no weight in a category of the outcome; the "
                    "model cannot be refitted on it (merge sparse outcome levels).")
            p = vmmin(sub.fmin, sub.gmin, par)
            reps[r] = np.concatenate([p[:pc], sub._zeta(p[pc:])])
        return self._replicate_vcov(full, reps)

