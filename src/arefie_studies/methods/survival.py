"""Weighted survival analysis: Kaplan–Meier with design-based CIs, Cox with robust variance.

- :func:`kaplan_meier` — weighted product-limit estimate (``survival::survfit(weights=)``,
  ``survey::svykm``) with either Greenwood's variance (``variance="greenwood"``, survfit) or the
  design-based linearisation of ``survey::svykm(se=TRUE)`` (``variance="design"``: strata, PSU,
  fpc; Var(log S(t)) ≈ Var(Λ(t)) from the influence functions of the Nelson–Aalen hazard).
- :func:`median_survival` / :func:`median_table` — median times with CIs (``quantile.survfit``),
  the latter with French headings for reports.
- :func:`coxph` — Cox model on a :class:`~arefie_studies.survey.SurveyDesign` with the
  design-based variance of ``survey::svycoxph`` (the engine's one linearisation), lifelines'
  ``CoxPHFitter`` for the fit (Efron ties); :func:`cox_regression` — the same on a DataFrame
  with weights and a cluster column, as ``survival::coxph(..., weights=, cluster=)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from arefie_studies.survey import SurveyDesign, linearized_vcov

__all__ = [
    "CoxResult",
    "SurvivalCurves",
    "SurvivalDataError",
    "cox_regression",
    "coxph",
    "efron_score_residuals",
    "kaplan_meier",
    "median_survival",
    "median_table",
]


class SurvivalDataError(ValueError):
    """Bad input for a survival function (names the argument, column and rows)."""


def _need(data: pd.DataFrame, param: str, cols: Sequence[str | None]) -> None:
    missing = [c for c in cols if c is not None and c not in data.columns]
    if missing:
        raise SurvivalDataError(
            f"{param}: column(s) {missing} not found in the data. Available columns: "
            f"{list(data.columns)}. Hint: check spelling and case."
        )


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    r = list(index[mask][:10])
    more = int(mask.sum()) - len(r)
    return f"{r}" + (f" and {more} more" if more > 0 else "")


def _column_design(
    data: pd.DataFrame, w: np.ndarray, strata: str | None, psu: str | None, fpc: str | None
) -> SurveyDesign:
    """The one-stage design given by columns (PSUs nested in strata, fpc as population number
    of PSUs or sampling fraction), weights ``w``: the variance is then the engine's
    (``survey.linearized_vcov``, R's svyrecvar)."""
    frame = pd.DataFrame({"w": w}, index=data.index)
    for name, col in (("strata", strata), ("psu", psu), ("fpc", fpc)):
        if col is not None:
            frame[name] = data[col].to_numpy()
    return SurveyDesign(
        frame, weights="w", strata="strata" if strata else None, psu="psu" if psu else None,
        fpc="fpc" if fpc else None, nest=strata is not None and psu is not None,
    )


@dataclass(frozen=True)
class SurvivalCurves:
    """Kaplan–Meier curves: ``table`` (tidy, one row per group and time) and settings."""

    table: pd.DataFrame
    by: str | None
    conf_level: float
    variance: str

    def medians(self) -> pd.DataFrame:
        return median_survival(self)


def _km_one(t, e, w, order_all):
    """Product-limit pieces for one group: unique times, counts, S, cumulative d/Y and d/Y²."""
    ut, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=w * e, minlength=len(ut))
    c = np.bincount(inv, weights=w * (1 - e), minlength=len(ut))
    nd = np.bincount(inv, weights=e, minlength=len(ut))
    nn = np.bincount(inv, minlength=len(ut))
    leave = np.bincount(inv, weights=w, minlength=len(ut))
    y = leave[::-1].cumsum()[::-1]
    ny = nn[::-1].cumsum()[::-1]
    surv = np.cumprod(np.where(y > 0, 1 - d / np.where(y > 0, y, 1), 1.0))
    return ut, inv, d, c, nd, nn, y, ny, surv


