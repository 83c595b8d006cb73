"""Proportion intervals in domains (R svyby + svyciprop), R's fmm spline, Wilson by hand."""

import numpy as np
import pandas as pd
import pytest
from _reference import REFERENCE_DIR
from scipy import stats

from arefie_studies.survey import SurveyDesign
from arefie_studies.survey._ci import _r_spline, proportion_ci

# R: d <- svydesign(ids=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
#    svyby(~I(sch.wide=="Yes"), ~stype, d, svyciprop, method=m, vartype="ci")
R_BY = {
    "likelihood": [(0.864166961033090, 0.954498930060419), (0.521811799231884, 0.946044254053561),
                   (0.418418588604886, 0.880286370513798)],
    "beta": [(0.859765358737351, 0.955816623310151), (0.521760971207249, 0.943907693670807),
             (0.405708991672240, 0.885241289543765)],
    "logit": [(0.859206537056401, 0.951986801472120), (0.503687967865637, 0.929812572364626),
              (0.412455444697252, 0.865456261651120)],
    "asin": [(0.866346309092945, 0.955962623803375), (0.540540099420013, 0.953334997132835),
             (0.426072498434774, 0.886936870242688)],
}


@pytest.fixture(scope="module")
def clus1():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apiclus1.csv")
    return SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")


@pytest.mark.parametrize("method", list(R_BY))
def test_ciprop_by_domain_matches_r(clus1, method):
    res = clus1.proportion("sch_wide", by="stype", ci_method=method)
    yes = res[res["level"] == "Yes"]
    np.testing.assert_allclose(yes["estimate"], [0.916666666666667, 0.785714285714286, 0.68], rtol=1e-9)
    np.testing.assert_allclose(yes[["ci_low", "ci_high"]].to_numpy(), np.array(R_BY[method]), rtol=1e-6)
    # R: degf(subset(d, stype == s))
    assert yes["df"].tolist() == [14, 7, 11]


def test_r_fmm_spline():
    # R: spline(c(0,1,2.5,3,4.2,5), c(1,4,2,5,3,0), n=18)$y
    want = [1, 3.18187069341005, 4.15257870334028, 4.18690522254463, 3.56302299031455,
            2.60985233116985, 1.6953791612294, 1.18859429928988, 1.45848856414793,
            2.83322860331503, 4.70202512474331, 5.68005836022238, 5.56058662317376,
            4.68318382452092, 3.39000083555292, 2.01507798635425, 0.814327675882785, 0]
    _, y = _r_spline(np.array([0, 1, 2.5, 3, 4.2, 5.0]), np.array([1, 4, 2, 5, 3, 0.0]), 18)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-14)


def test_wilson_by_hand():
    p, se, df, n = 0.3, 0.05, 20, 100
    lo, hi = proportion_ci("wilson", np.array([p]), np.array([se]), df, n)
    n_eff = p * (1 - p) / se**2  # 84
    z = stats.t.isf(0.025, df)
    centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z / (1 + z**2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2))
    assert lo[0] == pytest.approx(centre - half, rel=1e-12)
    assert hi[0] == pytest.approx(centre + half, rel=1e-12)
    assert 0 < lo[0] < p < hi[0] < 1


def test_degenerate_proportions_and_infinite_df(clus1):
    res = clus1.proportion("stype", by="sch_wide", df=np.inf, ci_method="mean")
    row = res.iloc[0]
    z = stats.norm.isf(0.025)
    assert row["ci_low"] == pytest.approx(row["estimate"] - z * row["se"], rel=1e-12)
    lo, hi = proportion_ci("logit", np.array([0.0, 1.0]), np.array([0.0, 0.0]), 5, 10)
    assert lo.tolist() == [0.0, 1.0] and hi.tolist() == [0.0, 1.0]
