"""svychisq parity beyond the published cases: domains, 'lincom', errors, algebra identities.

R values below come from R 4.1.1 / survey 4.1.1 (Debian r-cran-survey), with R's own api data
(``sch.wide`` is ``sch_wide`` in our CSV)::

    library(survey); data(api)
    dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    ds <- subset(dclus1, api00 > 600)
    for (s in c("F","Chisq","Wald","adjWald")) {
      r <- svychisq(~stype+sch.wide, ds, statistic=s)
      cat(s, r$statistic, r$parameter, r$p.value, "\\n")
    }
    # F 4.83811121408568 1.56781155105058 14.1103039594552 0.0316928771109882
    # Chisq 7.13052995391705 2 0.00792200289705005
    # Wald 1.60040544309745 2 9 0.254297542027702
    # adjWald 1.42258261608662 2 8 0.296084215558179
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from arefie_studies.survey import ModelFormulaError, SurveyDesign
from arefie_studies.survey._chisq import (
    _pfsum_upper,
    pearson_x2,
    rao_scott_delta,
    rao_scott_test,
)

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"


@pytest.fixture(scope="module")
def clus1() -> SurveyDesign:
    df = pd.read_csv(DATA / "apiclus1.csv")
    return SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")


R_SUBSET = {
    "F": (4.83811121408568, (1.56781155105058, 14.1103039594552), 0.0316928771109882),
    "Chisq": (7.13052995391705, 2, 0.00792200289705005),
    "Wald": (1.60040544309745, (2, 9), 0.254297542027702),
    "adjWald": (1.42258261608662, (2, 8), 0.296084215558179),
}


@pytest.mark.parametrize("statistic", list(R_SUBSET))
def test_chisq_in_a_domain_matches_r(clus1, statistic):
    stat, df, p = R_SUBSET[statistic]
    res = clus1.subset(clus1.data["api00"] > 600).chisq("stype", "sch_wide", statistic=statistic)
    assert res.statistic == pytest.approx(stat, rel=1e-6)
    np.testing.assert_allclose(np.atleast_1d(res.df), np.atleast_1d(df), rtol=1e-6)
    assert res.p_value == pytest.approx(p, rel=1e-6)


def test_missing_values_are_a_domain(clus1):
    """NA in the column variable: the same statistic as on the subset of non-missing rows;
    the denominator df keeps ν of the whole design, as svychisq (na.rm=TRUE) does."""
    df = clus1.data.copy()
    df.loc[df.index[:20], "sch_wide"] = np.nan
    d = SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    for statistic in ("F", "Wald"):
        got = d.chisq("stype", "sch_wide", statistic=statistic)
        want = d.subset(df["sch_wide"].notna()).chisq("stype", "sch_wide", statistic=statistic)
        assert got.statistic == pytest.approx(want.statistic, rel=1e-12)
        assert got.df[0] == pytest.approx(want.df[0], rel=1e-12)
    nu_all = 15 - 1
    assert d.chisq("stype", "sch_wide", statistic="Wald").df == (2.0, nu_all)


def test_result_object(clus1):
    res = clus1.chisq("stype", "sch_wide")
    assert isinstance(res.df, tuple) and len(res.df) == 2
    text = repr(res)
    assert "Rao & Scott" in text and "F = 5.19337" in text and "p-value" in text
    frame = res.to_frame()
    assert list(frame.columns) == ["row", "col", "test", "statistic", "ndf", "ddf", "p_value"]
    # weighted table: totals of the design weights
    assert res.table.to_numpy().sum() == pytest.approx(clus1.weights.sum())


def test_lincom_is_exact_distribution_of_x2(clus1):
    res = clus1.chisq("stype", "sch_wide", statistic="lincom")
    assert res.statistic == pytest.approx(11.9408920807453, rel=1e-9)  # Pearson X² as R
    assert res.df is None
    # Monte Carlo of sum(lambda_k chi2_1) / (chi2_ddf / ddf) with R's generalised deffs
    assert res.p_value == pytest.approx(0.02208, abs=3e-4)


def test_pfsum_equal_eigenvalues_is_an_f_distribution():
    # lam * chi2_k / (chi2_d / d) = lam * k * F(k, d)
    for lam, k, d, x in [(1.0, 2, 14.1, 5.0), (2.0, 3, 30.0, 7.0), (0.7, 4, 9.5, 2.0)]:
        got = _pfsum_upper(x, np.full(k, lam), d)
        assert got == pytest.approx(stats.f.sf(x / (lam * k), k, d), rel=1e-7)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 10_000))
def test_srs_delta_is_identity_for_multinomial_covariance(nr, nc, seed):
    """With V the multinomial covariance (p_ij δ - p p') / n, Delta = I, so F = X² / df."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(nr * nc) * 2)
    n = 500.0
    v = (np.diag(p) - np.outer(p, p)) / n
    delta = rao_scott_delta(p, v, nr, nc, n)
    np.testing.assert_allclose(delta, np.eye((nr - 1) * (nc - 1)), atol=1e-9)
    x2 = pearson_x2(p.reshape(nc, nr).T * n)
    stat, df, _ = rao_scott_test(x2, delta, 10.0, "F")
    assert stat == pytest.approx(x2 / ((nr - 1) * (nc - 1)))
    assert df[0] == pytest.approx((nr - 1) * (nc - 1))


def test_bad_inputs(clus1):
    with pytest.raises(ModelFormulaError, match=r"not available.*F, Chisq, Wald, adjWald"):
        clus1.chisq("stype", "sch_wide", statistic="G2")
    with pytest.raises(ModelFormulaError, match=r"\['stipe'\].*did you mean 'stype'"):
        clus1.chisq("stipe", "sch_wide")
    one = clus1.subset(clus1.data["stype"] == "E")
    with pytest.raises(ModelFormulaError, match="'stype' has 1 level"):
        one.chisq("stype", "sch_wide")


# R: pop <- c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069)
#    g <- calibrate(dclus1, ~stype+api99, pop); gs <- subset(g, api00 > 600)
#    svychisq(~stype+sch.wide, gs, statistic=s)   (a calibrated subset keeps every row)
R_CAL_SUBSET = {
    "F": (4.26145620165306, (1.71812266806448, 24.0537173529027), 0.0309745890003179),
    "Chisq": (12.3674684207008, 2, 0.0141017524561191),
    "Wald": (1.64829875982958, (2, 14), 0.227599598300418),
    "adjWald": (1.53056313412746, (2, 13), 0.252980946598579),
}


@pytest.mark.parametrize("statistic", list(R_CAL_SUBSET))
def test_chisq_in_a_domain_of_a_calibrated_design_matches_r(clus1, statistic):
    stat, df, p = R_CAL_SUBSET[statistic]
    g = clus1.calibrate(categorical={"stype": {"E": 4421, "H": 755, "M": 1018}},
                        numeric={"api99": 3914069})
    res = g.subset(g.data["api00"] > 600).chisq("stype", "sch_wide", statistic=statistic)
    assert res.statistic == pytest.approx(stat, rel=1e-6)
    np.testing.assert_allclose(np.atleast_1d(res.df), np.atleast_1d(df), rtol=1e-6)
    assert res.p_value == pytest.approx(p, rel=1e-6)
