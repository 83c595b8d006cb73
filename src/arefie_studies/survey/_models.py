"""Design-based association tests and GLMs: :meth:`chisq` and :meth:`glm` of a design.

Mirrors: survey::svychisq (Rao–Scott "F", "Chisq", Wald "Wald" / "adjWald", "lincom") and
survey::svyglm (gaussian, binomial = quasibinomial fit, poisson = quasipoisson fit).
Algebra in ``_chisq.py`` and ``_glm.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ._chisq import (
    STATISTICS,
    ChisqResult,
    pearson_x2,
    rao_scott_delta,
    rao_scott_test,
    wald_association,
)
from ._glm import FAMILIES, SvyGLMResult, fit_irls, influence, warn_not_converged
from .errors import ModelFormulaError

__all__ = ["ModelFormulaError", "ModelsMixin"]


def _missing_columns_error(argument: str, missing: list[str], columns: Any) -> ModelFormulaError:
    import difflib

    avail = [str(c) for c in columns]
    hints = []
    for m in missing:
        close = difflib.get_close_matches(m, avail, n=3, cutoff=0.6)
        if close:
            hints.append(f"{m!r} -> did you mean {', '.join(map(repr, close))}?")
    shown = ", ".join(avail[:30]) + (" ..." if len(avail) > 30 else "")
    return ModelFormulaError(
        f"{argument} names variable(s) {missing} that are not columns of the data. "
        + (" ".join(hints) + " " if hints else "")
        + f"Available columns: {shown}."
    )


def _r_name(col: str) -> str:
    """R's coefficient names for formulaic's columns: Intercept -> (Intercept),
    C(x)[T.a] / x[T.a] -> xa."""
    if col == "Intercept":
        return "(Intercept)"
    m = re.fullmatch(r"C\((\w+)\)\[T\.(.*)\]", col)
    if m:
        return f"C({m.group(1)}){m.group(2)}"
    m = re.fullmatch(r"(\w+)\[T\.(.*)\]", col)
    if m:
        return f"{m.group(1)}{m.group(2)}"
    return col


class ModelsMixin:
    """Model and test methods of :class:`SurveyDesign` (chisq, glm)."""

    # ---- helpers -------------------------------------------------------------------------
    def _domain_mask(self) -> np.ndarray:
        dom = getattr(self, "_domain", None)
        return np.ones(len(self._df), dtype=bool) if dom is None else np.asarray(dom, dtype=bool)

    def _is_replicate(self) -> bool:
        return not hasattr(self, "_stages") and hasattr(type(self), "repweights")  # no materialising

    def _vcov_matrix(self, u: np.ndarray, dom: np.ndarray) -> np.ndarray:
        """Design covariance (k, k) of estimates with influence values ``u`` (n, k)."""
        from ._variance import linearized_vcov

        return linearized_vcov(u, self, domain=dom, diag_only=False)

    def _replicate_vcov(self, theta: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """svrVar of estimates ``theta`` (k,) from replicate estimates ``reps`` (R, k)."""
        from ._replicate import replicate_vcov

        return replicate_vcov(theta, reps, self.scale, self.rscales, self.mse)

    def _rep_weights(self, dom: np.ndarray) -> np.ndarray:
        """Replicate analysis weights (n, R), zero outside ``dom``."""
        rw = np.asarray(self.repweights, dtype=float)
        return rw * dom[:, None]

    def _check_columns(self, argument: str, names: list[str]) -> None:
        missing = [v for v in names if v not in self._df.columns]
        if missing:
            raise _missing_columns_error(argument, missing, self._df.columns)

    # ---- chisq ---------------------------------------------------------------------------
    def chisq(self, row: str, col: str, statistic: str = "F") -> ChisqResult:
        """Test of association between two categorical variables, accounting for the design.

        ``statistic``: "F" (Rao–Scott second-order correction, F with (d0, d0·ν) df, the
        default), "Chisq" (first-order: X² / mean generalised design effect on (r-1)(c-1) df),
        "Wald" (design-based Wald F on ((r-1)(c-1), ν) df), "adjWald" (Wald F rescaled by
        (ν - df + 1)/(df ν)), "lincom" (X² against its asymptotic distribution, a weighted sum
        of χ²₁ over χ²_{d0·ν}/(d0·ν), evaluated exactly by Imhof's inversion where R uses
        CompQuadForm or a saddlepoint approximation). ν = PSUs - strata (replicate designs:
        rank of the replicate weights - 1). Rows with a missing ``row`` or ``col`` are dropped
        as a domain (R's ``na.rm=TRUE``). Works on domains (``subset``).

        Mirrors: survey::svychisq.
        """
        if statistic not in STATISTICS:
            raise ModelFormulaError(
                f"statistic={statistic!r} is not available. Possible values are: "
                f"{', '.join(STATISTICS)}."
            )
        self._check_columns("chisq()", [row, col])
        df = self._df
        # R: rows of the design object (a calibrated design keeps out-of-domain rows)
        calibrated = bool(getattr(self, "_calibrations", ()))
        in_design = np.ones(len(df), dtype=bool) if calibrated else self._domain_mask()
        rv = df[row]
        cv = df[col]
        ok = in_design & rv.notna().to_numpy() & cv.notna().to_numpy()
        r_codes, r_levels = pd.factorize(rv.where(in_design), sort=True)
        c_codes, c_levels = pd.factorize(cv.where(in_design), sort=True)
        nr, nc = len(r_levels), len(c_levels)
        for name, k in ((row, nr), (col, nc)):
            if k < 2:
                raise ModelFormulaError(
                    f"chisq(): variable {name!r} has {k} level(s) in the data used; a test of "
                    "association needs at least 2 levels in each variable."
                )
        n_rows = int(in_design.sum())
        if self._is_replicate():
            nu = float(self.degf())  # svychisq.svyrep.design: degf(design)
        else:
            psu = self._psu1[in_design]
            strata = self._strata1[in_design]
            nu = float(len(np.unique(psu)) - len(np.unique(strata)))
        w = np.where(ok & self._domain_mask(), np.asarray(self._w, dtype=float), 0.0)
        dom = w > 0
        cell = np.where(ok, r_codes + nr * c_codes, 0)
        k = nr * nc
        tab = np.bincount(cell, weights=w, minlength=k)
        wsum = tab.sum()
        if wsum <= 0:
            raise ModelFormulaError(
                f"chisq(): no observation with positive weight has both {row!r} and {col!r}."
            )
        table = pd.DataFrame(tab.reshape(nc, nr).T, index=pd.Index(r_levels, name=row),
                             columns=pd.Index(c_levels, name=col))
        x2 = pearson_x2(tab.reshape(nc, nr).T * n_rows / wsum)
        if statistic in ("Wald", "adjWald"):
            x = np.zeros((len(w), k + nr + nc + 1))
            rows_i = np.flatnonzero(dom)
            x[rows_i, cell[rows_i]] = 1.0
            x[rows_i, k + r_codes[rows_i]] = 1.0
            x[rows_i, k + nr + c_codes[rows_i]] = 1.0
            x[rows_i, -1] = 1.0
            totals = x.T @ w
            if self._is_replicate():
                v = self._replicate_vcov(totals, (x.T @ self._rep_weights(dom)).T)
            else:
                v = self._vcov_matrix(x * w[:, None], dom)
            stat, dfs, p = wald_association(totals, v, nr, nc, nu, statistic == "adjWald")
            method = "Design-based Wald test of association"
            if statistic == "adjWald":
                method = "Design-based adjusted Wald test of association"
            return ChisqResult(stat, dfs, p, method, statistic, row, col, table)
        p_cells = tab / wsum
        rows_i = np.flatnonzero(dom)
        if self._is_replicate():
            rw = self._rep_weights(dom)
            reps = np.stack([np.bincount(cell[rows_i], weights=rw[rows_i, r], minlength=k)
                             for r in range(rw.shape[1])])
            with np.errstate(divide="ignore", invalid="ignore"):
                reps = reps / reps.sum(axis=1, keepdims=True)
            v = self._replicate_vcov(p_cells, reps)
        else:
            u = np.zeros((len(w), k))
            u[rows_i, cell[rows_i]] = 1.0
            u[rows_i] -= p_cells
            u *= (w / wsum)[:, None]
            v = self._vcov_matrix(u, dom)
        delta = rao_scott_delta(p_cells, v, nr, nc, n_rows)
        stat, dfs, p = rao_scott_test(x2, delta, nu, statistic)
        method = {
            "F": "Pearson's X²: Rao & Scott adjustment (F)",
            "Chisq": "Pearson's X²: Rao & Scott adjustment",
            "lincom": "Pearson's X²: asymptotic exact distribution",
        }[statistic]
        eig = np.sort(np.linalg.eigvals(delta).real)[::-1]
        return ChisqResult(stat, dfs, p, method, statistic, row, col, table, eig)

    def chisq_batch(self, pairs: Iterable[tuple[str, str]], statistic: str = "F") -> pd.DataFrame:
        """Tests of association of many ``(row, col)`` pairs at once (a banner's questions ×
        breakdowns), with the numbers of :meth:`chisq` for each pair.

        One-stage uncalibrated designs: one weighted bincount per table; calibrated or
        multistage linearised designs: the residualised influence basis, batched; replicate
        designs and the Wald statistics: one :meth:`chisq` per pair. A pair where a variable
        has fewer than 2 levels among the rows used gets NaN and a ``note`` (where
        :meth:`chisq` raises).

        Returns one row per pair, in the order given: ``row, col, test, statistic, ndf, ddf,
        p_value, note`` (``ndf``/``ddf`` as :meth:`ChisqResult.to_frame`).

        Mirrors: survey::svychisq(~row + col, design, statistic = "F") for every pair.
        """
        from ._chisq_batch import chisq_batch

        return chisq_batch(self, pairs, statistic)

    # ---- glm -----------------------------------------------------------------------------
    def _glm_frame(self, formula: str, family: str):
        """Outcome y (n,), model matrix X (n, p), names and the rows used (n,) bool."""
        from formulaic import Formula, model_matrix

        if family not in FAMILIES:
            raise ModelFormulaError(
                f"family={family!r} is not available. Possible values are: {', '.join(FAMILIES)} "
                "(or quasibinomial / quasipoisson)."
            )
        if not isinstance(formula, str) or "~" not in formula:
            raise ModelFormulaError(
                f"formula={formula!r} must be a string 'outcome ~ predictors', e.g. "
                "'api00 ~ ell + C(stype)'."
            )
        try:
            fobj = Formula(formula)
            needed = sorted(str(v) for v in fobj.required_variables)
        except Exception as exc:  # formulaic parse errors
            raise ModelFormulaError(f"formula={formula!r} cannot be parsed: {exc}") from exc
        builtins = {"np", "C", "I", "log", "exp", "sqrt", "center", "scale", "poly", "bs", "Q",
                    "True", "False"}
        self._check_columns(f"formula {formula!r}", [v for v in needed if v not in builtins])
        df = self._df
        try:
            y_df, x_df = model_matrix(formula, df, na_action="ignore")
        except Exception as exc:
            raise ModelFormulaError(f"formula={formula!r} cannot be evaluated: {exc}") from exc
        outcome = formula.split("~")[0].strip()
        if y_df.shape[1] == 2 and family == "binomial":
            y_df = y_df.iloc[:, [1]]  # two-level factor: first level = 0, second = 1 (R)
        elif y_df.shape[1] != 1:
            lv = list(y_df.columns)
            if family == "binomial":
                raise ModelFormulaError(
                    f"family='binomial' needs a two-level outcome, but {outcome!r} has "
                    f"{len(lv)} levels ({', '.join(map(str, lv))}). Recode it to 0/1 (e.g. "
                    "derive a column 'y_yes = y == level') or use another model."
                )
            raise ModelFormulaError(
                f"the outcome of {formula!r} expands to {len(lv)} columns ({lv}); family="
                f"{family!r} needs a numeric outcome."
            )
        y = pd.to_numeric(y_df.iloc[:, 0], errors="coerce").to_numpy(dtype=float)
        x = x_df.to_numpy(dtype=float)
        present = [v for v in needed if v in df.columns]
        used = (
            df[present].notna().all(axis=1).to_numpy()
            & np.isfinite(y)
            & np.all(np.isfinite(x), axis=1)
        )
        names = [_r_name(c) for c in x_df.columns]
        return y, x, names, used

    def glm(self, formula: str, family: str = "gaussian") -> SvyGLMResult:
        """Design-based generalised linear model.

        The coefficients solve the weighted (quasi-)likelihood equations with the sampling
        weights; the variance is the sandwich ``A⁻¹ V(Σ U_i) A⁻¹`` with ``V`` the design
        variance of the PSU totals of the scores (strata, fpc, calibration residuals).
        Inference: Student's t on design df + 1 - p. ``family``: "gaussian" (identity),
        "binomial" (logit; outcome 0/1, boolean or a two-level factor — first level = 0) or
        "poisson" (log). Formulas use formulaic/patsy syntax: ``C(x)`` for categorical
        predictors, ``np.log(x)``, ``{x ** 2}``. Rows with a missing value in any model
        variable are dropped as a domain, as R does.

        "quasibinomial" and "quasipoisson" (R's usual spelling for survey data) are the same
        fits as "binomial" and "poisson": estimates and design SEs do not depend on the
        dispersion.

        Mirrors: survey::svyglm, survey:::svy.varcoef, summary.svyglm.
        """
        family = {"quasibinomial": "binomial", "quasipoisson": "poisson"}.get(family, family)
        y, x, names, used = self._glm_frame(formula, family)
        dom = self._domain_mask() & used
        w = np.where(dom, np.asarray(self._w, dtype=float), 0.0)
        if not (w > 0).any():
            raise ModelFormulaError(
                f"glm(): no row with positive weight and complete data for {formula!r}."
            )
        if family == "binomial":
            yy = y[w > 0]
            if np.any((yy < 0) | (yy > 1)):
                raise ModelFormulaError(
                    f"family='binomial' needs an outcome in [0, 1] (0/1, boolean or a two-level "
                    f"factor); {formula.split('~')[0].strip()!r} has values outside "
                    f"({np.nanmin(yy):g} to {np.nanmax(yy):g})."
                )
        if family == "poisson" and np.any(y[w > 0] < 0):
            raise ModelFormulaError("family='poisson' needs a non-negative outcome.")
        y0 = np.where(dom, y, 0.0)
        x0 = np.where(dom[:, None], x, 0.0)
        rank = np.linalg.matrix_rank(x0[w > 0])
        if rank < x.shape[1]:
            raise ModelFormulaError(
                f"glm(): the model matrix of {formula!r} is rank deficient ({rank} < "
                f"{x.shape[1]} columns: {names}); drop aliased terms or merge empty levels."
            )
        return self._glm_fit(formula, family, y0, x0, w, names, dom)

    def _glm_fit(self, formula, family, y, x, w, names, dom) -> SvyGLMResult:
        fit = fit_irls(x, y, w, family)
        warn_not_converged(fit, formula)
        infl, ainv = influence(x, y, fit, family)
        if self._is_replicate():
            # svyglm.svyrep.design: refit with every replicate weight, start at the full fit
            rw = self._rep_weights(dom)
            reps = np.empty((rw.shape[1], x.shape[1]))
            for r in range(rw.shape[1]):
                wr = rw[:, r]
                reps[r] = (fit_irls(x, y, wr, family, start=fit.beta).beta
                           if (wr > 0).any() else np.nan)
            vc = self._replicate_vcov(fit.beta, reps)
        else:
            vc = self._vcov_matrix(infl, dom)
        p = x.shape[1]
        degf = float(self._degf_by(np.where(dom, 0, -1), 1)[0])
        return self._glm_result(formula, family, fit, vc, ainv, names, degf + 1 - p, y, w)

    @staticmethod
    def _glm_result(formula, family, fit, vc, ainv, names, df_resid, y, w) -> SvyGLMResult:
        from ._glm import _family

        _, _, variance, _, _ = _family(family)
        pos = w > 0
        r = (y - fit.mu)[pos] / np.sqrt(variance(fit.mu[pos]))
        ww = w[pos]
        rbar = np.sum(ww * r) / ww.sum()
        n = int(pos.sum())
        dispersion = float(np.sum(ww * (r - rbar) ** 2) / ww.sum() * n / max(n - 1, 1))
        idx = pd.Index(names)
        return SvyGLMResult(
            formula=formula,
            family=family,
            params=pd.Series(fit.beta, index=idx, name="estimate"),
            vcov=pd.DataFrame(vc, index=idx, columns=idx),
            df_resid=float(df_resid),
            nobs=n,
            dispersion=dispersion,
            deviance=fit.deviance,
            iterations=fit.iterations,
            naive_vcov=pd.DataFrame(ainv, index=idx, columns=idx),
        )
