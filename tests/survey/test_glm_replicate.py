"""glm and chisq on replicate-weight designs (svyglm.svyrep.design, svychisq.svyrep.design).

R 4.1.1 / survey 4.1.1, data tests/reference/data/apiclus1_bootstrap.csv::

    df <- read.csv("apiclus1_bootstrap.csv"); df$yes <- as.numeric(df$sch_wide == "Yes")
    d <- svrepdesign(data=df, repweights="bw[0-9]+", weights=~pw, type="bootstrap",
                     combined.weights=TRUE, scale=0.021865889212828, rscales=rep(1,50), mse=FALSE)
    g <- svyglm(api00~ell+meals+mobility, design=d); coef(g); SE(g); g$df.residual
    # 819.279051139125 -0.51672177968348 -3.12320426489935 -0.168919682187167
    # 26.2229764812634 0.472030496166582 0.509031156738668 0.528266288846366   11
    g <- svyglm(yes~ell+meals, design=d, family=quasibinomial); SE(g); g$df.residual
    # 0.528054151049402 0.0161837602636033 0.0129846973677647   12
    for (s in c("F","Chisq","Wald","adjWald")) svychisq(~stype+sch_wide, d, statistic=s)
    # F 5.4293930253462 (1.55558925626563, 21.7782495877188) p 0.0176271626665185
    # Chisq 11.9408920807453 2 p 0.00438575703829575
    # Wald 2.98989023019622 (2, 14) p 0.0829394720992679
    # adjWald 2.77632664232506 (2, 13) p 0.0990815073268162
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import ReplicateDesign, ReplicateWeightsError, SurveyDesign
from arefie_studies.survey._models import ModelsMixin

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
RTOL = 1e-6
REPS = [f"bw{i}" for i in range(1, 51)]

RepDesign = ReplicateDesign  # the public class itself, no test-side composition


def test_replicate_design_has_models_in_normal_use():
    assert issubclass(ReplicateDesign, ModelsMixin)
    df = pd.read_csv(DATA / "apiclus1.csv")
    rep = SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    assert type(rep) is ReplicateDesign
    assert callable(rep.glm) and callable(rep.chisq)


@pytest.fixture(scope="module")
def boot() -> ReplicateDesign:
    df = pd.read_csv(DATA / "apiclus1_bootstrap.csv")
    df["yes"] = (df["sch_wide"] == "Yes").astype(float)
    return RepDesign(df, weights="pw", replicate_weights=REPS, type="bootstrap",
                     scale=0.021865889212828, rscales=[1.0] * 50, mse=False)


def test_gaussian_glm_on_bootstrap_replicates_matches_r(boot):
    fit = boot.glm("api00 ~ ell + meals + mobility")
    np.testing.assert_allclose(
        fit.params, [819.279051139125, -0.51672177968348, -3.12320426489935,
                     -0.168919682187167], rtol=RTOL)
    np.testing.assert_allclose(
        fit.bse, [26.2229764812634, 0.472030496166582, 0.509031156738668, 0.528266288846366],
        rtol=RTOL)
    assert fit.df_resid == 11


def test_logistic_glm_on_bootstrap_replicates_matches_r(boot):
    fit = boot.glm("yes ~ ell + meals", family="binomial")
    np.testing.assert_allclose(
        fit.bse, [0.528054151049402, 0.0161837602636033, 0.0129846973677647], rtol=RTOL)
    assert fit.df_resid == 12


@pytest.mark.parametrize(
    ("statistic", "stat", "df", "p"),
    [
        ("F", 5.4293930253462, (1.55558925626563, 21.7782495877188), 0.0176271626665185),
        ("Chisq", 11.9408920807453, 2, 0.00438575703829575),
        ("Wald", 2.98989023019622, (2, 14), 0.0829394720992679),
        ("adjWald", 2.77632664232506, (2, 13), 0.0990815073268162),
    ],
)
def test_chisq_on_bootstrap_replicates_matches_r(boot, statistic, stat, df, p):
    res = boot.chisq("stype", "sch_wide", statistic=statistic)
    assert res.statistic == pytest.approx(stat, rel=RTOL)
    np.testing.assert_allclose(np.atleast_1d(res.df), np.atleast_1d(df), rtol=RTOL)
    assert res.p_value == pytest.approx(p, rel=RTOL)


def test_replicate_weights_with_nan_never_reach_glm(boot):
    df = boot.data.copy()
    df.loc[df.index[4], "bw7"] = np.nan
    with pytest.raises(ReplicateWeightsError, match=r"missing value.*'bw7'"):
        RepDesign(df, weights="pw", replicate_weights=REPS, type="bootstrap").glm("api00 ~ ell")


def test_missing_predictor_is_a_domain_on_replicates(boot):
    df = boot.data.copy()
    df.loc[df["stype"] == "H", "ell"] = np.nan
    a = RepDesign(df, weights="pw", replicate_weights=REPS, type="bootstrap",
                  scale=0.021865889212828, rscales=[1.0] * 50).glm("api00 ~ ell + meals")
    b = boot.subset(boot.data["stype"] != "H").glm("api00 ~ ell + meals")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-10)
