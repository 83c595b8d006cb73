"""Weighting beyond the published cases: trimming, cell margins, shares, identities, diagnostics,
and every infeasible input (each must stop with a clear error, never return weights).

R values from R 4.1.1 / survey 4.1.1 with R's api data (``sch.wide`` / ``comp.imp`` are
``sch_wide`` / ``comp_imp`` in our CSV)::

    library(survey); data(api); options(digits=15)
    dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    pop <- c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069)
    dclus1g <- calibrate(dclus1, ~stype+api99, pop)
    dclus1t <- trimWeights(dclus1g, lower=20, upper=45)
    summary(weights(dclus1t)); head(weights(dclus1t)); svymean(~api00, dclus1t)
    # 20 26.8235581684414 34.4844276876288 33.8469945355191 41.1345779998311 45.7418297735834
    # 45 27.9471523645889 26.1766402979322 35.7782634286472 35.1653938671122 36.0506499004405
    # 663.051952497594 SE 3.57958769503329
    dclus1tt <- trimWeights(dclus1g, lower=20, upper=45, strict=TRUE)
    summary(weights(dclus1tt)); head(weights(dclus1tt))
    # 20.0105694086961 ... 45
    # 45 27.9577217732849 26.1872097066282 35.7888328373432 35.1759632758082 36.0612193091366
    pop2 <- data.frame(stype=rep(c("E","H","M"),2), sch.wide=rep(c("No","Yes"),each=3),
                       Freq=c(700,300,200,3721,455,818))
    pop3 <- data.frame(comp.imp=c("No","Yes"), Freq=c(2000,4194))
    dr <- rake(dclus1, list(~stype+sch.wide, ~comp.imp), list(pop2, pop3),
               control=list(maxit=1000, epsilon=1e-12))
    svymean(~api00, dr); head(weights(dr))
    # 640.969958361199 SE 23.8366080405236
    # 42.9688355322291 28.635114871196 28.635114871196 25.6933567215929 28.635114871196 28.635114871196
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arefie_studies.survey import CalibrationError, MarginError, SurveyDesign, SurveyError
from arefie_studies.survey._calibrate import calibration_g, trim_weights

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
RTOL = 1e-6
STYPE = {"E": 4421, "H": 755, "M": 1018}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.fixture(scope="module")
def clus1(df) -> SurveyDesign:
    return SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def greg(clus1) -> SurveyDesign:
    return clus1.calibrate(categorical={"stype": STYPE}, numeric={"api99": 3914069})


# ---- trimming ---------------------------------------------------------------------------------
def test_trim_matches_r(greg):
    t = greg.trim(lower=20, upper=45)
    w = t.weights
    np.testing.assert_allclose(
        w[:6], [45, 27.9471523645889, 26.1766402979322, 35.7782634286472, 35.1653938671122,
                36.0506499004405], rtol=RTOL)
    np.testing.assert_allclose(
        [w.min(), np.percentile(w, 25), np.median(w), w.mean(), np.percentile(w, 75), w.max()],
        [20, 26.8235581684414, 34.4844276876288, 33.8469945355191, 41.1345779998311,
         45.7418297735834], rtol=RTOL)
    est = t.mean("api00")
    assert est["estimate"].iloc[0] == pytest.approx(663.051952497594, rel=RTOL)
    assert est["se"].iloc[0] == pytest.approx(3.57958769503329, rel=RTOL)
    assert w.sum() == pytest.approx(greg.weights.sum(), rel=1e-12)


def test_trim_strict_matches_r(greg):
    w = greg.trim(lower=20, upper=45, strict=True).weights
    np.testing.assert_allclose(
        w[:6], [45, 27.9577217732849, 26.1872097066282, 35.7888328373432, 35.1759632758082,
                36.0612193091366], rtol=RTOL)
    assert w.min() == pytest.approx(20.0105694086961, rel=RTOL)
    assert w.max() <= 45


def test_trim_infeasible_bounds():
    with pytest.raises(CalibrationError, match=r"mean weight 2.* must lie between the bounds"):
        trim_weights(np.array([1.0, 2.0, 3.0]), lower=2.5, upper=10)
    with pytest.raises(CalibrationError, match="lower=5 must be smaller than upper=1"):
        trim_weights(np.array([1.0, 2.0]), lower=5, upper=1)


# ---- cells, shares, identities ----------------------------------------------------------------
def test_rake_with_a_cell_margin_matches_r(clus1):
    cells = pd.DataFrame({"stype": ["E", "H", "M"] * 2, "sch_wide": ["No"] * 3 + ["Yes"] * 3,
                          "Freq": [700, 300, 200, 3721, 455, 818]})
    r = clus1.rake({("stype", "sch_wide"): cells, "comp_imp": {"No": 2000, "Yes": 4194}})
    np.testing.assert_allclose(
        r.weights[:6], [42.9688355322291, 28.635114871196, 28.635114871196, 25.6933567215929,
                        28.635114871196, 28.635114871196], rtol=RTOL)
    est = r.mean("api00")
    assert est["estimate"].iloc[0] == pytest.approx(640.969958361199, rel=RTOL)
    assert est["se"].iloc[0] == pytest.approx(23.8366080405236, rel=RTOL)
    # the same cells keyed by tuples
    as_dict = {(a, b): f for a, b, f in cells.itertuples(index=False)}
    r2 = clus1.rake({("stype", "sch_wide"): as_dict, "comp_imp": {"No": 2000, "Yes": 4194}})
    np.testing.assert_allclose(r2.weights, r.weights, rtol=1e-12)


def test_shares_scale_to_the_counts_or_the_weighted_total(clus1):
    counts = clus1.rake({"stype": STYPE, "sch_wide": {"No": 1072, "Yes": 5122}})
    shares = clus1.rake({"stype": STYPE, "sch_wide": {"No": 1072 / 6194, "Yes": 5122 / 6194}})
    np.testing.assert_allclose(shares.weights, counts.weights, rtol=1e-9)
    only = clus1.poststratify("stype", {k: v / 6194 for k, v in STYPE.items()})
    assert only.weights.sum() == pytest.approx(clus1.weights.sum(), rel=1e-12)


def test_linear_calibration_on_one_margin_is_poststratification(clus1):
    ps = clus1.poststratify("stype", STYPE)
    lin = clus1.calibrate(categorical={"stype": STYPE})
    rk = clus1.calibrate(categorical={"stype": STYPE}, method="raking")
    np.testing.assert_allclose(lin.weights, ps.weights, rtol=1e-12)
    np.testing.assert_allclose(rk.weights, ps.weights, rtol=1e-10)
    a, b = ps.mean("api00"), lin.mean("api00")
    assert a["se"].iloc[0] == pytest.approx(b["se"].iloc[0], rel=1e-10)


def test_raking_calibration_and_rake_share_the_fixed_point(clus1):
    margins = {"stype": STYPE, "sch_wide": {"No": 1072, "Yes": 5122}}
    a = clus1.rake(margins)
    b = clus1.calibrate(categorical=margins, method="raking")
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-8)


def test_rake_in_a_domain_changes_only_domain_rows(clus1, df):
    dom = df["sch_wide"] == "Yes"
    sub = clus1.subset(dom)
    r = sub.rake({"stype": {"E": 3000, "H": 500, "M": 800}})
    w = np.asarray(r.weights)
    np.testing.assert_array_equal(w[~dom.to_numpy()], clus1.weights[~dom.to_numpy()])
    got = pd.Series(w[dom.to_numpy()]).groupby(df.loc[dom, "stype"].to_numpy()).sum()
    np.testing.assert_allclose(got.to_numpy(), [3000, 500, 800], rtol=1e-10)


# ---- diagnostics --------------------------------------------------------------------------------
def test_diagnostics(clus1):
    r = clus1.rake({"stype": STYPE, "sch_wide": {"No": 1072, "Yes": 5122}}).trim(upper=60)
    diag = r.weighting_diagnostics()
    s = diag.summary.iloc[0]
    w = np.asarray(r.weights)
    assert s["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert s["deff_w"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert s["max"] == pytest.approx(60.0) and s["min"] == pytest.approx(w.min())
    assert s["ratio_max"] == pytest.approx((w / clus1.weights).max())
    m = diag.margins
    assert list(m.columns) == ["step", "kind", "margin", "level", "target", "reached", "diff",
                               "rel_diff"]
    assert set(m["margin"]) == {"stype", "sch_wide"}
    # trimming moved the weights: the table shows by how much each target is now missed
    np.testing.assert_allclose(m["diff"], m["reached"] - m["target"])
    assert "Weighting diagnostics" in repr(diag)
    raked = clus1.rake({"stype": STYPE}).weighting_diagnostics().margins
    assert raked["rel_diff"].abs().max() < 1e-8


# ---- infeasible problems: clear errors ---------------------------------------------------------
def test_margin_level_absent_from_the_sample(clus1):
    with pytest.raises(MarginError, match=r"no respondent in the sample: X \(target 50\)"):
        clus1.rake({"stype": {**STYPE, "X": 50}})


def test_sample_level_missing_from_the_margin(clus1):
    with pytest.raises(MarginError, match=r"no total for level\(s\) \['M'\].*Margin levels"):
        clus1.poststratify("stype", {"E": 4421, "H": 755})


def test_margin_totals_disagree(clus1):
    with pytest.raises(MarginError, match=r"'stype' sums to 6194 but 'sch_wide' sums to 6000"):
        clus1.rake({"stype": STYPE, "sch_wide": {"No": 1000, "Yes": 5000}})


def test_bounds_too_tight(clus1):
    with pytest.raises(CalibrationError, match=r"did not converge.*stype = H.*bounds"):
        clus1.calibrate(categorical={"stype": STYPE}, numeric={"api99": 3914069},
                        method="logit", bounds=(0.95, 1.05))


def test_contradictory_margins_do_not_converge():
    # level 'a' of A only occurs with level 'x' of B: A=a needs 80, B=x allows 20
    d = SurveyDesign(pd.DataFrame({"A": ["a", "a", "b", "b"], "B": ["x", "x", "y", "x"],
                                   "w": [1.0, 1.0, 1.0, 1.0]}), weights="w")
    with pytest.raises(CalibrationError, match=r"raking did not converge.*A: largest gap"):
        d.rake({"A": {"a": 80, "b": 20}, "B": {"x": 20, "y": 80}}, maxit=200)


def test_linear_calibration_with_negative_weights_is_refused(clus1):
    with pytest.raises(CalibrationError, match=r"negative.*bounds=\(lower, upper\)"):
        clus1.calibrate(categorical={"stype": STYPE}, numeric={"api99": 2_000_000})


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"method": "logit"}, "'logit' requires finite bounds"),
        ({"method": "probit"}, "not a calibration method"),
        ({"bounds": (1.2, 2.0)}, "lower < 1 < upper"),
    ],
)
def test_bad_calibration_options(clus1, kwargs, pattern):
    with pytest.raises(CalibrationError, match=pattern):
        clus1.calibrate(categorical={"stype": STYPE}, **kwargs)


def test_bad_margin_inputs(clus1, df):
    with pytest.raises(MarginError, match=r"\['stipe'\] are not columns.*Available columns"):
        clus1.rake({"stipe": STYPE})
    with pytest.raises(MarginError, match="missing or negative totals"):
        clus1.rake({"stype": {"E": 4421, "H": -5, "M": 1018}})
    with pytest.raises(MarginError, match="key 'E' has 1 part"):
        clus1.rake({("stype", "sch_wide"): STYPE})
    a = df.copy()
    a.loc[a.index[[3, 7]], "stype"] = None
    d = SurveyDesign(a, weights="pw", psu="dnum", fpc="fpc")
    with pytest.raises(MarginError, match=r"'stype' has 2 missing value\(s\) \(first rows: \[3, 7\]"):
        d.poststratify("stype", STYPE)
    with pytest.raises(MarginError, match="numeric: variable 'api98'"):
        clus1.calibrate(numeric={"api98": 1.0})
    with pytest.raises(CalibrationError, match="needs categorical= margins and/or numeric="):
        clus1.calibrate()
    assert issubclass(MarginError, SurveyError) and issubclass(CalibrationError, ValueError)


# ---- properties ---------------------------------------------------------------------------------
@st.composite
def _problem(draw):
    n = draw(st.integers(30, 120))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, n)
    b = rng.integers(0, 2, n)
    a[:6] = [0, 0, 1, 1, 2, 2]  # every (a, b) cell has a respondent: the margins are
    b[:6] = [0, 1, 0, 1, 0, 1]  # always reachable together (else raking rightly fails)
    w = rng.uniform(0.5, 3.0, n)
    x = rng.gamma(2.0, 2.0, n)
    total = w.sum() * rng.uniform(0.8, 1.2)
    pa = rng.dirichlet(np.ones(3) * 5)
    pb = rng.dirichlet(np.ones(2) * 5)
    return a, b, w, x, total, pa, pb


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problem())
def test_rake_and_calibration_reach_their_margins(problem):
    a, b, w, x, total, pa, pb = problem
    d = SurveyDesign(pd.DataFrame({"a": a, "b": b, "w": w, "x": x}), weights="w")
    ma = {i: total * p for i, p in enumerate(pa)}
    mb = {i: total * p for i, p in enumerate(pb)}
    r = d.rake({"a": ma, "b": mb})
    rw = np.asarray(r.weights)
    np.testing.assert_allclose(np.bincount(a, weights=rw), total * pa, rtol=1e-8)
    np.testing.assert_allclose(np.bincount(b, weights=rw), total * pb, rtol=1e-8)
    assert (rw > 0).all()
    xt = float(x @ rw) * 1.02  # a 2 % nudge of the numeric total from the raked weights
    for method in ("linear", "raking"):
        try:
            cal = d.calibrate(categorical={"a": ma}, numeric={"x": xt}, method=method)
        except CalibrationError as exc:  # linear GREG may need negative weights: refused
            assert method == "linear" and "negative" in str(exc)
            continue
        cw = np.asarray(cal.weights)
        np.testing.assert_allclose(np.bincount(a, weights=cw), total * pa, rtol=1e-8)
        assert float(x @ cw) == pytest.approx(xt, rel=1e-8)
        assert (cw >= 0).all()


def test_grake_newton_on_a_hand_worked_case():
    # two groups, raking: g = target / sample total within each group
    mm = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    w = np.array([1.0, 2.0, 3.0])
    res = calibration_g(mm, w, np.array([12.0, 6.0]), method="raking")
    np.testing.assert_allclose(res.g, [2.0, 2.0, 2.0], rtol=1e-12)
    res = calibration_g(mm, w, np.array([9.0, 6.0]), method="raking")
    np.testing.assert_allclose(res.g, [1.0, 1.0, 2.0], rtol=1e-10)


# ---- estimators on weighted designs (R 4.1.1) ---------------------------------------------------
def test_estimators_after_raking_and_poststratification_match_r(clus1, df):
    """R::
        r <- rake(dclus1, list(~stype, ~sch.wide), list(data.frame(stype=c("E","H","M"),
                  Freq=c(4421,755,1018)), data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))),
                  control=list(maxit=100, epsilon=1e-10))
        svyglm(api00~ell+meals, design=r)   # coef / SE below
        p <- postStratify(dclus1, ~stype, data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018)))
        svytotal(~enroll, p); svymean(~api00, subset(p, sch.wide == "Yes"))
    """
    r = clus1.rake({"stype": STYPE, "sch_wide": {"No": 1072, "Yes": 5122}})
    fit = r.glm("api00 ~ ell + meals")
    np.testing.assert_allclose(
        fit.params, [807.892980457647, -0.385041110392943, -3.14521104713004], rtol=RTOL)
    np.testing.assert_allclose(
        fit.bse, [18.9758336307457, 0.294150544821731, 0.328662350666976], rtol=RTOL)
    p = clus1.poststratify("stype", STYPE)
    tot = p.total("enroll")
    assert tot["estimate"].iloc[0] == pytest.approx(3680892.94511905, rel=RTOL)
    assert tot["se"].iloc[0] == pytest.approx(406292.636294802, rel=RTOL)
    dom = p.subset(df["sch_wide"] == "Yes").mean("api00")
    assert dom["estimate"].iloc[0] == pytest.approx(647.161128404389, rel=RTOL)
    assert dom["se"].iloc[0] == pytest.approx(24.397066901528, rel=RTOL)


# ---- variance residualisation: fast forms equal R's literal algorithms --------------------------
def test_greg_residuals_equal_qr_residuals_even_when_aliased():
    from arefie_studies.survey._calibrate_steps import GregStep

    rng = np.random.default_rng(7)
    n = 400
    grp = rng.integers(0, 4, n)
    mm = np.column_stack([np.ones(n), grp == 1, grp == 2, grp == 3, rng.gamma(2, 300, n)])
    mm = np.column_stack([mm, mm[:, 1] + mm[:, 2]])  # an aliased column
    w0 = rng.uniform(1, 5, n)
    g = rng.uniform(0.8, 1.2, n)
    x = rng.normal(size=(n, 3))
    step = GregStep(kind="calibrate", input_weights=w0, weights=w0 * g, model_matrix=mm, g=g)
    # R: qr.resid(qr(mm * whalf), x / (g * whalf)) * (g * whalf)
    whalf = np.sqrt(w0)
    q, _ = np.linalg.qr(mm[:, :5] * whalf[:, None])
    z = x / (g * whalf)[:, None]
    want = (z - q @ (q.T @ z)) * (g * whalf)[:, None]
    np.testing.assert_allclose(step.residualize(x), want, rtol=1e-9, atol=1e-12)


def test_raking_residuals_equal_rows_algorithm(clus1):
    from arefie_studies.survey._calibrate_steps import RakingStep

    r = clus1.rake({"stype": STYPE, "sch_wide": {"No": 1072, "Yes": 5122}})
    step = r._calibrations[-1]
    assert isinstance(step, RakingStep)
    x = np.random.default_rng(3).normal(size=(len(r.weights), 2))
    # R's svyrecvar: for 10 passes, for each margin: x <- x - psw * ave(x / psw, margin)
    want = x.copy()
    psw = step.weights
    for _ in range(10):
        for m in step.margins:
            ratio = want / psw[:, None]
            means = np.stack([pd.Series(ratio[:, j]).groupby(m.codes).transform("mean")
                              for j in range(2)], axis=1)
            want = want - psw[:, None] * means
    np.testing.assert_allclose(step.residualize(x), want, rtol=1e-10, atol=1e-12)
