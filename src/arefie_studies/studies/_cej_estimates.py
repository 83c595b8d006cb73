"""Design-based estimates of the CEJ study for the region and every Mission Locale, with their
disclosure decision.

The i-Milo extracts are exhaustive: the 95 % intervals measure the random variability of the
indicators (each youth an independent draw). They come from :class:`arefie_studies.survey.SurveyDesign`
with unit weights and the youth as unit (``svydesign(ids=~1, data=)``): shares with the
Korn–Graubard interval (``svyciprop(method="beta")``: Clopper–Pearson at the effective size), on
which the NCHS presentation rule decides (:func:`decide`: show, flag « † », suppress « nd »), means and ratios with
t intervals on the domain's degrees of freedom; ratios over weeks or payments take the youth as
cluster (``svyratio`` on per-youth totals).

Every frame is tidy: ``territory`` (:data:`REGION` or an ML code), the row keys, then
``n, base, estimate, se, ci_low, ci_high, df, hidden`` (+ ``decision, reason`` for proportions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import presentation_rule, protect_table

__all__ = ["REGION", "binary", "decide", "distribution", "means", "protect_distribution", "ratios"]

REGION = "region"
_COLS = ["estimate", "se", "ci_low", "ci_high", "df"]


def protect_distribution(n, threshold: int) -> tuple[np.ndarray, bool]:
    """Which counts of one distribution (shown with its total) are hidden, and whether the total is:
    :func:`arefie_studies.tables.protect_table` on the one-column table with its total, so every
    hidden cell keeps a feasible interval at least ``threshold`` wide (a total under the threshold
    hides it and every non-empty cell)."""
    _, hidden = protect_table(np.asarray(n, dtype=float)[:, None], threshold)
    return hidden[:-1, 0], bool(hidden[-1, 0])


def _design(frame: pd.DataFrame, psu: str | None = None) -> SurveyDesign:
    return SurveyDesign(frame, weights=None, psu=psu)


def _by_territory(frame: pd.DataFrame, mask, fn, psu: str | None = None) -> pd.DataFrame:
    """``fn(design, by)`` on the region (by None) and by ML (by ``ml_code``), stacked."""
    d = _design(frame, psu)
    if mask is not None:
        d = d.subset(np.asarray(mask, dtype=bool))
    reg = fn(d, None).assign(territory=REGION)
    ml = fn(d, "ml_code").rename(columns={"ml_code": "territory"})
    ml["territory"] = ml["territory"].astype(str)
    return pd.concat([reg, ml], ignore_index=True)


def distribution(frame: pd.DataFrame, var: str, threshold: int, *, mask=None, by: str | None = None,
                 levels: list | None = None, psu: str | None = None) -> pd.DataFrame:
    """Shares of the levels of ``var`` (Korn–Graubard CI, NCHS decision) for the region and each ML (or, with ``by``, for
    the groups of ``by`` in the region), with counts and the disclosure decision of each
    distribution (:func:`protect_distribution`); ``psu`` names a cluster column when the rows are
    not independent (a youth's monthly payments). Columns: ``territory, group, level, n, base, …``."""
    f = frame.copy()
    col = f[var].astype("string").astype(object).where(f[var].notna())
    if levels is None:
        levels = (list(f[var].cat.categories) if isinstance(f[var].dtype, pd.CategoricalDtype)
                  else sorted(col.dropna().unique()))
    f["_v"] = pd.Categorical(col, categories=levels)
    sel = np.ones(len(f), bool) if mask is None else np.asarray(mask, bool)

    def est(d, grp):
        by_ = None if by is None and grp is None else (by or grp)
        return d.proportion("_v", by=by_, ci_method="beta")

    if by is None:
        res = _by_territory(f, mask, est, psu)
        res["group"] = ""
    else:
        res = est(_design(f, psu).subset(sel), by).rename(columns={by: "group"}).assign(territory=REGION)
        res["group"] = res["group"].astype(str)
    res = res.rename(columns={"n": "base"})
    # counts of each level
    sub = f[sel]
    cnt = [sub.groupby("_v", observed=False).size().rename("n").reset_index().assign(territory=REGION, group="")]
    if by is None:
        c = sub.groupby(["ml_code", "_v"], observed=False).size().rename("n").reset_index()
        cnt.append(c.rename(columns={"ml_code": "territory"}).assign(group=""))
        cnt = pd.concat(cnt, ignore_index=True)
    else:
        c = sub.groupby([by, "_v"], observed=False).size().rename("n").reset_index()
        cnt = c.rename(columns={by: "group"}).assign(territory=REGION)
        cnt["group"] = cnt["group"].astype(str)
    cnt = cnt.rename(columns={"_v": "level"})
    cnt["level"] = cnt["level"].astype(str)
    cnt["territory"] = cnt["territory"].astype(str)
    res["level"] = res["level"].astype(str)
    out = cnt.merge(res[["territory", "group", "level", "base", *_COLS]], on=["territory", "group", "level"],
                    how="left")
    out["base"] = out.groupby(["territory", "group"])["n"].transform("sum")
    out.loc[out["base"] == 0, _COLS] = np.nan
    out["hidden"] = False
    for _, idx in out.groupby(["territory", "group"], sort=False).groups.items():
        hid, _tot = protect_distribution(out.loc[idx, "n"].to_numpy(), threshold)
        out.loc[idx, "hidden"] = hid
    return decide(out)


def decide(frame: pd.DataFrame) -> pd.DataFrame:
    """The NCHS presentation decision (:func:`arefie_studies.tables.presentation_rule`) of each
    proportion, on its Korn–Graubard interval, its base and degrees of freedom: columns
    ``decision`` (show / flag / suppress) and ``reason``; a proportion on an empty base is
    ``suppress``."""
    out = frame.copy()
    out["decision"], out["reason"] = "suppress", ""
    ok = (out["base"] > 0) & out["estimate"].notna()
    if ok.any():
        ruled = presentation_rule(out.loc[ok], n="base")
        out.loc[ok, "decision"] = ruled["decision"].to_numpy()
        out.loc[ok, "reason"] = ruled["reason"].to_numpy()
    return out


def binary(flags: pd.DataFrame, threshold: int, *, by: str | None = None, mask=None) -> pd.DataFrame:
    """Share of youths with each flag (boolean columns of ``flags`` other than ``ml_code`` / ``by``;
    NaN = not observed, out of the base) — one row per territory (or group) × flag, decided as the
    two-cell distribution yes / no. Columns as :func:`distribution` with ``indicator``."""
    out = []
    keep = [c for c in ("ml_code", by) if c is not None and c in flags.columns]
    for name in [c for c in flags.columns if c not in keep]:
        f = flags[keep].copy()
        v = flags[name]
        f["_flag"] = np.where(v.isna(), None, np.where(v.astype(float) > 0, "Oui", "Non"))
        d = distribution(f, "_flag", threshold, mask=mask, by=by, levels=["Oui", "Non"])
        yes = d[d["level"] == "Oui"].copy()
        hid = d.groupby(["territory", "group"], sort=False)["hidden"].any()
        yes["hidden"] = hid.reindex(pd.MultiIndex.from_frame(yes[["territory", "group"]])).to_numpy()
        out.append(yes.drop(columns="level").assign(indicator=name))
    return pd.concat(out, ignore_index=True)


def means(frame: pd.DataFrame, var: str, threshold: int, *, mask=None) -> pd.DataFrame:
    """Mean of ``var`` (t interval) for the region and each ML; hidden when n < threshold."""
    res = _by_territory(frame, mask, lambda d, by: d.mean(var, by=by))
    res["hidden"] = res["n"] < threshold
    return res[["territory", "n", *_COLS, "hidden"]]


def ratios(frame: pd.DataFrame, num: str, den: str, threshold: int, *, by: str | None = None) -> pd.DataFrame:
    """Ratio Σnum / Σden over the rows (the youth as unit: ``svyratio``) for the region and each ML,
    or the groups of ``by``; ``n`` the number of youths, hidden when under the threshold."""
    if by is None:
        res = _by_territory(frame, None, lambda d, b: d.ratio(num, den, by=b))
    else:
        res = _design(frame).ratio(num, den, by=by).rename(columns={by: "territory"})
    res["hidden"] = res["n"] < threshold
    return res[["territory", "n", *_COLS, "hidden"]]
