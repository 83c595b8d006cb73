"""svyglm parity beyond the published cases: poisson, missing values, calibrated designs,
confidence intervals, odds ratios, errors.

R values from R 4.1.1 / survey 4.1.1 with R's api data::

    library(survey); data(api); options(digits=15)
    dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    g <- svyglm(enroll~ell+meals+stype, design=dclus1, family=quasipoisson)
    coef(g); SE(g); g$df.residual; confint(g)
    # 6.02184895247161 0.00595361376968365 -0.00247452124489929 1.01040439801845 0.747806436890687
    # 0.150691233448614 0.00549124877905315 0.00261291479929697 0.263652760656807 0.103042164794351
    # 10;  confint (Intercept): 5.68608796057101884 6.3576099443722001
    a <- apiclus1; a$ell[c(3,10,50)] <- NA
    da <- svydesign(id=~dnum, weights=~pw, data=a, fpc=~fpc)
    g <- svyglm(api00~ell+meals, design=da); coef(g); SE(g); g$df.residual
    # 818.363679580616 -0.507964135463368 -3.16243625493022
    # 18.5081891540612 0.321759907429355 0.296133039906324   12
    pop <- c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069)
    g <- svyglm(api00~ell+meals, design=calibrate(dclus1, ~stype+api99, pop)); coef(g); SE(g)
    # 818.235649385792 -0.426913485110449 -3.21664825669817
    # 13.5110409899516 0.327975386449258 0.325785538221473
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from arefie_studies.survey import ModelFormulaError, SurveyDesign

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
RTOL = 1e-6


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.fixture(scope="module")
def clus1(df) -> SurveyDesign:
    return SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")


def test_poisson_matches_r(clus1):
    fit = clus1.glm("enroll ~ ell + meals + stype", family="poisson")
    assert list(fit.params.index) == ["(Intercept)", "ell", "meals", "stypeH", "stypeM"]
    np.testing.assert_allclose(
        fit.params,
        [6.02184895247161, 0.00595361376968365, -0.00247452124489929, 1.01040439801845,
         0.747806436890687], rtol=RTOL)
    np.testing.assert_allclose(
        fit.bse,
        [0.150691233448614, 0.00549124877905315, 0.00261291479929697, 0.263652760656807,
         0.103042164794351], rtol=RTOL)
    assert fit.df_resid == 10
    quasi = clus1.glm("enroll ~ ell + meals + stype", family="quasipoisson")
    np.testing.assert_allclose(quasi.bse, fit.bse, rtol=1e-14)
    ci = fit.conf_int()
    assert ci.loc["(Intercept)", "ci_low"] == pytest.approx(5.68608796057101884, rel=RTOL)
    assert ci.loc["(Intercept)", "ci_high"] == pytest.approx(6.3576099443722001, rel=RTOL)
    # R: Pr(>|t|) of stypeH
    assert fit.pvalues["stypeH"] == pytest.approx(3.30624849575278e-03, rel=RTOL)


def test_missing_values_dropped_as_a_domain(df):
    a = df.copy()
    a.loc[a.index[[2, 9, 49]], "ell"] = np.nan
    d = SurveyDesign(a, weights="pw", psu="dnum", fpc="fpc")
    fit = d.glm("api00 ~ ell + meals")
    np.testing.assert_allclose(
        fit.params, [818.363679580616, -0.507964135463368, -3.16243625493022], rtol=RTOL)
    np.testing.assert_allclose(
        fit.bse, [18.5081891540612, 0.321759907429355, 0.296133039906324], rtol=RTOL)
    assert fit.df_resid == 12
    assert fit.nobs == len(a) - 3


def test_glm_on_calibrated_design_matches_r(clus1):
    cal = clus1.calibrate(categorical={"stype": {"E": 4421, "H": 755, "M": 1018}},
                          numeric={"api99": 3914069})
    fit = cal.glm("api00 ~ ell + meals")
    np.testing.assert_allclose(
        fit.params, [818.235649385792, -0.426913485110449, -3.21664825669817], rtol=RTOL)
    np.testing.assert_allclose(
        fit.bse, [13.5110409899516, 0.327975386449258, 0.325785538221473], rtol=RTOL)


def test_point_estimates_equal_weighted_least_squares(df, clus1):
    fit = clus1.glm("api00 ~ ell + meals + mobility")
    x = sm.add_constant(df[["ell", "meals", "mobility"]])
    wls = sm.WLS(df["api00"], x, weights=df["pw"]).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), wls.params.to_numpy(), rtol=1e-10)


def test_binomial_outcomes_factor_boolean_and_odds_ratios(df, clus1):
    a = df.assign(yes=df["sch_wide"] == "Yes")
    d = SurveyDesign(a, weights="pw", psu="dnum", fpc="fpc")
    f_bool = d.glm("yes ~ ell + meals", family="binomial")
    f_fac = clus1.glm("sch_wide ~ ell + meals", family="binomial")  # levels No < Yes
    np.testing.assert_allclose(f_bool.params, f_fac.params, rtol=1e-12)
    np.testing.assert_allclose(f_bool.params, [1.89955691113633, 0.0399254107978012,
                                               -0.0191146824661448], rtol=RTOL)
    orr = f_bool.odds_ratios()
    assert list(orr.columns) == ["term", "odds_ratio", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(orr["odds_ratio"], np.exp(f_bool.params.to_numpy()))
    ci = f_bool.conf_int()
    np.testing.assert_allclose(orr["ci_low"], np.exp(ci["ci_low"].to_numpy()))
    summ = f_bool.summary()
    assert list(summ.columns) == ["term", "estimate", "se", "t", "p_value", "ci_low",
                                 "ci_high", "df"]
    assert "Survey GLM (binomial)" in repr(f_bool)
    with pytest.raises(ValueError, match="needs a binomial"):
        clus1.glm("api00 ~ ell").odds_ratios()


def test_domain_equals_zero_weight_rows(clus1):
    sub = clus1.subset(clus1.data["stype"] != "H")
    a = sub.glm("api00 ~ ell + meals")
    # the same domain through missing values of a predictor
    b_df = clus1.data.copy()
    b_df.loc[b_df["stype"] == "H", "ell"] = np.nan
    b = SurveyDesign(b_df, weights="pw", psu="dnum", fpc="fpc").glm("api00 ~ ell + meals")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-12)
    assert a.df_resid == b.df_resid


def test_bad_inputs(clus1):
    with pytest.raises(ModelFormulaError, match=r"\['elll'\].*did you mean 'ell'"):
        clus1.glm("api00 ~ elll + meals")
    with pytest.raises(ModelFormulaError, match=r"two-level outcome.*'stype' has 3 levels"):
        clus1.glm("stype ~ ell", family="binomial")
    with pytest.raises(ModelFormulaError, match=r"outcome in \[0, 1\]"):
        clus1.glm("api00 ~ ell", family="binomial")
    with pytest.raises(ModelFormulaError, match="family='gamma' is not available"):
        clus1.glm("api00 ~ ell", family="gamma")
    with pytest.raises(ModelFormulaError, match="must be a string 'outcome ~ predictors'"):
        clus1.glm("api00")
    with pytest.raises(ModelFormulaError, match="rank deficient"):
        d = SurveyDesign(clus1.data.assign(ell2=clus1.data["ell"] * 2), weights="pw",
                         psu="dnum", fpc="fpc")
        d.glm("api00 ~ ell + ell2")