def kaplan_meier(
    data: pd.DataFrame | SurveyDesign,
    time: str,
    event: str,
    *,
    weights: str | None = None,
    by: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    conf_level: float = 0.95,
    variance: Literal["design", "greenwood"] = "design",
) -> SurvivalCurves:
    """Weighted Kaplan–Meier curves (overall or by group) with pointwise CIs.

    S(t) = Π_{s ≤ t} (1 − d(s)/Y(s)), d and Y the weighted events and numbers at risk
    (``survfit(weights=)``; ``svykm``). ``data`` is a DataFrame (design given by the ``weights``,
    ``strata``, ``psu``, ``fpc`` columns: one-stage, with replacement unless fpc) or a
    :class:`~arefie_studies.survey.SurveyDesign` (its weights, domain and full multistage
    linearisation via ``survey.linearized_vcov``; then those four arguments must stay None).
    Variance of log S(t):

    - ``"design"`` (default): Var(Λ(t)) by linearisation, z_i(t) = Σ_{s≤t} [dN_i(s)/Y(s) −
      Y_i(s) d(s)/Y(s)²], variance of the total Σ w_i z_i(t) under the design (``strata``,
      ``psu``, ``fpc`` columns; none = independent rows). Equals ``survey::svykm(se=TRUE)$varlog``
      (groups are domains: rows of other groups keep their PSUs with z = 0).
    - ``"greenwood"``: Σ d/(Y(Y − d)) on weighted counts (``survfit``'s ``std.err``²).

    CIs on the log scale as ``survfit(conf.type="log")`` / ``confint.svykm``:
    S·exp(±z·√Var), upper bound capped at 1. Returns a :class:`SurvivalCurves` whose ``table``
    has ``group, time, n_risk, n_event, n_censor, weighted_risk, weighted_event, surv, se,
    ci_low, ci_high`` (``se`` = S·√Var(log S)).
    """
    design = None
    if isinstance(data, SurveyDesign):
        if any(a is not None for a in (weights, strata, psu, fpc)):
            raise SurvivalDataError(
                "kaplan_meier: with a SurveyDesign, leave weights/strata/psu/fpc as None "
                "(the design carries them)."
            )
        design, data = data, data.data
    if not isinstance(data, pd.DataFrame):
        raise SurvivalDataError(
            f"data: expected a pandas DataFrame or a SurveyDesign, got {type(data).__name__}."
        )
    _need(data, "kaplan_meier", [time, event, weights, by, strata, psu, fpc])
    if variance not in ("design", "greenwood"):
        raise SurvivalDataError(f"variance: expected 'design' or 'greenwood', got {variance!r}.")
    if not 0 < conf_level < 1:
        raise SurvivalDataError(f"conf_level: expected a value in (0, 1), got {conf_level!r}.")
    t = pd.to_numeric(data[time], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise SurvivalDataError(
            f"{time}: missing or negative times in rows {_rows(data.index, bad)}."
        )
    ev = data[event]
    e = ev.astype(float).to_numpy() if ev.dtype != bool else ev.to_numpy(float)
    bad = ~np.isin(e, (0.0, 1.0))
    if bad.any():
        raise SurvivalDataError(
            f"{event}: event indicator must be 0/1 or boolean; bad values in rows {_rows(data.index, bad)}."
        )
    if design is not None:
        w = np.asarray(design.weights, dtype=float) * design.domain
    else:
        w = np.ones(len(data)) if weights is None else pd.to_numeric(data[weights]).to_numpy(float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise SurvivalDataError(
            f"{weights}: negative or missing weights in rows {_rows(data.index, bad)}."
        )
    groups = np.zeros(len(data), dtype=np.int64)
    glabels: list[object] = ["Ensemble"]
    if by is not None:
        if data[by].isna().any():
            raise SurvivalDataError(
                f"{by}: missing groups in rows {_rows(data.index, data[by].isna().to_numpy())}."
            )
        cat = pd.Categorical(data[by])
        groups = cat.codes.astype(np.int64)
        glabels = list(cat.categories)
    zq = stats.norm.ppf(1 - (1 - conf_level) / 2)
    if design is None and variance == "design":
        design = _column_design(data, w, strata, psu, fpc)
    out = []
    active = w > 0
    for g, lab in enumerate(glabels):
        m = (groups == g) & active
        ut, inv, d, _c, nd, nn, y, ny, surv = _km_one(t[m], e[m], w[m], None)
        if variance == "greenwood":
            term = np.divide(d, y * (y - d), out=np.zeros_like(d), where=(y - d) > 0)
            varlog = np.cumsum(term)
        else:
            evt = d > 0
            tk, dk, yk = ut[evt], d[evt], y[evt]
            cum2 = np.cumsum(dk / yk**2)  # C(t_k) = Σ_{s ≤ t_k} d/Y²
            # z_i(t_k) = e_i 1[T_i ≤ t_k]/Y(T_i) − C(min(t_k, T_i)), 0 outside the group
            ti, ei = t[m], e[m]
            pos_i = np.searchsorted(tk, ti, side="right") - 1  # last event time ≤ T_i
            yi = y[inv]
            k = np.arange(len(tk))
            z = np.zeros((len(data), len(tk)))
            zg = (ei / yi)[:, None] * (ti[:, None] <= tk[None, :])
            cmin = np.where(
                k[None, :] <= pos_i[:, None],
                cum2[None, :],
                np.where(pos_i >= 0, cum2[pos_i], 0.0)[:, None],
            )
            z[m] = zg - cmin
            if not len(tk):
                vk = np.zeros(0)
            else:
                vk = linearized_vcov(w[:, None] * z, design, domain=m, diag_only=True)
            # carry the variance to all unique times (constant between event times)
            idx = np.searchsorted(tk, ut, side="right") - 1
            varlog = np.where(idx >= 0, vk[np.maximum(idx, 0)] if len(tk) else 0.0, 0.0)
        sd = np.sqrt(varlog)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(surv > 0, surv * np.exp(-zq * sd), np.nan)
            hi = np.where(surv > 0, np.minimum(surv * np.exp(zq * sd), 1.0), np.nan)
        out.append(
            pd.DataFrame(
                {
                    "group": lab,
                    "time": ut,
                    "n_risk": ny,
                    "n_event": nd.astype(np.int64),
                    "n_censor": (nn - nd).astype(np.int64),
                    "weighted_risk": y,
                    "weighted_event": d,
                    "surv": surv,
                    "se": surv * sd,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        )
    table = pd.concat(out, ignore_index=True)
    return SurvivalCurves(table, by, conf_level, variance)


def _quantile_time(time: np.ndarray, s: np.ndarray, p: float = 0.5) -> float:
    """First time with S(t) ≤ p; if S equals p (within √eps) on a step, the midpoint with the next
    time, as ``survival:::quantile.survfit``. NaN if never reached."""
    tol = np.sqrt(np.finfo(float).eps)
    below = np.flatnonzero(s <= p + tol)
    if below.size == 0:
        return float("nan")
    i = below[0]
    if abs(s[i] - p) < tol:
        later = np.flatnonzero(s < s[i] - tol)
        if later.size:
            return float((time[i] + time[later[0]]) / 2)
        return float(time[i])
    return float(time[i])


def median_survival(curves: SurvivalCurves) -> pd.DataFrame:
    """Median survival time per group with its CI (times where the CI bands cross 0.5).

    Mirrors ``quantile(survfit, 0.5, conf.int=TRUE)``: median from S, lower limit where the
    lower band reaches 0.5, upper limit where the upper band does. Columns ``group, n, events, median, ci_low,
    ci_high`` (NaN when not reached).
    """
    rows = []
    for g, tab in curves.table.groupby("group", sort=False, observed=True):
        ev = tab[tab["n_event"] > 0] if (tab["n_event"] > 0).any() else tab
        tt = ev["time"].to_numpy()
        rows.append(
            {
                "group": g,
                "n": int(tab["n_event"].sum() + tab["n_censor"].sum()),
                "events": int(tab["n_event"].sum()),
                "median": _quantile_time(tt, ev["surv"].to_numpy()),
                "ci_low": _quantile_time(tt, ev["ci_low"].fillna(0).to_numpy()),
                "ci_high": _quantile_time(tt, ev["ci_high"].fillna(0).to_numpy()),
            }
        )
    return pd.DataFrame(rows)


def median_table(curves: SurvivalCurves, unit: str = "mois", decimals: int = 1) -> pd.DataFrame:
    """French table of median times for reports (« non atteinte » when S stays above 50 %)."""
    med = median_survival(curves)
    pct = f"{curves.conf_level * 100:g}".replace(".", ",")

    def fmt(x: float) -> str:
        return "non atteinte" if not np.isfinite(x) else f"{x:.{decimals}f}".replace(".", ",")

    return pd.DataFrame(
        {
            "Groupe": med["group"].astype(str),
            "Effectif": med["n"],
            "Événements": med["events"],
            f"Durée médiane ({unit})": [fmt(x) for x in med["median"]],
            f"IC à {pct} %": [
                f"[{fmt(a)} ; {fmt(b)}]" for a, b in zip(med["ci_low"], med["ci_high"], strict=True)
            ],
        }
    )


def efron_score_residuals(
    x: np.ndarray, time: np.ndarray, event: np.ndarray, weights: np.ndarray, beta: np.ndarray
) -> np.ndarray:
    """Per-subject score residuals of the weighted Cox partial likelihood, Efron ties.

    Mirrors ``residuals(coxph(..., ties="efron"), type="score")``. At a death time t with d tied
    deaths D (mean death weight w̄), the k-th (k = 0..d−1) has denominator
    S0_k = S0(t) − (k/d)·S0_D(t) and mean x̄_k = (S1(t) − (k/d)·S1_D(t)) / S0_k. Then
    U_i = δ_i (x_i − mean_k x̄_k(T_i)) − Σ_{t ≤ T_i} Σ_k c_ik w̄ r_i (x_i − x̄_k)/S0_k, with
    c_ik = 1 for subjects at risk and (1 − k/d) for the deaths at t; r_i = exp(x_iβ).
    Σ_i w_i U_i is the score (0 at the MLE). dfbeta = w_i U_i · V_naive.
    """
    x = np.asarray(x, dtype=float)
    p = x.shape[1]
    r = np.exp((x - x.mean(axis=0)) @ beta)  # centring cancels in every ratio
    ut, inv = np.unique(time, return_inverse=True)
    nt = len(ut)
    wr = weights * r

    def by_time(v: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Σ over subjects at each unique time (columns of a 2-d v), optionally masked."""
        idx = inv if mask is None else inv[mask]
        v = v if mask is None else v[mask]
        if v.ndim == 1:
            return np.bincount(idx, weights=v, minlength=nt)
        return np.stack(
            [np.bincount(idx, weights=v[:, q], minlength=nt) for q in range(v.shape[1])], 1
        )

    def risk(v: np.ndarray) -> np.ndarray:  # Σ over T_j ≥ t
        return v[::-1].cumsum(axis=0)[::-1]

    ev = event > 0
    s0 = risk(by_time(wr))
    s1 = risk(by_time(wr[:, None] * x))
    dcount = np.bincount(inv[ev], minlength=nt).astype(float)
    dw = by_time(weights, ev)
    s0d = by_time(wr, ev)
    s1d = by_time(wr[:, None] * x, ev)
    td = np.flatnonzero(dcount > 0)
    nd = dcount[td].astype(np.int64)
    tt = np.repeat(td, nd)  # one (t, k) row per death
    k = np.arange(len(tt)) - np.repeat(np.cumsum(nd) - nd, nd)
    frac = k / dcount[tt]
    den = s0[tt] - frac * s0d[tt]
    xbar = (s1[tt] - frac[:, None] * s1d[tt]) / den[:, None]
    wbar = dw[tt] / dcount[tt]

    def per_t(v: np.ndarray) -> np.ndarray:
        if v.ndim == 1:
            return np.bincount(tt, weights=v, minlength=nt)
        return np.stack([np.bincount(tt, weights=v[:, q], minlength=nt) for q in range(p)], 1)

    h = per_t(wbar / den)
    hx = per_t((wbar / den)[:, None] * xbar)
    h2 = per_t(wbar * (1 - frac) / den)
    hx2 = per_t((wbar * (1 - frac) / den)[:, None] * xbar)
    mx = per_t(xbar) / np.maximum(dcount, 1)[:, None]
    big_h = np.cumsum(h)
    big_hx = np.cumsum(hx, axis=0)
    e = ev.astype(float)
    return (
        e[:, None] * (x - mx[inv])
        - r[:, None] * (x * big_h[inv][:, None] - big_hx[inv])
        + (e * r)[:, None] * ((x * h[inv][:, None] - hx[inv]) - (x * h2[inv][:, None] - hx2[inv]))
    )


@dataclass(frozen=True)
class CoxResult:
    """Cox fit: ``table`` (term, estimate, se, hazard_ratio, ci_low, ci_high, z, p_value),
    the lifelines ``model`` (point estimates; ``variance_matrix_`` is coxph's ``naive.var``),
    whether the variance is ``robust`` (design-based / sandwich) and the ``vcov`` used."""

    table: pd.DataFrame
    model: object
    robust: bool
    vcov: pd.DataFrame


def _cox_matrix(data: pd.DataFrame, covariates: Sequence[str] | str, where: str) -> pd.DataFrame:
    """Model matrix (no intercept) of the covariates: column names, or a formulaic right-hand
    side ("age + C(sexe)")."""
    if isinstance(covariates, str):
        from formulaic import model_matrix

        try:
            mm = model_matrix(covariates, data, na_action="ignore")
        except Exception as exc:  # formulaic parse / evaluation errors
            raise SurvivalDataError(
                f"{where}: covariates formula {covariates!r} cannot be evaluated: {exc}"
            ) from exc
        return pd.DataFrame(mm).drop(columns=["Intercept"], errors="ignore")
    cols = list(covariates)
    _need(data, where, cols)
    return data[cols].apply(pd.to_numeric, errors="coerce")


def coxph(
    design: SurveyDesign,
    time: str,
    event: str,
    covariates: Sequence[str] | str,
    *,
    conf_level: float = 0.95,
    rescale: bool = True,
) -> CoxResult:
    """Cox proportional hazards on a survey design, with the design-based variance.

    Mirrors ``survey::svycoxph(Surv(time, event) ~ covariates, design)`` (Efron ties): β
    maximises the partial likelihood weighted by the design's weights (rescaled to mean 1 when
    ``rescale``, as R; β does not depend on it); the variance is the design variance of the
    totals of the influence values ``dfbeta_i = w_i U_i D⁻¹`` (``U_i`` the Efron score residuals,
    :func:`efron_score_residuals`; ``D`` the weighted information), i.e.
    ``vcov = D⁻¹ Var_design(Σ_i w_i U_i) D⁻¹`` computed by the engine's one linearisation
    (:func:`arefie_studies.survey.linearized_vcov`: strata, multistage PSUs, fpc,
    calibrations, lonely-PSU rule). Rows outside the domain of a ``subset`` design, or with zero
    weight, do not enter the fit and carry zero influence (the PSU structure is kept).

    ``covariates``: column names or a formulaic right-hand side. Missing values among the rows
    used raise :class:`SurvivalDataError`. CIs on the hazard ratio: exp(β ± z·se).
    """
    from lifelines import CoxPHFitter

    if not isinstance(design, SurveyDesign):
        raise SurvivalDataError(
            f"design: expected an arefie_studies.survey.SurveyDesign, got {type(design).__name__}. "
            "Hint: SurveyDesign(df, weights=..., strata=..., psu=...) or cox_regression(df, ...)."
        )
    if not 0 < conf_level < 1:
        raise SurvivalDataError(f"conf_level: expected a value in (0, 1), got {conf_level!r}.")
    data = design.data
    _need(data, "coxph", [time, event])
    w_all = np.asarray(design.weights, dtype=float) * design.domain
    used = w_all > 0
    xm = _cox_matrix(data, covariates, "coxph")
    t_all = pd.to_numeric(data[time], errors="coerce").to_numpy(float)
    e_all = pd.to_numeric(data[event], errors="coerce").to_numpy(float)
    na = used & (np.isnan(t_all) | np.isnan(e_all) | xm.isna().any(axis=1).to_numpy())
    if na.any():
        raise SurvivalDataError(
            f"coxph: missing values of {time!r}, {event!r} or the covariates in rows "
            f"{_rows(data.index, na)}. Hint: drop or impute them, or subset() the design "
            "(R's svycoxph drops them by na.omit)."
        )
    bad = used & ~np.isin(e_all, (0.0, 1.0))
    if bad.any():
        raise SurvivalDataError(
            f"{event}: event indicator must be 0/1 or boolean; bad values in rows "
            f"{_rows(data.index, bad)}."
        )
    bad = used & (t_all < 0)
    if bad.any():
        raise SurvivalDataError(f"{time}: negative times in rows {_rows(data.index, bad)}.")
    terms = [str(c) for c in xm.columns]
    x = xm.to_numpy(float)[used]
    t, e, w = t_all[used], e_all[used], w_all[used]
    if rescale:
        w = w / w.mean()
    fit_df = pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])])
    fit_df["__t"], fit_df["__e"], fit_df["__w"] = t, e, w
    cph = CoxPHFitter(alpha=1 - conf_level)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cph.fit(fit_df, duration_col="__t", event_col="__e", weights_col="__w",
                fit_options={"precision": 1e-13, "r_precision": 1e-15, "max_steps": 500})
    for msg in caught:  # every warning but lifelines' advice to use robust=True for non-integer
        # weights (the design variance below replaces its variance) reaches the caller
        if "weights are not integers" not in str(msg.message):
            warnings.warn_explicit(msg.message, msg.category, msg.filename, msg.lineno)
    beta = cph.params_.to_numpy()
    v_naive = cph.variance_matrix_.to_numpy()
    cph.params_.index = pd.Index(terms, name="covariate")
    cph.variance_matrix_.index = cph.variance_matrix_.columns = pd.Index(terms)
    dfbeta = np.zeros((len(data), len(terms)))
    dfbeta[used] = (w[:, None] * efron_score_residuals(x, t, e, w, beta)) @ v_naive
    cov = linearized_vcov(dfbeta, design, domain=design.domain, diag_only=False)
    return _cox_result(terms, beta, cov, cph, True, conf_level)


def _cox_result(terms: list[str], beta: np.ndarray, cov: np.ndarray, model: object, robust: bool,
                conf_level: float) -> CoxResult:
    se = np.sqrt(np.diag(cov))
    zq = stats.norm.ppf(1 - (1 - conf_level) / 2)
    z = beta / se
    table = pd.DataFrame(
        {
            "term": terms,
            "estimate": beta,
            "se": se,
            "hazard_ratio": np.exp(beta),
            "ci_low": np.exp(beta - zq * se),
            "ci_high": np.exp(beta + zq * se),
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
        }
    )
    return CoxResult(table, model, robust, pd.DataFrame(cov, index=terms, columns=terms))


def cox_regression(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str] | str,
    *,
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool | None = None,
    conf_level: float = 0.95,
) -> CoxResult:
    """Cox proportional hazards with sampling weights and cluster-robust variance.

    Mirrors ``survival::coxph(Surv(time, event) ~ covariates, weights=, cluster=)`` (Efron ties).
    A thin wrapper of :func:`coxph` on ``SurveyDesign(data, weights=weights, psu=cluster)``:
    coxph's robust variance Σ_c dfbeta_c dfbeta_cᵀ (sums within ``cluster``, or per row when
    only weighted) is the design variance times (m − 1)/m, m the number of clusters (the
    design's with-replacement formula has the factor m/(m − 1); Σ_c dfbeta_c = 0 at β̂).
    ``robust`` defaults to True whenever weights or a cluster are given (the model-based
    variance is wrong with sampling weights); ``robust=False`` gives coxph's ``naive.var``.
    Prefer :func:`coxph` with the study's design (strata, fpc, calibrations).
    """
    if not isinstance(data, pd.DataFrame):
        raise SurvivalDataError(f"data: expected a pandas DataFrame, got {type(data).__name__}.")
    cols = [] if isinstance(covariates, str) else list(covariates)
    _need(data, "cox_regression", [time, event, weights, cluster, *cols])
    if robust is None:
        robust = weights is not None or cluster is not None
    na = data[[time, event, *cols]].isna().any(axis=1).to_numpy()
    if na.any():
        raise SurvivalDataError(
            f"cox_regression: missing values in rows {_rows(data.index, na)}. "
            "Hint: drop or impute them first (coxph's na.omit is not applied silently)."
        )
    design = SurveyDesign(data, weights=weights, psu=cluster)
    res = coxph(design, time, event, covariates, conf_level=conf_level, rescale=False)
    terms = list(res.table["term"])
    if robust:
        m = design.n_psu
        cov = res.vcov.to_numpy() * (m - 1) / m
    else:
        cov = res.model.variance_matrix_.to_numpy()
    return _cox_result(terms, res.table["estimate"].to_numpy(), cov, res.model, bool(robust),
                       conf_level)
