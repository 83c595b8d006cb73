"""Weighting a replicate design adjusts every replicate column (calibrate.svyrep.design).

R 4.1.1 / survey 4.1.1, data tests/reference/data/apiclus1_bootstrap.csv::

    d <- svrepdesign(data=df, repweights="bw[0-9]+", weights=~pw, type="bootstrap",
                     combined.weights=TRUE, scale=0.021865889212828, rscales=rep(1,50), mse=FALSE)
    st <- data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))
    ps <- postStratify(d, ~stype, st, compress=FALSE)
    svymean(~api00, ps); svytotal(~enroll, ps)
    # 642.310788211582 24.5179466831647 ; 3680892.94511905 424722.564367788
    pop <- c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069)
    g <- calibrate(d, ~stype+api99, pop, compress=FALSE)
    svymean(~api00, g); svytotal(~enroll, g)
    # 665.30907116578 3.50042327154647 ; 3638487.20413188 418060.667463574
    fit <- svyglm(api00~ell+meals, design=g); coef(fit); SE(fit); fit$df.residual
    # 818.235649385793 -0.426913485110448 -3.21664825669817
    # 18.9382518409607 0.570375323478577 0.592623959231346   42
    gr <- calibrate(d, ~stype+api99, pop, calfun="raking", compress=FALSE)
    svymean(~api00, gr)   # 665.393795994781 3.4299067422371
    r <- rake(d, list(~stype, ~sch_wide), list(st, data.frame(sch_wide=c("No","Yes"),
              Freq=c(1000,5194))), control=list(maxit=1000, epsilon=1e-12), compress=FALSE)
    svymean(~api00, r)    # 641.594288477425 24.2823094829505
    dc <- svydesign(id=~dnum, weights=~pw, data=df, fpc=~fpc)
    jps <- postStratify(as.svrepdesign(dc, type="JK1"), ~stype, st, compress=FALSE)
    svymean(~api00, jps)  # 642.310788211582 26.934535367426

(R's trimWeights.svyrep.design recycles a vector of the wrong length — it warns "longer object
length is not a multiple" — so trimming is checked by hand here, not against R.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import MarginError, ReplicateDesign, SurveyDesign

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
RTOL = 1e-6
REPS = [f"bw{i}" for i in range(1, 51)]
ST = {"E": 4421, "H": 755, "M": 1018}


@pytest.fixture(scope="module")
def boot() -> ReplicateDesign:
    df = pd.read_csv(DATA / "apiclus1_bootstrap.csv")
    return ReplicateDesign(df, weights="pw", replicate_weights=REPS, type="bootstrap",
                           scale=0.021865889212828, rscales=[1.0] * 50, mse=False)


def _est_se(frame: pd.DataFrame) -> list[float]:
    return frame[["estimate", "se"]].to_numpy().ravel().tolist()


def test_poststratify_replicates_matches_r(boot):
    ps = boot.poststratify("stype", ST)
    np.testing.assert_allclose(_est_se(ps.mean("api00")), [642.310788211582, 24.5179466831647],
                               rtol=RTOL)
    np.testing.assert_allclose(_est_se(ps.total("enroll")), [3680892.94511905, 424722.564367788],
                               rtol=RTOL)
    # every replicate column reaches the population counts
    rw = ps.repweights
    for lev, n in ST.items():
        np.testing.assert_allclose(rw[ps.data["stype"].to_numpy() == lev].sum(axis=0), n,
                                   rtol=1e-10)


def test_linear_calibration_of_replicates_matches_r(boot):
    g = boot.calibrate(categorical={"stype": ST}, numeric={"api99": 3914069})
    np.testing.assert_allclose(_est_se(g.mean("api00")), [665.30907116578, 3.50042327154647],
                               rtol=RTOL)
    np.testing.assert_allclose(_est_se(g.total("enroll")), [3638487.20413188, 418060.667463574],
                               rtol=RTOL)
    fit = g.glm("api00 ~ ell + meals")
    np.testing.assert_allclose(fit.params, [818.235649385793, -0.426913485110448,
                                            -3.21664825669817], rtol=RTOL)
    np.testing.assert_allclose(fit.bse, [18.9382518409607, 0.570375323478577, 0.592623959231346],
                               rtol=RTOL)
    assert fit.df_resid == 42


def test_raking_calibration_and_rake_of_replicates_match_r(boot):
    gr = boot.calibrate(categorical={"stype": ST}, numeric={"api99": 3914069}, method="raking")
    np.testing.assert_allclose(_est_se(gr.mean("api00")), [665.393795994781, 3.4299067422371],
                               rtol=RTOL)
    r = boot.rake({"stype": ST, "sch_wide": {"No": 1000, "Yes": 5194}})
    np.testing.assert_allclose(_est_se(r.mean("api00")), [641.594288477425, 24.2823094829505],
                               rtol=RTOL)


def test_poststratify_jk1_built_from_a_design_matches_r():
    df = pd.read_csv(DATA / "apiclus1.csv")
    jk = SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    jps = jk.poststratify("stype", ST)
    np.testing.assert_allclose(_est_se(jps.mean("api00")), [642.310788211582, 26.934535367426],
                               rtol=RTOL)
    assert len(jps._calibrations) == 1 and "1 weighting step" in repr(jps)


def test_trim_replicates_scales_each_replicate_by_the_row_ratio(boot):
    g = boot.calibrate(categorical={"stype": ST}, numeric={"api99": 3914069})
    t = g.trim(lower=20, upper=45, strict=True)
    w = t.weights[t.weights > 0]
    assert w.min() >= 20 - 1e-9 and w.max() <= 45 + 1e-9
    assert t.weights.sum() == pytest.approx(g.weights.sum(), rel=1e-12)
    ratio = t.weights / g.weights
    np.testing.assert_allclose(t.repweights, g.repweights * ratio[:, None], rtol=1e-12)


def test_weighting_a_replicate_domain_leaves_other_rows(boot):
    sub = boot.subset(boot.data["stype"] != "H")
    ps = sub.poststratify("stype", {"E": 4421, "M": 1018})
    out = (boot.data["stype"] == "H").to_numpy()
    np.testing.assert_array_equal(ps.repweights[out], boot.repweights[out])
    np.testing.assert_array_equal(ps.weights[out], boot.weights[out])


def test_a_margin_error_on_replicates_names_the_margin(boot):
    with pytest.raises(MarginError, match=r"'stype'.*no respondent.*X"):
        boot.poststratify("stype", {**ST, "X": 10})


def test_calibrated_design_to_replicate_points_to_the_alternative():
    df = pd.read_csv(DATA / "apiclus1.csv")
    cal = SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").poststratify("stype", ST)
    with pytest.raises(Exception, match=r"replicate\(\.\.\.\)\.rake"):
        cal.replicate("JK1")
