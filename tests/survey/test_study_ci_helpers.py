"""The study modules' interval helpers as plain SurveyDesign calls, many groups at once.

"Each group is its own simple random sample" is ``SurveyDesign(df, strata=g)`` (each row its
own PSU, weights 1 or given, no fpc) estimated ``by=g``: a group is a stratum, so its variance
uses its own n_g/(n_g - 1) and its df is n_g - 1. Then, for every group at once:

* ``proportion(x, by=g, ci_method="wilson", df=np.inf)`` is the textbook Wilson score interval
  on the design's effective n, ``n_eff = p(1-p)/var(p)``; the linearised variance of p on an SRS
  is ``p(1-p)/(n-1)`` (with-replacement factor n/(n-1), R's svyrecvar), so ``n_eff = n - 1``
  (``prop.test(k, n, correct=FALSE)`` uses n). R survey has no Wilson (svyciprop); this is
  Dean & Pagano's (2015) design-effect-adjusted Wilson;
* ``mean(y, by=g)`` is ``t.test(y)$conf.int`` in each group (SE s/sqrt(n), t on n - 1 df);
* ``ratio(y, x)`` on one row per cluster is ``svyratio(~y, ~x, svydesign(ids=~1))``:
  Var(R) = n/(n-1) Σ (y_i - R x_i)² / (Σ x)², with ``df=np.inf`` for the normal interval.

Without ``strata=g`` the groups are domains of one SRS (R's svyby): the factor is the whole
sample's n/(n - 1) (last test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arefie_studies.survey import SurveyDesign

# group a: 13 "oui" of 40; group b: 5 of 25; group c: 0 of 6 (degenerate)
COUNTS = {"a": (13, 40), "b": (5, 25), "c": (0, 6)}


def _frame() -> pd.DataFrame:
    rows = []
    for g, (k, n) in COUNTS.items():
        rows += [(g, "oui")] * k + [(g, "non")] * (n - k)
    df = pd.DataFrame(rows, columns=["g", "x"])
    df["y"] = np.sin(np.arange(len(df))) * 10 + 50
    df["one"] = 1.0
    return df


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Textbook Wilson score interval of a proportion p on n observations (Wilson 1927)."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("weights", [None, "one"])
def test_wilson_by_group_is_the_textbook_interval_on_n_minus_one(weights):
    d = SurveyDesign(_frame(), weights=weights, strata="g")
    res = d.proportion("x", by="g", ci_method="wilson", df=np.inf)
    res = res[res["level"] == "oui"].set_index("g")
    z = stats.norm.isf(0.025)
    for g, (k, n) in COUNTS.items():
        row = res.loc[g]
        assert row["estimate"] == pytest.approx(k / n, rel=1e-14)
        assert row["n"] == n
        if k == 0:  # p = 0: degenerate [0, 0] (no variance to scale)
            assert row["ci_low"] == row["ci_high"] == 0.0
            continue
        lo, hi = _wilson(k / n, n - 1, z)
        assert row["ci_low"] == pytest.approx(lo, rel=1e-12)
        assert row["ci_high"] == pytest.approx(hi, rel=1e-12)
    # hand-worked: p = 13/40 = 0.325, n_eff = 39, z² = 3.8415: centre (0.325 + 0.04925) /
    # 1.0985 = 0.3407, half 1.7842 · sqrt(0.005625 + 0.000631) = 0.1411
    lo, hi = res.loc["a", ["ci_low", "ci_high"]]
    assert (round(lo, 3), round(hi, 3)) == (0.200, 0.482)


def test_wilson_with_design_df_uses_the_t_quantile():
    d = SurveyDesign(_frame(), strata="g")
    res = d.proportion("x", by="g", ci_method="wilson")
    row = res[(res["g"] == "b") & (res["level"] == "oui")].iloc[0]
    assert row["df"] == 24
    lo, hi = _wilson(5 / 25, 24, stats.t.isf(0.025, 24))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-12)


def test_srs_mean_by_group_is_the_t_interval():
    df = _frame()
    res = SurveyDesign(df, strata="g").mean("y", by="g").set_index("g")
    for g, sub in df.groupby("g"):
        y = sub["y"].to_numpy()
        n = len(y)
        half = stats.t.isf(0.025, n - 1) * y.std(ddof=1) / np.sqrt(n)  # R: t.test(y)$conf.int
        assert res.loc[g, "estimate"] == pytest.approx(y.mean(), rel=1e-14)
        assert res.loc[g, "se"] == pytest.approx(y.std(ddof=1) / np.sqrt(n), rel=1e-12)
        assert res.loc[g, "ci_low"] == pytest.approx(y.mean() - half, rel=1e-12)
        assert res.loc[g, "ci_high"] == pytest.approx(y.mean() + half, rel=1e-12)
        assert res.loc[g, "df"] == n - 1


def test_ratio_over_independent_clusters():
    clusters = pd.DataFrame({
        "g": ["a"] * 5 + ["b"] * 4,
        "y": [3.0, 5, 2, 8, 4, 1, 0, 2, 3],
        "x": [10.0, 12, 7, 20, 9, 5, 4, 6, 8],
    })
    res = SurveyDesign(clusters, strata="g").ratio("y", "x", by="g", df=np.inf).set_index("g")
    z = stats.norm.isf(0.025)
    for g, sub in clusters.groupby("g"):
        y, x = sub["y"].to_numpy(), sub["x"].to_numpy()
        n = len(y)
        r = y.sum() / x.sum()
        se = np.sqrt(n / (n - 1) * ((y - r * x) ** 2).sum()) / x.sum()
        assert res.loc[g, "estimate"] == pytest.approx(r, rel=1e-14)
        assert res.loc[g, "se"] == pytest.approx(se, rel=1e-12)
        assert res.loc[g, "ci_low"] == pytest.approx(r - z * se, rel=1e-12)
        assert res.loc[g, "ci_high"] == pytest.approx(r + z * se, rel=1e-12)


def test_groups_as_domains_of_one_srs():
    """R: svyby(~y, ~g, svydesign(ids=~1, data=df), svymean): Var = n/(n-1) Σ_g (y - ȳ_g)² / n_g²
    with n the whole sample (rows of other groups are in the design with zero influence)."""
    df = _frame()
    res = SurveyDesign(df).mean("y", by="g").set_index("g")
    n = len(df)
    for g, sub in df.groupby("g"):
        y = sub["y"].to_numpy()
        var = n / (n - 1) * ((y - y.mean()) ** 2).sum() / len(y) ** 2
        assert res.loc[g, "se"] == pytest.approx(np.sqrt(var), rel=1e-12)
