"""Description of the levels of a categorical variable (clusters) by the other variables.

Mirrors: ``FactoMineR::catdes(donnee, num.var, proba, row.w)`` (FactoMineR 2.7), returning tidy
DataFrames instead of lists of matrices.

Categorical variables: for cluster ``k`` and category ``m`` with weighted counts ``n_km``, cluster
size ``n_k``, category size ``n_m`` and total ``n``: ``Cla/Mod = 100 n_km/n_m``,
``Mod/Cla = 100 n_km/n_k``, ``Global = 100 n_m/n``; the p-value is FactoMineR's two-sided
hypergeometric test on the rounded counts,
``min(2 P(X <= x-1) + P(X = x), 2 P(X > x) + P(X = x))`` with ``X ~ H(n, n_k, n_m)``, and the v-test
is ``qnorm(1 - p/2)`` signed by over-/under-representation. Per variable a chi-square test of
independence on the weighted table (``chisq.test(correct = FALSE)``).

Numeric variables: weighted means and (population) standard deviations,
``v = (mean_k - mean) / sd * sqrt(n_k) / sqrt((n - n_k)/(n - 1))`` with a normal p-value; per
variable the weighted one-way ANOVA (``aov(weights = row.w)``): ``Eta2`` and the F-test p-value.

FactoMineR keeps rows with ``p <= proba`` only; pass ``proba=1`` to keep everything. P-values above
1 produced by FactoMineR's two-sided formula are reported as 1 (only visible with ``proba >= 1``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._mca_data import r_sorted

__all__ = ["CatDes", "catdes"]

CATEGORY_COLUMNS = ["cluster", "variable", "level", "Cla/Mod", "Mod/Cla", "Global", "p.value",
                    "v.test"]
QUANTI_COLUMNS = ["cluster", "variable", "v.test", "Mean in category", "Overall mean",
                  "sd in category", "Overall sd", "p.value"]


@dataclass(frozen=True)
class CatDes:
    """Result of :func:`catdes`.

    ``category``: one row per (cluster, category) kept — columns ``cluster, variable, level,
    Cla/Mod, Mod/Cla, Global, p.value, v.test`` (FactoMineR ``$category``), sorted by cluster then
    decreasing v-test. ``chi2``: ``variable, p.value, df`` (``$test.chi2``), by increasing p-value.
    ``quanti``: ``cluster, variable, v.test, Mean in category, Overall mean, sd in category,
    Overall sd, p.value`` (``$quanti``). ``quanti_var``: ``variable, Eta2, p.value``
    (``$quanti.var``).
    """

    category: pd.DataFrame
    chi2: pd.DataFrame
    quanti: pd.DataFrame
    quanti_var: pd.DataFrame


def _hyper_p(x: np.ndarray, total: np.ndarray, nk: np.ndarray, nm: np.ndarray) -> np.ndarray:
    pmf = stats.hypergeom.pmf(x, total, nk, nm)
    cdf = stats.hypergeom.cdf(x - 1, total, nk, nm)
    sf = stats.hypergeom.sf(x, total, nk, nm)
    return np.minimum(cdf * 2 + pmf, sf * 2 + pmf)


def catdes(data: pd.DataFrame, cluster: pd.Series | np.ndarray, weights: np.ndarray | None = None,
           proba: float = 0.05) -> CatDes:
    """Describe the groups of ``cluster`` by every column of ``data``.

    Categorical columns (pandas Categorical/object/bool) are described by their categories, numeric
    columns by their means. Missing categorical values form a level ``"NA"`` (as catdes).
    Mirrors: ``FactoMineR::catdes``.
    """
    cl = pd.Categorical(np.asarray(cluster))
    k_levels = list(cl.categories)
    ck = cl.codes.astype(np.int64)
    nclu = len(k_levels)
    n = data.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    onehot_k = np.zeros((n, nclu))
    onehot_k[np.arange(n), ck] = 1.0
    marge_li = w @ onehot_k  # weighted cluster sizes
    cat_rows, chi_rows, q_rows, qv_rows = [], [], [], []
    for col in data.columns:
        s = data[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            qv, qr = _describe_numeric(col, s.to_numpy(dtype=float), ck, nclu, w, marge_li)
            qv_rows.append(qv)
            q_rows.extend(qr)
        else:
            chi, rows = _describe_categorical(col, s, onehot_k, w, marge_li)
            chi_rows.append(chi)
            cat_rows.append(rows)
    if cat_rows:  # one vectorised hypergeometric test for all categories of all variables
        category = pd.concat(cat_rows, ignore_index=True)
        p_raw = _hyper_p(*(category[c].to_numpy(dtype=float) for c in ("_x", "_tot", "_nk", "_nm")))
        p = np.minimum(p_raw, 1.0)
        category["p.value"] = p
        category["v.test"] = np.where(category["_over"], -1.0, 1.0) * stats.norm.ppf(p / 2)
        category = category[CATEGORY_COLUMNS]
    else:
        category = pd.DataFrame(columns=CATEGORY_COLUMNS)
    category = category[category["p.value"] <= proba]
    category = category.assign(cluster=pd.Categorical.from_codes(category["cluster"].to_numpy(),
                                                                  categories=k_levels))
    category = category.sort_values(["cluster", "v.test"], ascending=[True, False],
                                    kind="stable").reset_index(drop=True)
    chi2 = pd.DataFrame(chi_rows, columns=["variable", "p.value", "df"])
    chi2 = chi2[chi2["p.value"] <= proba].sort_values("p.value", kind="stable")
    quanti = pd.DataFrame(q_rows, columns=QUANTI_COLUMNS)
    quanti = quanti[quanti["p.value"] <= proba]
    quanti = quanti.assign(cluster=pd.Categorical.from_codes(quanti["cluster"].to_numpy(dtype=int),
                                                              categories=k_levels))
    quanti = quanti.sort_values(["cluster", "v.test"], ascending=[True, False],
                                kind="stable").reset_index(drop=True)
    quanti_var = pd.DataFrame(qv_rows, columns=["variable", "Eta2", "p.value"])
    quanti_var = quanti_var[quanti_var["p.value"] <= proba].sort_values("p.value", kind="stable")
    return CatDes(category=category, chi2=chi2.reset_index(drop=True), quanti=quanti,
                  quanti_var=quanti_var.reset_index(drop=True))


def _describe_categorical(col: str, s: pd.Series, onehot_k: np.ndarray, w: np.ndarray,
                          marge_li: np.ndarray) -> tuple[tuple, pd.DataFrame]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cat = s.cat.remove_unused_categories()
        levels = [str(c) for c in cat.cat.categories]
        codes = cat.cat.codes.to_numpy(dtype=np.int64)
    else:
        text = s.map(lambda v: v if pd.isna(v) else str(v))
        levels = r_sorted(text.dropna().unique().tolist())
        codes = text.map({lev: i for i, lev in enumerate(levels)}).fillna(-1).to_numpy(dtype=np.int64)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(levels), codes)
        levels = [*levels, "NA"]
    n, nlev = len(codes), len(levels)
    onehot_m = np.zeros((n, nlev))
    onehot_m[np.arange(n), codes] = 1.0
    table = (onehot_k * w[:, None]).T @ onehot_m  # clusters x levels
    marge_col = table.sum(axis=0)
    total = marge_col.sum()
    expected = np.outer(marge_li, marge_col) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.nansum((table - expected) ** 2 / expected)
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    chi = (col, float(stats.chi2.sf(stat, dof)) if dof > 0 else np.nan, dof)
    x = np.round(table)
    nk = np.round(marge_li)[:, None] * np.ones_like(table)
    nm = np.round(marge_col)[None, :] * np.ones_like(table)
    tot = np.round(marge_li.sum()) * np.ones_like(table)
    mod_cla = table / marge_li[:, None]
    glob = marge_col / total
    over = mod_cla > glob[None, :]
    kk, mm = np.meshgrid(np.arange(table.shape[0]), np.arange(nlev), indexing="ij")
    rows = pd.DataFrame({
        "cluster": kk.ravel(), "variable": col, "level": np.array(levels, dtype=object)[mm.ravel()],
        "Cla/Mod": (table / marge_col[None, :] * 100).ravel(), "Mod/Cla": (mod_cla * 100).ravel(),
        "Global": np.broadcast_to(glob * 100, table.shape).ravel(),
        "_x": x.ravel(), "_tot": tot.ravel(), "_nk": nk.ravel(), "_nm": nm.ravel(),
        "_over": over.ravel()})
    return chi, rows


def _describe_numeric(col: str, v: np.ndarray, ck: np.ndarray, nclu: int, w: np.ndarray,
                      marge_li: np.ndarray) -> tuple[tuple, list]:
    ok = ~np.isnan(v)
    wv = np.where(ok, w, 0.0)
    vv = np.where(ok, v, 0.0)
    sw_k = np.bincount(ck, weights=wv, minlength=nclu)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_k = np.bincount(ck, weights=wv * vv, minlength=nclu) / sw_k
        mean = (wv * vv).sum() / wv.sum()
        dev_k = np.where(ok, vv - mean_k[ck], 0.0)
        sd_k = np.sqrt(np.bincount(ck, weights=wv * dev_k**2, minlength=nclu) / sw_k)
        sd = np.sqrt((wv * np.where(ok, vv - mean, 0.0) ** 2).sum() / wv.sum())
        ntot = marge_li.sum()
        vt = (mean_k - mean) / sd * np.sqrt(marge_li) / np.sqrt((ntot - marge_li) / (ntot - 1))
    pv = 2 * stats.norm.sf(np.abs(vt))
    rows = [(k, col, vt[k], mean_k[k], mean, sd_k[k], sd, pv[k]) for k in range(nclu)
            if not np.isnan(vt[k])]
    # weighted one-way ANOVA (lm with weights: rows with weight 0 or NA do not count)
    used = ok & (w > 0)
    ssb = float((sw_k * (mean_k - mean) ** 2)[sw_k > 0].sum())
    ssw = float((wv * dev_k**2).sum())
    groups = int((np.bincount(ck[used], minlength=nclu) > 0).sum())
    df1, df2 = groups - 1, int(used.sum()) - groups
    with np.errstate(divide="ignore", invalid="ignore"):
        eta2 = ssb / (ssb + ssw)
        fstat = (ssb / df1) / (ssw / df2) if df1 > 0 and df2 > 0 else np.nan
    pf = float(stats.f.sf(fstat, df1, df2)) if np.isfinite(fstat) else np.nan
    return (col, eta2, pf), rows
